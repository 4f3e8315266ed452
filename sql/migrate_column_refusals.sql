-- What rename_column and change_column_type cannot carry to the new column yet is refused at the
-- start, naming it, instead of being lost at contract: an index's storage parameters or NULLS NOT
-- DISTINCT, the column's own options (ALTER COLUMN ... SET (n_distinct = ...)). Nothing changes.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mcr;
SET search_path = mcr;
SET migration_helpers.guard = off;  -- the fixture's own DDL
CREATE TABLE t (id int PRIMARY KEY, code text, n int);
INSERT INTO t SELECT g, 'c' || g, g FROM generate_series(1, 100) g;
CREATE INDEX t_code_idx ON t (code) WITH (fillfactor = 70);
CREATE UNIQUE INDEX t_n_key ON t (n) NULLS NOT DISTINCT;
ALTER TABLE t ALTER COLUMN n SET (n_distinct = 50);
RESET migration_helpers.guard;
SELECT migration_helpers.start_migration('m');
SELECT migration_helpers.rename_column('m', 't', 'code', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.change_column_type('m', 't', 'n', 'bigint');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS steps FROM migration_helpers._migration_steps;
SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- Without them the step goes on.
SET migration_helpers.guard = off;
ALTER INDEX t_code_idx RESET (fillfactor);
RESET migration_helpers.guard;
SELECT migration_helpers.rename_column('m', 't', 'code', 'label');
SELECT migration_helpers.abort_migration('m');
SET migration_helpers.guard = off;
DROP SCHEMA mcr CASCADE;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
