-- The backfill engine's SQL interface: jobs that run to completion in
-- background workers, touch every row exactly once, and every bad input
-- refused at once with nothing recorded.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
-- Progress NOTICEs carry rates and times: keep them out of the expected output.
SET client_min_messages = warning;

-- Every update of a row is counted, to prove each row is updated exactly once.
CREATE TABLE users (id bigint PRIMARY KEY, first_name text, last_name text, full_name text, updates int NOT NULL DEFAULT 0);
CREATE FUNCTION count_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
CREATE TRIGGER count_updates BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION count_updates();
INSERT INTO users (id, first_name, last_name) SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 20000) g;
ANALYZE users;
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 500) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT count(*) AS rows, count(*) FILTER (WHERE full_name = first_name || ' ' || last_name) AS filled,
	min(updates) AS min_updates, max(updates) AS max_updates FROM users;
SELECT relation, status, rows_done, rows_estimated, percent_done, batches_done > 1 AS batched, retries, last_error,
	owner_role = current_user AS mine, worker_pid IS NULL AS no_worker, finished_at >= started_at AS timed
FROM migration_helpers.backfills WHERE id = :job;
-- Waiting on a finished job returns at once.
SELECT migration_helpers.backfill_wait(:job);

-- Composite, non-integer keys and a WHERE clause.
CREATE TABLE events (tenant text, seq int, kind text, PRIMARY KEY (tenant, seq));
INSERT INTO events SELECT 't' || (g % 7), g, CASE WHEN g % 3 = 0 THEN 'old' ELSE 'new' END FROM generate_series(1, 3000) g;
SELECT migration_helpers.backfill('events', $$kind = 'migrated'$$, $$kind = 'old'$$, batch_size => 100, min_batch_size => 10) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind;
SELECT rows_done FROM migration_helpers.backfills WHERE id = :job;

-- No primary key: a unique index on NOT NULL columns is the key.
CREATE TABLE readings (sensor int NOT NULL UNIQUE, celsius numeric, fahrenheit numeric);
INSERT INTO readings SELECT g, g / 10.0, NULL FROM generate_series(1, 5000) g;
SELECT migration_helpers.backfill('readings', 'fahrenheit = celsius * 9 / 5 + 32', 'fahrenheit IS NULL') AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT count(*) FILTER (WHERE fahrenheit = celsius * 9 / 5 + 32) AS converted, count(*) FROM readings;

-- An empty table is done at once.
CREATE TABLE empty_table (id int PRIMARY KEY, v int);
SELECT migration_helpers.backfill('empty_table', 'v = 1') AS job \gset
SELECT migration_helpers.backfill_wait(:job);

-- Pause, resume, cancel: a slow job (one row per batch, a pause after each).
CREATE TABLE slow (id int PRIMARY KEY, v int);
INSERT INTO slow SELECT g, 0 FROM generate_series(1, 1000) g;
SELECT migration_helpers.backfill('slow', 'v = 1', batch_size => 1, min_batch_size => 1, max_batch_size => 1,
	pause => '200ms') AS slow_job \gset
SELECT set_config('mh.slow_job', :'slow_job', false) IS NOT NULL AS noted;
SELECT migration_helpers.backfill_pause(:slow_job);
SELECT status FROM migration_helpers.backfills WHERE id = :slow_job;
SELECT migration_helpers.backfill_wait(:slow_job);
SELECT migration_helpers.backfill_pause(:slow_job);       -- not running
SELECT migration_helpers.backfill_resume(:slow_job);
SELECT status IN ('queued', 'running') AS resumed FROM migration_helpers.backfills WHERE id = :slow_job;
-- Its new worker owns it once it shows as running with a worker.
DO $$ BEGIN
	FOR i IN 1 .. 600 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN (SELECT status = 'running' AND worker_pid IS NOT NULL FROM migration_helpers.backfills
			WHERE id = current_setting('mh.slow_job')::bigint);
		PERFORM pg_sleep(0.05);
	END LOOP;
END $$;
SELECT migration_helpers.backfill_resume(:slow_job);      -- already running
SELECT migration_helpers.backfill_cancel(:slow_job);
SELECT migration_helpers.backfill_wait(:slow_job);
SELECT status, finished_at IS NOT NULL AS finished FROM migration_helpers.backfills WHERE id = :slow_job;
SELECT migration_helpers.backfill_cancel(:slow_job);      -- already ended
SELECT migration_helpers.backfill_resume(:slow_job);      -- ended for good
SELECT count(*) FILTER (WHERE v = 1) < 1000 AS stopped_early FROM slow;

-- A batch that keeps failing is retried a bounded number of times, then the
-- job fails with the error kept; rows of the batches before it stay done.
CREATE TABLE fragile (id int PRIMARY KEY, v int);
INSERT INTO fragile SELECT g, NULL FROM generate_series(1, 400) g;
SELECT migration_helpers.backfill('fragile', 'v = 100 / (id - 250)', batch_size => 100, min_batch_size => 100,
	max_batch_size => 100) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT status, retries, last_error, rows_done FROM migration_helpers.backfills WHERE id = :job;
SELECT count(v) AS updated, max(id) FILTER (WHERE v IS NOT NULL) AS last_updated FROM fragile;
-- Fixed, it goes on from where it stopped.
UPDATE fragile SET id = -id WHERE id = 250;
SELECT migration_helpers.backfill_resume(:job);
SELECT migration_helpers.backfill_wait(:job);
SELECT status, retries, rows_done FROM migration_helpers.backfills WHERE id = :job;

-- Bad input: an error now, no job recorded.
SELECT count(*) AS jobs_before FROM migration_helpers.backfills \gset
SELECT migration_helpers.backfill('users', 'nickname = 1');
SELECT migration_helpers.backfill('users', 'full_name = 1 +');
SELECT migration_helpers.backfill('users', $$full_name = 'x'; DROP TABLE users$$);
SELECT migration_helpers.backfill('users', $$full_name = 'x' FROM events$$);
SELECT migration_helpers.backfill('users', $$full_name = 'x' RETURNING id$$);
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, 'true) OR (true');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, 'id > 0 ORDER BY id');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, 'id + 1');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, 'no_such_column IS NULL');
SELECT migration_helpers.backfill('users', NULL);
SELECT migration_helpers.backfill(NULL, 'full_name = 1');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, batch_size => 0);
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, min_batch_size => 10, max_batch_size => 5);
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, pause => '-1s');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, target_batch_time => '0');
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, max_replication_lag => -1);
SELECT migration_helpers.backfill('no_such_table', 'x = 1');
CREATE VIEW users_view AS SELECT * FROM users;
SELECT migration_helpers.backfill('users_view', $$full_name = 'x'$$);
SELECT count(*) = :jobs_before AS nothing_recorded FROM migration_helpers.backfills;
-- Controls on jobs that do not exist.
SELECT migration_helpers.backfill_pause(999);
SELECT migration_helpers.backfill_resume(999);
SELECT migration_helpers.backfill_cancel(999);
SELECT migration_helpers.backfill_wait(999);
SELECT migration_helpers.backfill_wait(NULL);
SELECT migration_helpers.backfill_wait(1, '-1s');
-- Waiting for a job started in the same transaction would wait forever.
BEGIN;
SELECT migration_helpers.backfill('empty_table', 'v = 2') AS job \gset
SELECT migration_helpers.backfill_wait(:job);
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT migration_helpers.backfill_wait(1);
ROLLBACK;

-- Jobs run as the role that asked, and only it (or a superuser) controls them.
CREATE ROLE mh_app LOGIN;
CREATE ROLE mh_other LOGIN;
GRANT CREATE ON SCHEMA public TO mh_app;
SET ROLE mh_app;
CREATE TABLE app_data (id int PRIMARY KEY, v int, changed_by name);
INSERT INTO app_data SELECT g, 0 FROM generate_series(1, 300) g;
SELECT migration_helpers.backfill('app_data', 'v = 1, changed_by = current_user') AS app_job \gset
SELECT migration_helpers.backfill_wait(:app_job);
SELECT changed_by, count(*) FROM app_data GROUP BY changed_by;
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$);  -- no UPDATE on users
RESET ROLE;
GRANT UPDATE (full_name) ON users TO mh_app;
SET ROLE mh_app;
SELECT migration_helpers.backfill('users', $$full_name = first_name$$);  -- may update, not read first_name
SELECT migration_helpers.backfill('users', $$full_name = 'x'$$, 'id < 0');  -- nor read id
RESET ROLE;
SET ROLE mh_other;
SELECT migration_helpers.backfill_cancel(:app_job);
SELECT migration_helpers.backfill_resume(:slow_job);
RESET ROLE;
SELECT owner_role FROM migration_helpers.backfills WHERE id = :app_job;
-- The extension's own queries run with pinned search_path: an operator planted
-- in the caller's schema is never called with the extension owner's rights.
SET ROLE mh_app;
CREATE FUNCTION public.planted_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE WARNING 'planted operator called as %', current_user;
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.planted_eq);
SET search_path = public, pg_catalog;
SELECT 1::bigint = 1::bigint AS planted_operator_works;
SELECT migration_helpers.backfill_pause(:app_job);
SELECT migration_helpers.backfill_wait(:app_job);
SELECT migration_helpers.backfill_resume_all();
DROP OPERATOR public.= (bigint, bigint);
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_function';
DROP FUNCTION public.planted_eq(bigint, bigint);
COMMIT;
RESET search_path;
RESET ROLE;

SET migration_helpers.guard = off;
DROP TABLE app_data;
RESET migration_helpers.guard;
REVOKE CREATE ON SCHEMA public FROM mh_app;
REVOKE ALL ON users FROM mh_app;
DROP ROLE mh_app;
DROP ROLE mh_other;
DROP EXTENSION migration_helpers;
-- Without the extension, nothing guards these drops.
DROP TABLE users, events, readings, empty_table, slow, fragile CASCADE;
DROP FUNCTION count_updates();
