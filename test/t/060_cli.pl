# The migration-helpers command line against a throwaway cluster: snapshot (JSON that parses,
# with the shape lint reads sizes from), diff between two snapshot files (exit 1 on an unsafe
# difference, 0 on none, every format parses or carries the file), and the usage and
# connection errors (exit 2). It connects like psql: here through PGHOST/PGPORT from the
# environment and through -d with a connection string. Its lint command is tested in
# 061_cli_lint.pl.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use MhCli;
use JSON::PP;

my $node = PostgreSQL::Test::Cluster->new('cli');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id bigint PRIMARY KEY, email text);
	INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;
});

my $dir = PostgreSQL::Test::Utils::tempdir;
sub run { return cli_run($node, @_); }

# snapshot: JSON, with the sizes lint(sizes => ...) reads
my ($rc, $out, $err) = run('snapshot');
is($rc, 0, 'snapshot exits 0') or diag($err);
my $snap = eval { decode_json($out) };
ok($snap, 'snapshot output parses as JSON') or diag($@);
my ($users) = grep { $_->{name} eq 'users' } @{ $snap->{tables} };
is($users->{schema}, 'public', 'snapshot: the table with its schema');
ok($users->{total_bytes} > 0 && $users->{heap_bytes} > 0, 'snapshot: its sizes in bytes');
ok(defined $users->{rows}, 'snapshot: its row estimate');
my $a = write_file($dir, 'a.json', $out);
($rc, $out) = run('snapshot', '--compact');
is($rc, 0, 'snapshot --compact exits 0');
is(scalar(() = $out =~ /\n/g), 1, 'snapshot --compact is one line');

# diff: an index only in b is unsafe (exit 1); a snapshot against itself is clean (exit 0)
$node->safe_psql('postgres', q{
	SET migration_helpers.guard = off;
	CREATE INDEX users_email_idx ON users (email);
	ALTER TABLE users ALTER COLUMN email SET NOT NULL;
});
(undef, $out) = run('snapshot');
my $b = write_file($dir, 'b.json', $out);
($rc, $out, $err) = run('diff', $a, $b);
is($rc, 1, 'diff with unsafe differences exits 1') or diag($err);
like($out, qr/^unsafe: index users_email_idx on public\.users: only in b/m, 'diff text: the index');
like($out, qr/^unsafe: column public\.users\.email: nullability/m, 'diff text: the nullability');
like($out, qr/^2 differences, 2 unsafe$/m, 'diff text: the summary');
($rc, $out) = run('diff', $a, $a);
is($rc, 0, 'diff of a snapshot with itself exits 0');
like($out, qr/^0 differences, 0 unsafe$/m, 'and says so');
($rc, $out) = run('diff', $a, $b, '--format', 'json');
is($rc, 1, 'diff --format json exits 1');
my $j = eval { decode_json($out) };
ok($j, 'diff --format json parses') or diag($@);
is($j->{summary}{unsafe}, 2, 'diff json: two unsafe');
is((grep { $_->{kind} eq 'only in b' && !defined $_->{a_value} } @{ $j->{differences} }), 1,
	'diff json: only in b has a null a_value');
($rc, $out) = run('diff', $a, $b, '--format', 'sarif');
my $s = eval { decode_json($out) };
is($s->{version}, '2.1.0', 'diff --format sarif is SARIF 2.1.0');
is(scalar @{ $s->{runs}[0]{results} }, 2, 'diff sarif: two results');
($rc, $out) = run('diff', $a, $b, '--format', 'github');
like($out, qr/^::error file=\Q$b\E,title=schema difference%3A only in b::index users_email_idx/m,
	'diff github: an error annotation on file b');

# -d with a connection string, not the environment
{
	my ($stdout, $stderr) = ('', '');
	local $ENV{PGHOST} = '/nonexistent';
	local $ENV{PGPORT} = '1';
	IPC::Run::run([ 'migration-helpers', 'snapshot', '-d',
		'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres' ], '>', \$stdout, '2>', \$stderr);
	is($? >> 8, 0, 'snapshot -d CONNSTR connects with the connection string') or diag($stderr);
}

# exit 2: usage and connection errors, and setup errors on the server
($rc, undef, $err) = run();
is($rc, 2, 'no command: exit 2');
like($err, qr/no command given/, 'no command: says so');
($rc, undef, $err) = run('lint');
is($rc, 2, 'lint without a file: exit 2');
($rc, undef, $err) = run('diff', $a, $b, '--format', 'xml');
is($rc, 2, 'unknown format: exit 2');
like($err, qr/unknown format "xml"/, 'unknown format: says so');
($rc, undef, $err) = run('frobnicate');
is($rc, 2, 'unknown command: exit 2');
($rc, undef, $err) = run('diff', $a, "$dir/missing.json");
is($rc, 2, 'unreadable file: exit 2');
like($err, qr/could not read ".*missing\.json"/, 'unreadable file: names it');
($rc, undef, $err) = run('diff', $a, write_file($dir, 'bad.json', '[1]'));
is($rc, 2, 'a file that is no snapshot: exit 2');
like($err, qr/argument "b" of schema_diff is not a schema snapshot/, 'and the server says why');
($rc, undef, $err) = run('snapshot', '-p', '1', '-h', '/nonexistent');
is($rc, 2, 'no server: exit 2');
like($err, qr/could not connect/, 'no server: could not connect');
($rc, $out) = run('--help');
is($rc, 0, '--help exits 0');
like($out, qr/^Exit status: 0 clean, 1/m, '--help documents the exit codes');
$node->safe_psql('postgres', 'CREATE DATABASE bare');
{
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run([ 'migration-helpers', 'snapshot', '-h', $node->host, '-p', $node->port, '-d', 'bare' ],
		'>', \$stdout, '2>', \$stderr);
	is($? >> 8, 2, 'a database without the extension: exit 2');
	like($stderr, qr/schema "migration_helpers" does not exist/, 'and the server says why');
}

$node->stop;
done_testing();
