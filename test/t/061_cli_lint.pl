# NEEDS lint() (issue 13, built on branch h/lint): merge this test only once
# migration_helpers.lint() is in, or it fails.
#
# migration-helpers lint against a throwaway cluster: exit 0 for a clean file, 1 when a
# statement would be blocked by the guard, 2 for usage errors; each format (text, JSON, GitHub
# annotations, SARIF) carries the file, the line and the column of the statement; --sizes
# makes the findings carry production's sizes; --single-transaction is passed through; a
# file the server cannot parse is an error finding.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use MhCli;
use JSON::PP;

my $node = PostgreSQL::Test::Cluster->new('cli_lint');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id bigint PRIMARY KEY, email text);
	INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;
});

my $dir = PostgreSQL::Test::Utils::tempdir;
sub run { return cli_run($node, @_); }

my $clean = write_file($dir, '001_clean.sql', "ALTER TABLE users ADD COLUMN note text;\n");
# the unsafe statement on line 3, column 3
my $bad = write_file($dir, '002_index.sql', "-- 002: an index\n-- on users\n  CREATE INDEX users_email_idx ON users (email);\n");
my $fresh = write_file($dir, '003_fresh.sql', "CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id_idx ON fresh (id);\n");
my $broken = write_file($dir, '004_broken.sql', "ALTER TABLE users ADD COLUMNN x int;\n");

my ($rc, $out, $err) = run('lint', $clean);
is($rc, 0, 'a clean file: exit 0') or diag($err);
like($out, qr/^1 file linted: 0 errors/m, 'a clean file: the summary');

($rc, $out, $err) = run('lint', $clean, $bad);
is($rc, 1, 'a blocked statement: exit 1') or diag($err);
like($out, qr/^\Q$bad\E:3:3: error: .*\[index_not_concurrent\]$/m, 'text: file, line, column, severity, rule');
like($out, qr/^  hint: .*CONCURRENTLY/m, 'text: the recipe');
like($out, qr/^2 files linted: 1 error/m, 'text: the summary');

($rc, $out) = run('lint', $bad, '--format', 'github');
is($rc, 1, 'github: exit 1');
like($out, qr/^::error file=\Q$bad\E,line=3,col=3,title=migration_helpers index_not_concurrent::/m,
	'github: an error annotation on the right line and column');

($rc, $out) = run('lint', $clean, $bad, '--format', 'json');
is($rc, 1, 'json: exit 1');
my $j = eval { decode_json($out) };
ok($j, 'json parses') or diag($@);
my ($f) = grep { $_->{rule} eq 'index_not_concurrent' } @{ $j->{findings} };
is($f->{file}, $bad, 'json: the file');
is($f->{line}, 3, 'json: the line');
is($f->{col}, 3, 'json: the column');
is($f->{severity}, 'error', 'json: the severity');
is($f->{relation}, 'public.users', 'json: the relation');
is($j->{summary}{errors}, 1, 'json: the summary');

($rc, $out) = run('lint', $bad, '--format', 'sarif');
my $s = eval { decode_json($out) };
ok($s, 'sarif parses') or diag($@);
is($s->{version}, '2.1.0', 'sarif: version 2.1.0');
my $r = $s->{runs}[0]{results}[0];
is($r->{ruleId}, 'index_not_concurrent', 'sarif: the rule');
is($r->{level}, 'error', 'sarif: the level');
is($r->{locations}[0]{physicalLocation}{artifactLocation}{uri}, $bad, 'sarif: the file');
is($r->{locations}[0]{physicalLocation}{region}{startLine}, 3, 'sarif: the line');

# production's sizes from a snapshot file
my $sizes = write_file($dir, 'prod.json',
	'{"tables": [{"schema": "public", "name": "users", "total_bytes": 51539607552, '
	  . '"heap_bytes": 40000000000, "rows": 300000000}]}');
($rc, $out) = run('lint', $bad, '--format', 'json', '--sizes', $sizes);
is($rc, 1, '--sizes: exit 1');
$j = decode_json($out);
($f) = grep { $_->{rule} eq 'index_not_concurrent' } @{ $j->{findings} };
# lint's relation_size is the table's own size (heap_bytes: pg_relation_size), here production's
is($f->{relation_size}, 40000000000, "--sizes: the finding carries production's size")
  or diag("relation_size: " . ($f->{relation_size} // 'null'));

# a table created earlier in the same transaction is exempt, as the guard exempts it
($rc, $out, $err) = run('lint', $fresh, '--single-transaction', '--format', 'json');
is($rc, 0, '--single-transaction: an index on a table the file creates is no error') or diag($out . $err);

($rc, $out) = run('lint', $broken);
is($rc, 1, 'a file the server cannot parse: exit 1');
like($out, qr/^\Q$broken\E:\d+:\d+: error: .*syntax error/m, 'and the error is reported for the file');

($rc, undef, $err) = run('lint', "$dir/missing.sql");
is($rc, 2, 'an unreadable file: exit 2');
($rc, undef, $err) = run('lint', $bad, '--sizes', "$dir/missing.json");
is($rc, 2, 'an unreadable sizes file: exit 2');

$node->stop;
done_testing();
