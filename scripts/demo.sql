-- The seed scenario: users(first_name, last_name) gets full_name, filled by
-- the backfill engine, NOT NULL and indexed, without ever blocking the application.
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

\echo '== 4. The safe way: nullable column (catalog only, no rewrite)'
ALTER TABLE users ADD COLUMN full_name text;
\echo '   fill it with the backfill engine: a background worker, small throttled batches, resumable'
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT id, relation, status, rows_done, batches_done, batch_size, rows_per_second FROM migration_helpers.backfills;
\echo '   NOT NULL without a full-table scan under ACCESS EXCLUSIVE: CHECK NOT VALID, VALIDATE, SET NOT NULL'
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn;
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_full_name_nn;
\echo '   the index, built without blocking writes'
CREATE INDEX CONCURRENTLY users_full_name_idx ON users (full_name);

\echo '== 5. What ran, with the locks it held and for how long'
SELECT command_tag, lock_mode, duration, statement FROM migration_helpers.ddl_log ORDER BY id;
SELECT count(*) AS rows_without_full_name FROM users WHERE full_name IS NULL;
