-- Index steps: add_index and add_unique build their index with CREATE INDEX
-- CONCURRENTLY in a background worker after the transaction commits (it
-- cannot run in a function); drop_index drops concurrently after contract.
-- A failed build leaves an INVALID index, which is dropped and rebuilt a
-- bounded number of times before the step fails with the error kept.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mi;  -- the tests share one database
SET search_path = mi;
CREATE TABLE users (id int PRIMARY KEY, email text, code text, nick text);
INSERT INTO users SELECT g, 'E' || g, 'c' || g, 'n' || (g % 10) FROM generate_series(1, 2000) g;
BEGIN;
SET LOCAL migration_helpers.guard = off;  -- set-up: an index to retire
CREATE INDEX users_nick_idx ON users (nick);
COMMIT;
CREATE VIEW indexes AS
SELECT c.relname, i.indisvalid, i.indisunique, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass;

SELECT migration_helpers.start_migration('indexes');
SELECT migration_helpers.add_index('indexes', 'users', 'lower(email)');
SELECT migration_helpers.add_index('indexes', 'users', 'nick, id', 'users_nick_id_idx', where_clause => 'nick IS NOT NULL');
SELECT migration_helpers.add_unique('indexes', 'users', '{code}');
SELECT migration_helpers.drop_index('indexes', 'users_nick_idx');
SELECT migration_helpers.add_index('indexes', 'users', 'lower(email)');  -- a re-run
-- The builds run in a worker once the step's transaction has committed.
SELECT step_no, action, forward_actions, contract_actions FROM migration_helpers._migration_steps ORDER BY step_no;
CALL migration_helpers.migration_wait('indexes');
SELECT name, phase, steps_done, steps_total, async_work, async_failed FROM migration_helpers.migrations;
-- The worker that finished the last build recorded (and announced) the phase.
SELECT phase FROM migration_helpers._migrations WHERE name = 'indexes';
SELECT * FROM indexes ORDER BY 1;
SELECT migration_helpers.complete_migration('indexes');
-- users_nick_idx is dropped concurrently after this transaction, by a worker.
CALL migration_helpers.migration_wait('indexes');
-- migration_wait() returns once the drop has run too.
SELECT id, builds, status FROM migration_helpers._migration_tasks WHERE status IN ('queued', 'running');
SELECT * FROM indexes ORDER BY 1;
SELECT conname, contype FROM pg_constraint WHERE conrelid = 'users'::regclass ORDER BY 1;
SELECT name, phase, steps_done, steps_total FROM migration_helpers.migrations;
SELECT step_no, statement, builds, status, attempts FROM migration_helpers._migration_tasks ORDER BY id;

-- A unique index over duplicates: each build fails and leaves an INVALID
-- index, which the next attempt drops before building again; after three
-- attempts the step fails with the error kept, and complete is refused.
SELECT migration_helpers.start_migration('dups');
SELECT migration_helpers.add_unique('dups', 'users', '{nick}', 'users_nick_uniq');  -- 10 values in 2000 rows
CALL migration_helpers.migration_wait('dups');
SELECT t.step_no, t.status, t.attempts, t.last_error FROM migration_helpers._migration_tasks t
	JOIN migration_helpers._migrations m ON m.id = t.migration_id WHERE m.name = 'dups';
SELECT name, phase, async_work, async_failed, last_error FROM migration_helpers.migrations WHERE name = 'dups';
SELECT * FROM indexes WHERE relname = 'users_nick_uniq';
SELECT migration_helpers.complete_migration('dups');
-- Abort drops the INVALID leftover: the table is as before.
SELECT migration_helpers.abort_migration('dups');
SELECT count(*) AS leftovers FROM indexes WHERE relname = 'users_nick_uniq';

-- Bad input.
SELECT migration_helpers.start_migration('bad');
SELECT migration_helpers.add_index('bad', 'users', 'email) WHERE (true');
SELECT migration_helpers.add_index('bad', 'users', 'email) INCLUDE (id');
SELECT migration_helpers.add_index('bad', 'users', 'email', where_clause => 'true); DROP TABLE users; SELECT (1');
SELECT migration_helpers.add_index('bad', 'users', 'email', method => 'nosuch');
SELECT migration_helpers.add_index('bad', 'users', 'email', 'users_pkey');
SELECT migration_helpers.add_unique('bad', 'users', '{no_such_column}');
SELECT migration_helpers.drop_index('bad', 'users_pkey');
SELECT migration_helpers.drop_index('bad', 'users');
SELECT migration_helpers.abort_migration('bad');

BEGIN;
SET LOCAL migration_helpers.allow = 'drop_view';
DROP VIEW indexes;
COMMIT;
DROP EXTENSION migration_helpers;
DROP SCHEMA mi CASCADE;
