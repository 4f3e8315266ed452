-- Drops and renames whose name the same transaction creates again: inside a transaction block a
-- blocked drop_table, rename_table, drop_view, rename_view, drop_column or rename_column waits for
-- COMMIT, which passes it when the name exists again in a compatible shape (same kind, every old
-- column with its type) and raises it otherwise, rolling the whole transaction back.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE EXTENSION migration_helpers;
CREATE TABLE events (id int PRIMARY KEY, kind text, at timestamptz);
INSERT INTO events VALUES (1, 'a', now()), (2, 'b', now());
CREATE TABLE users (id int PRIMARY KEY, name text, tenant_id int);
INSERT INTO users VALUES (1, 'ann', 1);
CREATE TABLE audit (n int);
INSERT INTO audit VALUES (0);
CREATE TABLE tenants (id int PRIMARY KEY, tenant_id int);
INSERT INTO tenants VALUES (1, 1);
-- DROP TABLE then CREATE TABLE ... AS of the same name and columns: passes at COMMIT
BEGIN;
CREATE TABLE events_new AS SELECT * FROM events;
DROP TABLE events;
CREATE TABLE events AS SELECT * FROM events_new;
DROP TABLE events_new;
COMMIT;
SELECT count(*) FROM events;
-- DROP TABLE then CREATE TABLE with the columns and one more: passes
BEGIN;
DROP TABLE events;
CREATE TABLE events (id int PRIMARY KEY, kind text, at timestamptz, extra int);
COMMIT;
INSERT INTO events VALUES (3, 'c', now(), 1);
-- a table renamed and a view of the old name created (rename_table's own recipe): passes
BEGIN;
ALTER TABLE users RENAME TO accounts;
CREATE VIEW users AS SELECT * FROM accounts;
COMMIT;
SELECT name FROM users;
-- DROP COLUMN then ADD COLUMN of the same name and type, in two statements: passes
BEGIN;
ALTER TABLE tenants DROP COLUMN IF EXISTS tenant_id;
ALTER TABLE tenants ADD COLUMN tenant_id integer NOT NULL DEFAULT 1;
COMMIT;
-- RENAME COLUMN then a column of the old name again: passes
BEGIN;
ALTER TABLE events RENAME COLUMN kind TO category;
ALTER TABLE events ADD COLUMN kind text;
COMMIT;
-- several statements in one query string are one transaction too
DROP TABLE audit \; CREATE TABLE audit (n int);
SELECT count(*) FROM audit;
-- Blocking cases, now at COMMIT, with the rule and the statement named.
INSERT INTO audit VALUES (1);
SELECT count(*) AS log_rows FROM migration_helpers.ddl_log \gset
\set VERBOSITY default
BEGIN;
INSERT INTO audit VALUES (2);
DROP TABLE events;
CREATE TABLE scratch (a int);
COMMIT;
\set VERBOSITY terse
-- the error at COMMIT rolled everything back: the table, the insert, the new table, the log row
SELECT count(*) FROM events;
SELECT n FROM audit ORDER BY n;
SELECT to_regclass('scratch');
SELECT count(*) - :log_rows AS new_log_rows FROM migration_helpers.ddl_log;
-- a column of the old name but another type
BEGIN;
ALTER TABLE tenants DROP COLUMN tenant_id;
ALTER TABLE tenants ADD COLUMN tenant_id text;
COMMIT;
-- a table of the old name without an old column
BEGIN;
DROP TABLE events;
CREATE TABLE events (id int PRIMARY KEY);
COMMIT;
-- the re-creating statement rolled back to a savepoint: the catalog at COMMIT tells
BEGIN;
DROP TABLE events;
SAVEPOINT s;
CREATE TABLE events (id int PRIMARY KEY, category text, at timestamptz, extra int, kind text);
ROLLBACK TO SAVEPOINT s;
COMMIT;
-- the drop itself rolled back to a savepoint: nothing was dropped, passes
BEGIN;
SAVEPOINT s;
DROP TABLE events;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) FROM events;
-- a view renamed, nothing of the old name: blocked at COMMIT
BEGIN;
ALTER VIEW users RENAME TO people;
COMMIT;
-- outside a transaction block a drop is judged at once, as before
DROP TABLE events;
SELECT to_regclass('events') IS NOT NULL AS still_there;
-- the allow list and warn mode work as before: at the statement
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_table';
DROP TABLE audit;
COMMIT;
SELECT command_tag, rules_allowed FROM migration_helpers.ddl_log WHERE statement = 'DROP TABLE audit';
SET migration_helpers.guard = 'warn';
BEGIN;
ALTER TABLE events DROP COLUMN extra;
COMMIT;
RESET migration_helpers.guard;
SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'extra';
-- One statement that builds a new table, drops the old one and renames the new one to its name (a
-- DO block; a function called by SELECT, as Citus's alter_distributed_table() does): outside a
-- transaction block too the drop waits for the end of the statement's transaction, which passes it.
DO $$
BEGIN
  CREATE TABLE events_new (LIKE events);
  INSERT INTO events_new SELECT * FROM events;
  DROP TABLE events;
  ALTER TABLE events_new RENAME TO events;
END $$;
SELECT count(*) FROM events;
CREATE FUNCTION swap_events(keep_columns boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF keep_columns THEN
    CREATE TABLE events_new (LIKE events);
    INSERT INTO events_new SELECT * FROM events;
  ELSE
    CREATE TABLE events_new (id int);
  END IF;
  DROP TABLE events;
  ALTER TABLE events_new RENAME TO events;
END $$;
SELECT swap_events(true);
SELECT count(*) FROM events;
-- the same with a table of the old name but without its columns: blocked when the statement ends,
-- and nothing of it happened
SELECT swap_events(false);
SELECT count(*) FROM events;
SELECT to_regclass('events_new') AS events_new;
-- a DO block that only drops: blocked, nothing dropped
DO $$ BEGIN DROP TABLE events; END $$;
SELECT count(*) FROM events;
DROP EXTENSION migration_helpers;
DROP FUNCTION swap_events(boolean);
DROP VIEW users;
DROP TABLE accounts, events, tenants;
