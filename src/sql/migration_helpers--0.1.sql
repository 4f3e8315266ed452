\echo Use "CREATE EXTENSION migration_helpers" to load this file. \quit

-- migration_helpers 0.1: the schema, the extension-owned state tables, the
-- DDL guard (event triggers, rules(), ddl_log) and the boundary self-test.
--
-- The schema is created here (not by the control file's schema setting) so
-- that it is a member of the extension and DROP EXTENSION removes it.
-- State tables are written only by the extension's functions and read
-- through views; pg_extension_config_dump keeps their rows in pg_dump.

CREATE SCHEMA migration_helpers;
COMMENT ON SCHEMA migration_helpers IS 'migration_helpers: safe zero-downtime schema changes';
GRANT USAGE ON SCHEMA migration_helpers TO PUBLIC;

-- Migrations and their steps (expand-contract).
CREATE SEQUENCE migration_helpers._migrations_id_seq;
CREATE TABLE migration_helpers._migrations (
	id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migration_helpers._migrations_id_seq'),
	name text NOT NULL UNIQUE CHECK (name <> ''),
	description text,
	phase text NOT NULL DEFAULT 'expanding'
		CHECK (phase IN ('expanding', 'backfilling', 'ready', 'completed', 'aborted')),
	created_by name NOT NULL DEFAULT CURRENT_USER,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	finished_at timestamptz,
	CHECK ((phase IN ('completed', 'aborted')) = (finished_at IS NOT NULL))
);
ALTER SEQUENCE migration_helpers._migrations_id_seq OWNED BY migration_helpers._migrations.id;

CREATE TABLE migration_helpers._migration_steps (
	migration_id bigint NOT NULL REFERENCES migration_helpers._migrations (id) ON DELETE CASCADE,
	step_no integer NOT NULL CHECK (step_no > 0),
	action text NOT NULL,                 -- the helper that recorded it: add_column, rename_column, ...
	relation_schema name NOT NULL,        -- names, not regclass: pg_upgrade refuses reg* columns
	relation_name name NOT NULL,
	column_name name,
	forward_sql text NOT NULL,            -- what the expand phase ran
	undo_sql text,                        -- what abort_migration() runs, in reverse step order
	contract_sql text,                    -- what complete_migration() runs
	status text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone', 'contracted')),
	applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (migration_id, step_no)
);

-- Backfill jobs. A job walks its table's primary key (key_columns, position
-- and upper_bound hold key values as text), or ctid page ranges when the
-- table has none (key_columns NULL, position and upper_bound hold pages).
CREATE SEQUENCE migration_helpers._backfill_jobs_id_seq;
CREATE TABLE migration_helpers._backfill_jobs (
	id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migration_helpers._backfill_jobs_id_seq'),
	migration_id bigint REFERENCES migration_helpers._migrations (id) ON DELETE SET NULL,
	relation_schema name NOT NULL,        -- names, not regclass: pg_upgrade refuses reg* columns
	relation_name name NOT NULL,
	set_clause text NOT NULL,
	where_clause text,
	owner_role name NOT NULL,             -- the worker connects as this role, never as another
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
	batch_size integer NOT NULL CHECK (batch_size > 0),     -- current size, adapted by the worker
	min_batch_size integer NOT NULL CHECK (min_batch_size > 0),
	max_batch_size integer NOT NULL CHECK (max_batch_size >= min_batch_size),
	target_batch_ms integer NOT NULL CHECK (target_batch_ms > 0),
	pause_ms integer NOT NULL DEFAULT 0 CHECK (pause_ms >= 0),
	batch_lock_timeout_ms integer NOT NULL CHECK (batch_lock_timeout_ms > 0),
	batch_statement_timeout_ms integer NOT NULL CHECK (batch_statement_timeout_ms > 0),
	max_replication_lag bigint CHECK (max_replication_lag >= 0),  -- bytes; NULL: no throttling
	key_columns name[],
	position text[],                      -- last key (or page) done; NULL: nothing done yet
	upper_bound text[],                   -- last key (or page) present when the walk started
	tail_passes integer NOT NULL DEFAULT 0,
	rows_done bigint NOT NULL DEFAULT 0,
	rows_estimated bigint,
	batches_done bigint NOT NULL DEFAULT 0,
	retries integer NOT NULL DEFAULT 0,
	last_error text,
	worker_pid integer,
	creator_xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	finished_at timestamptz
);
ALTER SEQUENCE migration_helpers._backfill_jobs_id_seq OWNED BY migration_helpers._backfill_jobs.id;

-- The guard's record of DDL that ran on existing tables.
-- CACHE: each backend takes ids 32 at a time, so logging a statement rarely touches the sequence page.
CREATE SEQUENCE migration_helpers._ddl_log_id_seq CACHE 32;
CREATE TABLE migration_helpers._ddl_log (
	id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migration_helpers._ddl_log_id_seq'),
	logged_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	role_name name NOT NULL,
	backend_pid integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
	command_tag text NOT NULL,
	statement text NOT NULL,
	relation text,
	lock_mode text,                       -- strongest lock the statement held on the relation
	duration interval,                    -- NULL for commands logged before they run
	rules_allowed text[],                 -- rules let through by migration_helpers.allow
	rules_warned text[],                  -- rules reported as warnings only
	guard_mode text NOT NULL
);
ALTER SEQUENCE migration_helpers._ddl_log_id_seq OWNED BY migration_helpers._ddl_log.id;

SELECT pg_catalog.pg_extension_config_dump('migration_helpers._migrations', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._migrations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._migration_steps', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._backfill_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._backfill_jobs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._ddl_log', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._ddl_log_id_seq', '');

REVOKE ALL ON migration_helpers._migrations, migration_helpers._migration_steps,
	migration_helpers._backfill_jobs, migration_helpers._ddl_log FROM PUBLIC;
REVOKE ALL ON SEQUENCE migration_helpers._migrations_id_seq, migration_helpers._backfill_jobs_id_seq,
	migration_helpers._ddl_log_id_seq FROM PUBLIC;

-- Status views: readable by everyone, writable by no one.
CREATE VIEW migration_helpers.migrations AS
SELECT m.id, m.name, m.description, m.phase, m.created_by, m.created_at, m.updated_at, m.finished_at,
	(SELECT pg_catalog.count(*) FROM migration_helpers._migration_steps s WHERE s.migration_id = m.id) AS steps
FROM migration_helpers._migrations m;

-- A job whose worker is gone (crash, restart, kill) is not shown as running:
-- it is 'interrupted' until backfill_resume() or the launcher picks it up.
CREATE VIEW migration_helpers.backfills AS
SELECT j.id, pg_catalog.format('%I.%I', j.relation_schema, j.relation_name) AS relation,
	CASE WHEN j.status IN ('queued', 'running') AND w.pid IS NULL THEN 'interrupted' ELSE j.status END AS status,
	j.rows_done, j.rows_estimated,
	CASE WHEN j.rows_estimated > 0
		THEN pg_catalog.round(LEAST(100, 100.0 * j.rows_done / j.rows_estimated), 1) END AS percent_done,
	pg_catalog.round(j.rows_done / NULLIF(EXTRACT(epoch FROM COALESCE(j.finished_at, pg_catalog.now()) - j.started_at), 0))
		AS rows_per_second,
	CASE WHEN j.status = 'running' AND w.pid IS NOT NULL AND j.rows_done > 0 AND j.rows_estimated > j.rows_done
		THEN (j.rows_estimated - j.rows_done) * ((pg_catalog.now() - j.started_at) / j.rows_done) END AS eta,
	j.batch_size, j.batches_done, j.retries, j.last_error, j.owner_role, w.pid AS worker_pid,
	j.created_at, j.started_at, j.finished_at
FROM migration_helpers._backfill_jobs j
LEFT JOIN pg_catalog.pg_stat_activity w ON w.pid = j.worker_pid AND w.backend_type = 'migration_helpers backfill';

CREATE VIEW migration_helpers.ddl_log AS
SELECT id, logged_at, role_name, backend_pid, command_tag, statement, relation, lock_mode, duration,
	rules_allowed, rules_warned, guard_mode
FROM migration_helpers._ddl_log;

GRANT SELECT ON migration_helpers.migrations, migration_helpers.backfills, migration_helpers.ddl_log TO PUBLIC;

-- The guard.
CREATE FUNCTION migration_helpers.rules(
	OUT id text, OUT severity text, OUT lock text, OUT blocks text, OUT effect text,
	OUT catches text, OUT recipe text, OUT needs_preload boolean)
RETURNS SETOF record
LANGUAGE C STRICT STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'mh_rules';
COMMENT ON FUNCTION migration_helpers.rules() IS 'Every rule of the DDL guard: id, lock, what it catches, safe recipe';

CREATE FUNCTION migration_helpers._guard_ddl_command_start() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'mh_guard_ddl_command_start';
CREATE FUNCTION migration_helpers._guard_table_rewrite() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'mh_guard_table_rewrite';
CREATE FUNCTION migration_helpers._guard_ddl_command_end() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'mh_guard_ddl_command_end';
REVOKE ALL ON FUNCTION migration_helpers._guard_ddl_command_start(), migration_helpers._guard_table_rewrite(),
	migration_helpers._guard_ddl_command_end() FROM PUBLIC;

-- The backfill engine.
CREATE FUNCTION migration_helpers.backfill(
	relation regclass,
	set_clause text,
	where_clause text DEFAULT NULL,
	batch_size integer DEFAULT 1000,
	pause interval DEFAULT '0',
	target_batch_time interval DEFAULT '100ms',
	min_batch_size integer DEFAULT 100,
	max_batch_size integer DEFAULT 20000,
	max_replication_lag bigint DEFAULT NULL,
	batch_lock_timeout interval DEFAULT '1s',
	batch_statement_timeout interval DEFAULT '60s')
RETURNS bigint
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill';
COMMENT ON FUNCTION migration_helpers.backfill(regclass, text, text, integer, interval, interval, integer, integer, bigint, interval, interval)
	IS 'Start a batched, throttled, resumable UPDATE in a background worker; returns the job id';

CREATE FUNCTION migration_helpers.backfill_pause(job bigint) RETURNS void
LANGUAGE C STRICT VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_pause';
CREATE FUNCTION migration_helpers.backfill_resume(job bigint) RETURNS void
LANGUAGE C STRICT VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_resume';
CREATE FUNCTION migration_helpers.backfill_cancel(job bigint) RETURNS void
LANGUAGE C STRICT VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_cancel';
CREATE FUNCTION migration_helpers.backfill_wait(job bigint, timeout interval DEFAULT NULL) RETURNS text
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_wait';
CREATE FUNCTION migration_helpers.backfill_resume_all() RETURNS integer
LANGUAGE C STRICT VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_resume_all';

-- Boundary self-test (superuser only): proves C++ exceptions and ereport never cross.
CREATE FUNCTION migration_helpers._selftest_boundary(mode text) RETURNS integer
LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'mh_selftest_boundary';
CREATE FUNCTION migration_helpers._selftest_destructor_count() RETURNS integer
LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'mh_selftest_destructor_count';
REVOKE ALL ON FUNCTION migration_helpers._selftest_boundary(text),
	migration_helpers._selftest_destructor_count() FROM PUBLIC;

-- Event triggers last, so nothing above is judged by them. ENABLE ALWAYS:
-- session_replication_role = replica is no bypass.
CREATE EVENT TRIGGER migration_helpers_ddl_command_start ON ddl_command_start
	EXECUTE FUNCTION migration_helpers._guard_ddl_command_start();
CREATE EVENT TRIGGER migration_helpers_table_rewrite ON table_rewrite
	EXECUTE FUNCTION migration_helpers._guard_table_rewrite();
CREATE EVENT TRIGGER migration_helpers_ddl_command_end ON ddl_command_end
	EXECUTE FUNCTION migration_helpers._guard_ddl_command_end();
ALTER EVENT TRIGGER migration_helpers_ddl_command_start ENABLE ALWAYS;
ALTER EVENT TRIGGER migration_helpers_table_rewrite ENABLE ALWAYS;
ALTER EVENT TRIGGER migration_helpers_ddl_command_end ENABLE ALWAYS;
