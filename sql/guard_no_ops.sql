-- No-ops are not unsafe, and a statement the server refuses anyway gets the server's own error,
-- so that idempotent migrations (IF [NOT] EXISTS, DO blocks that catch duplicate_table) work.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
CREATE TABLE members (id int PRIMARY KEY, email text, org int);
INSERT INTO members SELECT g, 'm' || g, 1 FROM generate_series(1, 50) g;
CREATE UNIQUE INDEX CONCURRENTLY members_email_key ON members (email);

-- No-ops: nothing is locked, built or dropped, so nothing is blocked or logged.
CREATE UNIQUE INDEX IF NOT EXISTS members_email_key ON members (email);
ALTER TABLE members ADD COLUMN IF NOT EXISTS email text NOT NULL;
ALTER TABLE members ADD COLUMN IF NOT EXISTS org int NOT NULL REFERENCES members (id);
ALTER TABLE members DROP COLUMN IF EXISTS tenant_id;
SELECT count(*) AS logged FROM migration_helpers.ddl_log;
-- Not no-ops: still judged.
SELECT sqlstate_of('ALTER TABLE members ADD COLUMN IF NOT EXISTS tenant_id int NOT NULL');
SELECT sqlstate_of('ALTER TABLE members DROP COLUMN IF EXISTS org');
SELECT sqlstate_of('CREATE INDEX IF NOT EXISTS members_org ON members (org)');
-- the drop runs first, so the column the ADD names is gone by then
SELECT sqlstate_of('ALTER TABLE members DROP COLUMN IF EXISTS org, ADD COLUMN IF NOT EXISTS org int NOT NULL');

-- The server refuses these anyway: its error, not MH001.
DO $$
BEGIN
	ALTER TABLE members ADD CONSTRAINT members_email_key UNIQUE (email);
EXCEPTION WHEN duplicate_table THEN
	RAISE NOTICE 'constraint already there';
END $$;
SELECT sqlstate_of('ALTER TABLE members ADD CONSTRAINT members_email_key UNIQUE (email)');
SELECT sqlstate_of('CREATE INDEX members_email_key ON members (email)');
SELECT sqlstate_of('ALTER TABLE members ADD PRIMARY KEY (email)');
SELECT sqlstate_of('ALTER TABLE members ADD COLUMN email text');
SELECT sqlstate_of('ALTER TABLE members ADD COLUMN extra int NOT NULL, ADD COLUMN email text');
SELECT sqlstate_of('ALTER TABLE members DROP COLUMN tenant_id');
SELECT sqlstate_of('ALTER TABLE members RENAME COLUMN tenant_id TO tenant');
SELECT sqlstate_of('ALTER TABLE members RENAME COLUMN org TO email');
SELECT sqlstate_of('ALTER TABLE members ALTER COLUMN tenant_id SET NOT NULL');
-- ... unless another pass of the same statement frees the name or adds the column: then it is judged.
SELECT sqlstate_of('ALTER TABLE members ADD COLUMN flag int DEFAULT 1, ALTER COLUMN flag SET NOT NULL, ADD CONSTRAINT org_set CHECK (org > 0)');
SELECT sqlstate_of('ALTER TABLE members DROP CONSTRAINT members_pkey, ADD PRIMARY KEY (email)');
SELECT count(*) AS logged FROM migration_helpers.ddl_log;

-- A serial, identity or stored generated column is reported once, at ddl_command_start, not
-- again by the table_rewrite event that follows.
SET migration_helpers.guard = warn;
ALTER TABLE members ADD COLUMN seq serial;
ALTER TABLE members ADD COLUMN ident int GENERATED ALWAYS AS IDENTITY;
ALTER TABLE members ADD COLUMN twice int GENERATED ALWAYS AS (id * 2) STORED;
RESET migration_helpers.guard;
BEGIN;
SET LOCAL migration_helpers.allow = 'add_column_rewrite';
ALTER TABLE members ADD COLUMN seq2 bigserial;
COMMIT;
SELECT command_tag, rules_warned, rules_allowed FROM migration_helpers.ddl_log ORDER BY id;
-- VACUUM FULL of a table the role may not vacuum is skipped by the server (a WARNING), and
-- CLUSTER or REINDEX of it refused: nothing is blocked, and nothing logged as run.
CREATE ROLE mh_noop_other;
SET ROLE mh_noop_other;
VACUUM FULL members;
SET migration_helpers.allow = 'vacuum_full';  -- VACUUM cannot run in a transaction block
VACUUM FULL members;                          -- skipped: not logged as run
RESET migration_helpers.allow;
SELECT sqlstate_of('CLUSTER members USING members_pkey');
SELECT sqlstate_of('REINDEX TABLE members');
SELECT sqlstate_of('REINDEX INDEX members_pkey');
RESET ROLE;
SELECT count(*) AS vacuums_logged FROM migration_helpers.ddl_log WHERE command_tag = 'VACUUM';
\set VERBOSITY sqlstate
VACUUM FULL members;  -- the owner: blocked
\set VERBOSITY default
DROP ROLE mh_noop_other;
DROP EXTENSION migration_helpers;
DROP TABLE members;
DROP FUNCTION sqlstate_of(text);
