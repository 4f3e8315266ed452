\echo Use "ALTER EXTENSION migration_helpers UPDATE TO '0.2'" to load this file. \quit

-- migration_helpers 0.1 -> 0.2. A fresh install of 0.2 runs the 0.1 script and
-- then this one, so an upgraded database and a fresh one are built by the same
-- statements (sql/upgrade_paths.sql proves they end equal). Sections per
-- capability, so that changes to different capabilities do not collide.

-- ---------------------------------------------------------------------------
-- Guard
-- ---------------------------------------------------------------------------

-- session_role: the session's role, next to role_name (the current role, which in a SECURITY
-- DEFINER function is its owner). NULL in rows logged by 0.1.
ALTER TABLE migration_helpers._ddl_log ADD COLUMN session_role name;
-- migration: the expand-contract migration whose helper ran the statement (the helper
-- marks its own statement in C++; the guard lets it through and records it here).
ALTER TABLE migration_helpers._ddl_log ADD COLUMN migration text;

-- ddl_log shows a role the rows whose statement pg_stat_activity would show it: those whose
-- session role (pg_stat_activity's usename) or current role is one whose privileges it has,
-- its own included, and every row to members of pg_read_all_stats (superusers too). Rows of
-- roles that no longer exist only to the latter. security_barrier: a function in the caller's
-- WHERE clause must not see the hidden rows first.
CREATE OR REPLACE VIEW migration_helpers.ddl_log WITH (security_barrier) AS
SELECT l.id, l.logged_at, l.role_name, l.backend_pid, l.command_tag, l.statement, l.relation, l.lock_mode,
	l.duration, l.rules_allowed, l.rules_warned, l.guard_mode, l.session_role, l.migration
FROM migration_helpers._ddl_log l
WHERE pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
	OR EXISTS (SELECT FROM pg_catalog.pg_roles r
			   WHERE r.rolname IN (l.role_name, l.session_role) AND pg_catalog.pg_has_role(r.oid, 'USAGE'));

-- ---------------------------------------------------------------------------
-- Backfill engine
-- ---------------------------------------------------------------------------

-- Jobs pin what they act on by OID, and remember the settings they were
-- validated with (see src/pg/backfill/engine.cpp):
--   relation_oid  the table: a rename no longer moves the job to another table
--   owner_oid     the role whose rights the job has (a role dropped and
--                 re-created under the same name is another role)
--   login_oid     the role the worker connects as: the owner, or for a NOLOGIN
--                 owner (SET ROLE app_owner) the session user that is its member
--   settings      name, value, ...: search_path (resolved), standard_conforming_strings,
--                 DateStyle, ... as when backfill() checked the texts
--   origin        system identifier and database OID: OIDs mean nothing in a
--                 restored copy, whose jobs fail instead of running on another table
-- position and upper_bound now hold key values written under fixed settings.
ALTER TABLE migration_helpers._backfill_jobs
	ADD COLUMN relation_oid oid,
	ADD COLUMN owner_oid oid,
	ADD COLUMN login_oid oid,
	ADD COLUMN settings text[],
	ADD COLUMN origin text;
UPDATE migration_helpers._backfill_jobs j
SET relation_oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', j.relation_schema, j.relation_name)),
	owner_oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = j.owner_role),
	login_oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = j.owner_role);
-- A 0.1 job recorded neither its settings nor positions in a fixed form: it cannot
-- go on with the meaning it was validated with, so it ends here, saying why.
UPDATE migration_helpers._backfill_jobs
SET status = 'failed', worker_pid = NULL, finished_at = pg_catalog.now(), updated_at = pg_catalog.now(),
	last_error = 'the job was started by migration_helpers 0.1, which did not record the settings it was '
		'validated with; start it again with migration_helpers.backfill() (' || rows_done || ' rows were done)'
WHERE status IN ('queued', 'running', 'paused');
CREATE INDEX ON migration_helpers._backfill_jobs (relation_oid);

-- A role sees the jobs of the roles whose privileges it has, or all of them
-- with pg_read_all_stats, as pg_stat_activity shows sessions (last_error can
-- hold row data). security_barrier: a caller's function in WHERE sees no
-- other row. A queued job waits for a worker slot; a running job whose worker
-- is gone (crash, restart, kill) is 'interrupted' until resumed.
DROP VIEW migration_helpers.backfills;
CREATE VIEW migration_helpers.backfills WITH (security_barrier) AS
SELECT j.id,
	CASE WHEN c.oid IS NOT NULL THEN pg_catalog.format('%I.%I', n.nspname, c.relname)
		ELSE pg_catalog.format('%I.%I', j.relation_schema, j.relation_name) END AS relation,
	CASE WHEN j.status = 'running' AND w.pid IS NULL THEN 'interrupted' ELSE j.status END AS status,
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
LEFT JOIN pg_catalog.pg_class c ON c.oid = j.relation_oid
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_activity w ON w.pid = j.worker_pid AND w.backend_type = 'migration_helpers backfill'
WHERE pg_catalog.pg_has_role(j.owner_oid, 'USAGE') OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE');
GRANT SELECT ON migration_helpers.backfills TO PUBLIC;

-- backfill() gains force (a new job even when an equal one exists); 0.2's C
-- symbol mh_backfill_v2 (mh_backfill stays, for the 0.1 script).
DROP FUNCTION migration_helpers.backfill(regclass, text, text, integer, interval, interval, integer, integer, bigint,
	interval, interval);
CREATE FUNCTION migration_helpers.backfill(
	relation regclass,
	set_clause text,
	where_clause text DEFAULT NULL,
	batch_size integer DEFAULT 1000,
	pause interval DEFAULT '0',
	target_batch_time interval DEFAULT '30ms',
	min_batch_size integer DEFAULT 100,
	max_batch_size integer DEFAULT 20000,
	max_replication_lag bigint DEFAULT NULL,
	batch_lock_timeout interval DEFAULT '1s',
	batch_statement_timeout interval DEFAULT '60s',
	force boolean DEFAULT false)
RETURNS bigint
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_v2';
COMMENT ON FUNCTION migration_helpers.backfill(regclass, text, text, integer, interval, interval, integer, integer, bigint,
	interval, interval, boolean)
	IS 'Start a batched, throttled, resumable UPDATE in a background worker when this transaction commits; returns the job id (an equal unfinished or succeeded job is returned instead unless force)';

-- backfill_wait() also takes the table (its newest job), for migration files
-- that cannot carry a job id to the next migration.
DROP FUNCTION migration_helpers.backfill_wait(bigint, interval);
CREATE FUNCTION migration_helpers.backfill_wait(job bigint DEFAULT NULL, timeout interval DEFAULT NULL,
	relation regclass DEFAULT NULL) RETURNS text
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_wait_v2';
COMMENT ON FUNCTION migration_helpers.backfill_wait(bigint, interval, regclass)
	IS 'Wait until a backfill job (by id, or the newest on relation) ends; errors if it failed or was cancelled';

-- ---------------------------------------------------------------------------
-- Expand-contract migrations
-- ---------------------------------------------------------------------------

-- A migration records who started it (by OID: only that role, its members
-- and superusers may complete or abort it), the budget of its lock retries,
-- and two cursors: how many contract and how many undo actions have run, each
-- advanced in the same transaction as its action (src/core/migrate/plan.hpp).
-- Where the OIDs of a state table's row mean something: this database's instance id, a random
-- value drawn when the extension is created here (src/pg/common/origin.hpp). The table is not
-- dumped (it is no configuration table): a database restored from a dump draws a new id, so its
-- restored rows are seen to come from elsewhere and are pinned again by name on arrival
-- (_restored_row below); pg_upgrade, which keeps OIDs, keeps the table and so the id, as does a
-- copy made by CREATE DATABASE ... TEMPLATE, whose OIDs are the template's.
CREATE TABLE migration_helpers._instance (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	id text NOT NULL CHECK (id <> '')
);
INSERT INTO migration_helpers._instance (id) VALUES (pg_catalog.gen_random_uuid()::text);
REVOKE ALL ON migration_helpers._instance FROM PUBLIC;
CREATE FUNCTION migration_helpers._origin() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT i.id FROM migration_helpers._instance i $$;
COMMENT ON FUNCTION migration_helpers._origin()
	IS 'This database''s instance id, as the state tables record where their OIDs are valid';
REVOKE EXECUTE ON FUNCTION migration_helpers._origin() FROM PUBLIC;

ALTER TABLE migration_helpers._migrations
	ADD COLUMN origin text NOT NULL DEFAULT migration_helpers._origin(),
	ADD COLUMN owner_oid oid,
	ADD COLUMN lock_retry_budget_ms integer NOT NULL DEFAULT 30000 CHECK (lock_retry_budget_ms > 0),
	ADD COLUMN contract_done integer NOT NULL DEFAULT 0 CHECK (contract_done >= 0),
	ADD COLUMN undo_done integer NOT NULL DEFAULT 0 CHECK (undo_done >= 0),
	ADD COLUMN last_error text,
	ADD CHECK (contract_done = 0 OR undo_done = 0);
UPDATE migration_helpers._migrations m
SET owner_oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = m.created_by);
-- A name is unique among the migrations not aborted: a tool's "migrate down, then up
-- again" (Django migrate back, Alembic downgrade and upgrade, Sqitch revert and deploy)
-- aborts a migration and starts one of the same name, a new migration with its own id;
-- the aborted one stays as history. Every lookup by name takes the one not aborted,
-- else the newest aborted one (src/pg/migrate/store.cpp). A completed name stays taken.
ALTER TABLE migration_helpers._migrations DROP CONSTRAINT _migrations_name_key;
CREATE UNIQUE INDEX _migrations_name_live ON migration_helpers._migrations (name) WHERE phase <> 'aborted';
CREATE INDEX _migrations_name ON migration_helpers._migrations (name);

-- A step records its table by OID (and the table a foreign key references,
-- which it touches too), what identifies it within its migration (step_key:
-- a re-run with equal arguments is a no-op, with other arguments an error),
-- its actions as data, and the backfill job that fills its rows.
--   forward_actions   what the step helper ran
--   undo_actions      what abort_migration() runs, steps in reverse order
--   contract_actions  what complete_migration() runs; contract_passes says
--                     which run first (0: VALIDATE, blocking no writes)
--   action_locks      the lock each action takes, forward then undo then contract
--   ref_relation_schema, ref_relation_name
--                     the referenced table's name, to pin it again after a restore
--   more_relation_oids, more_relation_names
--                     other tables the step touches and keeps from other migrations (the
--                     tables whose foreign keys reference a renamed or retyped column),
--                     with their names (schema.name, quoted) to pin them again after a restore
--   origin            where relation_oid, ref_relation_oid and more_relation_oids are valid
ALTER TABLE migration_helpers._migration_steps
	ADD COLUMN relation_oid oid,
	ADD COLUMN ref_relation_oid oid,
	ADD COLUMN ref_relation_schema name,
	ADD COLUMN ref_relation_name name,
	ADD COLUMN more_relation_oids oid[] NOT NULL DEFAULT '{}',
	ADD COLUMN more_relation_names text[] NOT NULL DEFAULT '{}',
	ADD COLUMN origin text NOT NULL DEFAULT migration_helpers._origin(),
	ADD COLUMN step_key text,
	ADD COLUMN arguments text[],
	ADD COLUMN forward_actions text[],
	ADD COLUMN undo_actions text[],
	ADD COLUMN contract_actions text[],
	ADD COLUMN contract_passes integer[],
	ADD COLUMN action_locks text[],
	ADD COLUMN backfill_job bigint,
	ADD COLUMN index_schema name,         -- the index add_index, add_unique or drop_index builds or drops
	ADD COLUMN index_name name;

-- Statements that cannot run inside a function or a transaction block
-- (CREATE/DROP INDEX CONCURRENTLY), run by a background worker ("migration_helpers
-- migrate", src/pg/migrate/tasks.cpp) as a top-level command, as the role that
-- asked, after the transaction that recorded them commits. A build that fails or
-- is interrupted leaves an INVALID index, which the next attempt drops first;
-- after max_attempts the task fails with the error kept.
CREATE SEQUENCE migration_helpers._migration_tasks_id_seq;
CREATE TABLE migration_helpers._migration_tasks (
	id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migration_helpers._migration_tasks_id_seq'),
	migration_id bigint NOT NULL REFERENCES migration_helpers._migrations (id) ON DELETE CASCADE,
	step_no integer NOT NULL,
	statement text NOT NULL,
	index_schema name,                    -- NULL: the statement concerns no index (VALIDATE CONSTRAINT)
	index_name name,
	builds boolean NOT NULL,              -- builds the index (else drops it, or concerns none)
	owner_oid oid NOT NULL,               -- the role whose rights it runs with
	login_oid oid NOT NULL,               -- the role the worker connects as
	origin text NOT NULL DEFAULT migration_helpers._origin(),  -- where those OIDs are valid
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	attempts integer NOT NULL DEFAULT 0,
	max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
	last_error text,
	worker_pid integer,
	creator_xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at timestamptz,
	finished_at timestamptz
);
ALTER SEQUENCE migration_helpers._migration_tasks_id_seq OWNED BY migration_helpers._migration_tasks.id;
CREATE INDEX ON migration_helpers._migration_tasks (migration_id, step_no);
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._migration_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('migration_helpers._migration_tasks_id_seq', '');
REVOKE ALL ON migration_helpers._migration_tasks FROM PUBLIC;
REVOKE ALL ON SEQUENCE migration_helpers._migration_tasks_id_seq FROM PUBLIC;
-- A row recorded in another cluster or database (pg_dump restores the state
-- tables' rows, after the tables they name) is pinned again on arrival, by
-- name as pg_dump restores ownership: a migration's owner by created_by, a
-- step's tables by their recorded names (a table renamed during the migration
-- keeps the name it had at the step). A task, whose role is recorded by OID
-- only, is not run: queued or running, it fails saying why (the worker also
-- refuses a foreign task, for a restore made with triggers disabled).
CREATE FUNCTION migration_helpers._restored_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	here text := migration_helpers._origin();
BEGIN
	IF TG_TABLE_NAME = '_migration_steps' AND NEW.origin = here THEN
		IF NEW.ref_relation_oid IS NOT NULL AND NEW.ref_relation_name IS NULL THEN
			SELECT n.nspname, c.relname INTO NEW.ref_relation_schema, NEW.ref_relation_name
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = NEW.ref_relation_oid;
		END IF;
		RETURN NEW;
	END IF;
	IF NEW.origin IS NOT DISTINCT FROM here THEN
		RETURN NEW;
	END IF;
	IF TG_TABLE_NAME = '_migrations' THEN
		NEW.owner_oid := (SELECT r.oid FROM pg_roles r WHERE r.rolname = NEW.created_by);
		NEW.origin := here;
	ELSIF TG_TABLE_NAME = '_migration_steps' THEN
		NEW.relation_oid := to_regclass(format('%I.%I', NEW.relation_schema, NEW.relation_name));
		NEW.ref_relation_oid := CASE WHEN NEW.ref_relation_name IS NOT NULL
			THEN to_regclass(format('%I.%I', NEW.ref_relation_schema, NEW.ref_relation_name)) END;
		NEW.more_relation_oids := ARRAY(SELECT t.r::oid FROM unnest(NEW.more_relation_names) WITH ORDINALITY u (n, i),
			LATERAL (SELECT to_regclass(u.n)) t (r) WHERE t.r IS NOT NULL ORDER BY u.i);
		NEW.origin := here;
	ELSIF TG_TABLE_NAME = '_migration_tasks' AND NEW.status IN ('queued', 'running') THEN
		NEW.status := 'failed';
		NEW.worker_pid := NULL;
		NEW.finished_at := now();
		NEW.last_error := 'the task was recorded in another cluster or database (restored from a dump?): '
			'its role OID means nothing here; abort the migration and start it again';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION migration_helpers._restored_row()
	IS 'Pins a state table row recorded in another cluster or database (a restored dump) again by name';
CREATE TRIGGER restored_row BEFORE INSERT ON migration_helpers._migrations
	FOR EACH ROW EXECUTE FUNCTION migration_helpers._restored_row();
CREATE TRIGGER restored_row BEFORE INSERT ON migration_helpers._migration_steps
	FOR EACH ROW EXECUTE FUNCTION migration_helpers._restored_row();
CREATE TRIGGER restored_row BEFORE INSERT ON migration_helpers._migration_tasks
	FOR EACH ROW EXECUTE FUNCTION migration_helpers._restored_row();

CREATE INDEX ON migration_helpers._migration_steps (relation_oid);
CREATE INDEX ON migration_helpers._migration_steps (ref_relation_oid);
CREATE INDEX ON migration_helpers._migration_steps USING gin (more_relation_oids);
CREATE INDEX ON migration_helpers._backfill_jobs (migration_id);

CREATE FUNCTION migration_helpers._migration_phase(stored text, steps integer, running integer, failed integer)
RETURNS text LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'mh__migration_phase';
COMMENT ON FUNCTION migration_helpers._migration_phase(text, integer, integer, integer)
	IS 'The phase a migration is in, derived from its stored phase and its asynchronous work (src/core/migrate/phase.hpp)';

-- The migrations, with the phase derived from their work (a finished backfill
-- makes a migration ready; a backfill belongs to the migration it was started
-- for, _backfill_jobs.migration_id, whichever step or helper started it), the tables they touch, steps done of total (in
-- expand: forward work done; completed: contracted; aborted: undone), the
-- asynchronous work with its progress and ETA, and the last error. A
-- backfill's error can hold row data: it shows only to the roles that may
-- see the job (as in migration_helpers.backfills).
DROP VIEW migration_helpers.migrations;
CREATE VIEW migration_helpers.migrations WITH (security_barrier) AS
SELECT m.id, m.name, m.description,
	migration_helpers._migration_phase(m.phase, COALESCE(s.total, 0), COALESCE(j.running, 0) + COALESCE(k.running, 0),
		COALESCE(j.failed, 0) + COALESCE(k.failed, 0)) AS phase,
	COALESCE(s.tables, '{}') AS tables,
	CASE m.phase WHEN 'completed' THEN COALESCE(s.contracted, 0) WHEN 'aborted' THEN COALESCE(s.undone, 0)
		ELSE COALESCE(s.total, 0) - COALESCE(j.steps_waiting, 0) - COALESCE(k.steps_waiting, 0) END AS steps_done,
	COALESCE(s.total, 0) AS steps_total,
	NULLIF(pg_catalog.concat_ws('; ', j.work, k.work), '') AS async_work,
	CASE WHEN j.rows_estimated > 0
		THEN pg_catalog.round(LEAST(100, 100.0 * j.rows_done / j.rows_estimated), 1) END AS percent_done,
	j.eta,
	m.created_by, m.created_at, m.updated_at, m.finished_at,
	COALESCE(m.last_error, j.last_error, k.last_error) AS last_error,
	COALESCE(s.total, 0) AS steps,  -- 0.1's name of steps_total, kept for its readers
	COALESCE(j.failed, 0) + COALESCE(k.failed, 0) AS async_failed,
	COALESCE(j.running, 0) + COALESCE(k.running, 0) AS async_running  -- backfills and index tasks not yet ended
FROM migration_helpers._migrations m
LEFT JOIN LATERAL (
	SELECT pg_catalog.count(*)::integer AS total,
		(pg_catalog.count(*) FILTER (WHERE st.status = 'contracted'))::integer AS contracted,
		(pg_catalog.count(*) FILTER (WHERE st.status = 'undone'))::integer AS undone,
		(SELECT pg_catalog.array_agg(DISTINCT t.oid::pg_catalog.regclass::text ORDER BY t.oid::pg_catalog.regclass::text)
			FROM migration_helpers._migration_steps s2, pg_catalog.pg_class t
			WHERE s2.migration_id = m.id AND (t.oid IN (s2.relation_oid, s2.ref_relation_oid)
				OR t.oid = ANY (s2.more_relation_oids))) AS tables
	FROM migration_helpers._migration_steps st WHERE st.migration_id = m.id) s ON true
LEFT JOIN LATERAL (
	SELECT (pg_catalog.count(*) FILTER (WHERE b.status IN ('queued', 'running', 'paused')))::integer AS running,
		(pg_catalog.count(*) FILTER (WHERE b.status IN ('failed', 'cancelled')))::integer AS failed,
		(pg_catalog.count(DISTINCT st.step_no) FILTER (WHERE b.status <> 'succeeded' AND st.step_no IS NOT NULL))::integer
			AS steps_waiting,
		pg_catalog.sum(b.rows_done) AS rows_done, pg_catalog.sum(b.rows_estimated) AS rows_estimated,
		pg_catalog.max(CASE WHEN b.status = 'running' AND b.rows_done > 0 AND b.rows_estimated > b.rows_done
			THEN (b.rows_estimated - b.rows_done) * ((pg_catalog.now() - b.started_at) / b.rows_done) END) AS eta,
		pg_catalog.string_agg(pg_catalog.format('backfill %s of %s: %s', b.id,
			pg_catalog.format('%I.%I', b.relation_schema, b.relation_name), b.status), '; ' ORDER BY b.id) AS work,
		(pg_catalog.array_agg(b.last_error ORDER BY b.id DESC) FILTER (WHERE b.last_error IS NOT NULL
			AND b.status <> 'succeeded' AND (pg_catalog.pg_has_role(b.owner_oid, 'USAGE')
				OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE'))))[1] AS last_error
	FROM migration_helpers._backfill_jobs b
	LEFT JOIN migration_helpers._migration_steps st ON st.migration_id = m.id AND st.backfill_job = b.id
	WHERE b.migration_id = m.id AND COALESCE(st.status, 'applied') = 'applied') j ON true
LEFT JOIN LATERAL (
	SELECT (pg_catalog.count(*) FILTER (WHERE t.status IN ('queued', 'running')))::integer AS running,
		(pg_catalog.count(*) FILTER (WHERE t.status IN ('failed', 'cancelled')))::integer AS failed,
		(pg_catalog.count(DISTINCT t.step_no) FILTER (WHERE t.status <> 'succeeded'))::integer AS steps_waiting,
		pg_catalog.string_agg(pg_catalog.format('%s: %s%s', CASE WHEN t.index_name IS NULL THEN t.statement
			ELSE pg_catalog.format('%s %I.%I', CASE WHEN t.builds THEN 'index build' ELSE 'index drop' END,
				t.index_schema, t.index_name) END, t.status,
			CASE WHEN t.attempts > 1 THEN pg_catalog.format(' (attempt %s of %s)', t.attempts, t.max_attempts) ELSE '' END),
			'; ' ORDER BY t.id) AS work,
		(pg_catalog.array_agg(t.last_error ORDER BY t.id DESC) FILTER (WHERE t.last_error IS NOT NULL
			AND t.status <> 'succeeded'))[1] AS last_error
	FROM migration_helpers._migration_tasks t
	WHERE t.migration_id = m.id AND t.status <> 'cancelled'
		AND (m.phase = 'completed' OR t.builds)) k ON true;
GRANT SELECT ON migration_helpers.migrations TO PUBLIC;

CREATE FUNCTION migration_helpers.start_migration(name text, description text DEFAULT NULL,
	lock_retry_budget interval DEFAULT '30s') RETURNS bigint
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_start_migration';
COMMENT ON FUNCTION migration_helpers.start_migration(text, text, interval)
	IS 'Start a named expand-contract migration; returns its id (the same call again is a no-op)';

CREATE FUNCTION migration_helpers.complete_migration(name text, wait boolean DEFAULT false) RETURNS text
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_complete_migration';
COMMENT ON FUNCTION migration_helpers.complete_migration(text, boolean)
	IS 'Contract a migration: run its contract actions in order, resuming where a failed call stopped';

CREATE FUNCTION migration_helpers.abort_migration(name text) RETURNS text
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_abort_migration';
COMMENT ON FUNCTION migration_helpers.abort_migration(text)
	IS 'Undo a migration''s steps in reverse order, resuming where a failed call stopped; refused once contract began';

CREATE FUNCTION migration_helpers.add_column(migration text, relation regclass, column_name name, column_type text,
	default_expr text DEFAULT NULL, backfill_expr text DEFAULT NULL) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_column';
COMMENT ON FUNCTION migration_helpers.add_column(text, regclass, name, text, text, text)
	IS 'Step: add a nullable column (constant default), optionally backfilled and kept filled until contract';

CREATE FUNCTION migration_helpers.add_check(migration text, relation regclass, constraint_name name,
	expression text) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_check';
COMMENT ON FUNCTION migration_helpers.add_check(text, regclass, name, text)
	IS 'Step: add a CHECK constraint NOT VALID now, VALIDATE it at contract';

CREATE FUNCTION migration_helpers.add_foreign_key(migration text, relation regclass, column_names name[],
	ref_relation regclass, ref_columns name[] DEFAULT NULL, constraint_name name DEFAULT NULL,
	on_delete text DEFAULT 'NO ACTION') RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_foreign_key';
COMMENT ON FUNCTION migration_helpers.add_foreign_key(text, regclass, name[], regclass, name[], name, text)
	IS 'Step: add a foreign key NOT VALID now, VALIDATE it at contract';

CREATE FUNCTION migration_helpers.add_not_null(migration text, relation regclass, column_name name) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_not_null';
COMMENT ON FUNCTION migration_helpers.add_not_null(text, regclass, name)
	IS 'Step: CHECK (column IS NOT NULL) NOT VALID now; at contract VALIDATE, SET NOT NULL proven by it, drop it';

CREATE FUNCTION migration_helpers.drop_column(migration text, relation regclass, column_name name) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_drop_column';
COMMENT ON FUNCTION migration_helpers.drop_column(text, regclass, name)
	IS 'Step: drop a column at contract (the running version keeps it until then)';

CREATE FUNCTION migration_helpers.rename_column(migration text, relation regclass, column_name name,
	new_name name) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_rename_column';
COMMENT ON FUNCTION migration_helpers.rename_column(text, regclass, name, name)
	IS 'Step: add the column under its new name, kept in sync with the old one and backfilled; the old one is dropped at contract';

CREATE FUNCTION migration_helpers.change_column_type(migration text, relation regclass, column_name name,
	new_type text, using_expr text DEFAULT NULL) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_change_column_type';
COMMENT ON FUNCTION migration_helpers.change_column_type(text, regclass, name, text, text)
	IS 'Step: add a column of the new type (column_name_new), kept in sync and backfilled; swapped in at contract';

CREATE FUNCTION migration_helpers.add_index(migration text, relation regclass, columns text,
	index_name name DEFAULT NULL, method text DEFAULT 'btree', where_clause text DEFAULT NULL) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_index';
COMMENT ON FUNCTION migration_helpers.add_index(text, regclass, text, name, text, text)
	IS 'Step: CREATE INDEX CONCURRENTLY in a background worker after this transaction commits';

CREATE FUNCTION migration_helpers.add_unique(migration text, relation regclass, column_names name[],
	constraint_name name DEFAULT NULL) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_add_unique';
COMMENT ON FUNCTION migration_helpers.add_unique(text, regclass, name[], name)
	IS 'Step: a unique index built concurrently now, made the UNIQUE constraint (USING INDEX) at contract';

CREATE FUNCTION migration_helpers.drop_index(migration text, index regclass) RETURNS integer
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_drop_index';
COMMENT ON FUNCTION migration_helpers.drop_index(text, regclass)
	IS 'Step: DROP INDEX CONCURRENTLY in a background worker once complete_migration commits';

-- _migration_restart_tasks(): starts a worker for the migration's unfinished
-- index builds and drops whose worker is gone (a crash, a restart, no free
-- slot at commit); a no-op for a caller who may not change the migration.
CREATE FUNCTION migration_helpers._migration_restart_tasks(name text) RETURNS integer
LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'mh__migration_restart_tasks';

-- migration_wait(): waits until no asynchronous work of the migration runs
-- (then it is ready, or final; a completed migration's index drops, which run
-- after contract, included). A procedure that commits between polls, so
-- that it holds no snapshot an index build would wait for: CALL it outside a
-- transaction block (in the next migration file, or from psql). No SET
-- clause (a procedure with one cannot commit): every name is qualified.
CREATE PROCEDURE migration_helpers.migration_wait(name text, timeout interval DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) timeout;
	m record;
BEGIN
	LOOP
		SELECT v.phase, v.last_error, v.async_failed, v.async_running, v.async_work INTO m
		FROM migration_helpers.migrations v WHERE v.name OPERATOR(pg_catalog.=) migration_wait.name
		ORDER BY v.phase OPERATOR(pg_catalog.=) 'aborted', v.id DESC LIMIT 1;  -- as store.cpp's read_migration
		IF NOT FOUND THEN
			RAISE EXCEPTION 'migration "%" does not exist', migration_wait.name USING ERRCODE = 'undefined_object';
		END IF;
		IF m.async_failed OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'asynchronous work of migration "%" failed', migration_wait.name
				USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = pg_catalog.concat_ws(': ', m.async_work, m.last_error),
					HINT = 'Fix the cause and abort the migration, or resume a failed backfill with migration_helpers.backfill_resume().';
		END IF;
		EXIT WHEN m.phase OPERATOR(pg_catalog.<>) 'backfilling' AND m.async_running OPERATOR(pg_catalog.=) 0;
		PERFORM migration_helpers._migration_restart_tasks(migration_wait.name);
		IF deadline IS NOT NULL AND pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>) deadline THEN
			RAISE EXCEPTION 'migration "%" still has asynchronous work running after %', migration_wait.name, timeout
				USING ERRCODE = 'query_canceled', DETAIL = m.async_work;
		END IF;
		COMMIT;
		PERFORM pg_catalog.pg_sleep(0.05);
	END LOOP;
END $$;
COMMENT ON PROCEDURE migration_helpers.migration_wait(text, interval)
	IS 'Wait until a migration''s backfills and index builds have ended (CALL outside a transaction block)';

CREATE FUNCTION migration_helpers.checklist(name text)
RETURNS TABLE (item text, status text, evidence text)
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_checklist';
COMMENT ON FUNCTION migration_helpers.checklist(text)
	IS 'The pre-production checklist of a migration, from facts: one row per item, pass / warn / fail, with evidence';

-- ---------------------------------------------------------------------------
-- Column sync (renames and type changes)
-- ---------------------------------------------------------------------------

-- The C++ trigger that keeps an old column and its new column in step while the
-- old and the new application version both run (src/pg/migrate/sync_trigger.cpp):
--   BEFORE INSERT OR UPDATE ... FOR EACH ROW EXECUTE FUNCTION
--   migration_helpers._sync_columns(migration, old_column, new_column
--                                   [, forward_expression [, backward_expression]])
-- Executable by every role: it only ever changes the row being written, on a
-- table its owner put it on.
CREATE FUNCTION migration_helpers._sync_columns() RETURNS trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'mh_sync_columns';
COMMENT ON FUNCTION migration_helpers._sync_columns()
	IS 'Trigger of rename_column/change_column_type: keeps the old and the new column in sync';

-- ---------------------------------------------------------------------------
-- Pre-flight (snapshot, diff, explain_locks)
-- ---------------------------------------------------------------------------

-- schema_snapshot: the schema of the current database as jsonb, for schema_diff() and for
-- lint(sizes => ...). It reads only what the catalogs show every role (object definitions,
-- sizes, planner estimates), never a table's rows. Objects of the system schemas and members
-- of extensions are left out. The shape is documented in the README ("Schema snapshots");
-- rows is pg_class.reltuples (-1: never vacuumed or analyzed).
CREATE FUNCTION migration_helpers.schema_snapshot() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH rels AS (
	SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relreplident, c.reltuples, n.nspname
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
	  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
	  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
					  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
						AND d.deptype = 'e')
)
SELECT pg_catalog.jsonb_build_object(
	'snapshot_version', 1,
	'taken_at', pg_catalog.now(),
	'database', pg_catalog.current_database(),
	'server_version', pg_catalog.current_setting('server_version_num'),
	'settings', (SELECT COALESCE(pg_catalog.jsonb_object_agg(s.name, pg_catalog.current_setting(s.name)), '{}')
				 FROM pg_catalog.pg_settings s
				 WHERE s.name LIKE 'migration\_helpers.%' AND s.name <> 'migration_helpers.allow'),
	'extensions', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
						'name', e.extname, 'version', e.extversion) ORDER BY e.extname), '[]')
				   FROM pg_catalog.pg_extension e),
	'tables', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
		'schema', r.nspname,
		'name', r.relname,
		'kind', CASE r.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
		'persistence', CASE r.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'permanent' END,
		'replica_identity', CASE r.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing'
			WHEN 'f' THEN 'full' ELSE 'index' END,
		'total_bytes', pg_catalog.pg_total_relation_size(r.oid),
		'heap_bytes', pg_catalog.pg_relation_size(r.oid),
		'rows', r.reltuples::bigint,
		'columns', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'name', a.attname,
				'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
				'default', CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
				'not_null', a.attnotnull,
				'collation', CASE WHEN a.attcollation <> 0 THEN
					(SELECT co.collname FROM pg_catalog.pg_collation co WHERE co.oid = a.attcollation) END,
				'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' ELSE '' END,
				'generated', CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
					ELSE '' END) ORDER BY a.attnum), '[]')
			FROM pg_catalog.pg_attribute a
			LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
			WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
		'constraints', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'name', k.conname,
				'type', CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
					WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' ELSE 'trigger' END,
				'definition', pg_catalog.pg_get_constraintdef(k.oid),
				'validated', k.convalidated) ORDER BY k.conname), '[]')
			FROM pg_catalog.pg_constraint k WHERE k.conrelid = r.oid),
		'indexes', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'name', ic.relname,
				'definition', pg_catalog.pg_get_indexdef(i.indexrelid),
				'valid', i.indisvalid) ORDER BY ic.relname), '[]')
			FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
			WHERE i.indrelid = r.oid),
		'triggers', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'name', t.tgname,
				'definition', pg_catalog.pg_get_triggerdef(t.oid),
				'enabled', CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled'
					WHEN 'R' THEN 'replica' ELSE 'always' END) ORDER BY t.tgname), '[]')
			FROM pg_catalog.pg_trigger t WHERE t.tgrelid = r.oid AND NOT t.tgisinternal),
		'publications', (SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT p.pubname), '[]')
			FROM pg_catalog.pg_publication p
			WHERE p.puballtables OR EXISTS (SELECT FROM pg_catalog.pg_publication_rel pr
											WHERE pr.prpubid = p.oid AND pr.prrelid = r.oid)
			   OR EXISTS (SELECT FROM pg_catalog.pg_publication_namespace pn
						  JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
						  WHERE pn.pnpubid = p.oid AND pc.oid = r.oid)))
		ORDER BY r.nspname, r.relname), '[]')
		FROM rels r WHERE r.relkind IN ('r', 'p', 'f')),
	'views', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
			'schema', r.nspname, 'name', r.relname,
			'kind', CASE r.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
			'definition', pg_catalog.pg_get_viewdef(r.oid)) ORDER BY r.nspname, r.relname), '[]')
		FROM rels r WHERE r.relkind IN ('v', 'm')),
	'sequences', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
			'schema', r.nspname, 'name', r.relname,
			'definition', pg_catalog.format('%s start %s increment %s min %s max %s%s%s',
				pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
				CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END,
				(SELECT ' owned by ' || d.refobjid::pg_catalog.regclass || '.' || att.attname
				 FROM pg_catalog.pg_depend d
				 JOIN pg_catalog.pg_attribute att ON att.attrelid = d.refobjid AND att.attnum = d.refobjsubid
				 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = r.oid
				   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
				 LIMIT 1)))
			ORDER BY r.nspname, r.relname), '[]')
		FROM rels r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid WHERE r.relkind = 'S'),
	'publications', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
			'name', p.pubname, 'all_tables', p.puballtables,
			'actions', pg_catalog.concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
				CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END,
				CASE WHEN p.pubtruncate THEN 'truncate' END)) ORDER BY p.pubname), '[]')
		FROM pg_catalog.pg_publication p)
)
$$;
COMMENT ON FUNCTION migration_helpers.schema_snapshot()
	IS 'The schema of this database as jsonb (tables with columns, constraints, indexes, triggers, sizes; views, sequences, publications, extensions, the guard''s settings), for schema_diff() and lint(sizes => ...)';

-- schema_diff: the differences between two snapshots, one row each, flagged unsafe when they
-- would make a migration behave differently (src/core/preflight/diff.hpp says which).
CREATE FUNCTION migration_helpers.schema_diff(a jsonb, b jsonb)
RETURNS TABLE (object text, kind text, a_value text, b_value text, unsafe boolean)
LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'mh_schema_diff';
COMMENT ON FUNCTION migration_helpers.schema_diff(jsonb, jsonb)
	IS 'The differences between two schema_snapshot() results (e.g. staging and production), each flagged unsafe when a migration would behave differently';

-- explain_locks: runs a script statement by statement in a subtransaction that it always rolls
-- back, under a short lock_timeout, with the caller's rights (not SECURITY DEFINER), and reports
-- per statement the locks it took, whether it rewrote a relation, its time and the rules the
-- guard (observing, not blocking, for this call only) would have blocked it for. It really runs
-- the statements and takes their locks: for a staging copy, not for production.
CREATE FUNCTION migration_helpers.explain_locks(script text, lock_timeout interval DEFAULT '1s')
RETURNS TABLE (statement_no int, line int, statement text, outcome text, relation text, lock text,
	blocks text, locks jsonb, rewrote boolean, rewritten text[], guard_rules text[], elapsed interval,
	message text)
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_explain_locks';
COMMENT ON FUNCTION migration_helpers.explain_locks(text, interval)
	IS 'Runs a migration script in a subtransaction that is always rolled back and reports each statement''s locks, rewrites and time (it takes real locks: for staging, not production)';

-- ---------------------------------------------------------------------------
-- Backfill on distributed tables (Citus): shard batches on the shards' nodes
-- ---------------------------------------------------------------------------

-- The position of a backfill's walk over one shard, on the node that holds the shard, written
-- in the same local transaction as the shard's rows by _backfill_shard() (one row per job, shard
-- and role: rows of different roles never meet). Not dumped: a position means nothing in a
-- restored cluster, whose jobs cannot resume anyway (their origin differs).
CREATE TABLE migration_helpers._backfill_shard_progress (
	job_key text NOT NULL,        -- the job's origin and id on the coordinator
	shard oid NOT NULL,
	owner oid NOT NULL,
	position text[],              -- the last key done (canonical texts); NULL before the first batch
	upper_bound text[],           -- the last key present when the shard's walk started
	tail_passes int NOT NULL DEFAULT 0,
	rows_done bigint NOT NULL DEFAULT 0,
	finished boolean NOT NULL DEFAULT false,
	updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	shard_id bigint,              -- Citus's shard id (NULL: not told), which a moved shard keeps
	PRIMARY KEY (job_key, shard, owner)
);
REVOKE ALL ON migration_helpers._backfill_shard_progress FROM PUBLIC;

-- Batches of a backfill on shards of one node, run on that node with the caller's rights (the
-- job's worker on the coordinator sends it through Citus's connections, as the job's role):
-- called by CALL outside a transaction block, it runs batches back to back, each committed with
-- its shard's position, for about budget_ms (one connection serves many batches), walking the
-- shards in order and going on with the next one when one is done, the size adapting as the
-- local engine's does; anywhere else one batch of the first shard in the caller's transaction.
-- started[i] says whether the job had started shards[i]. reply is what
-- core::format_shard_replies() writes: one line per shard reached. batch_size 0 only reports
-- each shard's progress. Executable by every role: it updates rows of tables the caller may
-- update, and writes only the caller's own progress rows.
CREATE PROCEDURE migration_helpers._backfill_shard(job_key text, shards regclass[], alias text, set_clause text,
	where_clause text, keys text[], settings text[], batch_size int, min_batch_size int, max_batch_size int,
	target_batch_ms int, lock_timeout_ms int, statement_timeout_ms int, pause_ms int, budget_ms int,
	started boolean[], shard_ids bigint[] DEFAULT NULL, INOUT reply text DEFAULT NULL)
LANGUAGE C AS 'MODULE_PATHNAME', 'mh_backfill_shard';
COMMENT ON PROCEDURE migration_helpers._backfill_shard(text, regclass[], text, text, text, text[], text[], int,
	int, int, int, int, int, int, int, boolean[], bigint[], text)
	IS 'Internal: backfill batches on shards of a distributed table, on the node that holds them';

-- A shard moved to another node keeps its id but not its position: the job's worker reads the
-- caller's positions of those shard ids from the other nodes (_backfill_shard_export: one line
-- "<shard id> <rows done> <position as JSON>" per shard id it has, the most advanced, or NULL) and records a
-- shard's on the node it went to (_backfill_shard_adopt: the row for the shard there, unless one
-- exists; true when recorded).
CREATE FUNCTION migration_helpers._backfill_shard_export(job_key text, shard_ids bigint[]) RETURNS text
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_shard_export';
COMMENT ON FUNCTION migration_helpers._backfill_shard_export(text, bigint[])
	IS 'Internal: the caller''s backfill positions of shard ids on this node, to carry to the nodes the shards moved to';
CREATE FUNCTION migration_helpers._backfill_shard_adopt(job_key text, shard regclass, shard_id bigint, exported text)
RETURNS boolean
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_shard_adopt';
COMMENT ON FUNCTION migration_helpers._backfill_shard_adopt(text, regclass, bigint, text)
	IS 'Internal: records on this node the backfill position a moved shard had on the node it left';

-- The caller's shard positions of a job that ended, on this node.
CREATE FUNCTION migration_helpers._backfill_shard_forget(job_key text) RETURNS bigint
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'mh_backfill_shard_forget';
COMMENT ON FUNCTION migration_helpers._backfill_shard_forget(text)
	IS 'Internal: drops the caller''s shard positions of an ended backfill job on this node';

-- ---------------------------------------------------------------------------
-- Pre-flight
-- ---------------------------------------------------------------------------

-- lint: the findings the guard would raise on each statement of a migration script, without
-- running it (src/pg/preflight/lint.cpp). Runs with the caller's rights and search_path (names
-- in the script resolve as they will when the script runs), so no SECURITY DEFINER and no SET.
-- sizes: a schema_snapshot() jsonb; lint reads only tables[].schema, .name, .heap_bytes,
-- .total_bytes and .rows (src/pg/preflight/sizes.hpp).
CREATE FUNCTION migration_helpers.lint(script text, single_transaction boolean DEFAULT false, sizes jsonb DEFAULT NULL)
RETURNS TABLE (statement_no integer, line integer, col integer, statement text, rule text, severity text,
	lock text, blocks text, relation text, relation_size bigint, estimated_duration interval, message text,
	recipe text)
LANGUAGE C VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'mh_lint';
COMMENT ON FUNCTION migration_helpers.lint(text, boolean, jsonb)
	IS 'The findings the DDL guard would raise on each statement of a script, without running it';
