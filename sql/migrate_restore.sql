-- Rows of the migration state tables that arrive from another cluster or
-- database (pg_dump restores them, after the tables they name) hold OIDs that
-- are others' here. On arrival they are pinned again by name: a migration's
-- owner by created_by, a step's tables by their recorded names; a queued or
-- running index task, whose role is known by OID only, fails saying why, and
-- the worker refuses a foreign task too. Rows recorded here are left alone.
-- (test/t/050_dump_restore.pl does it through a real pg_dump and pg_restore.)
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mr;  -- the tests share one database
SET search_path = mr;
CREATE ROLE mh_restorer;
CREATE TABLE accounts (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY, account_id int);

-- A step recorded here keeps its OIDs and learns the referenced table's name.
SELECT migration_helpers.start_migration('here');
SELECT migration_helpers.add_foreign_key('here', 'orders', '{account_id}', 'accounts', '{id}');
SELECT relation_oid = 'orders'::regclass AS pinned, ref_relation_oid = 'accounts'::regclass AS ref_pinned,
	ref_relation_schema, ref_relation_name, origin = migration_helpers._origin() AS local
FROM migration_helpers._migration_steps;
SELECT migration_helpers.abort_migration('here');

-- Rows as a dump of another cluster holds them: OIDs that are others' here.
INSERT INTO migration_helpers._migrations (id, name, phase, created_by, created_at, owner_oid, origin)
VALUES (100, 'restored', 'expanding', 'mh_restorer', '2026-01-01 00:00+00', 4000000000, '1234:5');
INSERT INTO migration_helpers._migration_steps (migration_id, step_no, action, relation_schema, relation_name,
	forward_sql, relation_oid, ref_relation_oid, ref_relation_schema, ref_relation_name, origin)
VALUES (100, 1, 'add_foreign_key', 'mr', 'orders', '', 4000000001, 4000000002, 'mr', 'accounts', '1234:5'),
	(100, 2, 'add_check', 'mr', 'gone', '', 4000000003, NULL, NULL, NULL, '1234:5');
INSERT INTO migration_helpers._migration_tasks (id, migration_id, step_no, statement, index_schema, index_name,
	builds, owner_oid, login_oid, status, origin)
VALUES (100, 100, 1, 'CREATE INDEX CONCURRENTLY x ON mr.orders (account_id)', 'mr', 'x', true, 4000000000,
	4000000000, 'queued', '1234:5'),
	(101, 100, 1, 'CREATE INDEX CONCURRENTLY y ON mr.orders (id)', 'mr', 'y', true, 4000000000,
	4000000000, 'succeeded', '1234:5');

SELECT name, owner_oid = 'mh_restorer'::regrole AS owner_pinned, origin = migration_helpers._origin() AS local
FROM migration_helpers._migrations WHERE id = 100;
-- a table that is not in the restored database is no table
SELECT step_no, relation_oid::regclass, ref_relation_oid::regclass, origin = migration_helpers._origin() AS local
FROM migration_helpers._migration_steps WHERE migration_id = 100 ORDER BY step_no;
SELECT id, status, last_error, finished_at IS NOT NULL AS finished, origin = migration_helpers._origin() AS local
FROM migration_helpers._migration_tasks WHERE migration_id = 100 ORDER BY id;
SELECT name, tables FROM migration_helpers.migrations WHERE name = 'restored';
-- The one-migration-per-table rule sees the restored migration.
SELECT migration_helpers.start_migration('second');
SELECT migration_helpers.add_check('second', 'orders', 'orders_account_positive', 'account_id > 0');

DROP EXTENSION migration_helpers;
DROP SCHEMA mr CASCADE;
DROP ROLE mh_restorer;
