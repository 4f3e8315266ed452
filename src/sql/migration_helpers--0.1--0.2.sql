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

-- ddl_log shows a role the rows whose statement pg_stat_activity would show it: those whose
-- session role (pg_stat_activity's usename) or current role is one whose privileges it has,
-- its own included, and every row to members of pg_read_all_stats (superusers too). Rows of
-- roles that no longer exist only to the latter. security_barrier: a function in the caller's
-- WHERE clause must not see the hidden rows first.
CREATE OR REPLACE VIEW migration_helpers.ddl_log WITH (security_barrier) AS
SELECT l.id, l.logged_at, l.role_name, l.backend_pid, l.command_tag, l.statement, l.relation, l.lock_mode,
	l.duration, l.rules_allowed, l.rules_warned, l.guard_mode, l.session_role
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
