-- Objects other than tables that running code depends on: views, types, domains, functions, what
-- DROP ... CASCADE takes with it, ALTER DOMAIN's scans of every column of the domain, ALTER TYPE
-- ... CASCADE on typed tables; each rule blocks, and its safe form (or a new object) passes.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE EXTENSION migration_helpers;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN email AS text;
CREATE SEQUENCE orders_seq;
CREATE FUNCTION price_of(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE orders (id int PRIMARY KEY DEFAULT nextval('orders_seq'), m mood, contact email,
	price int DEFAULT price_of(1));
INSERT INTO orders (m, contact) VALUES ('happy', 'a@b');
CREATE VIEW order_prices AS SELECT id, price_of(id) AS p FROM orders;
CREATE TYPE pair AS (a int, b int);
CREATE TABLE pairs OF pair;
INSERT INTO pairs VALUES (1, 2);
-- views: rename, SET SCHEMA (also through ALTER TABLE), drop, rename of a column (a view has no
-- rows of its own: never exempt as an empty table)
ALTER VIEW order_prices RENAME TO prices;
ALTER TABLE order_prices RENAME TO prices;
ALTER VIEW order_prices SET SCHEMA pg_catalog;
ALTER VIEW order_prices RENAME COLUMN p TO price;
DROP VIEW order_prices;
-- types and domains
ALTER TYPE mood RENAME TO feeling;
ALTER DOMAIN email RENAME TO mail;
ALTER TYPE mood SET SCHEMA pg_catalog;
-- functions, procedures and routines
ALTER FUNCTION price_of(int) RENAME TO cost_of;
ALTER ROUTINE price_of(int) SET SCHEMA pg_catalog;
-- without CASCADE the server refuses the drop of what others use: its own error (2BP01)
SELECT sqlstate_of('DROP TYPE mood');
SELECT sqlstate_of('DROP SEQUENCE orders_seq');
SELECT sqlstate_of('DROP FUNCTION price_of(int)');
-- CASCADE: what it takes with it (columns, defaults, views) is judged, the worst first
DROP TYPE mood CASCADE;
DROP DOMAIN email CASCADE;
DROP SEQUENCE orders_seq CASCADE;
DROP FUNCTION price_of(int) CASCADE;
\set VERBOSITY default
DROP FUNCTION price_of(int) CASCADE;
\set VERBOSITY terse
-- an unused type or function still breaks code that names it
CREATE TYPE unused_kind AS ENUM ('x');
CREATE FUNCTION unused_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
SET migration_helpers.exempt_empty_tables = on;
DROP TYPE unused_kind;
DROP FUNCTION unused_fn();
-- objects created in this transaction: nobody uses them yet (one renamed after its creation looks
-- old: its catalog row was updated, the safe side)
BEGIN;
CREATE TYPE fresh AS ENUM ('x');
CREATE FUNCTION fresh_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW fresh_view AS SELECT 1 AS one;
ALTER VIEW fresh_view RENAME TO fresher_view;
DROP VIEW fresher_view;
DROP TYPE fresh;
DROP FUNCTION fresh_fn();
CREATE TYPE fresh AS ENUM ('x');
ALTER TYPE fresh RENAME TO fresher;
COMMIT;
-- domains: ADD CONSTRAINT, VALIDATE CONSTRAINT and SET NOT NULL scan every column of the domain
-- under SHARE; NOT VALID passes
ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%');
ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%') NOT VALID;
ALTER DOMAIN email VALIDATE CONSTRAINT email_at;
ALTER DOMAIN email SET NOT NULL;
-- a domain over the domain is scanned too; a domain no table uses scans nothing
CREATE DOMAIN work_email AS email;
CREATE TABLE staff (id int, w work_email);
INSERT INTO staff VALUES (1, 'c@d');
BEGIN;
SET LOCAL migration_helpers.guard = 'warn';
ALTER DOMAIN email ADD CONSTRAINT email_len CHECK (length(VALUE) < 100);
ROLLBACK;
CREATE DOMAIN spare AS text;
ALTER DOMAIN spare ADD CONSTRAINT spare_len CHECK (length(VALUE) < 100);
-- ALTER TYPE ... CASCADE renames or drops the column of every typed table; without CASCADE the
-- server refuses (2BP01)
SELECT sqlstate_of('ALTER TYPE pair DROP ATTRIBUTE b');
ALTER TYPE pair DROP ATTRIBUTE b CASCADE;
ALTER TYPE pair RENAME ATTRIBUTE a TO first CASCADE;
ALTER TYPE pair ADD ATTRIBUTE c int CASCADE;
-- nothing of the above ran
SELECT count(*) AS orders_columns FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'orders'::regclass ORDER BY adnum;
SELECT count(*) AS views FROM pg_views WHERE viewname = 'order_prices';
-- the allow list lets a rule through, logged
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_cascade,drop_sequence_placeholder';
ROLLBACK;
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_cascade';
DROP SEQUENCE orders_seq CASCADE;
ROLLBACK;
SELECT id, severity, lock, effect FROM migration_helpers.rules()
 WHERE id IN ('rename_view', 'drop_view', 'rename_type', 'drop_type', 'rename_function', 'drop_function',
	'drop_cascade', 'domain_constraint_scan') ORDER BY id;
DROP EXTENSION migration_helpers;
DROP VIEW order_prices;
DROP TABLE orders, pairs, staff;
DROP TYPE mood, pair, fresher, unused_kind;
DROP DOMAIN work_email, email, spare;
DROP SEQUENCE orders_seq;
DROP FUNCTION price_of(int), sqlstate_of(text), unused_fn();
