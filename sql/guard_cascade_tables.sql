-- DROP TABLE ... CASCADE names what it takes besides the table: views (and their columns' users),
-- columns and defaults of other tables; and ALTER DOMAIN ... VALIDATE CONSTRAINT of a constraint
-- that is already valid is still judged, because PostgreSQL 15 scans every column again.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE EXTENSION migration_helpers;
CREATE TABLE base (id int PRIMARY KEY, v int);
INSERT INTO base VALUES (1, 1);
CREATE VIEW base_v AS SELECT id, v FROM base;
CREATE TABLE other (id int, b base);  -- a column of the table's row type
INSERT INTO other VALUES (1, NULL);
DROP TABLE base CASCADE;
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_table';
DROP TABLE base CASCADE;  -- the table is allowed, not what it takes
ROLLBACK;
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_table, drop_cascade';
DROP TABLE base CASCADE;
COMMIT;
SELECT to_regclass('base_v') IS NULL AS view_gone;
SELECT count(*) FROM information_schema.columns WHERE table_name = 'other';
-- a new view over an old table goes with it unjudged: it is this transaction's
CREATE TABLE kept (id int);
INSERT INTO kept VALUES (1);
BEGIN;
CREATE VIEW kept_v AS SELECT * FROM kept;
SET LOCAL migration_helpers.allow = 'drop_table';
DROP TABLE kept CASCADE;
ROLLBACK;
-- domain VALIDATE of a constraint that is already valid: the server reads every row again
CREATE FUNCTION noisy(int) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'checked %', $1;
	RETURN true;
END $$;
CREATE DOMAIN counted AS int;
CREATE TABLE uses_domain (v counted);
INSERT INTO uses_domain VALUES (1), (2);
ALTER DOMAIN counted ADD CONSTRAINT c CHECK (noisy(VALUE)) NOT VALID;
BEGIN;
SET LOCAL migration_helpers.allow = 'domain_constraint_scan';
ALTER DOMAIN counted VALIDATE CONSTRAINT c;
COMMIT;
SELECT convalidated FROM pg_constraint WHERE conname = 'c';
ALTER DOMAIN counted VALIDATE CONSTRAINT c;  -- valid already, scanned again: still blocked
BEGIN;
SET LOCAL migration_helpers.allow = 'domain_constraint_scan';
ALTER DOMAIN counted VALIDATE CONSTRAINT c;  -- the NOTICEs show the scan
COMMIT;
DROP EXTENSION migration_helpers;
DROP TABLE other, kept, uses_domain;
DROP DOMAIN counted;
DROP FUNCTION noisy(int);
