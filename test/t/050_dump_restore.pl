# pg_dump -Fc / pg_restore of a database with running and finished backfill
# jobs and migrations, into another cluster: the state rows and sequences come
# back exactly as they were in the dump's snapshot, the event triggers come
# back (ENABLE ALWAYS) and guard the restored database, a job that was running
# shows as interrupted and, when resumed, fails saying it belongs to another
# cluster instead of running on whatever table has its OID there. A restore
# with the guard on is refused (it builds indexes and constraints on tables
# filled in earlier transactions); README: restore with
# PGOPTIONS='-c migration_helpers.guard=off', or in one transaction.
#
# The migration rows are written directly, as a superuser, until the
# expand-contract helpers exist: what is proven here is that the dump keeps
# them, not how they were made.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $src = PostgreSQL::Test::Cluster->new('source');
$src->init;
$src->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$src->start;

# poll: runs a query until it returns the wanted value, or gives up after $secs.
sub poll
{
	my ($node, $db, $sql, $want, $secs) = @_;
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

$src->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id bigint PRIMARY KEY, first_name text, last_name text, full_name text, initials text);
	INSERT INTO users (id, first_name, last_name) SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 20000) g;
	CREATE TABLE events (id bigint PRIMARY KEY, v int, w int);
	INSERT INTO events SELECT g, g FROM generate_series(1, 5000) g;
	ANALYZE;
	INSERT INTO migration_helpers._migrations (name, description, phase, finished_at)
		VALUES ('0041_events_w', 'events.w', 'completed', now());
	INSERT INTO migration_helpers._migrations (name, description, phase)
		VALUES ('0042_full_name', 'users.full_name', 'backfilling');
	INSERT INTO migration_helpers._migration_steps (migration_id, step_no, action, relation_schema, relation_name,
		column_name, forward_sql, undo_sql, contract_sql)
	VALUES (2, 1, 'add_column', 'public', 'users', 'full_name', 'ALTER TABLE public.users ADD COLUMN full_name text',
		'ALTER TABLE public.users DROP COLUMN full_name', NULL);
	BEGIN;
	SET LOCAL migration_helpers.allow = 'index_not_concurrent';
	CREATE INDEX events_v ON events (v);
	COMMIT;
});

# A finished job, a paused one and one running slowly while the dump is taken.
my $done = $src->safe_psql('postgres', q{SELECT migration_helpers.backfill('events', 'w = v * 2')});
$src->safe_psql('postgres', "SELECT migration_helpers.backfill_wait($done, '60s')");
my $paused = $src->safe_psql('postgres',
	q{SELECT migration_helpers.backfill('users', 'initials = left(first_name, 1)', batch_size => 100,
	  min_batch_size => 100, max_batch_size => 100, pause => '200ms')});
ok(poll($src, 'postgres', "SELECT rows_done > 0 FROM migration_helpers.backfills WHERE id = $paused", 't', 60),
	'the second job made progress');
$src->safe_psql('postgres', "SELECT migration_helpers.backfill_pause($paused)");
ok(poll($src, 'postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $paused", 'paused', 30),
	'and is paused');
my $running = $src->safe_psql('postgres',
	q{SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 100,
	  min_batch_size => 100, max_batch_size => 100, pause => '100ms')});
# The job is the migration's step's backfill: the migrations view derives the phase from it.
$src->safe_psql('postgres', "UPDATE migration_helpers._backfill_jobs SET migration_id = 2 WHERE id = $running;
	UPDATE migration_helpers._migration_steps SET backfill_job = $running WHERE migration_id = 2 AND step_no = 1");
ok(poll($src, 'postgres', "SELECT status || (rows_done > 0)::text FROM migration_helpers.backfills WHERE id = $running",
	'runningtrue', 60), 'the third job is running');

# The state as the dump sees it: a repeatable-read transaction exports its
# snapshot, pg_dump takes the same one, so the rows compared are the dumped rows.
my $state = q{
	SELECT 'job ' || j::text FROM (SELECT id, migration_id, relation_schema, relation_name, set_clause, where_clause,
		owner_role, status, batch_size, min_batch_size, max_batch_size, target_batch_ms, pause_ms,
		batch_lock_timeout_ms, batch_statement_timeout_ms, key_columns, position, upper_bound, tail_passes,
		rows_done, rows_estimated, batches_done, retries, last_error, creator_xid, created_at, started_at,
		finished_at, settings, origin FROM migration_helpers._backfill_jobs ORDER BY id) j
	UNION ALL SELECT 'migration ' || m::text FROM (SELECT * FROM migration_helpers._migrations ORDER BY id) m
	UNION ALL SELECT 'step ' || s::text FROM (SELECT * FROM migration_helpers._migration_steps
		ORDER BY migration_id, step_no) s
	UNION ALL SELECT 'ddl_log ' || l::text FROM (SELECT id, role_name, command_tag, statement, relation, lock_mode,
		rules_allowed, rules_warned, guard_mode FROM migration_helpers._ddl_log ORDER BY id) l
	UNION ALL SELECT 'sequence ' || last_value FROM migration_helpers._backfill_jobs_id_seq
	UNION ALL SELECT 'sequence ' || last_value FROM migration_helpers._migrations_id_seq
};
my $bg = $src->background_psql('postgres');
$bg->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $snapshot = $bg->query_safe('SELECT pg_export_snapshot()');
my $before = $bg->query_safe($state);
my $dump = $src->basedir . '/db.dump';
$src->command_ok([ 'pg_dump', '-Fc', "--snapshot=$snapshot", '-d', $src->connstr('postgres'), '-f', $dump ],
	'pg_dump -Fc while a job runs');
$bg->query_safe('COMMIT');
$bg->quit;
like($before, qr/^job \($running,2,public,users,.*,running,/m, 'the dumped snapshot has the job running');
like($before, qr/^job \($done,,public,events,.*,succeeded,/m, 'and the finished job');

# --- restore into another cluster ---
my $dst = PostgreSQL::Test::Cluster->new('target');
$dst->init;
$dst->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$dst->start;

$dst->safe_psql('postgres', 'CREATE DATABASE guarded');
my ($ret, $out, $err) = ('', '', '');
my @restore = ('pg_restore', '--no-owner', $dump);
IPC::Run::run([ @restore, '-d', $dst->connstr('guarded') ], '>', \$out, '2>', \$err);
note(join("\n", grep { /ERROR/ } split /\n/, $err));
like($err, qr/ERROR:  \S.* would block .* on table "public\.(users|events)"/, 'with the guard on, pg_restore is refused');
like($err, qr/SET LOCAL migration_helpers\.allow|Use /, 'with the safe recipe in the error');

$dst->safe_psql('postgres', 'CREATE DATABASE restored');
{
	local $ENV{PGOPTIONS} = '-c migration_helpers.guard=off';
	$dst->command_ok([ @restore, '--exit-on-error', '-d', $dst->connstr('restored') ],
		"pg_restore with PGOPTIONS='-c migration_helpers.guard=off'");
}
is($dst->safe_psql('restored', $state), $before, 'jobs, migrations, steps, ddl_log and sequences restored as dumped');

$dst->safe_psql('postgres', 'CREATE DATABASE one_txn');
$dst->command_ok([ @restore, '--single-transaction', '--exit-on-error', '-d', $dst->connstr('one_txn') ],
	'pg_restore --single-transaction passes with the guard on (every table is new in its transaction)');
is($dst->safe_psql('one_txn', $state), $before, 'and restores the same state');

# The event triggers are back, always enabled, and guard the restored database.
is($dst->safe_psql('restored', q{SELECT string_agg(evtname || ':' || evtenabled::text, ',' ORDER BY evtname)
	FROM pg_event_trigger}),
	'migration_helpers_ddl_command_end:A,migration_helpers_ddl_command_start:A,migration_helpers_table_rewrite:A',
	'the event triggers are restored, ENABLE ALWAYS');
($ret, $out, $err) = $dst->psql('restored', 'CREATE INDEX users_last ON users (last_name)');
like($err, qr/Rule index_not_concurrent/, 'and the restored database is guarded');
is($dst->safe_psql('restored', q{SELECT count(*) FROM users WHERE full_name IS NOT NULL}),
	$dst->safe_psql('restored', "SELECT rows_done FROM migration_helpers._backfill_jobs WHERE id = $running"),
	'the table rows and the job progress come from one snapshot');

# The running job shows as interrupted, the others as they were.
is($dst->safe_psql('restored', q{SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM migration_helpers.backfills}),
	"$done:succeeded,$paused:paused,$running:interrupted", 'the running job shows as interrupted');
is($dst->safe_psql('restored', q{SELECT string_agg(name || ':' || phase, ',' ORDER BY id) FROM migration_helpers.migrations}),
	'0041_events_w:completed,0042_full_name:backfilling', 'migrations keep their phases');

# Resumed, it fails: its OIDs belong to the other cluster.
$dst->safe_psql('restored', "SELECT migration_helpers.backfill_resume($running)");
ok(poll($dst, 'restored', "SELECT status FROM migration_helpers.backfills WHERE id = $running", 'failed', 60),
	'the restored job fails when resumed');
like($dst->safe_psql('restored', "SELECT last_error FROM migration_helpers.backfills WHERE id = $running"),
	qr/started in another cluster or database/, 'saying it comes from another cluster');

# Started again in the restored database, it runs, with an id after the restored ones.
my $again = $dst->safe_psql('restored',
	q{SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, force => true)});
cmp_ok($again, '>', $running, 'a new job takes an id after the restored ones');
ok(poll($dst, 'restored', "SELECT status FROM migration_helpers.backfills WHERE id = $again", 'succeeded', 60),
	'and succeeds');
is($dst->safe_psql('restored', q{SELECT count(*) FROM users WHERE full_name = first_name || ' ' || last_name}),
	'20000', 'every row filled');

# The source is undisturbed: its running job goes on after the dump.
my $dumped_rows = $dst->safe_psql('restored', "SELECT rows_done FROM migration_helpers._backfill_jobs WHERE id = $running");
ok(poll($src, 'postgres', "SELECT (status IN ('running', 'succeeded') AND rows_done > $dumped_rows)::text
	FROM migration_helpers.backfills WHERE id = $running", 'true', 60), 'the source job goes on after the dump');
$src->psql('postgres', "SELECT migration_helpers.backfill_cancel($running)");   # unless it has ended meanwhile
$src->safe_psql('postgres', "SELECT migration_helpers.backfill_cancel($paused)");

$src->stop;
$dst->stop;
done_testing();
