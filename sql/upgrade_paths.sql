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
ALTER EXTENSION migration_helpers UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'migration_helpers';
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
