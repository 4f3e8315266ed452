-- The seed scenario: users(first_name, last_name) gets full_name, filled by
-- the backfill engine, NOT NULL and indexed, without ever blocking the
-- application; then first_name and last_name are retired. Through the
-- expand-contract migration helpers, with their checklist.
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset footer off
\echo '== 1. CREATE EXTENSION: every session of this database is now guarded'
CREATE EXTENSION migration_helpers;
SELECT id, lock, blocks FROM migration_helpers.rules() ORDER BY id LIMIT 5;

\echo '== 2. A live table'
CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
INSERT INTO users SELECT g, 'first' || g, 'last' || g FROM generate_series(1, 200000) g;
ANALYZE users;

\echo '== 3. The obvious migration, and why the guard refuses it'
ALTER TABLE users ADD COLUMN full_name text NOT NULL;
ALTER TABLE users ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED;
CREATE INDEX users_full_name_idx ON users (full_name);

\echo '== 4. The safe way, as one expand-contract migration (each step briefly locks, nothing blocks traffic)'
\echo '   migration file 1 (a tool would run it in one transaction: the work starts at COMMIT)'
BEGIN;
SELECT migration_helpers.start_migration('users_full_name', 'users get a full name');
SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name');
SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name');
COMMIT;
\echo '   the running version keeps inserting rows without full_name: a trigger fills them'
INSERT INTO users (id, first_name, last_name) VALUES (0, 'Ada', 'Lovelace');
SELECT id, full_name FROM users WHERE id = 0;
\echo '   backfill and index build run in background workers; wait for them'
SET client_min_messages = warning;
CALL migration_helpers.migration_wait('users_full_name');
RESET client_min_messages;
SELECT name, phase, tables, steps_done, steps_total, async_work FROM migration_helpers.migrations;
\echo '   before production: the checklist, from facts'
SELECT item, status, evidence FROM migration_helpers.checklist('users_full_name');
\echo '   migration file 2, once the new version is deployed: contract (VALIDATE, SET NOT NULL proven by the check)'
SELECT migration_helpers.complete_migration('users_full_name');
\d users
\echo '   migration file 3, once no deployed code reads them: retire first_name and last_name'
SELECT migration_helpers.start_migration('users_drop_names');
SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name');
SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name');
SELECT migration_helpers.complete_migration('users_drop_names');

\echo '== 5. What ran, with the locks it held and for how long'
SELECT command_tag, lock_mode, duration, migration, statement FROM migration_helpers.ddl_log ORDER BY id;
SELECT count(*) AS rows_without_full_name FROM users WHERE full_name IS NULL;
