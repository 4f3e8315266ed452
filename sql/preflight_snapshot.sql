-- schema_snapshot() and schema_diff(): a snapshot, known changes to the schema, a second
-- snapshot, and the diff between them (each unsafe difference of the issue: an index missing
-- or INVALID in one, a constraint NOT VALID in one, a different type, nullability or default,
-- a trigger or publication in one only, sizes two orders of magnitude apart); then every bad
-- input to schema_diff().
CREATE EXTENSION migration_helpers;
\set VERBOSITY default
\set SHOW_CONTEXT never
-- The schema changes below are the subject, not the guard's: it is off for this session.
SET migration_helpers.guard = off;
-- A schema of its own: other tests leave tables in public (the same in both snapshots, so
-- they never show in a diff; the listings below name this schema's).
CREATE SCHEMA pf;
SET search_path = pf;

CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text DEFAULT 'anon', age int,
	score int, CONSTRAINT age_positive CHECK (age > 0));
INSERT INTO users SELECT g, 'u' || g, 'n' || g, g, g FROM generate_series(1, 100) g;
CREATE TABLE signups (id int, email text);
INSERT INTO signups VALUES (1, 'a'), (2, 'a');
CREATE UNIQUE INDEX CONCURRENTLY signups_email_key ON signups (email);  -- fails: INVALID in a
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, total numeric);
CREATE SEQUENCE invoice_no;
CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
SET client_min_messages = error;  -- without wal_level = logical, a WARNING says so
CREATE PUBLICATION pub_orders FOR TABLE orders;
RESET client_min_messages;
ANALYZE users;

-- temporary: a session's temporary tables are not part of the schema
CREATE TEMP TABLE snaps (name text PRIMARY KEY, s jsonb);
INSERT INTO snaps VALUES ('a', migration_helpers.schema_snapshot());

-- The shape lint(sizes => ...) reads: every table with schema, name and its sizes as numbers.
SELECT t->>'schema' AS schema, t->>'name' AS name, jsonb_typeof(t->'total_bytes') AS total_bytes,
	jsonb_typeof(t->'heap_bytes') AS heap_bytes, (t->>'rows')::bigint AS rows,
	(t->>'total_bytes')::bigint = pg_total_relation_size(format('%I.%I', t->>'schema', t->>'name')) AS total_ok,
	(t->>'heap_bytes')::bigint = pg_relation_size(format('%I.%I', t->>'schema', t->>'name')) AS heap_ok
FROM snaps, jsonb_array_elements(s->'tables') t
WHERE name = 'a' AND t->>'schema' = 'pf' ORDER BY 1, 2;
-- The extension's own tables are members of it, not part of the application's schema.
SELECT count(*) FROM snaps, jsonb_array_elements(s->'tables') t
WHERE name = 'a' AND t->>'schema' = 'migration_helpers';
SELECT jsonb_pretty(jsonb_path_query(s, '$.tables[*] ? (@.schema == "pf" && @.name == "users")')) FROM snaps WHERE name = 'a';
SELECT jsonb_path_query_array(s, '$.views[*] ? (@.schema == "pf")') AS views,
	jsonb_path_query_array(s, '$.sequences[*] ? (@.schema == "pf")') AS sequences,
	s->'publications' AS publications, s->'extensions' AS extensions, s->'settings' AS settings
FROM snaps WHERE name = 'a';

-- A snapshot does not differ from itself, nor from one taken again unchanged.
SELECT count(*) FROM snaps, migration_helpers.schema_diff(s, s) WHERE name = 'a';
SELECT count(*) FROM snaps, migration_helpers.schema_diff(s, migration_helpers.schema_snapshot()) WHERE name = 'a';

-- The changes.
CREATE INDEX users_name_idx ON users (name);                     -- index only in b
ALTER TABLE users DROP CONSTRAINT age_positive,
	ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID;         -- NOT VALID in b
DELETE FROM signups WHERE id = 2;
REINDEX INDEX signups_email_key;                                 -- INVALID in a, valid in b
-- A view on a column blocks changing its type: why a view in one only is unsafe.
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ALTER COLUMN score TYPE bigint,               -- type
	ALTER COLUMN name SET NOT NULL,                              -- nullability
	ALTER COLUMN name SET DEFAULT 'nobody',                      -- default
	ADD COLUMN created_at timestamptz;                           -- column only in b
INSERT INTO users VALUES (101, 'u1', 'dup', 5);
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);  -- fails: duplicates, INVALID in b
ALTER TABLE orders REPLICA IDENTITY FULL;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
ALTER PUBLICATION pub_orders ADD TABLE users;                    -- publication in b only
CREATE OR REPLACE VIEW adults AS SELECT id, email FROM users WHERE age >= 21;  -- definition: safe
CREATE TABLE audit (id int);                                     -- table only in b
DROP SEQUENCE invoice_no;                                        -- sequence only in a
SET migration_helpers.large_table_threshold = '1GB';             -- the guard's setting
INSERT INTO snaps VALUES ('b', migration_helpers.schema_snapshot());
RESET migration_helpers.large_table_threshold;

SELECT d.* FROM snaps a, snaps b, migration_helpers.schema_diff(a.s, b.s) d
WHERE a.name = 'a' AND b.name = 'b';
-- Swapped, a difference reads the other way round.
SELECT d.object, d.kind, d.a_value, d.b_value FROM snaps a, snaps b, migration_helpers.schema_diff(b.s, a.s) d
WHERE a.name = 'a' AND b.name = 'b' AND d.kind LIKE 'only in %';

-- Production's sizes two orders of magnitude above staging's (48 GB against a few kB).
SELECT d.* FROM snaps a, migration_helpers.schema_diff(a.s, jsonb_set(a.s, '{tables}',
	(SELECT jsonb_agg(CASE WHEN t->>'schema' = 'pf' AND t->>'name' = 'users' THEN jsonb_set(t, '{total_bytes}', '51539607552') ELSE t END)
	 FROM jsonb_array_elements(a.s->'tables') t))) d WHERE a.name = 'a';
-- Sections or fields a snapshot does not hold are not compared: a hand-written snapshot
-- with sizes only (what lint's sizes parameter needs) differs from a full one in sizes only.
SELECT d.* FROM snaps a, migration_helpers.schema_diff(a.s,
	(SELECT jsonb_build_object('tables', jsonb_agg(CASE WHEN t->>'schema' = 'pf' AND t->>'name' = 'orders'
		THEN jsonb_build_object('schema', 'pf', 'name', 'orders', 'total_bytes', 51539607552)
		ELSE t - '{columns,constraints,indexes,triggers,publications,total_bytes}'::text[] END))
	 FROM jsonb_array_elements(a.s->'tables') t)) d WHERE a.name = 'a';

-- Every role may take a snapshot: it reads the catalogs, which every role may read, never a
-- table's rows (this role holds no privilege on any table).
CREATE ROLE mh_snapshot_reader;
SET ROLE mh_snapshot_reader;
SELECT t->>'name' AS name FROM jsonb_array_elements(migration_helpers.schema_snapshot()->'tables') t
WHERE t->>'schema' = 'pf' ORDER BY 1;
SELECT count(*) FROM pf.users;  -- no privilege on the rows
RESET ROLE;
DROP ROLE mh_snapshot_reader;

-- Bad input: the error says which argument and where its shape is wrong.
SELECT * FROM migration_helpers.schema_diff(NULL, '{"tables": []}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', NULL);
SELECT * FROM migration_helpers.schema_diff('[]', '{"tables": []}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{"tables": {}}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{"tables": [1]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{"tables": [{"schema": "public", "name": 7}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{"tables": [{"schema": "public"}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}',
	'{"tables": [{"schema": "public", "name": "t", "total_bytes": "48 GB"}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}',
	'{"tables": [{"schema": "public", "name": "t", "rows": 1.5}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}',
	'{"tables": [{"schema": "public", "name": "t", "columns": [{"name": "c", "not_null": "no"}]}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}',
	'{"tables": [{"schema": "public", "name": "t"}, {"schema": "public", "name": "t"}]}');
SELECT * FROM migration_helpers.schema_diff('{"tables": []}', '{"tables": [], "settings": []}');
-- The SQLSTATEs, asserted.
DO $$
BEGIN
	PERFORM migration_helpers.schema_diff('1', '{"tables": []}');
EXCEPTION WHEN invalid_parameter_value THEN RAISE NOTICE 'invalid_parameter_value: %', SQLERRM;
END $$;
DO $$
BEGIN
	PERFORM migration_helpers.schema_diff(NULL, NULL);
EXCEPTION WHEN null_value_not_allowed THEN RAISE NOTICE 'null_value_not_allowed: %', SQLERRM;
END $$;

DROP PUBLICATION pub_orders;
DROP EXTENSION migration_helpers;
DROP SCHEMA pf CASCADE;
