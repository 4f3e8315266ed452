# Expand-contract migrations survive what production throws at them: an
# immediate (crash) restart in the middle of complete_migration() or of
# abort_migration() leaves the migration as before the call (the call is one
# transaction: its actions and its cursor roll back together), and a second
# call finishes it, running each action once; an index build whose worker is
# killed leaves an INVALID index, which the next worker drops and rebuilds.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('migrate');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'\nrestart_after_crash = on");
$node->start;

# poll: runs a query until it returns the wanted value, or gives up after $secs.
sub poll
{
	my ($sql, $want, $secs) = @_;
	my $got = '';
	for (my $i = 0; $i < $secs * 10; $i++)
	{
		my ($ret, $out, $err) = $node->psql('postgres', $sql);
		$got = $ret == 0 ? $out : "error: $err";
		return 1 if $ret == 0 && $got eq $want;
		usleep(100_000);
	}
	diag("last value of [$sql]: $got");
	return 0;
}

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	-- A check that takes a while to validate: about 0.2 ms a row.
	CREATE FUNCTION slow_positive(n int) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_sleep(0.0002); RETURN n > 0; END $$;
	CREATE TABLE t (id int PRIMARY KEY, n int, legacy text);
	INSERT INTO t SELECT g, g, 'x' FROM generate_series(1, 20000) g;
	SELECT migration_helpers.start_migration('slow_check');
	SELECT migration_helpers.add_check('slow_check', 't', 't_n_positive', 'slow_positive(n)');
	SELECT migration_helpers.drop_column('slow_check', 't', 'legacy');
});

# --- an immediate restart while complete_migration() validates ---
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', "SELECT migration_helpers.complete_migration('slow_check')" ],
	'>', \$out, '2>', \$err);
ok(poll(q{SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.relation = 't'::regclass AND l.mode = 'ShareUpdateExclusiveLock' AND a.query LIKE '%complete_migration%'},
	't', 30), 'complete_migration is validating');
usleep(500_000);
$node->stop('immediate');
$h->finish;
$node->start;
is($node->safe_psql('postgres', q{
	SELECT m.phase, m.contract_done, c.convalidated,
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'legacy' AND NOT attisdropped)
	FROM migration_helpers._migrations m, pg_constraint c WHERE c.conname = 't_n_positive'}),
	'ready|0|f|t', 'after the restart the migration is as before the call: no action ran, the cursor is at 0');
is($node->safe_psql('postgres', q{SELECT phase, steps_done, steps_total FROM migration_helpers.migrations}),
	'ready|2|2', 'the migrations view shows it ready');
is($node->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('slow_check')}),
	'completed', 'a second complete_migration() completes it');
is($node->safe_psql('postgres', q{
	SELECT c.convalidated, NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'legacy'
		AND NOT attisdropped), m.contract_done, m.phase
	FROM migration_helpers._migrations m, pg_constraint c WHERE c.conname = 't_n_positive'}),
	't|t|2|completed', 'every contract action ran once: validated, column dropped, cursor at 2');

# --- an immediate restart while abort_migration() waits for its second undo action's lock ---
$node->safe_psql('postgres', q{
	CREATE TABLE t2 (id int PRIMARY KEY, n int);
	CREATE TABLE t3 (id int PRIMARY KEY);
	SELECT migration_helpers.start_migration('undo_me');
	SELECT migration_helpers.add_column('undo_me', 't3', 'tier', 'int', default_expr => '1');
	SELECT migration_helpers.add_check('undo_me', 't2', 't2_n_positive', 'n > 0');
});
# A session holds t3 (the table of step 1, undone second) in an open transaction.
my ($hout, $herr) = ('', '');
my $holder = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c',
	  'BEGIN; SELECT count(*) FROM t3; SELECT pg_sleep(120);' ],
	'>', \$hout, '2>', \$herr);
ok(poll(q{SELECT count(*) FROM pg_locks WHERE relation = 't3'::regclass AND mode = 'AccessShareLock' AND granted},
	'1', 30), 'a session holds t3');
my ($aout, $aerr) = ('', '');
my $aborter = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', "SELECT migration_helpers.abort_migration('undo_me')" ],
	'>', \$aout, '2>', \$aerr);
# The first undo action (drop the check on t2) ran; the second retries for its lock on t3.
ok(poll(q{SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.relation = 't2'::regclass AND l.mode = 'AccessExclusiveLock' AND l.granted
	AND a.query LIKE '%abort_migration%'}, 't', 30), 'abort_migration undid step 2 and waits for step 1');
$node->stop('immediate');
$holder->finish;
$aborter->finish;
$node->start;
is($node->safe_psql('postgres', q{
	SELECT m.phase, m.undo_done,
		EXISTS (SELECT FROM pg_constraint WHERE conname = 't2_n_positive'),
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't3'::regclass AND attname = 'tier' AND NOT attisdropped)
	FROM migration_helpers._migrations m WHERE m.name = 'undo_me'}),
	'ready|0|t|t', 'after the restart nothing is undone: the undo of step 2 rolled back with its cursor');
is($node->safe_psql('postgres', q{SELECT migration_helpers.abort_migration('undo_me')}), 'aborted',
	'a second abort_migration() finishes');
is($node->safe_psql('postgres', q{
	SELECT m.phase, m.undo_done,
		EXISTS (SELECT FROM pg_constraint WHERE conname = 't2_n_positive'),
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't3'::regclass AND attname = 'tier' AND NOT attisdropped)
	FROM migration_helpers._migrations m WHERE m.name = 'undo_me'}),
	'aborted|2|f|f', 'each undo action ran once');

# --- a killed index build: the INVALID leftover is dropped and the index rebuilt ---
$node->safe_psql('postgres', q{
	-- Claims to be immutable so that it can be indexed; takes 1 ms a row.
	CREATE FUNCTION slow_id(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
	BEGIN PERFORM pg_sleep(0.001); RETURN i; END $$;
	CREATE TABLE u (id int PRIMARY KEY);
	INSERT INTO u SELECT generate_series(1, 3000);
	SELECT migration_helpers.start_migration('slow_index');
	SELECT migration_helpers.add_index('slow_index', 'u', 'slow_id(id)', 'u_slow_idx');
});
ok(poll(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'migration_helpers migrate'
	AND state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY%'}, '1', 30), 'the worker builds the index');
usleep(500_000);
my $pid = $node->safe_psql('postgres', q{SELECT worker_pid FROM migration_helpers._migration_tasks});
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid, 10000)"), 't', 'the worker is ended mid-build');
is($node->safe_psql('postgres', q{
	SELECT t.status, t.attempts, i.indisvalid FROM migration_helpers._migration_tasks t, pg_index i
	WHERE i.indexrelid = 'u_slow_idx'::regclass}),
	'running|1|f', 'an INVALID index is left, and the task has no worker');
# migration_wait() starts a worker for it again, which drops the leftover and builds anew.
$node->safe_psql('postgres', q{CALL migration_helpers.migration_wait('slow_index', '60s')});
is($node->safe_psql('postgres', q{
	SELECT t.status, t.attempts, i.indisvalid FROM migration_helpers._migration_tasks t, pg_index i
	WHERE i.indexrelid = 'u_slow_idx'::regclass}),
	'succeeded|2|t', 'the index is rebuilt and valid, in a second attempt');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname LIKE 'u_slow_idx%'}), '1',
	'no leftover remains');
is($node->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('slow_index')}), 'completed',
	'the migration completes');

# --- SIGKILL of an index build's worker: crash recovery, then the resumer restarts it ---
$node->safe_psql('postgres', q{
	CREATE TABLE w (id int PRIMARY KEY);
	INSERT INTO w SELECT generate_series(1, 3000);
	SELECT migration_helpers.start_migration('killed_index');
	SELECT migration_helpers.add_index('killed_index', 'w', 'slow_id(id)', 'w_slow_idx');
});
ok(poll(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'migration_helpers migrate'
	AND state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY w_slow_idx%'}, '1', 30), 'the worker builds w_slow_idx');
usleep(500_000);
$pid = $node->safe_psql('postgres',
	q{SELECT worker_pid FROM migration_helpers._migration_tasks t JOIN migration_helpers._migrations m
	  ON m.id = t.migration_id WHERE m.name = 'killed_index'});
kill 'KILL', $pid;
ok(poll(q{SELECT count(*) FROM pg_index WHERE indexrelid = 'w_slow_idx'::regclass AND NOT indisvalid}, '1', 60),
	'after crash recovery an INVALID index is left');
# The resumer started after crash recovery starts a worker again, with no call from anyone.
ok(poll(q{SELECT t.status || ' ' || t.attempts || ' ' || i.indisvalid FROM migration_helpers._migration_tasks t
	JOIN migration_helpers._migrations m ON m.id = t.migration_id, pg_index i
	WHERE m.name = 'killed_index' AND i.indexrelid = 'w_slow_idx'::regclass}, 'succeeded 2 true', 60),
	'the build is restarted by the resumer, the leftover dropped and the index built');
is($node->safe_psql('postgres', q{SELECT phase FROM migration_helpers.migrations WHERE name = 'killed_index'}), 'ready',
	'the migration is ready');

$node->stop;
done_testing();
