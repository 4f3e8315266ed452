-- abort_migration undoes every step in reverse order: afterwards the catalog
-- is exactly as before start_migration (columns, types, defaults, NOT NULL,
-- constraints and their validity, indexes and their validity, triggers,
-- functions, comments, privileges), compared row by row.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA ma;  -- the tests share one database
SET search_path = ma;
CREATE ROLE mh_reader;
CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL, email text DEFAULT '');
BEGIN;  -- an index on a table created in the same transaction passes the guard
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount numeric CHECK (amount <> 0));
CREATE INDEX orders_user_idx ON orders (user_id);
COMMIT;
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'where to write';
GRANT SELECT ON users TO mh_reader;
GRANT SELECT (amount) ON orders TO mh_reader;
INSERT INTO users SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;

CREATE FUNCTION pg_temp.catalog() RETURNS TABLE (kind text, object text, definition text) LANGUAGE sql AS $$
	SELECT 'column', a.attrelid::regclass || '.' || a.attname,
		concat_ws(' | ', format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
			a.attnum, a.attacl::text, col_description(a.attrelid, a.attnum))
	FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attrelid IN ('users'::regclass, 'orders'::regclass) AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT 'relation', c.oid::regclass::text, concat_ws(' | ', c.relkind, c.relacl::text, obj_description(c.oid, 'pg_class'))
	FROM pg_class c WHERE c.relnamespace = 'ma'::regnamespace
	UNION ALL
	SELECT 'constraint', conrelid::regclass || '.' || conname, concat_ws(' | ', pg_get_constraintdef(oid), convalidated)
	FROM pg_constraint WHERE connamespace = 'ma'::regnamespace
	UNION ALL
	SELECT 'index', indexrelid::regclass::text, concat_ws(' | ', pg_get_indexdef(indexrelid), indisvalid, indisready)
	FROM pg_index WHERE indrelid IN ('users'::regclass, 'orders'::regclass)
	UNION ALL
	SELECT 'trigger', tgrelid::regclass || '.' || tgname, pg_get_triggerdef(oid)
	FROM pg_trigger WHERE tgrelid IN ('users'::regclass, 'orders'::regclass) AND NOT tgisinternal  -- FK triggers: see constraints
	UNION ALL
	SELECT 'function', p.oid::regprocedure::text, p.prosrc FROM pg_proc p WHERE p.pronamespace = 'ma'::regnamespace
$$;
CREATE TEMP TABLE before AS SELECT * FROM pg_temp.catalog();
SELECT count(*) > 0 AS have_a_snapshot FROM before;

-- Every kind of step on both tables, the backfill committed so that its worker runs.
SELECT migration_helpers.start_migration('everything');
SELECT migration_helpers.add_column('everything', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_not_null('everything', 'users', 'full_name');
SELECT migration_helpers.add_column('everything', 'users', 'tier', 'int', default_expr => '1');
SELECT migration_helpers.add_not_null('everything', 'users', 'email');
SELECT migration_helpers.drop_column('everything', 'users', 'last_name');
SELECT migration_helpers.add_check('everything', 'orders', 'orders_amount_small', 'amount < 1000000');
SELECT migration_helpers.add_foreign_key('everything', 'orders', '{user_id}', 'users');
-- What changed (new rows only).
SELECT kind, object FROM (SELECT * FROM pg_temp.catalog() EXCEPT SELECT * FROM before) d ORDER BY 1, 2;
SELECT name, phase IN ('backfilling', 'ready') AS expanded, tables, steps_total FROM migration_helpers.migrations;

SELECT migration_helpers.abort_migration('everything');
-- Every difference, if any (none expected).
(SELECT 'only before' AS side, * FROM before EXCEPT SELECT 'only before', * FROM pg_temp.catalog())
UNION ALL
(SELECT 'only after', * FROM pg_temp.catalog() EXCEPT SELECT 'only after', * FROM before)
ORDER BY 2, 3;
SELECT name, phase, steps_done, steps_total, finished_at IS NOT NULL AS finished FROM migration_helpers.migrations;
SELECT s.step_no, s.status FROM migration_helpers._migration_steps s ORDER BY s.step_no;
SELECT b.status IN ('cancelled', 'succeeded') AS job_ended FROM migration_helpers._backfill_jobs b;
-- The application's tables work as before.
INSERT INTO users (id, first_name, last_name) VALUES (0, 'Ada', 'Lovelace');
INSERT INTO orders VALUES (1000, 424242, 5);

-- In a migration tool's transaction: started, stepped and aborted before
-- COMMIT; the backfill recorded there never runs.
BEGIN;
SELECT migration_helpers.start_migration('second');
SELECT migration_helpers.add_column('second', 'users', 'nick', 'text', backfill_expr => 'lower(first_name)');
SELECT migration_helpers.abort_migration('second');
COMMIT;
SELECT pg_sleep(0.5);
SELECT b.status, b.rows_done FROM migration_helpers._backfill_jobs b JOIN migration_helpers._migrations m
	ON m.id = b.migration_id WHERE m.name = 'second';
(SELECT * FROM before EXCEPT SELECT * FROM pg_temp.catalog())
UNION ALL
(SELECT * FROM pg_temp.catalog() EXCEPT SELECT * FROM before);

DROP EXTENSION migration_helpers;
DROP SCHEMA ma CASCADE;
DROP ROLE mh_reader;
