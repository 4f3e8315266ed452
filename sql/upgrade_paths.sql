-- Version 0.1 is released: a database installed at 0.1 and updated step by
-- step must end with exactly the objects of a fresh install of the default
-- version. The description below covers every member object with its
-- definition (functions with their arguments, results and settings; tables
-- with their columns, defaults and constraints; views; event triggers;
-- grants), and is compared as one digest.
\set SHOW_CONTEXT never
SET check_function_bodies = off;  -- the bodies name the schema, created below
CREATE FUNCTION pg_temp.mh_objects() RETURNS TABLE (kind text, object text, definition text)
LANGUAGE sql AS $$
	SELECT 'member', pg_describe_object(classid, objid, objsubid), NULL
	FROM pg_depend
	WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migration_helpers')
	UNION ALL
	SELECT 'function', p.oid::regprocedure::text,
		concat_ws(' | ', pg_get_function_result(p.oid), pg_get_function_arguments(p.oid), p.prosrc, p.probin,
			p.provolatile, p.proisstrict, p.prosecdef, p.proconfig::text, p.proacl::text,
			obj_description(p.oid, 'pg_proc'))
	FROM pg_proc p WHERE p.pronamespace = 'migration_helpers'::regnamespace
	UNION ALL
	SELECT 'column', a.attrelid::regclass || '.' || a.attname,
		concat_ws(' | ', format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
			a.attnum, a.attacl::text)
	FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE c.relnamespace = 'migration_helpers'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT 'relation', c.oid::regclass::text,
		concat_ws(' | ', c.relkind, c.relacl::text, c.reloptions::text,
			CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END, obj_description(c.oid, 'pg_class'))
	FROM pg_class c WHERE c.relnamespace = 'migration_helpers'::regnamespace
	UNION ALL
	SELECT 'constraint', conrelid::regclass || '.' || conname, pg_get_constraintdef(oid)
	FROM pg_constraint WHERE connamespace = 'migration_helpers'::regnamespace
	UNION ALL
	SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
	FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'migration_helpers'::regnamespace
	UNION ALL
	SELECT 'trigger', tgrelid::regclass || '.' || tgname, pg_get_triggerdef(t.oid)
	FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	WHERE c.relnamespace = 'migration_helpers'::regnamespace AND NOT t.tgisinternal
	UNION ALL
	SELECT 'event trigger', evtname, concat_ws(' | ', evtevent, evtenabled, evtfoid::regproc, evttags::text)
	FROM pg_event_trigger
	UNION ALL
	SELECT 'schema', nspname, nspacl::text FROM pg_namespace WHERE nspname = 'migration_helpers'
$$;
CREATE FUNCTION pg_temp.mh_digest() RETURNS text LANGUAGE sql AS $$
	SELECT md5(string_agg(concat_ws(' / ', kind, object, definition), E'\n' ORDER BY kind, object, definition))
	FROM pg_temp.mh_objects()
$$;

CREATE EXTENSION migration_helpers VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'migration_helpers';
-- Live state of a 0.1 database: a migration, a logged statement, a job half
-- done and one finished. Until the update, the 0.2 library says what to do.
CREATE TABLE legacy (id int PRIMARY KEY, v int);
INSERT INTO migration_helpers._migrations (name) VALUES ('m1');
INSERT INTO migration_helpers._ddl_log (role_name, command_tag, statement, guard_mode)
	VALUES ('postgres', 'ALTER TABLE', 'ALTER TABLE legacy ADD COLUMN v int', 'enforce');
INSERT INTO migration_helpers._backfill_jobs (relation_schema, relation_name, set_clause, owner_role, status,
	batch_size, min_batch_size, max_batch_size, target_batch_ms, batch_lock_timeout_ms, batch_statement_timeout_ms,
	key_columns, position, rows_done)
VALUES ('public', 'legacy', 'v = 1', current_user, 'running', 100, 100, 100, 100, 1000, 60000, '{id}', '{500}', 500),
	('public', 'legacy', 'v = 2', current_user, 'succeeded', 100, 100, 100, 100, 1000, 60000, '{id}', '{900}', 900);
SELECT migration_helpers.backfill('legacy', 'v = 3');
SELECT migration_helpers.backfill_pause(1);
ALTER EXTENSION migration_helpers UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'migration_helpers';
-- The rows survived; the unfinished 0.1 job ended, saying why; the finished one is as it was.
SELECT (SELECT count(*) FROM migration_helpers.migrations) AS migrations,
	(SELECT count(*) FROM migration_helpers.ddl_log) AS logged;
SELECT id, relation, status, rows_done, last_error FROM migration_helpers.backfills ORDER BY id;
SELECT relation_oid = 'legacy'::regclass AS pinned, owner_oid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
	AS owner_pinned FROM migration_helpers._backfill_jobs ORDER BY id;
DELETE FROM migration_helpers._backfill_jobs;
DELETE FROM migration_helpers._ddl_log;
DELETE FROM migration_helpers._migrations;
SET migration_helpers.guard = off;
DROP TABLE legacy;
RESET migration_helpers.guard;
SELECT pg_temp.mh_digest() AS upgraded \gset
CREATE TEMP TABLE upgraded_objects AS SELECT * FROM pg_temp.mh_objects();
DROP EXTENSION migration_helpers;

CREATE EXTENSION migration_helpers;
SELECT extversion FROM pg_extension WHERE extname = 'migration_helpers';
SELECT pg_temp.mh_digest() AS fresh \gset
-- Every difference, if any (none expected).
(SELECT 'only upgraded' AS side, * FROM upgraded_objects EXCEPT SELECT 'only upgraded', * FROM pg_temp.mh_objects())
UNION ALL
(SELECT 'only fresh', * FROM pg_temp.mh_objects() EXCEPT SELECT 'only fresh', * FROM upgraded_objects)
ORDER BY 2, 3;
SELECT :'upgraded' = :'fresh' AS upgraded_equals_fresh;
-- Updating to the version already installed is a clear no-op notice.
ALTER EXTENSION migration_helpers UPDATE;
DROP EXTENSION migration_helpers;
