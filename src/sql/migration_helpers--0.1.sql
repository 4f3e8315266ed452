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

-- Backfill jobs.
CREATE SEQUENCE migration_helpers._backfill_jobs_id_seq;
CREATE TABLE migration_helpers._backfill_jobs (
	id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migration_helpers._backfill_jobs_id_seq'),
	migration_id bigint REFERENCES migration_helpers._migrations (id) ON DELETE SET NULL,
	relation_schema name NOT NULL,
	relation_name name NOT NULL,
	set_clause text NOT NULL,
	where_clause text,
	owner_role name NOT NULL,             -- the job runs as this role, never as a superuser
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
	batch_size integer NOT NULL CHECK (batch_size > 0),
	min_batch_size integer NOT NULL CHECK (min_batch_size > 0),
	max_batch_size integer NOT NULL CHECK (max_batch_size >= min_batch_size),
	target_batch_ms integer NOT NULL CHECK (target_batch_ms > 0),
	pause interval NOT NULL DEFAULT '0',
	max_replication_lag bigint,           -- bytes; NULL: no throttling on lag
	key_columns name[],                   -- keyset walk order; NULL: ctid page ranges
	position text[],                      -- last key (or page) done, as text
	upper_bound text[],                   -- the key range present when the job started
	rows_done bigint NOT NULL DEFAULT 0,
	rows_estimated bigint,
	batches_done bigint NOT NULL DEFAULT 0,
	retries integer NOT NULL DEFAULT 0,
	last_error text,
	worker_pid integer,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	finished_at timestamptz
);
ALTER SEQUENCE migration_helpers._backfill_jobs_id_seq OWNED BY migration_helpers._backfill_jobs.id;

-- The guard's record of DDL that ran on existing tables.
CREATE SEQUENCE migration_helpers._ddl_log_id_seq;
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

CREATE VIEW migration_helpers.backfills AS
SELECT j.id, pg_catalog.format('%I.%I', j.relation_schema, j.relation_name) AS relation, j.status,
	j.rows_done, j.rows_estimated, j.batch_size, j.batches_done, j.retries, j.last_error, j.owner_role,
	j.created_at, j.started_at, j.finished_at
FROM migration_helpers._backfill_jobs j;

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
