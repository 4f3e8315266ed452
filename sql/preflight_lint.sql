-- lint(): the guard's findings on each statement of a script, without running it. A corpus of
-- statements with their expected findings (rules and severities as the guard in enforce mode
-- decides them), the script model (transactions, tables created, locks held, SET LOCAL), sizes
-- from a production snapshot, and every bad input.
CREATE EXTENSION migration_helpers;
-- A schema of its own: the suites share one database, and other tests leave tables named as these.
CREATE SCHEMA lint_corpus;
SET search_path = lint_corpus;
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = error;  -- CREATE PUBLICATION warns that wal_level is not logical
SET migration_helpers.guard = off;  -- the setup's own DDL
CREATE TABLE users (id int PRIMARY KEY, email text, name text, age int, org_id int, created timestamp,
	note text, old text);
CREATE INDEX users_email_old ON users (email);
CREATE UNIQUE INDEX users_email_uidx ON users (email);
INSERT INTO users SELECT g, 'u' || g, 'n' || g, g, 1, '2020-01-01', 'x', 'o' FROM generate_series(1, 200) g;
CREATE TABLE orgs (id int PRIMARY KEY, name text);
INSERT INTO orgs VALUES (1, 'a');
CREATE PUBLICATION orgs_pub FOR TABLE orgs;
CREATE TABLE nokey (id int NOT NULL, v int);
INSERT INTO nokey VALUES (1, 1);
CREATE TABLE checked (id int, sku varchar(20) CHECK (sku <> ''));
INSERT INTO checked VALUES (1, 'a');
ALTER TABLE users ADD CONSTRAINT users_age_nv CHECK (age > 0) NOT VALID;
CREATE TABLE never_filled (id int, v int);
CREATE TABLE emptied (id int, v int);
INSERT INTO emptied VALUES (1, 1);
TRUNCATE emptied;
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
INSERT INTO events VALUES (1, '2024-05-05'), (2, '2030-01-01');
CREATE TABLE events_x (id int, at date);
INSERT INTO events_x VALUES (3, '2027-02-02');
CREATE MATERIALIZED VIEW user_ages AS SELECT id, name FROM orgs;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE orgs_old (id int);
INSERT INTO orgs_old VALUES (1);
CREATE TABLE signups (id int, email text);
INSERT INTO signups VALUES (1, 'a'), (2, 'a');
RESET migration_helpers.guard;
RESET client_min_messages;
CREATE UNIQUE INDEX CONCURRENTLY signups_email_key ON signups (email);  -- fails: leaves an INVALID index
CREATE TEMP TABLE scripts (name text PRIMARY KEY, body text);

-- The corpus: one statement a line, autocommit. A statement without a finding has no row.
INSERT INTO scripts VALUES ('corpus', $script$
-- indexes
CREATE INDEX users_email ON users (email);
CREATE INDEX CONCURRENTLY users_email2 ON users (email);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS signups_email_key ON signups (email);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_uidx ON users (email);
DROP INDEX users_email_old;
DROP INDEX CONCURRENTLY users_email_old;
REINDEX TABLE users;
REINDEX TABLE CONCURRENTLY users;
REINDEX INDEX users_email_uidx;
-- type changes: the rewrites the table_rewrite event would report, predicted
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ALTER COLUMN email TYPE varchar(200);
ALTER TABLE users ALTER COLUMN name TYPE varchar;
ALTER TABLE users ALTER COLUMN note TYPE text;
ALTER TABLE users ALTER COLUMN age TYPE int USING age + 0;
ALTER TABLE users ALTER COLUMN age SET DATA TYPE int4;
ALTER TABLE users ALTER COLUMN created TYPE timestamptz;
ALTER TABLE checked ALTER COLUMN sku TYPE varchar(40);
ALTER TABLE checked ALTER COLUMN id TYPE bigint;
ALTER TABLE users ALTER COLUMN email TYPE text COLLATE "C";
ALTER TABLE users ALTER COLUMN age TYPE bigint, ALTER COLUMN id TYPE bigint;
-- adding columns
ALTER TABLE users ADD COLUMN seq serial;
ALTER TABLE users ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (age * 2) STORED;
ALTER TABLE users ADD COLUMN token float8 DEFAULT random();
ALTER TABLE users ADD COLUMN uid text DEFAULT gen_random_uuid()::text;
ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now();
ALTER TABLE users ADD COLUMN plain int;
ALTER TABLE users ADD COLUMN fixed int DEFAULT 42;
ALTER TABLE users ADD COLUMN nick text NOT NULL;
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN score posint;
ALTER TABLE users ADD COLUMN id int;
ALTER TABLE users ADD COLUMN IF NOT EXISTS id int;
ALTER TABLE users ADD COLUMN org2 int REFERENCES orgs (id);
ALTER TABLE users ADD COLUMN org3 int DEFAULT 1 REFERENCES orgs (id);
ALTER TABLE users ADD COLUMN code text UNIQUE;
ALTER TABLE users ADD COLUMN pct int CHECK (pct < 100);
-- constraints
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
ALTER TABLE nokey ALTER COLUMN id SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0);
ALTER TABLE users ADD CONSTRAINT age_pos2 CHECK (age > 0) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);
ALTER TABLE users ADD CONSTRAINT users_org_fk2 FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_age_nv;
ALTER TABLE users ADD CONSTRAINT users_email_u UNIQUE (email);
ALTER TABLE users ADD CONSTRAINT users_email_u2 UNIQUE USING INDEX users_email_uidx;
ALTER TABLE nokey ADD PRIMARY KEY (id);
ALTER TABLE nokey ADD CONSTRAINT nokey_ex EXCLUDE USING btree (id WITH =);
ALTER TABLE users ADD PRIMARY KEY (id);
ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x';
ALTER TABLE users ALTER COLUMN email SET STATISTICS 200;
ALTER TABLE users DROP CONSTRAINT users_age_nv;
-- renames and drops break running code
ALTER TABLE users RENAME COLUMN note TO remark;
ALTER TABLE users RENAME COLUMN note TO name;
ALTER TABLE users RENAME TO members;
ALTER TABLE users SET SCHEMA public;
ALTER TABLE users DROP COLUMN old;
ALTER TABLE users DROP COLUMN IF EXISTS no_such_column;
DROP TABLE orgs_old;
DROP TABLE IF EXISTS no_such_table;
ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
ALTER TYPE mood ADD VALUE 'happy';
-- rewrites and moves
ALTER TABLE users SET UNLOGGED;
ALTER TABLE users SET LOGGED;
ALTER TABLE users SET ACCESS METHOD heap;
ALTER TABLE users SET TABLESPACE pg_default;
VACUUM FULL users;
VACUUM users;
VACUUM (FULL false, ANALYZE) users;
ANALYZE users;
CLUSTER users USING users_pkey;
REFRESH MATERIALIZED VIEW user_ages;
REFRESH MATERIALIZED VIEW CONCURRENTLY user_ages;
REFRESH MATERIALIZED VIEW user_ages WITH NO DATA;
-- partitions
ALTER TABLE events DETACH PARTITION events_2024;
ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE events ATTACH PARTITION events_x FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX events_at ON events (at);
CREATE INDEX events_at_only ON ONLY events (at);
-- tables without rows
CREATE INDEX never_filled_v ON never_filled (v);
ALTER TABLE never_filled ADD CONSTRAINT never_filled_v CHECK (v > 0);
DROP TABLE never_filled;
CREATE INDEX emptied_v ON emptied (v);
ALTER TABLE emptied DROP COLUMN v;
-- logical replication
ALTER TABLE orgs ADD COLUMN note text;
ALTER TABLE orgs RENAME COLUMN name TO title;
-- what lint itself reports
ALTER TABLE no_such_table ADD COLUMN x int;
ALTER TABLE IF EXISTS no_such_table ADD COLUMN x int;
DROP INDEX no_such_index;
CREATE INDEX ON no_such_schema.t (x);
ALTER TABLE users ADD COLUMN x no_such_type;
ALTER TABLE users ALTER COLUMN age TYPE no_such_type;
ALTER TABLE orgs ALTER COLUMN name TYPE varchar(10);
ALTER TABLE events_2024 ALTER COLUMN id TYPE bigint;
ALTER TABLE events ALTER COLUMN at TYPE timestamp;
ALTER TABLE events_2024 ADD COLUMN x float8 DEFAULT random();
DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$;
SET LOCAL migration_helpers.allow = 'drop_table';
SET migration_helpers.allow = 'no_such_rule';
-- not DDL
SELECT 1;
INSERT INTO orgs VALUES (2, 'b');
UPDATE users SET age = age + 1;
CREATE VIEW adults AS SELECT * FROM users WHERE age >= 18;
COMMENT ON TABLE users IS 'people';
GRANT SELECT ON users TO PUBLIC;
$script$);

SELECT statement_no AS n, line, rule, severity, relation
FROM scripts, migration_helpers.lint(body) WHERE name = 'corpus' ORDER BY statement_no, rule;
-- lint's own findings say why.
SELECT statement_no AS n, rule, message FROM scripts, migration_helpers.lint(body)
WHERE name = 'corpus' AND rule LIKE 'lint%' ORDER BY statement_no;
-- Statements in the corpus, statements with findings, and the findings by severity.
SELECT (SELECT count(*) FROM scripts, regexp_split_to_table(body, E'\n') l
		WHERE name = 'corpus' AND l <> '' AND l NOT LIKE '--%') AS statements,
	count(DISTINCT statement_no) AS with_findings, count(*) FILTER (WHERE severity = 'error') AS errors,
	count(*) FILTER (WHERE severity = 'warning') AS warnings, count(*) FILTER (WHERE severity = 'info') AS infos
FROM scripts, migration_helpers.lint(body) WHERE name = 'corpus';
-- Every column of one finding: the lock, what it blocks, the size, the message and recipe the guard
-- would raise (its HINT with how to allow it).
\x
SELECT * FROM migration_helpers.lint('CREATE INDEX users_email ON users (email);');
\x
-- Nothing ran: no index, column or rename happened, and lint took no lock that is still held.
SELECT count(*) AS indexes FROM pg_indexes WHERE schemaname = 'lint_corpus' AND tablename = 'users';
SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname IN ('token', 'seq', 'remark');
BEGIN;
SELECT count(*) > 0 AS found FROM migration_helpers.lint('ALTER TABLE users ALTER COLUMN age TYPE bigint USING age * 2;');
SELECT mode FROM pg_locks WHERE relation = 'users'::regclass AND pid = pg_backend_pid();
COMMIT;

-- The script model: transaction blocks, tables created in them, locks held, SET LOCAL.
INSERT INTO scripts VALUES ('transactions', $script$
BEGIN;
CREATE TABLE fresh (id int, v int);
CREATE INDEX fresh_v ON fresh (v);
ALTER TABLE fresh ADD CONSTRAINT fresh_v CHECK (v > 0);
ALTER TABLE fresh RENAME COLUMN v TO w;
ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_age_nv;
COMMIT;
ALTER TABLE users VALIDATE CONSTRAINT users_age_nv;
ALTER TABLE fresh ADD COLUMN y int;
BEGIN;
SET LOCAL migration_helpers.allow = 'index_not_concurrent';
CREATE INDEX users_age ON users (age);
ALTER TABLE users DROP COLUMN old;
COMMIT;
CREATE INDEX users_name ON users (name);
BEGIN;
LOCK TABLE users IN SHARE MODE;
ALTER TABLE users VALIDATE CONSTRAINT users_age_nv;
ROLLBACK;
BEGIN;
LOCK TABLE users IN SHARE UPDATE EXCLUSIVE MODE;
ALTER TABLE users VALIDATE CONSTRAINT users_age_nv;
CREATE INDEX CONCURRENTLY users_created ON users (created);
COMMIT;
CREATE TEMP TABLE scratch (id int);
CREATE INDEX scratch_id ON scratch (id);
BEGIN;
CREATE TABLE gone (id int);
ROLLBACK;
ALTER TABLE gone ADD COLUMN x int;
ALTER TABLE orgs RENAME TO companies;
ALTER TABLE companies ADD COLUMN x int;
SET migration_helpers.allow = 'drop_column';
ALTER TABLE users DROP COLUMN old;
RESET migration_helpers.allow;
ALTER TABLE users DROP COLUMN old;
BEGIN;
SET LOCAL migration_helpers.exempt_empty_tables = off;
CREATE INDEX never_filled_v ON never_filled (v);
COMMIT;
CREATE INDEX never_filled_v ON never_filled (v);
BEGIN;
SET LOCAL migration_helpers.large_table_threshold = '1GB';
CREATE INDEX users_name ON users (name);
DROP TABLE orgs_old;
COMMIT;
$script$);
SELECT statement_no AS n, line, rule, severity, relation
FROM scripts, migration_helpers.lint(body) WHERE name = 'transactions' ORDER BY statement_no, rule;
-- single_transaction: the runner wraps the whole file in one transaction.
INSERT INTO scripts VALUES ('wrapped', $script$
CREATE TABLE fresh2 (id int);
CREATE INDEX fresh2_id ON fresh2 (id);
ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT age_nn;
CREATE INDEX CONCURRENTLY users_created ON users (created);
SET LOCAL migration_helpers.allow = 'drop_table';
DROP TABLE orgs_old;
$script$);
SELECT statement_no AS n, rule, severity FROM scripts, migration_helpers.lint(body, single_transaction => false)
WHERE name = 'wrapped' ORDER BY statement_no, rule;
SELECT statement_no AS n, rule, severity FROM scripts, migration_helpers.lint(body, single_transaction => true)
WHERE name = 'wrapped' ORDER BY statement_no, rule;
-- Where each statement starts: after comments, on its own line and column (in characters).
SELECT statement_no, line, col, statement, rule FROM migration_helpers.lint(E'/* header\n/* nested */ */ -- x\nSELECT ''é''; \tDROP TABLE orgs_old ;\n\n  -- then\n  ALTER TABLE users\n    DROP COLUMN old;');

-- Production's sizes: a schema_snapshot() taken there. lint reads tables[].schema, name,
-- heap_bytes, total_bytes and rows, and ignores the rest.
INSERT INTO scripts VALUES ('sizes', '{"version": 1, "tables": [
	{"schema": "lint_corpus", "name": "users", "heap_bytes": 48000000000, "total_bytes": 60000000000, "rows": 1e9, "columns": []},
	{"schema": "lint_corpus", "name": "never_filled", "heap_bytes": 8000000000, "total_bytes": 8000000000, "rows": 1000000},
	{"schema": "lint_corpus", "name": "checked", "heap_bytes": 0, "total_bytes": 16384, "rows": 0},
	{"schema": "lint_corpus", "name": "events_2024", "heap_bytes": 1000000000, "total_bytes": 1500000000},
	{"schema": "lint_corpus", "name": "events_other", "total_bytes": 2000000000},
	{"schema": "lint_corpus", "heap_bytes": 1},
	{"schema": "lint_corpus", "name": "orgs", "heap_bytes": "big"},
	"not an object"]}');
SELECT statement_no AS n, rule, severity, relation, relation_size, estimated_duration
FROM migration_helpers.lint($$
CREATE INDEX users_email ON users (email);
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0);
ALTER TABLE users RENAME COLUMN note TO remark;
CREATE INDEX never_filled_v ON never_filled (v);
ALTER TABLE checked ADD CONSTRAINT c CHECK (id > 0);
CREATE INDEX events_at ON events (at);
ALTER TABLE orgs ADD CONSTRAINT c CHECK (id > 0);
$$, sizes => (SELECT body::jsonb FROM scripts WHERE name = 'sizes')) ORDER BY statement_no, rule;
-- The same statements with the local sizes.
SELECT statement_no AS n, rule, severity, relation, relation_size
FROM migration_helpers.lint($$
CREATE INDEX never_filled_v ON never_filled (v);
ALTER TABLE checked ADD CONSTRAINT c CHECK (id > 0);
$$) ORDER BY statement_no, rule;

-- Bad input: clear errors with the server's SQLSTATE, nothing else.
\set ON_ERROR_STOP 0
SELECT * FROM migration_helpers.lint(NULL);
SELECT * FROM migration_helpers.lint('');
SELECT * FROM migration_helpers.lint(E'  -- only a comment\n /* and another */ ;;');
SELECT * FROM migration_helpers.lint(E'CREATE INDEX ON users (email);\n\nALTER TABLE users\n  ADD COLUMN x int DEFALT 1;');
SELECT * FROM migration_helpers.lint(E'SELECT 1;\nDO $$ BEGIN');
SELECT * FROM migration_helpers.lint('SELECT 1', sizes => '[]');
SELECT * FROM migration_helpers.lint('SELECT 1', sizes => '{"tables": {}}');
SELECT * FROM migration_helpers.lint('SELECT 1', sizes => '"x"');
\set ON_ERROR_STOP 1
DO $$
DECLARE
	s text;
BEGIN
	PERFORM * FROM migration_helpers.lint('');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE;
	RAISE NOTICE 'empty script: %', s;
END $$;
DO $$
DECLARE
	s text;
BEGIN
	PERFORM * FROM migration_helpers.lint('ALTER TABLE');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE;
	RAISE NOTICE 'syntax error: %', s;
END $$;
DO $$
DECLARE
	s text;
BEGIN
	PERFORM * FROM migration_helpers.lint('SELECT 1', sizes => '[]');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE;
	RAISE NOTICE 'sizes not an object: %', s;
END $$;
-- A caller without rights on a table: lint reads the catalog only (as the guard does), and the
-- statement's own permission error is the server's when it runs.
CREATE ROLE lint_reader;
SET ROLE lint_reader;
SELECT statement_no, rule, severity FROM migration_helpers.lint('CREATE INDEX users_email ON users (email);');
RESET ROLE;
DROP ROLE lint_reader;
DROP PUBLICATION orgs_pub;
-- The live guard meets the server's refusals that lint reports in the same analysis: the
-- statement's own errors, nothing ran.
\set ON_ERROR_STOP 0
ALTER TABLE orgs ALTER COLUMN name TYPE varchar(10);
ALTER TABLE events ALTER COLUMN at TYPE timestamp;
ALTER TABLE events_2024 ALTER COLUMN id TYPE bigint;
ALTER TABLE users ALTER COLUMN age TYPE int4range;
ALTER TABLE users ALTER COLUMN age TYPE int4range USING age + 1;
\set ON_ERROR_STOP 1
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orgs'::regclass AND attname = 'name';
SET migration_helpers.guard = off;
SET client_min_messages = warning;
DROP SCHEMA lint_corpus CASCADE;
RESET client_min_messages;
RESET search_path;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
