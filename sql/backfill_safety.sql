-- The backfill engine's two promises, tested where they used to break: every
-- matching row is updated exactly once (or the job is refused), and a job
-- does nothing its caller could not do, with the meaning its caller validated.
-- Also: jobs inside a migration tool's transaction, and the worker cap.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
SET client_min_messages = warning;
-- wait_for: polls a condition for up to secs seconds (each try sees new commits and workers).
CREATE FUNCTION wait_for(cond text, secs int DEFAULT 30) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ok boolean;
BEGIN
	FOR i IN 1 .. secs * 20 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXECUTE 'SELECT (' || cond || ')' INTO ok;
		IF ok THEN RETURN true; END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN false;
END $$;
SET migration_helpers.guard = off;  -- this file sets up tables freely; the guard has its own tests

-- 1. A table without a key is refused (the issue's reproduction: ctid ranges updated
-- 5,010 rows twice); a unique index on NOT NULL columns is a key.
CREATE TABLE heap (k int, n int, pad text) WITH (autovacuum_enabled = off);
INSERT INTO heap SELECT g, 0, repeat('x', 100) FROM generate_series(1, 20000) g;
DELETE FROM heap WHERE k > 10000 AND k % 2 = 0;
VACUUM heap;
SELECT migration_helpers.backfill('heap', 'n = n + 1', batch_size => 500, min_batch_size => 500, max_batch_size => 500);
CREATE UNIQUE INDEX heap_k ON heap (k);
SELECT migration_helpers.backfill('heap', 'n = n + 1');  -- k may be NULL: no key yet
ALTER TABLE heap ALTER k SET NOT NULL;
SELECT migration_helpers.backfill('heap', 'n = n + 1', batch_size => 500, min_batch_size => 500,
	max_batch_size => 500) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT count(*) AS rows, min(n), max(n) FROM heap;

-- 2. Partitioned tables and inheritance: refused without a key; with one, every
-- leaf's rows, and the estimate counts the leaves.
CREATE TABLE parted (id int, n int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000);
INSERT INTO parted SELECT g, 0 FROM generate_series(0, 999) g;
SELECT migration_helpers.backfill('parted', 'n = n + 1');
CREATE TABLE parted_pk (id int PRIMARY KEY, n int) PARTITION BY RANGE (id);
CREATE TABLE parted_pk_1 PARTITION OF parted_pk FOR VALUES FROM (0) TO (1000);
CREATE TABLE parted_pk_2 PARTITION OF parted_pk FOR VALUES FROM (1000) TO (2000);
CREATE TABLE parted_pk_3 PARTITION OF parted_pk FOR VALUES FROM (2000) TO (3000) PARTITION BY RANGE (id);
CREATE TABLE parted_pk_3a PARTITION OF parted_pk_3 FOR VALUES FROM (2000) TO (3000);
INSERT INTO parted_pk SELECT g, 0 FROM generate_series(0, 2999) g;
ANALYZE parted_pk;
SELECT migration_helpers.backfill('parted_pk', 'n = n + 1', batch_size => 100, min_batch_size => 100) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT tableoid::regclass AS leaf, count(*), min(n), max(n) FROM parted_pk GROUP BY 1 ORDER BY 1;
SELECT rows_done, rows_estimated FROM migration_helpers.backfills WHERE id = :job;
CREATE TABLE inh_parent (id int PRIMARY KEY, n int);
CREATE TABLE inh_child (extra text) INHERITS (inh_parent);
INSERT INTO inh_parent SELECT g, 0 FROM generate_series(1, 100) g;
INSERT INTO inh_child SELECT g, 0 FROM generate_series(101, 300) g;
SELECT migration_helpers.backfill('inh_parent', 'n = n + 1', batch_size => 50, min_batch_size => 50) AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT tableoid::regclass AS part, count(*), min(n), max(n) FROM inh_parent GROUP BY 1 ORDER BY 1;

-- 3. A SET clause that assigns a key column is refused (each tail pass met the rows again).
CREATE TABLE keyed (id int PRIMARY KEY, n int);
SELECT migration_helpers.backfill('keyed', 'id = id + 1000, n = n + 1');
SELECT migration_helpers.backfill('keyed', '(n, id) = (1, 2)');
SELECT migration_helpers.backfill('heap', 'k = -k');  -- a unique-index key too

-- 4. Identity by OID: a job follows its table through a rename, never the table
-- that takes its name; a role dropped and re-created is another role.
CREATE TABLE r1 (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
CREATE TABLE r1_new (LIKE r1 INCLUDING ALL);
INSERT INTO r1 (id) SELECT g FROM generate_series(1, 200) g;
INSERT INTO r1_new (id) SELECT g FROM generate_series(1, 200) g;
SELECT migration_helpers.backfill('r1', 'n = n + 1', batch_size => 10, min_batch_size => 10, max_batch_size => 10,
	pause => '50ms') AS job \gset
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 20', :job)) AS progressed;
SELECT migration_helpers.backfill_pause(:job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM migration_helpers.backfills WHERE id = %s)', :job)) AS stopped;
ALTER TABLE r1 RENAME TO r1_old;
ALTER TABLE r1_new RENAME TO r1;
SELECT migration_helpers.backfill_resume(:job);
SELECT migration_helpers.backfill_wait(:job);
SELECT 'r1_old' AS t, min(n), max(n) FROM r1_old UNION ALL SELECT 'r1', min(n), max(n) FROM r1;
SELECT relation FROM migration_helpers.backfills WHERE id = :job;
CREATE ROLE mh_temp LOGIN;
GRANT SELECT, UPDATE ON r1 TO mh_temp;
SET ROLE mh_temp;
SELECT migration_helpers.backfill('r1', 'n = n + 10', batch_size => 1, min_batch_size => 1, max_batch_size => 1,
	pause => '1s') AS temp_job \gset
RESET ROLE;
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 1', :temp_job)) AS progressed;
SELECT migration_helpers.backfill_pause(:temp_job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM migration_helpers.backfills WHERE id = %s)', :temp_job)) AS stopped;
REVOKE ALL ON r1 FROM mh_temp;
DROP ROLE mh_temp;
CREATE ROLE mh_temp SUPERUSER LOGIN;
SELECT migration_helpers.backfill_resume(:temp_job);
SELECT migration_helpers.backfill_cancel(:temp_job);
DROP ROLE mh_temp;
-- A job whose table is dropped fails once, saying why.
CREATE TABLE doomed (id int PRIMARY KEY, n int);
INSERT INTO doomed SELECT g, 0 FROM generate_series(1, 100) g;
SELECT migration_helpers.backfill('doomed', 'n = 1', batch_size => 1, min_batch_size => 1, max_batch_size => 1,
	pause => '100ms') AS job \gset
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 1', :job)) AS progressed;
DROP TABLE doomed;
SELECT wait_for(format('(SELECT status = ''failed'' FROM migration_helpers.backfills WHERE id = %s)', :job)) AS failed;
SELECT relation, last_error ~ '^the table of the job \(OID \d+\) no longer exists$' AS says_why
FROM migration_helpers.backfills WHERE id = :job;

-- 5. Positions in a canonical form: paused under one DateStyle, resumed under
-- another, no row is skipped or updated twice.
CREATE TABLE stamped (at timestamp PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO stamped (at) SELECT timestamp '2020-01-01' + g * interval '1 day' FROM generate_series(0, 399) g;
ALTER ROLE CURRENT_USER SET DateStyle = 'SQL, DMY';
SET DateStyle = 'SQL, DMY';
SELECT migration_helpers.backfill('stamped', 'n = n + 1', batch_size => 10, min_batch_size => 10,
	max_batch_size => 10, pause => '20ms') AS job \gset
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 30', :job)) AS progressed;
SELECT migration_helpers.backfill_pause(:job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM migration_helpers.backfills WHERE id = %s)', :job)) AS stopped;
SELECT position[1] ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$' AS iso_position
FROM migration_helpers._backfill_jobs WHERE id = :job;
ALTER ROLE CURRENT_USER SET DateStyle = 'SQL, MDY';
SET DateStyle = 'SQL, MDY';
SELECT migration_helpers.backfill_resume(:job);
SELECT migration_helpers.backfill_wait(:job);
ALTER ROLE CURRENT_USER RESET DateStyle;
RESET DateStyle;
SELECT count(*), min(n), max(n) FROM stamped;

-- 6. search_path: the job resolves names as backfill() did, never to a function
-- planted by another role in a schema later in the path.
CREATE ROLE mh_alice LOGIN;
CREATE ROLE mh_mallory LOGIN;
CREATE SCHEMA lib AUTHORIZATION mh_alice;
GRANT CREATE ON SCHEMA public TO mh_alice, mh_mallory;
SET ROLE mh_alice;
CREATE TABLE public.names (id int PRIMARY KEY, name text);
INSERT INTO public.names VALUES (1, 'ann'), (2, 'bob');
CREATE FUNCTION lib.clean_name(text) RETURNS text LANGUAGE sql AS $$ SELECT 'clean:' || $1 $$;
SET ROLE mh_mallory;
CREATE FUNCTION public.clean_name(text) RETURNS text LANGUAGE sql AS $$ SELECT 'planted:' || $1 $$;
SET ROLE mh_alice;
SET search_path = lib, public;
SELECT migration_helpers.backfill('public.names', 'name = clean_name(name)') AS alice_job \gset
SELECT migration_helpers.backfill_wait(:alice_job);
RESET search_path;
SELECT name FROM public.names ORDER BY id;
RESET ROLE;

-- 7. standard_conforming_strings as validated: the text means one assignment.
CREATE TABLE notes (id int PRIMARY KEY, note text);
INSERT INTO notes VALUES (1, NULL), (2, NULL);
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SELECT migration_helpers.backfill('notes', $$note = 'it\'s'$$) AS job \gset
RESET standard_conforming_strings;
RESET escape_string_warning;
SELECT migration_helpers.backfill_wait(:job);
SELECT DISTINCT note FROM notes;

-- 8. A role sees only the jobs of roles whose privileges it has (or all, with
-- pg_read_all_stats), as pg_stat_activity shows sessions.
CREATE ROLE mh_peer LOGIN;
SET ROLE mh_peer;
SELECT count(*) AS visible FROM migration_helpers.backfills WHERE owner_role = 'mh_alice';
SELECT migration_helpers.backfill_wait(:alice_job);
RESET ROLE;
GRANT pg_read_all_stats TO mh_peer;
SET ROLE mh_peer;
SELECT count(*) AS visible FROM migration_helpers.backfills WHERE owner_role = 'mh_alice';
SELECT migration_helpers.backfill_wait(:alice_job);
RESET ROLE;
REVOKE pg_read_all_stats FROM mh_peer;

-- 10. A NOLOGIN owner reached with SET ROLE (as deploy tools do): the job runs
-- with exactly its rights, connected as the session user; when the session
-- user loses the role, the job stops.
CREATE ROLE mh_owner NOLOGIN;
CREATE ROLE mh_deploy LOGIN IN ROLE mh_owner;
GRANT CREATE ON SCHEMA public TO mh_owner;
SET SESSION AUTHORIZATION mh_deploy;
SET ROLE mh_owner;
CREATE TABLE owned (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, by_user name, by_session name);
INSERT INTO owned (id) SELECT g FROM generate_series(1, 100) g;
SELECT migration_helpers.backfill('owned', 'n = n + 1, by_user = current_user, by_session = session_user') AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT by_user, by_session, count(*), min(n), max(n) FROM owned GROUP BY 1, 2;
SELECT migration_helpers.backfill('owned', 'n = n + 1', batch_size => 1, min_batch_size => 1, max_batch_size => 1,
	pause => '100ms') AS job \gset
RESET SESSION AUTHORIZATION;
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 2', :job)) AS progressed;
REVOKE mh_owner FROM mh_deploy;
SELECT wait_for(format('(SELECT status = ''failed'' FROM migration_helpers.backfills WHERE id = %s)', :job)) AS failed;
SELECT last_error FROM migration_helpers.backfills WHERE id = :job;
-- Neither the owner nor the session user can log in as the owner: refused at once.
CREATE FUNCTION owned_backfill() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT migration_helpers.backfill('public.owned', 'n = 0') $$;
ALTER FUNCTION owned_backfill() OWNER TO mh_owner;
GRANT EXECUTE ON FUNCTION owned_backfill() TO mh_peer;
SET SESSION AUTHORIZATION mh_peer;
SELECT owned_backfill();
RESET SESSION AUTHORIZATION;

-- 11. Odd input: a clear error, and nothing recorded.
SELECT count(*) AS jobs_before FROM migration_helpers._backfill_jobs \gset
CREATE TEMP TABLE scratch (id int PRIMARY KEY, n int);
SELECT migration_helpers.backfill('scratch', 'n = 1');
SELECT migration_helpers.backfill('keyed', 'n = 1', target_batch_time => '25 days');
SELECT migration_helpers.backfill('keyed', 'n = 1', batch_lock_timeout => '0');
SELECT migration_helpers.backfill('keyed', 'n = 1', batch_statement_timeout => '1 year');
SELECT migration_helpers.backfill('keyed', 'n = 1', pause => '-1 ms');
SELECT count(*) = :jobs_before AS nothing_recorded FROM migration_helpers._backfill_jobs;
-- A batch that hits batch_statement_timeout fails the job at once, saying so (no lock-conflict retries).
CREATE TABLE sluggish (id int PRIMARY KEY, v int);
INSERT INTO sluggish SELECT g, 0 FROM generate_series(1, 5) g;
SELECT migration_helpers.backfill('sluggish', 'v = (SELECT 1 FROM pg_sleep(0.2))',
	batch_statement_timeout => '50ms') AS job \gset
SELECT migration_helpers.backfill_wait(:job);
SELECT status, retries, last_error ~ '^a batch of \d+ rows did not finish within batch_statement_timeout \(50 ms\)' AS says_why
FROM migration_helpers.backfills WHERE id = :job;

-- Inside a migration tool's transaction: a job starts when the transaction
-- commits and vanishes if it rolls back; the same call again returns the same
-- job; the next migration waits by table.
CREATE TABLE tx (id int PRIMARY KEY, v int);
INSERT INTO tx SELECT g, 0 FROM generate_series(1, 500) g;
SELECT count(*) AS jobs_before FROM migration_helpers._backfill_jobs \gset
BEGIN;
SELECT migration_helpers.backfill('tx', 'v = v + 1') IS NOT NULL AS started;
ROLLBACK;
SELECT count(*) = :jobs_before AS rolled_back FROM migration_helpers._backfill_jobs;
SELECT pg_sleep(0.2);
SELECT count(*) AS updated FROM tx WHERE v <> 0;
BEGIN;
SELECT migration_helpers.backfill('tx', 'v = v + 1') AS tx_job \gset
SELECT migration_helpers.backfill_wait(relation => 'tx');
ROLLBACK;
BEGIN;
SELECT migration_helpers.backfill('tx', 'v = v + 1') AS tx_job \gset
SELECT status FROM migration_helpers.backfills WHERE id = :tx_job;
COMMIT;
SELECT migration_helpers.backfill_wait(relation => 'tx');
SELECT min(v), max(v) FROM tx;
SELECT migration_helpers.backfill('tx', 'v = v + 1') = :tx_job AS same_job;
SELECT min(v), max(v) FROM tx;
SET client_min_messages = notice;
SELECT migration_helpers.backfill('tx', 'v = v + 1') = :tx_job AS same_job;
SET client_min_messages = warning;
SELECT migration_helpers.backfill('tx', 'v = v + 1', force => true) AS forced_job \gset
SELECT :forced_job <> :tx_job AS new_job, migration_helpers.backfill_wait(:forced_job);
SELECT min(v), max(v) FROM tx;
SELECT migration_helpers.backfill_wait(relation => 'tx') AS newest;
SELECT migration_helpers.backfill_wait(relation => 'keyed');
SELECT migration_helpers.backfill_wait();
SELECT migration_helpers.backfill_wait(1, relation => 'tx');

-- 9. The cap: jobs beyond migration_helpers.max_backfill_workers wait as queued;
-- a pause wakes a sleeping worker, which lets go of its slot at once.
ALTER SYSTEM SET migration_helpers.max_backfill_workers = 1;
SELECT pg_reload_conf();
SELECT pg_sleep(0.3);
SHOW migration_helpers.max_backfill_workers;
CREATE TABLE capped (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO capped (id) SELECT g FROM generate_series(1, 100) g;
SELECT migration_helpers.backfill('capped', 'n = n + 1', batch_size => 1, min_batch_size => 1, max_batch_size => 1,
	pause => '10min') AS long_job \gset
SELECT wait_for(format('(SELECT rows_done FROM migration_helpers.backfills WHERE id = %s) >= 1', :long_job)) AS progressed;
SELECT migration_helpers.backfill('capped', 'n = n + 100') AS second_job \gset
SELECT pg_sleep(0.5);
SELECT status, worker_pid IS NULL AS no_worker FROM migration_helpers.backfills WHERE id = :second_job;
SELECT migration_helpers.backfill_pause(:long_job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM migration_helpers.backfills WHERE id = %s)', :long_job), 5)
	AS woken_and_stopped;
SELECT migration_helpers.backfill_wait(:second_job);
SELECT migration_helpers.backfill_resume(:long_job);
SELECT wait_for(format('(SELECT status = ''running'' AND worker_pid IS NOT NULL FROM migration_helpers.backfills WHERE id = %s)', :long_job)) AS running;
SELECT count(*) AS workers_of_the_job FROM pg_stat_activity
WHERE application_name = 'migration_helpers backfill job ' || :long_job;
SELECT migration_helpers.backfill_cancel(:long_job);
SELECT wait_for(format('(SELECT worker_pid IS NULL FROM migration_helpers.backfills WHERE id = %s)', :long_job), 5)
	AS cancelled_at_once;
ALTER SYSTEM RESET migration_helpers.max_backfill_workers;
SELECT pg_reload_conf();

DROP EXTENSION migration_helpers;
DROP TABLE heap, parted, parted_pk, inh_parent CASCADE;
DROP TABLE keyed, r1, r1_old, stamped, public.names, notes, owned, sluggish, tx, capped;
DROP FUNCTION lib.clean_name(text), public.clean_name(text), owned_backfill(), wait_for(text, int);
DROP SCHEMA lib;
REVOKE CREATE ON SCHEMA public FROM mh_alice, mh_mallory, mh_owner;
DROP ROLE mh_alice, mh_mallory, mh_peer, mh_owner, mh_deploy;
