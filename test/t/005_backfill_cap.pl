# The worker cap is cluster-wide: with migration_helpers.max_backfill_workers = 1,
# a job in a second database waits as queued while the first database's job
# runs, and starts on its own when that worker ends — no session has to wait
# for it or call backfill_resume_all() (the ending worker wakes the launcher,
# which starts a resumer in the database whose jobs are waiting) — once per
# worker that ends, not at every poll of the launcher's WAL preparation while
# batches run (a resumer every 10 ms, each finding the cap still full).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('cap');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'migration_helpers'\nmigration_helpers.max_backfill_workers = 1\nlog_min_messages = debug1");
$node->start;

for my $db ('one', 'two')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{
		CREATE EXTENSION migration_helpers;
		CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);
		INSERT INTO t (id) SELECT g FROM generate_series(1, 20) g;
	});
}

sub status
{
	my ($db, $job) = @_;
	return $node->safe_psql($db, "SELECT status FROM migration_helpers.backfills WHERE id = $job");
}

sub poll_status
{
	my ($db, $job, $want, $secs) = @_;
	my $got = '';
	for (my $i = 0; $i < $secs * 10; $i++)
	{
		$got = status($db, $job);
		return 1 if $got eq $want;
		usleep(100_000);
	}
	diag("job $job in $db: $got");
	return 0;
}

my $first = $node->safe_psql('one', q{SELECT migration_helpers.backfill('t', 'v = v + 1', batch_size => 1,
	min_batch_size => 1, max_batch_size => 1, pause => '150ms')});
ok(poll_status('one', $first, 'running', 30), 'the first database\'s job runs');
my $log_at = -s $node->logfile;
my $second = $node->safe_psql('two', q{SELECT migration_helpers.backfill('t', 'v = v + 1')});
usleep(500_000);
is(status('two', $second), 'queued', 'the second database\'s job waits: the cap is cluster-wide');
ok(poll_status('one', $first, 'succeeded', 60), 'the first job ends');
# While the first job's batches ran (about 3 s), the second database's waiting job got no resumer:
# at most the one its own worker's end may start, and the one the first worker's end starts.
my $resumers = () = slurp_file($node->logfile, $log_at) =~
	/starting background worker process "migration_helpers resumer for database/g;
cmp_ok($resumers, '<=', 2, "resumers started while the job waited behind the cap: $resumers");
ok(poll_status('two', $second, 'succeeded', 30), 'and the waiting job then starts and ends by itself');
is($node->safe_psql('two', 'SELECT min(v) || \'-\' || max(v) FROM t'), '1-1', 'every row of it updated once');

$node->stop;
done_testing();
