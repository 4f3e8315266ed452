-- The tables whose foreign keys reference a column that change_column_type or
-- rename_column changes are part of the step: the contract drops and re-adds
-- their foreign keys, so no other migration may touch them meanwhile (and a
-- step on the column is refused while another migration touches one of them).
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mr;  -- the tests share one database
SET search_path = mr;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child1 (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE TABLE child2 (id int PRIMARY KEY, parent_id int REFERENCES parent);
CREATE TABLE child3 (id int PRIMARY KEY, parent_id int REFERENCES parent, other_id int REFERENCES parent);
CREATE TABLE loner (id int PRIMARY KEY);
INSERT INTO parent SELECT g FROM generate_series(1, 10) g;
INSERT INTO child1 SELECT g, g FROM generate_series(1, 10) g;
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

BEGIN;
SELECT migration_helpers.start_migration('widen_parent');
SELECT migration_helpers.change_column_type('widen_parent', 'parent', 'id', 'bigint');
-- The step records the referencing tables (each once), and the view lists them.
SELECT more_relation_oids::regclass[], more_relation_names FROM migration_helpers._migration_steps;
SELECT name, tables FROM migration_helpers.migrations;
-- Another migration on a referencing table is refused, naming the one at work.
SELECT migration_helpers.start_migration('child_change');
SAVEPOINT s;
SELECT pg_temp.try($$SELECT migration_helpers.add_column('child_change', 'child2', 'note', 'text')$$);
SELECT pg_temp.try($$SELECT migration_helpers.add_column('child_change', 'child3', 'note', 'text')$$);
-- A table that references nothing changed is free.
SELECT migration_helpers.add_column('child_change', 'loner', 'note', 'text');
ROLLBACK TO s;
ROLLBACK;

-- The other way round: a migration at work on a referencing table keeps the
-- type change of the referenced column from starting.
SELECT migration_helpers.start_migration('child_first');
SELECT migration_helpers.add_column('child_first', 'child1', 'note', 'text');
SELECT migration_helpers.start_migration('widen_parent');
SELECT pg_temp.try($$SELECT migration_helpers.change_column_type('widen_parent', 'parent', 'id', 'bigint')$$);
SELECT pg_temp.try($$SELECT migration_helpers.rename_column('widen_parent', 'parent', 'id', 'parent_id')$$);
SELECT migration_helpers.complete_migration('child_first');
-- Once it is completed, the type change goes ahead and completes.
SELECT migration_helpers.change_column_type('widen_parent', 'parent', 'id', 'bigint');
CALL migration_helpers.migration_wait('widen_parent', '60s');
SELECT migration_helpers.complete_migration('widen_parent');
CALL migration_helpers.migration_wait('widen_parent', '60s');
SELECT conrelid::regclass, conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE confrelid = 'parent'::regclass ORDER BY 1, 2;

SET migration_helpers.guard = off;
DROP TABLE child1, child2, child3, parent, loner;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
DROP SCHEMA mr CASCADE;
