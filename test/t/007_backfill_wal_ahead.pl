# While backfill batches run, the launcher creates the WAL segment files the WAL
# is about to reach (migration_helpers.prepare_wal_segments), so that no
# committing session of the application has to zero-fill and sync a new segment
# while every other commit waits for it. The cluster uses 1 MB segments, so a
# small table's backfill crosses many; checkpoints remove old segments instead
# of recycling them as future ones (wal_recycle = off), so that every file ahead
# of the insert position was made by the server's own preallocation (at most
# one, at a checkpoint) or by the launcher.
#   - on: during a job, segment files exist ahead of the insert position (more
#     than the server keeps by itself), the launcher logs what it created, and
#     every row is updated exactly once;
#   - off (a reload): nothing is created ahead, nothing is logged;
#   - a segment the launcher cannot create: a WARNING, the launcher lives on and
#     the job is not disturbed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('walahead');
$node->init(extra => ['--wal-segsize=1']);
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'migration_helpers'\nwal_recycle = off\nmin_wal_size = 2MB");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0, pad text NOT NULL DEFAULT repeat('x', 200));
	INSERT INTO t (id) SELECT g FROM generate_series(1, 60000) g;
	CHECKPOINT;
});

# Segment files beyond the one the WAL is inserted into now, and beyond the segment number $floor
# (the last one that existed before the job: files left ahead by an earlier job do not count).
sub ahead_sql
{
	my ($floor) = @_;
	return qq{SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'
		AND substr(name, 9) > greatest(substr(pg_walfile_name(pg_current_wal_insert_lsn()), 9), '$floor')};
}

# run_job: one backfill of every row (v = v + 1), slowed so that it lasts a few seconds; returns
# the most segments seen ahead of the insert position while it ran (and beyond those that
# existed when it started).
sub run_job
{
	my $floor = $node->safe_psql('postgres',
		q{SELECT max(substr(name, 9)) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'});
	my $ahead_sql = ahead_sql($floor);
	my $job = $node->safe_psql('postgres', q{SELECT migration_helpers.backfill('t', 'v = v + 1',
		batch_size => 2000, min_batch_size => 2000, max_batch_size => 2000, pause => '30ms', force => true)});
	my $most = 0;
	for (my $i = 0; $i < 600; $i++)
	{
		my ($ahead, $status) = split /\|/, $node->safe_psql('postgres',
			"SELECT ($ahead_sql), status FROM migration_helpers.backfills WHERE id = $job");
		$most = $ahead if $ahead > $most;
		last if $status ne 'running' && $status ne 'queued';
		usleep(20_000);
	}
	is($node->safe_psql('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job"),
		'succeeded', "job $job succeeded");
	return $most;
}

my $log_at = -s $node->logfile;
my $most_on = run_job();
cmp_ok($most_on, '>=', 2, "with prepare_wal_segments on, new segments exist ahead of the WAL ($most_on seen)");
ok($node->wait_for_log(qr/migration_helpers created \d+ WAL segment\(s\) ahead of backfill writes/, $log_at),
	'the launcher logs what it created once the batches stop');
my ($created) = slurp_file($node->logfile, $log_at) =~ /migration_helpers created (\d+) WAL segment/;
cmp_ok($created, '>', 0, "it created $created segments");
is($node->safe_psql('postgres', 'SELECT min(v) || \'-\' || max(v) FROM t'), '1-1', 'every row updated once');

$node->safe_psql('postgres', q{ALTER SYSTEM SET migration_helpers.prepare_wal_segments = off; SELECT pg_reload_conf()});
usleep(300_000);
$log_at = -s $node->logfile;
my $most_off = run_job();
cmp_ok($most_off, '<=', 1, "with it off (a reload), at most the one the server makes ahead ($most_off seen)");
usleep(2_500_000);
unlike(slurp_file($node->logfile, $log_at), qr/WAL segment\(s\) ahead of backfill writes/, 'and nothing is logged');
is($node->safe_psql('postgres', 'SELECT min(v) || \'-\' || max(v) FROM t'), '2-2', 'every row updated once more');

# A segment it cannot create: its temporary file name taken by a directory (the server's own
# XLogFileInit then fails to create the file and raises an error in the launcher).
$node->safe_psql('postgres', q{ALTER SYSTEM RESET migration_helpers.prepare_wal_segments; SELECT pg_reload_conf()});
usleep(300_000);
my $launcher = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'migration_helpers launcher'});
like($launcher, qr/^\d+$/, 'the launcher runs');
my $blocker = $node->data_dir . "/pg_wal/xlogtemp.$launcher";
mkdir $blocker or die "mkdir $blocker: $!";
$log_at = -s $node->logfile;
run_job();
ok($node->wait_for_log(qr/WARNING:  migration_helpers could not create a WAL segment ahead of backfill writes: could not create file/, $log_at),
	'a segment it cannot create is a WARNING');
is($node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'migration_helpers launcher'}),
	$launcher, 'the launcher lives on');
is($node->safe_psql('postgres', 'SELECT min(v) || \'-\' || max(v) FROM t'), '3-3', 'and the job updated every row once');
rmdir $blocker;

$node->stop;
done_testing();
