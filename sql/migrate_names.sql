-- A migration's name is unique among the migrations not aborted: a tool's
-- "migrate down, then up again" (Django migrate back, Alembic downgrade and
-- upgrade, Sqitch revert and deploy) aborts a migration and starts one of the
-- same name, which is a new migration; the aborted one stays as history, told
-- apart by its id. Every lookup by name (the helpers, checklist(),
-- migration_wait(), the guard) takes the one not aborted, else the newest
-- aborted one. A completed migration's name stays taken.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mn;  -- the tests share one database
SET search_path = mn;
CREATE TABLE users (id int PRIMARY KEY, first_name text, last_name text, legacy text);
INSERT INTO users SELECT g, 'f' || g, 'l' || g, 'x' FROM generate_series(1, 20000) g;
ANALYZE users;
CREATE TABLE other (id int PRIMARY KEY);
-- shape: the table's columns and constraints, to compare with after each abort.
CREATE FUNCTION pg_temp.shape() RETURNS text LANGUAGE sql AS $$
	SELECT concat_ws('|',
		(SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
			WHERE attrelid = 'mn.users'::regclass AND attnum > 0 AND NOT attisdropped),
		(SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'mn.users'::regclass),
		(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'mn.users'::regclass))
$$;
SELECT pg_temp.shape() AS before \gset
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

-- Up, down: the first migration of the name, aborted.
SELECT migration_helpers.start_migration('full_name', 'add full_name') AS first_id \gset
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_check('full_name', 'users', 'users_full_name_set', 'full_name IS NOT NULL');
-- Aborted while its backfill runs (a tool's "down" right after its "up"): the backfill is
-- cancelled before any undo action locks the table (it used to deadlock with the next batch).
SELECT migration_helpers.abort_migration('full_name');
SELECT pg_temp.shape() = :'before' AS as_before;
SELECT status FROM migration_helpers.backfills ORDER BY id;
-- Aborting it again is a no-op (the newest aborted one is found).
SELECT migration_helpers.abort_migration('full_name');

-- Up again: the same call starts a new migration of that name (in one transaction, as a
-- tool runs a migration file: its backfill starts at commit).
BEGIN;
SELECT migration_helpers.start_migration('full_name', 'add full_name') AS second_id \gset
SELECT :second_id > :first_id AS a_new_id;
-- The same call once more is a no-op returning the live one.
SELECT migration_helpers.start_migration('full_name', 'add full_name') = :second_id AS same_id;
-- With another description: the live one exists, an error.
SELECT pg_temp.try($$SELECT migration_helpers.start_migration('full_name', 'something else')$$);
-- Steps go to the live migration (numbered from 1), and a re-run of a step is a no-op.
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.drop_column('full_name', 'users', 'legacy');
SELECT m.id = :second_id AS live, s.step_no, s.action, s.status
FROM migration_helpers._migration_steps s JOIN migration_helpers._migrations m ON m.id = s.migration_id
ORDER BY m.id, s.step_no;
-- The view shows both, told apart by id.
SELECT id = :first_id AS first, id = :second_id AS second, name, phase, steps_done, steps_total, tables
FROM migration_helpers.migrations ORDER BY id;
COMMIT;
-- migration_wait() waits for the live one's backfill (the aborted one has none).
CALL migration_helpers.migration_wait('full_name', '60s');
SELECT phase FROM migration_helpers.migrations WHERE id = :second_id;
SELECT count(*) FILTER (WHERE full_name = first_name || ' ' || last_name) AS filled FROM users;
-- The table is part of the live migration only: another migration on it is refused naming it,
-- and the guard's errors on it name it.
SELECT migration_helpers.start_migration('other_change');
SELECT pg_temp.try($$SELECT migration_helpers.add_column('other_change', 'users', 'nick', 'text')$$);
SELECT migration_helpers.abort_migration('other_change');
ALTER TABLE users DROP COLUMN legacy;
\echo :LAST_ERROR_SQLSTATE
-- checklist() reads the live one: its steps, not the aborted one's.
SELECT item, status, evidence FROM migration_helpers.checklist('full_name')
WHERE item IN ('backward compatible with the running code', 'an undo recorded for every step');

-- Down and up again once more: a third migration of the name; the view shows all three.
SELECT migration_helpers.abort_migration('full_name');
SELECT pg_temp.shape() = :'before' AS as_before;
SELECT migration_helpers.start_migration('full_name', 'add full_name') AS third_id \gset
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
CALL migration_helpers.migration_wait('full_name', '60s');
SELECT id = :third_id AS third, name, phase, steps_done, steps_total FROM migration_helpers.migrations ORDER BY id;
SELECT migration_helpers.complete_migration('full_name');
-- Completed: the name stays taken, and abort finds the completed one (refused), not an aborted one.
SELECT pg_temp.try($$SELECT migration_helpers.start_migration('full_name', 'add full_name')$$);
SELECT migration_helpers.abort_migration('full_name');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.complete_migration('full_name');
SELECT name, phase FROM migration_helpers.migrations WHERE name = 'full_name' ORDER BY id;

-- The state table itself: one live migration per name, aborted ones as many as there are.
SELECT count(*) FILTER (WHERE phase <> 'aborted') AS live, count(*) FILTER (WHERE phase = 'aborted') AS aborted
FROM migration_helpers._migrations WHERE name = 'full_name';
SELECT indexdef FROM pg_indexes WHERE schemaname = 'migration_helpers' AND tablename = '_migrations' ORDER BY 1;

SET migration_helpers.guard = off;
DROP TABLE users, other;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
DROP SCHEMA mn CASCADE;
