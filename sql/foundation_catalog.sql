-- The extension installs its schema, state tables, views and guard, keeps
-- state rows in pg_dump, lets ordinary roles read status but not forge it,
-- and DROP EXTENSION removes all of it.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
SELECT extversion, extnamespace::regnamespace FROM pg_extension WHERE extname = 'migration_helpers';
-- Every object lives in schema migration_helpers, which belongs to the extension.
SELECT pg_describe_object(classid, objid, objsubid) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migration_helpers')
ORDER BY 1;
-- State tables and their sequences are dumped by pg_dump.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'migration_helpers' ORDER BY 1;
-- Event triggers fire in every session_replication_role (ENABLE ALWAYS).
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger ORDER BY 1;

-- An ordinary role reads status but cannot write state or call internals.
CREATE ROLE mh_reader LOGIN;
SET ROLE mh_reader;
SELECT count(*) FROM migration_helpers.migrations;
SELECT count(*) FROM migration_helpers.backfills;
SELECT count(*) FROM migration_helpers.ddl_log;
SELECT count(*) FROM migration_helpers.rules();
INSERT INTO migration_helpers._migrations (name) VALUES ('forged');
UPDATE migration_helpers._ddl_log SET statement = 'forged';
DELETE FROM migration_helpers._backfill_jobs;
INSERT INTO migration_helpers.ddl_log (role_name, command_tag, statement, guard_mode) VALUES ('x', 'x', 'x', 'off');
SELECT nextval('migration_helpers._ddl_log_id_seq');
SELECT migration_helpers._selftest_boundary('ok');
SELECT migration_helpers._guard_ddl_command_start();
RESET ROLE;

-- Catalog constraints refuse nonsense even from the owner.
\set VERBOSITY terse
INSERT INTO migration_helpers._migrations (name, phase) VALUES ('m1', 'flying');
INSERT INTO migration_helpers._migrations (name) VALUES ('');
INSERT INTO migration_helpers._migrations (name, phase) VALUES ('m1', 'completed');
\set VERBOSITY default
INSERT INTO migration_helpers._migrations (name) VALUES ('m1');
SELECT name, phase, steps FROM migration_helpers.migrations;
DELETE FROM migration_helpers._migrations;

-- The C++/PostgreSQL boundary: a C++ exception becomes a clean ERROR, the
-- transaction rolls back, the backend survives; an ereport inside pg_call
-- unwinds C++ objects (their destructors run) and keeps SQLSTATE, DETAIL, HINT.
SELECT migration_helpers._selftest_destructor_count() AS before \gset
SELECT migration_helpers._selftest_boundary('ok');
BEGIN;
CREATE TABLE rolled_back (id int);
SELECT migration_helpers._selftest_boundary('cpp');
COMMIT;
SELECT to_regclass('rolled_back') IS NULL AS rolled_back;
SELECT pg_backend_pid() = pg_backend_pid() AS backend_alive;
SELECT migration_helpers._selftest_boundary('pg');
SELECT migration_helpers._selftest_boundary('nonsense');
-- one witness per call: ok, cpp, pg, nonsense
SELECT migration_helpers._selftest_destructor_count() - :before AS destructors_run;
-- SQLSTATE, DETAIL and HINT arrive intact at a PL/pgSQL handler.
DO $$
DECLARE
	state text; detail text; hint text;
BEGIN
	PERFORM migration_helpers._selftest_boundary('pg');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RAISE NOTICE 'caught %: % / %', state, detail, hint;
END $$;
DO $$
DECLARE
	state text;
BEGIN
	PERFORM migration_helpers._selftest_boundary('cpp');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
	RAISE NOTICE 'caught %', state;
END $$;

-- DROP EXTENSION removes the schema and every object in it.
DROP EXTENSION migration_helpers;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'migration_helpers';
SELECT count(*) AS event_triggers_left FROM pg_event_trigger;
-- A pre-planted schema of that name is refused rather than silently taken over.
CREATE SCHEMA migration_helpers;
CREATE EXTENSION migration_helpers;
DROP SCHEMA migration_helpers;
CREATE EXTENSION migration_helpers;
DROP EXTENSION migration_helpers;
DROP ROLE mh_reader;
