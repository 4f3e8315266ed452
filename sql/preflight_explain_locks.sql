-- explain_locks(): ALTERs of each lock level run and rolled back, with the locks each took,
-- whether it rewrote, the rules the guard (observing) would have blocked; statements that
-- cannot run in a transaction block; failures; nothing is left behind; every bad input.
CREATE EXTENSION migration_helpers;
\set VERBOSITY default
\set SHOW_CONTEXT never
-- A schema of its own: other tests leave tables in public.
CREATE SCHEMA pl;
SET search_path = pl;
CREATE TABLE users (id bigint PRIMARY KEY, email text, age int);
INSERT INTO users SELECT g, 'u' || g, g FROM generate_series(1, 1000) g;
CREATE TABLE orgs (id bigint PRIMARY KEY);
INSERT INTO orgs VALUES (1);
CREATE TABLE members (id bigint, org_id bigint, CONSTRAINT org_positive CHECK (org_id > 0) NOT VALID);
INSERT INTO members VALUES (1, 1);
CREATE TABLE events (at date, n int) PARTITION BY RANGE (at);
CREATE TABLE events_2026 (at date, n int);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

-- One statement per call, so that each reports its own locks (a lock the script already holds
-- from an earlier statement is not taken again). The guard's WARNINGs are shown once, below.
CREATE FUNCTION traced(script text) RETURNS TABLE (statement text, outcome text, relation text, lock text,
	blocks text, locks text, rewrote boolean, rewritten text[], guard_rules text[])
LANGUAGE sql AS $$
	SELECT statement, outcome, relation, lock, blocks,
		(SELECT string_agg(format('%s %s%s', l->>'relation', l->>'mode',
			CASE WHEN (l->>'created')::boolean THEN ' (created)' ELSE '' END), ', ')
		 FROM jsonb_array_elements(e.locks) l),
		rewrote, rewritten, guard_rules
	FROM migration_helpers.explain_locks(script) e
$$;
SET client_min_messages = error;
SELECT t.* FROM unnest(ARRAY[
	'SELECT count(*) FROM users',                                   -- ACCESS SHARE
	'SELECT * FROM orgs FOR UPDATE',                                 -- ROW SHARE
	'UPDATE users SET age = age + 1 WHERE id = 1',                   -- ROW EXCLUSIVE
	'ALTER TABLE users SET (fillfactor = 70)',                       -- SHARE UPDATE EXCLUSIVE
	'ALTER TABLE members VALIDATE CONSTRAINT org_positive',          -- SHARE UPDATE EXCLUSIVE
	'ALTER TABLE users ALTER COLUMN email SET STATISTICS 500',       -- SHARE UPDATE EXCLUSIVE
	'CREATE INDEX users_email_idx ON users (email)',                 -- SHARE
	'ALTER TABLE members ADD FOREIGN KEY (org_id) REFERENCES orgs',  -- SHARE ROW EXCLUSIVE on both
	'CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()',
	'LOCK TABLE orgs IN EXCLUSIVE MODE',                             -- EXCLUSIVE
	'ALTER TABLE users ADD COLUMN note text',                        -- ACCESS EXCLUSIVE, no rewrite
	'ALTER TABLE users ALTER COLUMN age SET NOT NULL',               -- ACCESS EXCLUSIVE, a scan
	'ALTER TABLE users ALTER COLUMN age TYPE bigint',                -- ACCESS EXCLUSIVE, a rewrite
	'ALTER TABLE users ALTER COLUMN email TYPE varchar(100)',         -- not binary coercible: a rewrite
	'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT clock_timestamp()',  -- volatile: a rewrite
	'ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM (''2026-01-01'') TO (''2027-01-01'')',
	'ALTER TABLE users RENAME COLUMN email TO mail',
	'TRUNCATE members',
	'DROP TABLE members'
]) WITH ORDINALITY AS s(sql, n), traced(s.sql) t ORDER BY s.n;
RESET client_min_messages;

-- A whole script: later statements see what earlier ones did; transaction control, VACUUM
-- and CONCURRENTLY are reported as not run; a failed statement is reported and the next run.
SELECT statement_no, line, statement, outcome, relation, lock, rewrote, guard_rules, elapsed IS NOT NULL AS timed,
	message
FROM migration_helpers.explain_locks($$
BEGIN;
-- a comment before the statement
CREATE TABLE accounts (id int PRIMARY KEY);
ALTER TABLE accounts ALTER COLUMN id TYPE bigint;  /* created in this script: the guard exempts it */
CREATE INDEX CONCURRENTLY users_age_idx ON users (age);
DROP INDEX CONCURRENTLY IF EXISTS users_age_idx;
REINDEX TABLE CONCURRENTLY users;
VACUUM users;
VACUUM FULL users;
ALTER TABLE missing ADD COLUMN x int;
ALTER TABLE users DROP COLUMN age;
COMMIT;
$$) ORDER BY statement_no;

-- Nothing is left behind: not the tables, not the columns, not the guard's mark (the same
-- statement is blocked again), not the lock_timeout, not a ddl_log row.
SELECT to_regclass('accounts') AS accounts, to_regclass('users_email_idx') AS idx;
SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 ORDER BY attnum;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'age';
SELECT count(*) FROM members;
SHOW lock_timeout;
SELECT count(*) FROM migration_helpers.ddl_log;
CREATE INDEX users_email_idx ON users (email);
-- Inside a transaction block too, and the locks it took are gone with its subtransaction.
BEGIN;
SELECT outcome, lock FROM migration_helpers.explain_locks('ALTER TABLE users ADD COLUMN x int');
SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'users'::regclass;
CREATE INDEX users_email_idx ON users (email);  -- the guard blocks again in the same transaction
ROLLBACK;

-- The guard's WARNING names explain_locks as the reason it does not block.
SELECT outcome, guard_rules FROM migration_helpers.explain_locks('ALTER TABLE users ALTER COLUMN age TYPE numeric');

-- The caller's rights: a role without privileges on the table gets the server's error.
CREATE ROLE mh_tracer;
GRANT USAGE ON SCHEMA pl TO mh_tracer;
SET ROLE mh_tracer;
SELECT outcome, message FROM migration_helpers.explain_locks('ALTER TABLE users ADD COLUMN y int');
SELECT outcome, message FROM migration_helpers.explain_locks('SELECT * FROM users');
RESET ROLE;
-- The guard observes only for a session whose user could turn it off itself (a session whose
-- login is a superuser can, whatever SET ROLE says): for the table's owner logged in without
-- that right, what enforce mode blocks is still blocked, reported as the statement's error, and
-- nothing ran; granted SET on migration_helpers.guard, the role gets the trace.
CREATE TABLE owned (id bigint PRIMARY KEY, v int);
INSERT INTO owned SELECT g, g FROM generate_series(1, 1000) g;
ALTER TABLE owned OWNER TO mh_tracer;
SET SESSION AUTHORIZATION mh_tracer;
SELECT outcome, rewrote, guard_rules, message FROM migration_helpers.explain_locks('ALTER TABLE owned ALTER COLUMN v TYPE bigint');
RESET SESSION AUTHORIZATION;
-- The right is the session user's: a SECURITY DEFINER wrapper owned by a superuser does not
-- lend it to its caller.
CREATE FUNCTION pl.trace_as_owner(script text) RETURNS TABLE (outcome text, message text)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS
$$ SELECT outcome, message FROM migration_helpers.explain_locks(script) $$;
SET SESSION AUTHORIZATION mh_tracer;
SELECT outcome, message FROM pl.trace_as_owner('ALTER TABLE pl.owned ALTER COLUMN v TYPE bigint');
RESET SESSION AUTHORIZATION;
GRANT SET ON PARAMETER migration_helpers.guard TO mh_tracer;
SET SESSION AUTHORIZATION mh_tracer;
SELECT outcome, rewrote, guard_rules, message FROM migration_helpers.explain_locks('ALTER TABLE owned ALTER COLUMN v TYPE bigint');
RESET SESSION AUTHORIZATION;
REVOKE SET ON PARAMETER migration_helpers.guard FROM mh_tracer;
SET migration_helpers.guard = off;  -- the fixture's own clean-up
DROP FUNCTION pl.trace_as_owner(text);
DROP TABLE owned;
RESET migration_helpers.guard;
REVOKE USAGE ON SCHEMA pl FROM mh_tracer;
DROP ROLE mh_tracer;

-- A cancel or statement_timeout ends the whole call (not one statement's failure), and
-- leaves nothing behind either.
SET statement_timeout = '200ms';
SELECT * FROM migration_helpers.explain_locks('CREATE TABLE t_timeout (id int); SELECT pg_sleep(5); SELECT 1');
RESET statement_timeout;
SELECT to_regclass('t_timeout');

-- Bad input.
SELECT * FROM migration_helpers.explain_locks('');
SELECT * FROM migration_helpers.explain_locks('  -- only a comment
');
SELECT * FROM migration_helpers.explain_locks('ALTER TABLE users ADD COLUMN z int;
ALTER TABLE users ADD COLUMNN z int;');
SELECT * FROM migration_helpers.explain_locks(NULL);
SELECT * FROM migration_helpers.explain_locks('SELECT 1', NULL);
SELECT * FROM migration_helpers.explain_locks('SELECT 1', '0');
SELECT * FROM migration_helpers.explain_locks('SELECT 1', '-1 s');
DO $$
BEGIN
	PERFORM migration_helpers.explain_locks('SELEC 1');
EXCEPTION WHEN syntax_error THEN RAISE NOTICE 'syntax_error: %', SQLERRM;
END $$;

DROP EXTENSION migration_helpers;
DROP SCHEMA pl CASCADE;
