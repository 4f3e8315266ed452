-- A type change the server refuses after it has begun (a foreign key on the column, on either
-- side, that can no longer compare its columns' types) is refused by the analysis with the
-- server's own error, before any rule is judged: the live guard gives the server's error, not
-- MH001, and lint reports that the server would reject it (lint_statement_fails), so that the
-- two agree (TAP 062) and a type change that cannot run is never reported as a rewrite.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA plr;
SET search_path = plr;
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p);
INSERT INTO p SELECT generate_series(1, 10);
INSERT INTO c SELECT g, g FROM generate_series(1, 10) g;
-- the referencing side
SELECT rule, severity, message FROM migration_helpers.lint('ALTER TABLE c ALTER COLUMN p_id TYPE text');
ALTER TABLE c ALTER COLUMN p_id TYPE text;
-- the referenced side (its unique index is rebuilt with the new type's operator class)
SELECT rule, severity, message FROM migration_helpers.lint('ALTER TABLE p ALTER COLUMN id TYPE text');
ALTER TABLE p ALTER COLUMN id TYPE text;
-- the server says the same with the guard off
SET migration_helpers.guard = off;
ALTER TABLE c ALTER COLUMN p_id TYPE text;
ALTER TABLE p ALTER COLUMN id TYPE text;
RESET migration_helpers.guard;
-- a compatible type is judged as usual (int to bigint rewrites)
SELECT rule, severity FROM migration_helpers.lint('ALTER TABLE c ALTER COLUMN p_id TYPE bigint');
SET migration_helpers.guard = off;
DROP SCHEMA plr CASCADE;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
