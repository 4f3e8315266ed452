# Exactly once under concurrent writes that move rows: the table the issue
# reproduced with (deleted rows, free space, no primary key) now walks a
# unique index on a NOT NULL column, while two clients keep updating rows so
# that their new versions land on other pages (the table is full: no HOT),
# some before the walk's position and some after. The SET clause is the only
# writer of n, so every row present at the start must end with n = 1.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('moving');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	SET migration_helpers.guard = off;
	CREATE TABLE heap (k int NOT NULL, n int NOT NULL DEFAULT 0, pad text) WITH (autovacuum_enabled = off, fillfactor = 100);
	INSERT INTO heap (k, pad) SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
	DELETE FROM heap WHERE k > 10000 AND k % 2 = 0;
	VACUUM heap;
	CREATE UNIQUE INDEX heap_k ON heap (k);
});

my $script = $node->basedir . '/move.sql';
open(my $fh, '>', $script) or die;
print $fh "\\set k random(1, 20000)\n";
print $fh "UPDATE heap SET pad = repeat(md5(random()::text), 4) WHERE k = :k;\n";
close($fh);
my $movers = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-T', '60', '-f', $script, $node->connstr('postgres') ],
	'>', \my $out, '2>', \my $err);
# The clients are at work before the walk starts.
for (my $i = 0; $i < 300; $i++)
{
	last if $node->safe_psql('postgres', q{SELECT count(*) >= 100 FROM heap WHERE pad NOT LIKE 'xxx%'}) eq 't';
	usleep(100_000);
}
my $job = $node->safe_psql('postgres', q{SELECT migration_helpers.backfill('heap', 'n = n + 1', batch_size => 200,
	min_batch_size => 200, max_batch_size => 200, pause => '30ms')});
my $status = '';
for (my $i = 0; $i < 1200 && $status ne 'succeeded' && $status ne 'failed'; $i++)
{
	usleep(100_000);
	$status = $node->safe_psql('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job");
}
$movers->kill_kill;
diag("pgbench: $err") if $err =~ /error|abort/i;
is($status, 'succeeded', 'the job ends while rows keep moving');
my $moved = $node->safe_psql('postgres',
	q{SELECT count(*) FROM heap WHERE pad NOT LIKE 'xxx%'});
note("rows moved by the clients during the walk: $moved");
cmp_ok($moved, '>', 500, 'the clients moved many rows meanwhile');
is($node->safe_psql('postgres', q{SELECT count(*) || ' rows, n ' || min(n) || '-' || max(n) FROM heap}),
	'15000 rows, n 1-1', 'every row updated exactly once');
is($node->safe_psql('postgres', "SELECT rows_done FROM migration_helpers.backfills WHERE id = $job"), '15000',
	'and counted once');

$node->stop;
done_testing();
