-- Every bad input and illegal transition of the migration helpers is a
-- PostgreSQL-style error (SQLSTATE shown after each) that changes nothing:
-- the state tables and the catalog are compared before and after.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE EXTENSION migration_helpers;
CREATE SCHEMA me;  -- the tests share one database
SET search_path = me;
CREATE TABLE users (id bigint PRIMARY KEY, name text, email text NOT NULL DEFAULT '');
CREATE TABLE nokey (v text);
CREATE VIEW users_view AS SELECT * FROM users;
CREATE TEMP TABLE scratch (id int PRIMARY KEY);
INSERT INTO users VALUES (1, 'a', 'a@x');
-- A digest of the state and of the tables' catalog entries, to prove nothing changed.
CREATE FUNCTION pg_temp.digest() RETURNS text LANGUAGE sql AS $$
	SELECT md5(concat_ws('|',
		(SELECT string_agg(concat_ws(',', name, description, phase, contract_done, undo_done), ';' ORDER BY id)
			FROM migration_helpers._migrations),
		(SELECT string_agg(concat_ws(',', migration_id, step_no, action, status), ';' ORDER BY migration_id, step_no)
			FROM migration_helpers._migration_steps),
		(SELECT count(*) FROM migration_helpers._backfill_jobs),
		(SELECT string_agg(concat_ws(',', attrelid::regclass, attname, atttypid, attnotnull), ';' ORDER BY attrelid, attnum)
			FROM pg_attribute WHERE attrelid IN ('users'::regclass, 'nokey'::regclass) AND attnum > 0 AND NOT attisdropped),
		(SELECT string_agg(conname || convalidated, ';' ORDER BY conname) FROM pg_constraint
			WHERE conrelid IN ('users'::regclass, 'nokey'::regclass)),
		(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'users'::regclass),
		(SELECT count(*) FROM pg_proc WHERE pronamespace = 'me'::regnamespace)))
$$;
SELECT migration_helpers.start_migration('m', 'the one');
SELECT pg_temp.digest() AS before \gset
-- try: runs a statement whose error names a time; shows it with the time masked.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE state text; msg text; detail text; hint text;
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
		hint = PG_EXCEPTION_HINT;
	RAISE NOTICE E'%: %\nDETAIL: %\nHINT: %', state, msg,
		regexp_replace(detail, '\d{4}-\d\d-\d\d [0-9:+-]+', 'TIME', 'g'), hint;
END $$;

-- Unknown migration, table, column, type.
SELECT migration_helpers.add_column('nope', 'users', 'x', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'no_such_table', 'x', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_not_null('m', 'users', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.drop_column('m', 'users', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_foreign_key('m', 'users', '{no_such_column}', 'users');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'users', 'x', 'no_such_type');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.complete_migration('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.abort_migration('nope');
\echo :LAST_ERROR_SQLSTATE
-- Not a table; a temporary table.
SELECT migration_helpers.add_column('m', 'users_view', 'x', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'scratch', 'x', 'int');
\echo :LAST_ERROR_SQLSTATE
-- A column or constraint that exists already.
SELECT migration_helpers.add_column('m', 'users', 'name', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_check('m', 'users', 'users_pkey', 'id > 0');
\echo :LAST_ERROR_SQLSTATE
-- Expressions: one expression each, a constant default, not both.
SELECT migration_helpers.add_column('m', 'users', 'x', 'int', default_expr => '1), (2');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_check('m', 'users', 'c', 'true) FROM pg_class WHERE (true');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_check('m', 'users', 'c', 'id > 0) UNION (SELECT false');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'users', 'x', 'int', default_expr => '(random() * 10)::int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'users', 'x', 'int', default_expr => 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'users', 'x', 'int', default_expr => '1', backfill_expr => 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_column('m', 'users', 'x', 'int', backfill_expr => 'no_such_column + 1');
\echo :LAST_ERROR_SQLSTATE
-- A backfill needs a key to walk.
SELECT migration_helpers.add_column('m', 'nokey', 'x', 'text', backfill_expr => 'upper(v)');
\echo :LAST_ERROR_SQLSTATE
-- Foreign key arguments.
SELECT migration_helpers.add_foreign_key('m', 'users', '{id}', 'users', '{id}', on_delete => 'explode');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_foreign_key('m', 'users', '{id,name}', 'users', '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.add_foreign_key('m', 'users', '{}', 'users');
\echo :LAST_ERROR_SQLSTATE
-- NOT NULL while the running version may write NULL (no default, no backfill keeps it filled).
SELECT migration_helpers.add_not_null('m', 'users', 'name');
\echo :LAST_ERROR_SQLSTATE
-- NULL and empty arguments.
SELECT migration_helpers.add_column('m', NULL, 'x', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.start_migration('');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.start_migration(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.start_migration('short', lock_retry_budget => '1ms');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.complete_migration('m', NULL);
\echo :LAST_ERROR_SQLSTATE
-- A name used twice.
SELECT pg_temp.try($$SELECT migration_helpers.start_migration('m', 'another one')$$);
-- Illegal transitions: complete without steps.
SELECT migration_helpers.complete_migration('m');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.digest() = :'before' AS nothing_changed;

-- The same step again with other arguments.
SELECT migration_helpers.add_column('m', 'users', 'nick', 'text');
SELECT pg_temp.digest() AS before \gset
SELECT migration_helpers.add_column('m', 'users', 'nick', 'varchar(20)');
\echo :LAST_ERROR_SQLSTATE
-- A second migration on a table another unfinished migration touches, named.
SELECT migration_helpers.start_migration('other');
SELECT pg_temp.digest() AS before \gset
SELECT pg_temp.try($$SELECT migration_helpers.add_column('other', 'users', 'age', 'int')$$);
SELECT pg_temp.try($$SELECT migration_helpers.add_foreign_key('other', 'nokey', '{v}', 'users', '{name}')$$);  -- references it
-- complete_migration while its backfill runs (here: not even started, as in a
-- migration tool's transaction), with and without wait.
BEGIN;
SELECT migration_helpers.add_column('m', 'users', 'lower_name', 'text', backfill_expr => 'lower(name)');
SELECT migration_helpers.complete_migration('m');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT migration_helpers.add_column('m', 'users', 'lower_name', 'text', backfill_expr => 'lower(name)');
SELECT migration_helpers.complete_migration('m', wait => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.digest() = :'before' AS nothing_changed;

-- Steps after contract, and after abort; abort after complete, complete after abort.
SELECT migration_helpers.complete_migration('m');
SELECT migration_helpers.add_column('m', 'users', 'later', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.abort_migration('m');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.try($$SELECT migration_helpers.start_migration('m', 'the one')$$);  -- a finished name is not reused
SELECT migration_helpers.abort_migration('other');
SELECT migration_helpers.abort_migration('other');  -- again: a no-op
SELECT migration_helpers.add_column('other', 'users', 'later', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.complete_migration('other');
\echo :LAST_ERROR_SQLSTATE
-- A re-run of a recorded step is a no-op even after contract.
SELECT migration_helpers.add_column('m', 'users', 'nick', 'text');

-- Rights: only the starter, its members and superusers may change a migration.
CREATE ROLE mh_alice;
CREATE ROLE mh_bob;
CREATE ROLE mh_team;
GRANT mh_team TO mh_bob;
CREATE TABLE notes (id int PRIMARY KEY, body text);
ALTER TABLE notes OWNER TO mh_team;
SET ROLE mh_team;
SELECT migration_helpers.start_migration('notes');
SELECT migration_helpers.add_column('notes', 'notes', 'title', 'text');
SET ROLE mh_alice;
SELECT migration_helpers.add_column('notes', 'notes', 'x', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.abort_migration('notes');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.complete_migration('notes');
\echo :LAST_ERROR_SQLSTATE
-- Steps run as the caller: alice may not alter a table she does not own.
SELECT migration_helpers.start_migration('alices');
SELECT migration_helpers.add_column('alices', 'users', 'y', 'int');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.abort_migration('alices');
SET ROLE mh_bob;  -- a member of the starter
SELECT migration_helpers.complete_migration('notes');
RESET ROLE;
-- The state is written only by the extension.
SET ROLE mh_alice;
UPDATE migration_helpers._migrations SET phase = 'completed';
\echo :LAST_ERROR_SQLSTATE
SELECT name, phase FROM migration_helpers.migrations ORDER BY id;
RESET ROLE;
DROP EXTENSION migration_helpers;
DROP SCHEMA me CASCADE;
DROP ROLE mh_alice, mh_bob, mh_team;
