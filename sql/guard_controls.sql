-- The guard's controls: allow list, warn and off modes, who may change them,
-- the ddl_log, the size threshold and ddl_lock_timeout.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE TABLE accounts (id int PRIMARY KEY, email text, note text);
INSERT INTO accounts SELECT g, 'a' || g, 'n' FROM generate_series(1, 10) g;

-- allow: named rules for one transaction, each use recorded.
BEGIN;
SET LOCAL migration_helpers.allow = 'index_not_concurrent, rename_column';
CREATE INDEX accounts_email_idx ON accounts (email);
ALTER TABLE accounts RENAME COLUMN note TO remark;
COMMIT;
BEGIN;
SET LOCAL migration_helpers.allow = 'index_not_concurrent';
ALTER TABLE accounts DROP COLUMN remark;  -- not in the list
COMMIT;
SHOW migration_helpers.allow;  -- SET LOCAL ended with the transaction
-- unknown ids are an error, never "allow all"
SET migration_helpers.allow = 'rename_column,everything';
SET migration_helpers.allow = '*';
BEGIN;
SET LOCAL migration_helpers.allow = 'rename_column';
SAVEPOINT s1;
ALTER TABLE accounts RENAME COLUMN remark TO note;
ROLLBACK TO s1;
COMMIT;
SELECT role_name = current_user AS by_me, command_tag, relation, lock_mode, rules_allowed, rules_warned, guard_mode,
	duration >= '0' AS timed, statement
FROM migration_helpers.ddl_log ORDER BY id;

-- warn: the statement runs, with the same texts as a WARNING, and is logged.
SET migration_helpers.guard = warn;
ALTER TABLE accounts RENAME COLUMN remark TO note;
SELECT command_tag, rules_warned, guard_mode FROM migration_helpers.ddl_log ORDER BY id DESC LIMIT 1;
-- off: nothing is checked.
SET migration_helpers.guard = off;
ALTER TABLE accounts RENAME COLUMN note TO remark;
RESET migration_helpers.guard;
SET migration_helpers.guard = 'sometimes';

-- Unprivileged roles cannot weaken the guard, in any way.
CREATE ROLE mh_app LOGIN;
GRANT CREATE ON SCHEMA public TO mh_app;
SET ROLE mh_app;
SET migration_helpers.guard = off;
SET migration_helpers.large_table_threshold = '10GB';
ALTER ROLE mh_app SET migration_helpers.guard = off;
ALTER EVENT TRIGGER migration_helpers_ddl_command_start DISABLE;
DROP EVENT TRIGGER migration_helpers_table_rewrite;
DROP EXTENSION migration_helpers;
SET session_replication_role = replica;
CREATE TABLE app_items (id int, v text);
INSERT INTO app_items VALUES (1, 'a');
RESET ROLE;
-- a table the role owns, created in an earlier transaction, is guarded for it too
SET ROLE mh_app;
CREATE INDEX app_items_v ON app_items (v);
ALTER TABLE app_items RENAME COLUMN v TO w;
-- the role can still allow a rule for its own DDL, and that is logged under its name
BEGIN;
SET LOCAL migration_helpers.allow = 'rename_column';
ALTER TABLE app_items RENAME COLUMN v TO w;
COMMIT;
-- and cannot write the log
DELETE FROM migration_helpers._ddl_log;
RESET ROLE;
SELECT role_name, command_tag, relation, rules_allowed FROM migration_helpers.ddl_log ORDER BY id DESC LIMIT 1;
-- session_replication_role = replica is no bypass (ENABLE ALWAYS)
SET session_replication_role = replica;
ALTER TABLE accounts RENAME COLUMN email TO mail;
RESET session_replication_role;
-- Only a superuser can relax the guard for a role.
ALTER ROLE mh_app SET migration_helpers.guard = warn;
SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'mh_app'::regrole;
ALTER ROLE mh_app RESET migration_helpers.guard;

-- large_table_threshold: smaller tables are exempt from the locking rules only.
SET migration_helpers.large_table_threshold = '1MB';
SHOW migration_helpers.large_table_threshold;
CREATE INDEX accounts_note_idx ON accounts (remark);  -- 8 kB table: below the threshold
ALTER TABLE accounts DROP COLUMN remark;            -- breaks code whatever the size
SET migration_helpers.large_table_threshold = -1;
RESET migration_helpers.large_table_threshold;

-- ddl_lock_timeout: applied to guarded DDL when the session has no lock_timeout,
-- and only for the duration of that statement. Event triggers fire in name
-- order, so this one runs right after the guard's ddl_command_start.
SET migration_helpers.ddl_lock_timeout = '250ms';
CREATE FUNCTION show_lock_timeout() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'lock_timeout during %: %', tg_tag, current_setting('lock_timeout');
END $$;
CREATE EVENT TRIGGER show_lock_timeout ON ddl_command_start EXECUTE FUNCTION show_lock_timeout();
ALTER TABLE accounts ADD COLUMN extra text;  -- guarded: existing table
SHOW lock_timeout;                            -- restored afterwards
CREATE TABLE brand_new (id int);             -- not guarded: nothing to wait for
SET lock_timeout = '3s';
ALTER TABLE accounts ADD COLUMN extra2 text;  -- the session's own setting wins
RESET lock_timeout;
SET migration_helpers.ddl_lock_timeout = 0;
ALTER TABLE accounts ADD COLUMN extra3 text;  -- disabled
DROP EVENT TRIGGER show_lock_timeout;
RESET migration_helpers.ddl_lock_timeout;
SET migration_helpers.ddl_lock_timeout = -5;

-- The extension's own DDL and other DDL inside functions and DO blocks.
DO $$ BEGIN EXECUTE 'CREATE INDEX accounts_in_do ON accounts (id)'; END $$;
CREATE FUNCTION rename_it() RETURNS void LANGUAGE sql AS $$ ALTER TABLE accounts RENAME COLUMN id TO key $$;
SELECT rename_it();
-- A failed statement inside a savepoint leaves no stale state behind.
BEGIN;
SAVEPOINT a;
ALTER TABLE accounts ALTER COLUMN id TYPE bigint;
ROLLBACK TO a;
ALTER TABLE accounts ADD COLUMN after_failure text;
COMMIT;
SELECT command_tag, relation, lock_mode FROM migration_helpers.ddl_log ORDER BY id DESC LIMIT 1;

SET migration_helpers.guard = off;
DROP TABLE app_items;
RESET migration_helpers.guard;
REVOKE CREATE ON SCHEMA public FROM mh_app;
DROP ROLE mh_app;
DROP EXTENSION migration_helpers;
