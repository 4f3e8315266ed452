# A type change survives restarts: a server restart in the middle of its
# backfill (the engine's resumer restarts the job, which goes on where it
# stopped and keeps every row in sync) and an immediate restart in the middle
# of complete_migration() (the call is one transaction: nothing of the swap
# is left half done, and a second call completes it).
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
	-- Slow on purpose: about 0.2 ms a row, so that the backfill and the validation take seconds.
	CREATE FUNCTION slow_widen(n int) RETURNS bigint LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_sleep(0.0002); RETURN n; END $$;
	CREATE FUNCTION slow_positive(n bigint) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_sleep(0.0002); RETURN n > 0; END $$;
	CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL CHECK (slow_positive(n)));
	INSERT INTO t SELECT g, g FROM generate_series(1, 15000) g;
	SELECT migration_helpers.start_migration('widen');
	SELECT migration_helpers.change_column_type('widen', 't', 'n', 'bigint', 'slow_widen(n)');
});

# --- a restart in the middle of the backfill ---
ok(poll(q{SELECT rows_done > 1000 AND status = 'running' FROM migration_helpers.backfills}, 't', 60),
	'the backfill is under way');
$node->restart;
my $done_before = $node->safe_psql('postgres', q{SELECT rows_done FROM migration_helpers.backfills});
ok($done_before > 0 && $done_before < 15000, "the restart stopped it halfway ($done_before rows)");
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (20000, 20000); UPDATE t SET n_new = 30000 WHERE id = 14999});
ok(poll(q{SELECT phase FROM migration_helpers.migrations}, 'ready', 120), 'the resumed backfill finished');
is($node->safe_psql('postgres', q{SELECT count(*), count(*) FILTER (WHERE n::bigint IS DISTINCT FROM n_new) FROM t}),
	'15001|0', 'every row is in sync, including those written around the restart');
is($node->safe_psql('postgres', q{SELECT n, n_new FROM t WHERE id = 14999}), '30000|30000', 'the new version\'s write kept');

# --- an immediate restart while complete_migration() validates the carried check ---
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', "SELECT migration_helpers.complete_migration('widen')" ],
	'>', \$out, '2>', \$err);
ok(poll(q{SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.relation = 't'::regclass AND l.mode = 'ShareUpdateExclusiveLock' AND a.query LIKE '%complete_migration%'},
	't', 30), 'complete_migration is validating');
usleep(300_000);
$node->stop('immediate');
$h->finish;
$node->start;
is($node->safe_psql('postgres', q{
	SELECT v.phase, m.contract_done, format_type(a.atttypid, a.atttypmod),
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n_new' AND NOT attisdropped)
	FROM migration_helpers._migrations m JOIN migration_helpers.migrations v ON v.name = m.name, pg_attribute a
	WHERE a.attrelid = 't'::regclass AND a.attname = 'n'}),
	'ready|0|integer|t', 'after the crash nothing of the swap happened');
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (20001, 20001)});
is($node->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('widen')}), 'completed',
	'a second complete_migration() completes it');
is($node->safe_psql('postgres', q{
	SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull,
		(SELECT string_agg(conname || ' ' || convalidated, ',') FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c'),
		NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n_new' AND NOT attisdropped),
		NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 't'::regclass AND NOT tgisinternal)
	FROM pg_attribute a WHERE a.attrelid = 't'::regclass AND a.attname = 'n'}),
	'bigint|t|t_n_check true|t|t', 'n is bigint, NOT NULL, its check validated under its old name, trigger gone');
is($node->safe_psql('postgres', q{SELECT count(*), sum(n) FROM t}), '15002|112562502', 'no row lost');
$node->safe_psql('postgres', q{INSERT INTO t (id, n) VALUES (20002, 5000000000)});
pass('a bigint value is accepted after the contract');

$node->stop;
done_testing();
