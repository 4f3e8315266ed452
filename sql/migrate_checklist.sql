-- checklist(name): the pre-production checklist of a migration, from facts.
-- The measured items (transaction rate, other sessions) vary: only their
-- item names are shown.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mc;  -- the tests share one database
SET search_path = mc;
CREATE TABLE users (id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
INSERT INTO users SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 1000) g;
ANALYZE users;
BEGIN;
SELECT migration_helpers.start_migration('seed');
SELECT migration_helpers.add_column('seed', 'users', 'full_name', 'text', backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_not_null('seed', 'users', 'full_name');
SELECT migration_helpers.add_index('seed', 'users', 'full_name');
SELECT migration_helpers.drop_column('seed', 'users', 'last_name');
SELECT item, CASE WHEN measured THEN status IN ('pass', 'warn')::text ELSE status END AS status,
	CASE WHEN measured THEN '(varies)' ELSE regexp_replace(evidence, '\d+ kB', 'N kB', 'g') END AS evidence
FROM (SELECT *, item IN ('traffic is low now', 'other sessions on the tables', 'no long transaction on the tables',
		'listeners on the migration_helpers channel') AS measured
	FROM migration_helpers.checklist('seed')) c;
ROLLBACK;
SELECT * FROM migration_helpers.checklist('nope');
SELECT * FROM migration_helpers.checklist(NULL);
DROP EXTENSION migration_helpers;
DROP SCHEMA mc CASCADE;
