-- Expand-contract migrations, step by step: each step's forward actions, what
-- the running version sees during the migration, and the contract; re-runs
-- are no-ops. (Bad input: migrate_errors. Abort: migrate_abort.)
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA ms;  -- the tests share one database
SET search_path = ms;
CREATE VIEW steps AS
SELECT m.name, s.step_no, s.action, s.status, s.contract_passes
FROM migration_helpers._migration_steps s JOIN migration_helpers._migrations m ON m.id = s.migration_id;
-- Each recorded action, first line only (the fill trigger's function body is long).
CREATE VIEW actions AS
SELECT m.name, s.step_no, a.kind, a.n, pg_catalog.split_part(a.sql, E'\n', 1) AS sql
FROM migration_helpers._migration_steps s JOIN migration_helpers._migrations m ON m.id = s.migration_id,
LATERAL (SELECT 'forward', * FROM unnest(s.forward_actions) WITH ORDINALITY
	UNION ALL SELECT 'undo', * FROM unnest(s.undo_actions) WITH ORDINALITY
	UNION ALL SELECT 'contract', * FROM unnest(s.contract_actions) WITH ORDINALITY) AS a (kind, sql, n);

-- The seed scenario: full_name added, backfilled, kept filled, made NOT NULL.
CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
INSERT INTO users SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 3000) g;
ANALYZE users;
BEGIN;  -- as a migration tool runs it: nothing starts before COMMIT
SELECT migration_helpers.start_migration('full_name', 'users get a full name');
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_not_null('full_name', 'users', 'full_name');
-- A re-run migration file: the same calls are no-ops.
SELECT migration_helpers.start_migration('full_name', 'users get a full name');
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
	backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'pg_catalog.text',
	backfill_expr => $$first_name || ' ' || last_name$$);  -- the same type, spelt otherwise
SELECT migration_helpers.add_not_null('full_name', 'users', 'full_name');
SELECT * FROM steps ORDER BY step_no;
SELECT step_no, kind, n, sql FROM actions WHERE name = 'full_name' ORDER BY step_no, array_position('{forward,undo,contract}'::text[], kind), n;
-- The running version inserts and updates without knowing full_name: the trigger fills it.
INSERT INTO users (id, first_name, last_name) VALUES (0, 'Ada', 'Lovelace');
UPDATE users SET last_name = 'L2' WHERE id = 2;
SELECT id, full_name FROM users WHERE id IN (0, 2) ORDER BY id;
SELECT name, phase, tables, steps_done, steps_total, async_work, created_by = current_user AS mine
FROM migration_helpers.migrations;
SELECT job.status FROM migration_helpers._migration_steps s, migration_helpers.backfills job
WHERE job.id = s.backfill_job;
COMMIT;
-- The backfill's worker records the migration ready (and announces it on the
-- migration_helpers channel) in the transaction that ends the job.
SET client_min_messages = warning;  -- progress NOTICEs carry rates
SELECT migration_helpers.backfill_wait(relation => 'users');
RESET client_min_messages;
SELECT phase FROM migration_helpers._migrations WHERE name = 'full_name';
-- The next migration file: complete, waiting for the backfill (whose progress NOTICEs carry rates).
SET client_min_messages = warning;
SELECT migration_helpers.complete_migration('full_name', wait => true);
RESET client_min_messages;
SELECT count(*) AS rows, count(*) FILTER (WHERE full_name = first_name || ' ' || last_name) AS filled FROM users;
\d users
SELECT count(*) AS fill_functions FROM pg_proc WHERE proname LIKE '\_mh\_fill\_%';
SELECT name, phase, tables, steps_done, steps_total, async_work, finished_at IS NOT NULL AS finished
FROM migration_helpers.migrations;
SELECT step_no, status FROM steps WHERE name = 'full_name' ORDER BY step_no;
SELECT migration_helpers.complete_migration('full_name');  -- again: a no-op

-- add_check and add_foreign_key: NOT VALID now (new writes are checked at
-- once), VALIDATE at contract.
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount numeric);
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
SELECT migration_helpers.start_migration('orders_rules');
SELECT migration_helpers.add_check('orders_rules', 'orders', 'orders_amount_positive', 'amount > 0');
SELECT migration_helpers.add_foreign_key('orders_rules', 'orders', '{user_id}', 'users');
SELECT migration_helpers.add_foreign_key('orders_rules', 'orders', '{user_id}', 'users');  -- re-run
SELECT conname, contype, convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY 1;
INSERT INTO orders VALUES (1001, 1, -5);
INSERT INTO orders VALUES (1002, 999999, 5);
SELECT name, phase, tables, steps_done, steps_total FROM migration_helpers.migrations WHERE name = 'orders_rules';
SELECT migration_helpers.complete_migration('orders_rules');
SELECT conname, contype, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'orders'::regclass ORDER BY 1;
-- A foreign key with its columns, name and ON DELETE given.
CREATE TABLE payments (id int PRIMARY KEY, order_id bigint);
SELECT migration_helpers.start_migration('payments_fk');
SELECT migration_helpers.add_foreign_key('payments_fk', 'payments', '{order_id}', 'orders', '{id}',
	'payments_order_fk', on_delete => 'cascade');
SELECT migration_helpers.complete_migration('payments_fk');
SELECT pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE conname = 'payments_order_fk';

-- A constant default, and drop_column, which takes effect only at contract.
CREATE TABLE accounts (id int PRIMARY KEY, legacy text, plan text);
INSERT INTO accounts VALUES (1, 'x', 'free'), (2, 'y', 'pro');
SELECT migration_helpers.start_migration('accounts');
SELECT migration_helpers.add_column('accounts', 'accounts', 'tier', 'integer', default_expr => '1 + 1');
SELECT migration_helpers.add_column('accounts', 'accounts', 'since', 'timestamptz', default_expr => 'now()');
SELECT migration_helpers.drop_column('accounts', 'accounts', 'legacy');
SELECT migration_helpers.add_not_null('accounts', 'accounts', 'tier');  -- its default keeps it filled
SELECT id, legacy, tier, since IS NOT NULL AS since_set FROM accounts ORDER BY id;  -- the running version still has legacy
SELECT * FROM steps WHERE name = 'accounts' ORDER BY step_no;
SELECT step_no, kind, n, sql FROM actions WHERE name = 'accounts' ORDER BY step_no, array_position('{forward,undo,contract}'::text[], kind), n;
SELECT name, phase, tables, steps_done, steps_total FROM migration_helpers.migrations WHERE name = 'accounts';
SELECT migration_helpers.complete_migration('accounts');
\d accounts

-- Migrations on different tables run side by side.
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY);
SELECT migration_helpers.start_migration('on_a');
SELECT migration_helpers.start_migration('on_b');
SELECT migration_helpers.add_column('on_a', 'a', 'x', 'int');
SELECT migration_helpers.add_column('on_b', 'b', 'y', 'int');
SELECT name, phase, tables FROM migration_helpers.migrations WHERE name IN ('on_a', 'on_b') ORDER BY name;
SELECT migration_helpers.complete_migration('on_b');
SELECT migration_helpers.complete_migration('on_a');

-- A contract that stopped halfway (as after a crash between two committed
-- actions) resumes at its cursor and never repeats an action: here the
-- first action (VALIDATE) is marked done, so only the second runs.
CREATE TABLE c (id int PRIMARY KEY, n int);
SELECT migration_helpers.start_migration('resume');
SELECT migration_helpers.add_check('resume', 'c', 'c_n_small', 'n < 10');
SELECT migration_helpers.add_check('resume', 'c', 'c_n_big', 'n > 0');
INSERT INTO c VALUES (1, 5);
UPDATE migration_helpers._migrations SET contract_done = 1 WHERE name = 'resume';
SELECT migration_helpers.abort_migration('resume');  -- refused: contract began
SELECT migration_helpers.complete_migration('resume');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY 1;

BEGIN;
SET LOCAL migration_helpers.allow = 'drop_view';
DROP VIEW steps, actions;
COMMIT;
DROP EXTENSION migration_helpers;
DROP SCHEMA ms CASCADE;
