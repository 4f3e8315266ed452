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
# The migrations are made with the helpers: one completed (a backfilled column
# and an index built by a worker), one backfilling whose job is kept running
# while the dump is taken.
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
	CREATE TABLE users (id bigint PRIMARY KEY, first_name text, last_name text);
	INSERT INTO users (id, first_name, last_name) SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 20000) g;
	CREATE TABLE events (id bigint PRIMARY KEY, v int);
	INSERT INTO events SELECT g, g FROM generate_series(1, 5000) g;
	CREATE TABLE items (id bigint PRIMARY KEY, n int);
	INSERT INTO items SELECT g, 0 FROM generate_series(1, 5000) g;
	ANALYZE;
	BEGIN;
	SET LOCAL migration_helpers.allow = 'index_not_concurrent';
	CREATE INDEX items_n ON items (n);
	COMMIT;
});

# A completed migration: a backfilled column and an index built by a worker.
$src->safe_psql('postgres', q{
	SELECT migration_helpers.start_migration('0041_events_w', 'events get w');
	SELECT migration_helpers.add_column('0041_events_w', 'events', 'w', 'int', backfill_expr => 'v * 2');
	SELECT migration_helpers.add_index('0041_events_w', 'events', 'w');
});
ok(poll($src, 'postgres', q{SELECT phase FROM migration_helpers.migrations WHERE name = '0041_events_w'},
	'ready', 60), 'the first migration is ready');
$src->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('0041_events_w')});
ok(poll($src, 'postgres', q{SELECT phase FROM migration_helpers.migrations WHERE name = '0041_events_w'},
	'completed', 60), 'the first migration completed');
my $done = $src->safe_psql('postgres', q{SELECT max(id) FROM migration_helpers._backfill_jobs});

# A paused job.
my $paused = $src->safe_psql('postgres',
	q{SELECT migration_helpers.backfill('items', 'n = 1', batch_size => 100,
	  min_batch_size => 100, max_batch_size => 100, pause => '200ms')});
ok(poll($src, 'postgres', "SELECT rows_done > 0 FROM migration_helpers.backfills WHERE id = $paused", 't', 60),
	'the second job made progress');
$src->safe_psql('postgres', "SELECT migration_helpers.backfill_pause($paused)");
ok(poll($src, 'postgres', "SELECT status FROM migration_helpers.backfills WHERE id = $paused", 'paused', 30),
	'and is paused');

# A migration backfilling: its expression is slow (0.5 ms a row), so its job is
# still running while the dump is taken.
$src->safe_psql('postgres', q{
	CREATE FUNCTION slow_name(a text, b text) RETURNS text LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_sleep(0.0005); RETURN a || ' ' || b; END $$;
	SELECT migration_helpers.start_migration('0042_full_name', 'users get a full name');
	SELECT migration_helpers.add_column('0042_full_name', 'users', 'full_name', 'text',
		backfill_expr => 'public.slow_name(first_name, last_name)');
	SELECT migration_helpers.add_not_null('0042_full_name', 'users', 'full_name');
});
my $running = $src->safe_psql('postgres', q{SELECT max(id) FROM migration_helpers._backfill_jobs});
ok(poll($src, 'postgres', "SELECT status || (rows_done > 0)::text FROM migration_helpers.backfills WHERE id = $running",
	'runningtrue', 60), 'the migration\'s job is running');
is($src->safe_psql('postgres', q{SELECT phase FROM migration_helpers.migrations WHERE name = '0042_full_name'}),
	'backfilling', 'its migration is backfilling');

# The state as the dump sees it (but the OIDs that are pinned again on
# arrival, checked below by name): a repeatable-read transaction exports its
# snapshot, pg_dump takes the same one, so the rows compared are the dumped rows.
my $state = q{
	SELECT 'job ' || j::text FROM (SELECT id, migration_id, relation_schema, relation_name, set_clause, where_clause,
		owner_role, status, batch_size, min_batch_size, max_batch_size, target_batch_ms, pause_ms,
		batch_lock_timeout_ms, batch_statement_timeout_ms, key_columns, position, upper_bound, tail_passes,
		rows_done, rows_estimated, batches_done, retries, last_error, creator_xid, created_at, started_at,
		finished_at, settings, origin FROM migration_helpers._backfill_jobs ORDER BY id) j
	UNION ALL SELECT 'migration ' || (to_jsonb(m) - 'origin' - 'owner_oid')::text
		FROM (SELECT * FROM migration_helpers._migrations ORDER BY id) m
	UNION ALL SELECT 'step ' || (to_jsonb(s) - 'origin' - 'relation_oid' - 'ref_relation_oid')::text
		FROM (SELECT * FROM migration_helpers._migration_steps ORDER BY migration_id, step_no) s
	UNION ALL SELECT 'ddl_log ' || l::text FROM (SELECT id, role_name, command_tag, statement, relation, lock_mode,
		rules_allowed, rules_warned, guard_mode FROM migration_helpers._ddl_log ORDER BY id) l
	UNION ALL SELECT 'task ' || t::text FROM (SELECT id, migration_id, step_no, statement, index_schema, index_name,
		builds, owner_oid, login_oid, status, attempts, max_attempts, last_error, worker_pid, creator_xid, created_at,
		started_at, finished_at FROM migration_helpers._migration_tasks ORDER BY id) t
	UNION ALL SELECT 'sequence ' || last_value FROM migration_helpers._backfill_jobs_id_seq
	UNION ALL SELECT 'sequence ' || last_value FROM migration_helpers._migration_tasks_id_seq
	UNION ALL SELECT 'sequence ' || last_value FROM migration_helpers._migrations_id_seq
};
my $bg = $src->background_psql('postgres');
$bg->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $snapshot = $bg->query_safe('SELECT pg_export_snapshot()');
my $before = $bg->query_safe($state);
my $tables = q{SELECT name, tables FROM migration_helpers.migrations ORDER BY id};
my $tables_before = $bg->query_safe($tables);
my $dump = $src->basedir . '/db.dump';
$src->command_ok([ 'pg_dump', '-Fc', "--snapshot=$snapshot", '-d', $src->connstr('postgres'), '-f', $dump ],
	'pg_dump -Fc while a job runs');
$bg->query_safe('COMMIT');
$bg->quit;
like($before, qr/^job \($running,2,public,users,.*?,running,/ms, 'the dumped snapshot has the job running');
like($before, qr/^job \($done,1,public,events,.*?,succeeded,/ms, 'and the finished job');

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
is($dst->safe_psql('restored', $state), $before,
	'jobs, migrations, steps, index tasks, ddl_log and sequences restored as dumped');

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

# Steps pin their tables by OID, and OIDs mean nothing in another cluster:
# the restored rows are pinned again by name on arrival, so the view names the
# same tables and a second migration on one of them is refused.
is($dst->safe_psql('restored', $tables), $tables_before, 'the migrations view names the same tables after a restore');
($ret, $out, $err) = $dst->psql('restored', q{BEGIN;
	SELECT migration_helpers.start_migration('0043_users_x');
	SELECT migration_helpers.add_column('0043_users_x', 'users', 'x', 'int');
	ROLLBACK;});
like($err, qr/0042_full_name/, 'a second migration on a table of a restored unfinished one is refused');
is($dst->safe_psql('restored', q{SELECT count(*) FROM migration_helpers._migration_steps s
	WHERE s.relation_oid IS DISTINCT FROM pg_catalog.to_regclass(pg_catalog.format('%I.%I', s.relation_schema, s.relation_name))
	   OR s.origin <> migration_helpers._origin()}), '0', 'every restored step is pinned to the table of its name here');
is($dst->safe_psql('restored', q{SELECT count(*) FROM migration_helpers._migrations m
	WHERE m.owner_oid IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = m.created_by)}), '0',
	'every restored migration is owned by the role of its name here');

# The restored unfinished migration: its job failed as foreign, so it cannot be
# completed; abort undoes it by name, leaving the table as before it.
($ret, $out, $err) = $dst->psql('restored', q{SELECT migration_helpers.complete_migration('0042_full_name')});
like($err, qr/cannot complete migration "0042_full_name": 1 asynchronous step failed/,
	'complete_migration is refused: its backfill failed');
is($dst->safe_psql('restored', q{SELECT migration_helpers.abort_migration('0042_full_name')}), 'aborted',
	'abort_migration undoes it');
is($dst->safe_psql('restored', q{SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
	WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped}), 'id,first_name,last_name',
	'the column is gone');
is($dst->safe_psql('restored', q{SELECT count(*) FROM pg_trigger WHERE tgrelid = 'users'::regclass}), '0',
	'and its fill trigger');
is($dst->safe_psql('restored', q{SELECT count(*) FROM pg_constraint WHERE conrelid = 'users'::regclass
	AND conname = 'users_full_name_not_null'}), '0', 'and its NOT NULL check');

# Started again in the restored database, a job runs, with an id after the restored ones.
my $again = $dst->safe_psql('restored', q{SELECT migration_helpers.backfill('items', 'n = 2')});
cmp_ok($again, '>', $running, 'a new job takes an id after the restored ones');
ok(poll($dst, 'restored', "SELECT status FROM migration_helpers.backfills WHERE id = $again", 'succeeded', 60),
	'and succeeds');
is($dst->safe_psql('restored', q{SELECT count(*) FROM items WHERE n = 2}), '5000', 'every row filled');

# The source is undisturbed: its running job goes on after the dump.
my $dumped_rows = $dst->safe_psql('restored', "SELECT rows_done FROM migration_helpers._backfill_jobs WHERE id = $running");
ok(poll($src, 'postgres', "SELECT (status IN ('running', 'succeeded') AND rows_done > $dumped_rows)::text
	FROM migration_helpers.backfills WHERE id = $running", 'true', 60), 'the source job goes on after the dump');
$src->psql('postgres', "SELECT migration_helpers.backfill_cancel($running)");   # unless it has ended meanwhile
$src->safe_psql('postgres', "SELECT migration_helpers.backfill_cancel($paused)");

$src->stop;
$dst->stop;
done_testing();
