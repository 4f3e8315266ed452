# A type change survives restarts: a server restart in the middle of its
# backfill (the engine's resumer restarts the job, which goes on where it
# stopped and keeps every row in sync) and an immediate restart in the middle
# of complete_migration() (the call is one transaction: nothing of the swap
# is left half done, and a second call completes it).
#
# Fast by construction, not by volume: a few thousand rows, and the test holds
# the locks that stop each phase where it wants it. The USING expression waits
# for an advisory lock at one row past the first batch: a session holding that
# lock holds the backfill (its batch waits, times out and retries) until the
# restart, and takes no lock the expand's DDL would wait for; a session's
# ACCESS SHARE lock on the table lets
# the contract's VALIDATE through and holds its swap (ACCESS EXCLUSIVE, taken
# with retries) until the crash.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('column_restart');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'\nrestart_after_crash = on");
$node->start;

sub poll
{
	my ($sql, $want, $secs) = @_;
	my $got = '';
	for (my $i = 0; $i < $secs * 20; $i++)
	{
		my ($ret, $out, $err) = $node->psql('postgres', $sql);
		$got = $ret == 0 ? $out : "error: $err";
		return 1 if $ret == 0 && $got eq $want;
		usleep(50_000);
	}
	diag("last value of [$sql]: $got");
	return 0;
}

# hold: a session that runs $sql in an open transaction, then sleeps (until the server goes away).
sub hold
{
	my ($name, $sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-d', $node->connstr('postgres') . " application_name=$name", '-c',
		  "BEGIN; $sql; SELECT pg_sleep(60);" ],
		'>', \$out, '2>', \$err);
	ok(poll(qq{SELECT count(*) FROM pg_stat_activity WHERE application_name = '$name' AND wait_event = 'PgSleep'},
		'1', 30), "$name holds its lock");
	return $h;
}

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	-- gate: n, once the test's advisory lock 21 is free when n is 2500.
	CREATE FUNCTION gate(n int) RETURNS bigint LANGUAGE plpgsql AS $$
	BEGIN IF n = 2500 THEN PERFORM pg_advisory_xact_lock_shared(21); END IF; RETURN n; END $$;
	CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL CHECK (n > 0));
	INSERT INTO t SELECT g, g FROM generate_series(1, 3000) g;
});

# --- a restart in the middle of the backfill ---
# The first batch (1000 rows) passes; the one with row 2500 waits for the holder's advisory lock.
my $rows = hold('gate_holder', 'SELECT pg_advisory_xact_lock(21)');
$node->safe_psql('postgres', q{
	SELECT migration_helpers.start_migration('widen');
	SELECT migration_helpers.change_column_type('widen', 't', 'n', 'bigint', 'gate(n)');
});
ok(poll(q{SELECT b.status, b.rows_done > 0, a.wait_event FROM migration_helpers.backfills b
	JOIN pg_stat_activity a ON a.pid = b.worker_pid}, 'running|t|advisory', 30),
	'the backfill is under way, its batch waiting at row 2500');
# Batches below row 2500 may still pass (a conflict halves the batch): the progress is read
# last thing before the restart; the resumer starts the job again as soon as the server is up.
my $done_before = $node->safe_psql('postgres', q{SELECT rows_done FROM migration_helpers.backfills});
$node->restart;
$rows->finish;
ok($done_before > 0 && $done_before < 2500, "the restart stopped it halfway ($done_before rows)");
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (5000, 5000); UPDATE t SET n_new = 30000 WHERE id = 2999});
ok(poll(q{SELECT phase FROM migration_helpers.migrations}, 'ready', 60), 'the resumed backfill finished');
is($node->safe_psql('postgres', q{SELECT count(*), count(*) FILTER (WHERE n::bigint IS DISTINCT FROM n_new) FROM t}),
	'3001|0', 'every row is in sync, including those written around the restart');
is($node->safe_psql('postgres', q{SELECT n, n_new FROM t WHERE id = 2999}), '30000|30000', 'the new version\'s write kept');
is($node->safe_psql('postgres', q{SELECT count(*), min(status), sum(rows_done) FROM migration_helpers.backfills}),
	'1|succeeded|3000', 'the same job resumed and succeeded, 3000 rows done in all');

# --- an immediate restart in the middle of complete_migration(): VALIDATE ran, the swap waits ---
my $table = hold('table_holder', 'SELECT count(*) FROM t');
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres') . ' application_name=completer', '-c',
	  "SELECT migration_helpers.complete_migration('widen')" ],
	'>', \$out, '2>', \$err);
ok(poll(q{SELECT bool_or(l.mode = 'ShareUpdateExclusiveLock' AND l.granted)
		AND bool_or(l.mode = 'AccessExclusiveLock' AND NOT l.granted)
	FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.relation = 't'::regclass AND a.application_name = 'completer'}, 't', 30),
	'complete_migration validated the carried check and waits for the swap\'s lock');
$node->stop('immediate');
$h->finish;
$table->finish;
$node->start;
is($node->safe_psql('postgres', q{
	SELECT v.phase, m.contract_done, format_type(a.atttypid, a.atttypmod),
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n_new' AND NOT attisdropped),
		(SELECT string_agg(convalidated::text, ',') FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 't_n_check_new')
	FROM migration_helpers._migrations m JOIN migration_helpers.migrations v ON v.id = m.id, pg_attribute a
	WHERE a.attrelid = 't'::regclass AND a.attname = 'n'}),
	'ready|0|integer|t|false', 'after the crash nothing of the contract happened, its VALIDATE included');
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (5001, 5001)});
is($node->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('widen')}), 'completed',
	'a second complete_migration() completes it');
is($node->safe_psql('postgres', q{
	SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull,
		(SELECT string_agg(conname || ' ' || convalidated, ',') FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c'),
		NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n_new' AND NOT attisdropped),
		NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 't'::regclass AND NOT tgisinternal)
	FROM pg_attribute a WHERE a.attrelid = 't'::regclass AND a.attname = 'n'}),
	'bigint|t|t_n_check true|t|t', 'n is bigint, NOT NULL, its check validated under its old name, trigger gone');
is($node->safe_psql('postgres', q{SELECT count(*), sum(n) FROM t}), '3002|4538502', 'no row lost');
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (5002, 5000000000)});
pass('a bigint value is accepted after the contract');

$node->stop;
done_testing();
