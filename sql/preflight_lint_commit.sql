-- lint and the guard's COMMIT check: inside a transaction block the guard decides a drop or a
-- rename of a table, view or column at COMMIT, and lets it pass when the transaction gives the
-- name back (guard_commit_checks). lint, which sees the whole script, decides at the script's
-- COMMIT too: the name given back is an info (what COMMIT will check is said: every old column,
-- each of the same type, which lint cannot see in a CREATE ... AS); not given back is the error
-- the guard raises at COMMIT, reported on the statement that dropped or renamed; at ROLLBACK
-- nothing happened. Outside a block a drop is judged at once, as by the guard.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA plc;
SET search_path = plc;
CREATE TABLE events (id int PRIMARY KEY, kind text);
INSERT INTO events SELECT g, 'k' FROM generate_series(1, 100) g;
CREATE TABLE people (id int PRIMARY KEY, email text);
INSERT INTO people SELECT g, 'e' FROM generate_series(1, 100) g;
SELECT statement_no, line, rule, severity, message LIKE '%created again later%' AS given_back,
	message LIKE '%raises it at COMMIT%' AS at_commit
FROM migration_helpers.lint($$
BEGIN;
DROP TABLE events;
CREATE TABLE events AS SELECT 1 AS id, 'x'::text AS kind;
COMMIT;
BEGIN;
ALTER TABLE people DROP COLUMN email;
ALTER TABLE people ADD COLUMN email text;
COMMIT;
BEGIN;
ALTER TABLE people RENAME COLUMN email TO mail;
ALTER TABLE people ADD COLUMN email text;
COMMIT;
BEGIN;
ALTER TABLE people RENAME TO persons;
CREATE VIEW people AS SELECT * FROM persons;
COMMIT;
BEGIN;
ALTER TABLE people DROP COLUMN email;
ALTER TABLE people ADD COLUMN other text;
COMMIT;
BEGIN;
DROP TABLE people;
ROLLBACK;
DROP TABLE people;
$$) ORDER BY statement_no;
-- A runner's one transaction (single_transaction) commits at the end of the script.
SELECT statement_no, rule, severity FROM migration_helpers.lint(
	'DROP TABLE events; CREATE TABLE events (id int, kind text);', single_transaction => true);
SELECT statement_no, rule, severity FROM migration_helpers.lint(
	'DROP TABLE events; CREATE TABLE other (id int);', single_transaction => true);
-- The live guard on the same transactions: the first passes, the second fails at COMMIT.
BEGIN;
ALTER TABLE people DROP COLUMN email;
ALTER TABLE people ADD COLUMN email text;
COMMIT;
\set VERBOSITY terse
BEGIN;
ALTER TABLE people DROP COLUMN email;
ALTER TABLE people ADD COLUMN other text;
COMMIT;
\set VERBOSITY default
SET migration_helpers.guard = off;
DROP SCHEMA plc CASCADE;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
