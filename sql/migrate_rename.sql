-- rename_column: the new name is added beside the old one, kept in sync both
-- ways by the C++ trigger, backfilled, and given everything the old column
-- has; contract drops the old column and names the carried objects as the
-- old ones were named; abort leaves the catalog exactly as it was.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mr;  -- the tests share one database
SET search_path = mr;
CREATE ROLE mh_rename_reader;
CREATE TABLE teams (id int PRIMARY KEY, name text);
INSERT INTO teams SELECT g, 't' || g FROM generate_series(1, 10) g;
CREATE TABLE people (id serial PRIMARY KEY, email text COLLATE "C" NOT NULL DEFAULT 'nobody@example.com'
	CHECK (email LIKE '%@%' AND id > 0), team int REFERENCES teams, note text);
BEGIN;  -- indexes on a table created in the same transaction pass the guard
CREATE UNIQUE INDEX people_email_key ON people (email);
CREATE INDEX people_lower_email_idx ON people (lower(email)) WHERE email <> 'nobody@example.com';
COMMIT;
CREATE TABLE invites (id int PRIMARY KEY, email text COLLATE "C" REFERENCES people (email));
ALTER TABLE people ALTER COLUMN email SET STATISTICS 500;
COMMENT ON COLUMN people.email IS 'where to write';
GRANT SELECT (email), UPDATE (email) ON people TO mh_rename_reader;
GRANT USAGE ON SCHEMA mr TO mh_rename_reader;
INSERT INTO people (email, team) SELECT 'p' || g || '@example.com', g % 10 + 1 FROM generate_series(1, 500) g;
INSERT INTO invites VALUES (1, 'p1@example.com');

CREATE FUNCTION pg_temp.catalog() RETURNS TABLE (kind text, object text, definition text) LANGUAGE sql AS $$
	SELECT 'column', a.attrelid::regclass || '.' || a.attname,
		concat_ws(' | ', format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation, a.attnotnull,
			pg_get_expr(d.adbin, d.adrelid), a.attstattarget, a.attacl::text, col_description(a.attrelid, a.attnum))
	FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attrelid IN ('people'::regclass, 'invites'::regclass) AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT 'relation', c.oid::regclass::text, concat_ws(' | ', c.relkind, c.relacl::text)
	FROM pg_class c WHERE c.relnamespace = 'mr'::regnamespace
	UNION ALL
	SELECT 'constraint', conrelid::regclass || '.' || conname, concat_ws(' | ', pg_get_constraintdef(oid), convalidated)
	FROM pg_constraint WHERE connamespace = 'mr'::regnamespace
	UNION ALL
	SELECT 'index', indexrelid::regclass::text, concat_ws(' | ', pg_get_indexdef(indexrelid), indisvalid)
	FROM pg_index WHERE indrelid IN ('people'::regclass, 'invites'::regclass)
	UNION ALL
	SELECT 'trigger', tgrelid::regclass || '.' || tgname, pg_get_triggerdef(oid)
	FROM pg_trigger WHERE tgrelid IN ('people'::regclass, 'invites'::regclass) AND NOT tgisinternal
	UNION ALL
	SELECT 'sequence owner', s.oid::regclass::text, (SELECT a.attname FROM pg_depend d JOIN pg_attribute a
		ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.objid = s.oid AND d.deptype = 'a')
	FROM pg_class s WHERE s.relkind = 'S' AND s.relnamespace = 'mr'::regnamespace
$$;
CREATE TEMP TABLE before AS SELECT * FROM pg_temp.catalog();

-- Bad input: a clear error (SQLSTATE after each), nothing changed.
SELECT migration_helpers.start_migration('rename_email');
SELECT migration_helpers.rename_column('rename_email', 'people', 'mail', 'address');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'email');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'note');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.rename_column('no_such_migration', 'people', 'email', 'address');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', NULL);
\echo :LAST_ERROR_SQLSTATE
-- What depends on the column and cannot be carried is named.
CREATE VIEW people_emails AS SELECT email FROM people;
CREATE RULE people_log AS ON UPDATE TO teams DO ALSO SELECT email FROM people WHERE team = NEW.id;
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'address');
\echo :LAST_ERROR_SQLSTATE
SET migration_helpers.guard = off;  -- the fixture's own DDL; the guard has its own tests
DROP VIEW people_emails;
DROP RULE people_log ON teams;
ALTER TABLE people ADD COLUMN domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED;
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'address');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE people DROP COLUMN domain;
RESET migration_helpers.guard;
SET client_min_messages = error;  -- wal_level need not be logical for this
CREATE PUBLICATION people_pub FOR TABLE people (id, email);
RESET client_min_messages;
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'address');
\echo :LAST_ERROR_SQLSTATE
DROP PUBLICATION people_pub;
SELECT count(*) AS steps FROM migration_helpers._migration_steps;
(SELECT * FROM before EXCEPT SELECT * FROM pg_temp.catalog())
UNION ALL
(SELECT * FROM pg_temp.catalog() EXCEPT SELECT * FROM before);

-- Expand: the new column, the trigger, NOT NULL and the CHECK as NOT VALID
-- checks, the comment, privileges and statistics target now; the indexes
-- built concurrently by a worker; the default and the sequence at contract.
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'address');
-- A re-run is a no-op; other arguments for the same column are an error.
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'address');
SELECT migration_helpers.rename_column('rename_email', 'people', 'email', 'mail');
\echo :LAST_ERROR_SQLSTATE
CALL migration_helpers.migration_wait('rename_email');
SELECT kind, object, definition FROM (SELECT * FROM pg_temp.catalog() EXCEPT SELECT * FROM before) d ORDER BY 1, 2;
SELECT name, phase, steps_done, steps_total FROM migration_helpers.migrations;
SELECT count(*) AS rows, count(*) FILTER (WHERE email = address) AS synced FROM people;

-- Sync rules while both versions run.
INSERT INTO people (email) VALUES ('old-version@example.com');           -- old fills new
INSERT INTO people (address) VALUES ('new-version@example.com');         -- new fills old
INSERT INTO people DEFAULT VALUES;                                       -- the old default, in both
UPDATE people SET email = 'changed-old@example.com' WHERE id = 5;       -- old fills new
UPDATE people SET address = 'changed-new@example.com' WHERE id = 2;     -- new fills old
UPDATE people SET email = 'both@example.com', address = 'both@example.com' WHERE id = 3;  -- agree
UPDATE people SET email = 'a@example.com', address = 'b@example.com' WHERE id = 4;        -- disagree
\echo :LAST_ERROR_SQLSTATE
UPDATE people SET address = NULL WHERE id = 6;                          -- NOT NULL still holds
\echo :LAST_ERROR_SQLSTATE
INSERT INTO people (address) VALUES ('p1@example.com');                  -- so does the unique index
\echo :LAST_ERROR_SQLSTATE
SELECT id, email, address FROM people WHERE id <= 6 OR id > 500 ORDER BY id;
SELECT count(*) FILTER (WHERE email IS DISTINCT FROM address) AS out_of_sync FROM people;
SELECT item, status FROM migration_helpers.checklist('rename_email') WHERE item LIKE 'backward%';

-- Contract: the old column goes; what was carried takes the old objects' names.
SELECT migration_helpers.complete_migration('rename_email');
-- The incoming foreign key is validated by a worker once the contract committed: poll for it.
DO $$
BEGIN
	FOR i IN 1..200 LOOP
		EXIT WHEN (SELECT convalidated FROM pg_constraint WHERE conname = 'invites_email_fkey');
		PERFORM pg_sleep(0.05);
	END LOOP;
END $$;
(SELECT 'only before' AS side, * FROM before EXCEPT SELECT 'only before', * FROM pg_temp.catalog())
UNION ALL
(SELECT 'only after', * FROM pg_temp.catalog() EXCEPT SELECT 'only after', * FROM before)
ORDER BY 2, 3, 1;
INSERT INTO people (address) VALUES ('after@example.com') RETURNING id > 500 AS from_the_sequence, address;
INSERT INTO invites VALUES (2, 'not-a-person@example.com');
\echo :LAST_ERROR_SQLSTATE
SET ROLE mh_rename_reader;
SELECT count(address) > 0 AS reader_can_read FROM people;
RESET ROLE;

-- Abort: a second rename, undone; the catalog is exactly as before it.
CREATE TEMP TABLE before_abort AS SELECT * FROM pg_temp.catalog();
SELECT migration_helpers.start_migration('rename_back');
SELECT migration_helpers.rename_column('rename_back', 'people', 'address', 'email');
CALL migration_helpers.migration_wait('rename_back');
SELECT migration_helpers.abort_migration('rename_back');
(SELECT * FROM before_abort EXCEPT SELECT * FROM pg_temp.catalog())
UNION ALL
(SELECT * FROM pg_temp.catalog() EXCEPT SELECT * FROM before_abort);
INSERT INTO people (address) VALUES ('after-abort@example.com') RETURNING address;

DROP EXTENSION migration_helpers;
DROP SCHEMA mr CASCADE;
DROP ROLE mh_rename_reader;
