-- _backfill_shard(): one batch of a backfill over one shard, as the backfill worker of a
-- Citus coordinator sends it to the shard's node (src/pg/backfill/shard_batch.cpp). Without
-- Citus it runs on any table the caller may update: with the caller's rights, the job's
-- settings, and its progress in _backfill_shard_progress in the same transaction as the rows;
-- batch_size 0 only reports. Bad input is an error that changes nothing.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA bsb;
SET search_path = bsb;
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO t SELECT g, 0 FROM generate_series(1, 25) g;
-- Batches of 10 until the shard's walk is done; each reply says what it did.
SELECT migration_helpers._backfill_shard('c/1', 'bsb.t', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 1000, 10000, b > 1) AS reply
FROM generate_series(1, 4) b;
SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n <> 1) AS not_once FROM t;
SELECT job_key, rows_done, finished, owner = 'postgres'::regrole AS mine
FROM migration_helpers._backfill_shard_progress;
-- batch_size 0 reports the shard's progress, changing nothing.
SELECT migration_helpers._backfill_shard('c/1', 'bsb.t', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 0, 1000, 10000, true) AS report;
SELECT count(*) FILTER (WHERE n = 1) AS once FROM t;
-- Bad input.
SELECT migration_helpers._backfill_shard(NULL, 'bsb.t', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 1000, 10000, false);
SELECT migration_helpers._backfill_shard('c/2', 'bsb.t', 't', 'n = n + 1', NULL, '{id}', '{}', -1, 1000, 10000, false);
SELECT migration_helpers._backfill_shard('c/2', 0, 't', 'n = n + 1', NULL, '{id}', '{}', 10, 1000, 10000, false);
-- The caller's rights: for a role that may not update the table the reply is the server's error
-- (the coordinator's job fails with it), and nothing changed.
CREATE ROLE mh_shard_reader;
GRANT USAGE ON SCHEMA bsb TO mh_shard_reader;
GRANT SELECT ON t TO mh_shard_reader;
SET ROLE mh_shard_reader;
SELECT migration_helpers._backfill_shard('c/3', 'bsb.t', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 1000, 10000, false) AS reply;
RESET ROLE;
SELECT count(*) FILTER (WHERE n = 1) AS once FROM t;
SELECT count(*) AS progress_rows FROM migration_helpers._backfill_shard_progress;
-- The job's end forgets the caller's positions only.
SET ROLE mh_shard_reader;
SELECT migration_helpers._backfill_shard_forget('c/1') AS forgotten_by_another_role;
RESET ROLE;
SELECT migration_helpers._backfill_shard_forget('c/1') AS forgotten;
SELECT migration_helpers._backfill_shard_forget(NULL) AS forgotten_null;
SET migration_helpers.guard = off;
DROP SCHEMA bsb CASCADE;
RESET migration_helpers.guard;
DROP ROLE mh_shard_reader;
DROP EXTENSION migration_helpers;
