# The backfill engine survives what production throws at it: its worker
# killed with SIGKILL mid-job, an immediate (crash) restart mid-job, a
# streaming replica whose replay is paused, and a job owned by an
# unprivileged role. Every row ends updated exactly once: a trigger counts
# the updates of each row.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'\nrestart_after_crash = on");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id bigint PRIMARY KEY, first_name text, last_name text,
		full_name text, initials text, updates int NOT NULL DEFAULT 0);
	CREATE FUNCTION count_updates() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
	CREATE TRIGGER count_updates BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION count_updates();
	INSERT INTO users (id, first_name, last_name) SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 60000) g;
	ANALYZE users;
});

# poll: runs a query until it returns the wanted value, or gives up after
# $secs; connection errors (the server in crash recovery) count as not yet.
sub poll
{
	my ($db, $sql, $want, $secs) = @_;
	my $got = '';
	for (my $i = 0; $i < $secs * 10; $i++)
	{
		my ($ret, $out, $err) = $node->psql($db, $sql);
		$got = $ret == 0 ? $out : "error: $err";
		return 1 if $ret == 0 && $got eq $want;
		usleep(100_000);
	}
	diag("last value of [$sql]: $got");
	return 0;
}

sub start_job
{
	my ($set) = @_;
	# Small batches with a pause: slow enough to be interrupted mid-way.
	return $node->safe_psql('postgres',
		"SELECT migration_helpers.backfill('users', '$set', batch_size => 500, min_batch_size => 500, "
		  . "max_batch_size => 500, pause => '20ms')");
}

# --- SIGKILL of the worker: crash recovery, then the launcher resumes the job ---
my $job = start_job(q{full_name = first_name || '' '' || last_name});
ok(poll('postgres', "SELECT rows_done BETWEEN 1 AND 50000 FROM migration_helpers.backfills WHERE id = $job", 't', 60),
	'job 1 made progress');
my $pid = $node->safe_psql('postgres', "SELECT worker_pid FROM migration_helpers.backfills WHERE id = $job");
like($pid, qr/^\d+$/, 'job 1 has a live worker');
like($node->safe_psql('postgres', "SELECT query FROM pg_stat_activity WHERE pid = $pid"),
	qr/^backfill job $job: batch of 500 rows/, 'the worker says what it does in pg_stat_activity');
kill 'KILL', $pid;
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 120),
	'job 1 resumed after the crash and succeeded');
is($node->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE full_name = first_name || ' ' || last_name)
	|| '/' || count(*) || ' updates ' || min(updates) || '-' || max(updates) FROM users}),
	'60000/60000 updates 1-1', 'every row updated exactly once despite SIGKILL');

# --- immediate restart mid-job ---
# Reset the counters without counting the reset (replica mode skips ordinary triggers).
$node->safe_psql('postgres', 'SET session_replication_role = replica; UPDATE users SET updates = 0');
$job = start_job(q{initials = left(first_name, 1) || left(last_name, 1)});
ok(poll('postgres', "SELECT rows_done BETWEEN 1 AND 50000 FROM migration_helpers.backfills WHERE id = $job", 't', 60),
	'job 2 made progress');
$node->stop('immediate');
$node->start;
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 120),
	'job 2 resumed after an immediate restart and succeeded');
is($node->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE initials IS NOT NULL)
	|| ' updates ' || min(updates) || '-' || max(updates) FROM users}),
	'60000 updates 1-1', 'every row updated exactly once despite the restart');
is($node->safe_psql('postgres', "SELECT retries FROM migration_helpers.backfills WHERE id = $job"), '0',
	'no batch had to be retried');

# --- a streaming replica with paused replay throttles the job ---
$node->backup('backup');
my $replica = PostgreSQL::Test::Cluster->new('replica');
$replica->init_from_backup($node, 'backup', has_streaming => 1);
$replica->start;
$node->wait_for_catchup($replica);
$replica->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$job = $node->safe_psql('postgres',
	q{SELECT migration_helpers.backfill('users', 'full_name = upper(full_name)', batch_size => 2000,
	  min_batch_size => 2000, max_batch_size => 2000, max_replication_lag => 65536)});
ok(poll('postgres', "SELECT query LIKE '%throttled: replication lag%' FROM pg_stat_activity a
	JOIN migration_helpers.backfills b ON a.pid = b.worker_pid WHERE b.id = $job", 't', 60),
	'the job waits while the replica lags');
my $stalled = $node->safe_psql('postgres', "SELECT rows_done FROM migration_helpers.backfills WHERE id = $job");
sleep 2;
is($node->safe_psql('postgres', "SELECT rows_done FROM migration_helpers.backfills WHERE id = $job"), $stalled,
	'no batch runs while replay is paused');
cmp_ok($stalled, '<', 60000, 'it stopped before the end');
$replica->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 120),
	'the job finishes once replay resumes');
$replica->stop;

# --- an unprivileged role's job runs with that role's rights only ---
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	GRANT CREATE ON SCHEMA public TO app;
	SET ROLE app;
	CREATE TABLE app_items (id int PRIMARY KEY, v int, by_role name);
	INSERT INTO app_items SELECT g, 0 FROM generate_series(1, 1000) g;
});
$job = $node->safe_psql('postgres', q{SET ROLE app;
	SELECT migration_helpers.backfill('app_items', 'v = 1, by_role = current_user')});
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 60),
	'the role\'s job succeeds');
is($node->safe_psql('postgres', 'SELECT string_agg(DISTINCT by_role, \',\') FROM app_items'), 'app',
	'its worker ran as the role');
my ($ret, $out, $err) = $node->psql('postgres', q{SET ROLE app;
	SELECT migration_helpers.backfill('users', 'full_name = NULL')});
like($err, qr/permission denied for table users/, 'the role cannot start a job on a table it may not update');
($ret, $out, $err) = $node->psql('postgres', q{SET ROLE app;
	SELECT migration_helpers.backfill_cancel(1)});
like($err, qr/permission denied for backfill job 1/, 'nor control another role\'s job');

# --- heavy concurrent inserts at the end of the key range: the job still ends ---
$node->safe_psql('postgres', q{
	CREATE TABLE feed (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int, w int);
	INSERT INTO feed (v) SELECT g FROM generate_series(1, 50000) g;
});
my $script = $node->basedir . '/insert.sql';
open(my $fh, '>', $script) or die;
print $fh "INSERT INTO feed (v) SELECT g FROM generate_series(1, 50) g;\n";
close($fh);
my $inserter = IPC::Run::start(['pgbench', '-n', '-c', '2', '-T', '60', '-f', $script, $node->connstr('postgres')],
	'>', \my $pgbench_out, '2>', \my $pgbench_err);
sleep 1;
$job = $node->safe_psql('postgres', q{SELECT migration_helpers.backfill('feed', 'w = v', batch_size => 2000,
	min_batch_size => 2000, max_batch_size => 2000)});
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 60),
	'a job on a table under constant inserts ends');
cmp_ok($node->safe_psql('postgres', "SELECT tail_passes FROM migration_helpers._backfill_jobs WHERE id = $job"),
	'<=', 3, 'after at most 3 passes over the tail');
cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM feed WHERE w IS NOT NULL'), '>=', 50000,
	'every row present at the start was filled');
$inserter->kill_kill;

# --- no free background worker slot: the job waits as queued, then runs ---
# A job beyond the free slots is not an error: it is queued, and the worker that
# ends hands itself over to it (same role: no slot is given up and taken again).
$node->append_conf('postgresql.conf', 'max_worker_processes = 3');  # 2 held: logical replication launcher, ours
$node->restart;
ok(poll('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'migration_helpers resumer'}, '0', 30),
	'the resumer started at server start has finished');
my $slow = $node->safe_psql('postgres', q{SELECT migration_helpers.backfill('app_items', 'v = v + 1',
	batch_size => 1, min_batch_size => 1, max_batch_size => 1, pause => '1s')});
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $slow", 'running', 30),
	'the slow job took the last slot');
my $queued = $node->safe_psql('postgres', q{SELECT migration_helpers.backfill('app_items', 'v = v + 2')});
like($queued, qr/^\d+$/, 'no free worker slot: the job is still recorded');
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $queued", 'queued', 10),
	'and waits as queued');
sleep 1;
is($node->safe_psql('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $queued"), 'queued',
	'while the slot is taken');
$node->safe_psql('postgres', "SELECT migration_helpers.backfill_cancel($slow)");
ok(poll('postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $queued", 'succeeded', 30),
	'it runs once the slot frees');

$node->stop;
done_testing();
