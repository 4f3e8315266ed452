-- The seed scenario: users(first_name, last_name) gets full_name, NOT NULL
-- and indexed, without ever blocking the application.
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset footer off
\echo '== 1. CREATE EXTENSION: every session of this database is now guarded'
CREATE EXTENSION migration_helpers;
SELECT id, lock, blocks FROM migration_helpers.rules() ORDER BY id LIMIT 5;

\echo '== 2. A live table'
CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
INSERT INTO users SELECT g, 'first' || g, 'last' || g FROM generate_series(1, 200000) g;

\echo '== 3. The obvious migration, and why the guard refuses it'
ALTER TABLE users ADD COLUMN full_name text NOT NULL;
ALTER TABLE users ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED;
CREATE INDEX users_full_name_idx ON users (full_name);

\echo '== 4. The safe way: nullable column (catalog only, no rewrite)'
ALTER TABLE users ADD COLUMN full_name text;
\echo '   fill it in batches that each commit (the backfill engine will run this in a background worker)'
CREATE PROCEDURE fill_full_name(batch int) LANGUAGE plpgsql AS $$
DECLARE
	last_id bigint := 0;
	next_id bigint;
BEGIN
	LOOP
		SELECT max(id) INTO next_id FROM (SELECT id FROM users WHERE id > last_id ORDER BY id LIMIT batch) b;
		EXIT WHEN next_id IS NULL;
		UPDATE users SET full_name = first_name || ' ' || last_name WHERE id > last_id AND id <= next_id;
		COMMIT;
		last_id := next_id;
	END LOOP;
END $$;
CALL fill_full_name(10000);
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
