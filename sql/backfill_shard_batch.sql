-- _backfill_shard(): the batches of a backfill over shards of one node, as the backfill worker of
-- a Citus coordinator sends them to the node (src/pg/backfill/shard_batch.cpp). Without
-- Citus it runs on any table the caller may update: with the caller's rights, the job's
-- settings, and its progress in _backfill_shard_progress in the same transaction as the rows.
-- Called by CALL outside a transaction block it runs batches, each committed on its own, for
-- about budget_ms, going on with the command's next shard when one is done; anywhere else one
-- batch. batch_size 0 only reports. The reply has one line per shard reached. Bad input is an error
-- that changes nothing. (The batches' time, the reply's last number, is masked.)
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA bsb;
SET search_path = bsb;
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO t SELECT g, 0 FROM generate_series(1, 25) g;
-- One command walks the shard in batches of 10 (min = max = 10), each its own transaction.
CALL migration_helpers._backfill_shard('c/1', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n <> 1) AS not_once,
	count(DISTINCT xmin::text) AS transactions FROM t;
SELECT job_key, rows_done, finished, owner = 'postgres'::regrole AS mine
FROM migration_helpers._backfill_shard_progress;
-- batch_size 0 reports the shard's progress, changing nothing.
CALL migration_helpers._backfill_shard('c/1', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 0, 10, 10, 100, 1000, 10000, 0, 60000, '{true}');
SELECT count(*) FILTER (WHERE n = 1) AS once FROM t;
-- A budget of 0 runs one batch per command; so does a CALL in a transaction block (it may not
-- commit), which the caller's ROLLBACK undoes with its position.
UPDATE t SET n = 0;
CALL migration_helpers._backfill_shard('c/2', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
-- (Never an asynchronous commit: the coordinator trusts the reply, so a batch must outlive a
-- crash of the node; a session's synchronous_commit = off becomes local for the batch.)
SET synchronous_commit = off;
BEGIN;
CALL migration_helpers._backfill_shard('c/2', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 60000, 0, 60000, '{true}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SHOW synchronous_commit;
ROLLBACK;
RESET synchronous_commit;
SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n = 0) AS untouched FROM t;
SELECT rows_done, finished FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/2';
-- A batch after the first that fails ends the command with the batches committed before it;
-- the next command meets the error as its first batch and answers it.
UPDATE t SET n = 0;
CALL migration_helpers._backfill_shard('c/3', '{bsb.t}', 't', 'n = CASE WHEN id > 10 THEN n / (id - id) ELSE n + 1 END',
	NULL, '{id}', '{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
CALL migration_helpers._backfill_shard('c/3', '{bsb.t}', 't', 'n = CASE WHEN id > 10 THEN n / (id - id) ELSE n + 1 END',
	NULL, '{id}', '{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{true}');
SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n = 0) AS untouched FROM t;
SELECT rows_done, finished FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/3';
-- The size adapts between batches (from 1 row, doubling at most, up to 16).
UPDATE t SET n = 0;
CALL migration_helpers._backfill_shard('c/4', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 1, 1, 16, 100000, 1000, 10000, 0, 60000, '{false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT count(*) FILTER (WHERE n = 1) AS once, count(DISTINCT xmin::text) AS transactions FROM t;
-- A shard the job had started with no position here (moved without it): lost.
CALL migration_helpers._backfill_shard('c/5', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{true}');
-- One command walks several shards in turn (here three tables read as "t"), the size carrying
-- over: one line per shard, every row once.
CREATE TABLE t1 (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
CREATE TABLE t2 (LIKE t1 INCLUDING ALL);
CREATE TABLE t3 (LIKE t1 INCLUDING ALL);
INSERT INTO t1 SELECT g FROM generate_series(1, 25) g;
INSERT INTO t2 SELECT g FROM generate_series(1, 7) g;
INSERT INTO t3 SELECT g FROM generate_series(1, 13) g;
CALL migration_helpers._backfill_shard('c/7', '{bsb.t1,bsb.t2,bsb.t3}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false,false,false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT 't1' AS tab, count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n <> 1) AS not_once FROM t1
UNION ALL SELECT 't2', count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n <> 1) FROM t2
UNION ALL SELECT 't3', count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n <> 1) FROM t3;
SELECT shard::regclass, rows_done, finished FROM migration_helpers._backfill_shard_progress
WHERE job_key = 'c/7' ORDER BY 1::text;
-- A report answers for every shard of the command.
CALL migration_helpers._backfill_shard('c/7', '{bsb.t1,bsb.t2,bsb.t3}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 0, 10, 10, 100, 1000, 10000, 0, 60000, '{true,true,true}');
-- With no budget left after the first shard's batch, the command answers for that shard only.
UPDATE t1 SET n = 0;
UPDATE t2 SET n = 0;
CALL migration_helpers._backfill_shard('c/8', '{bsb.t1,bsb.t2}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false,false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
-- A shard after the first that fails, or was started but has no position here, ends the command
-- with its line; the shards before it are committed.
UPDATE t1 SET n = 0;
CALL migration_helpers._backfill_shard('c/10', '{bsb.t2,bsb.t1,bsb.t3}', 't',
	'n = CASE WHEN t.tableoid = ''bsb.t1''::regclass THEN n / (id - id) ELSE n + 1 END', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false,false,false}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT (SELECT count(*) FROM t2 WHERE n = 1) AS t2_once, (SELECT count(*) FROM t1 WHERE n = 1) AS t1_once,
	(SELECT count(*) FROM t3 WHERE n = 1) AS t3_once;
CALL migration_helpers._backfill_shard('c/11', '{bsb.t3,bsb.t2}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false,true}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT count(*) FILTER (WHERE n = 2) AS t3_twice FROM t3;
-- A shard moved to another node: its position, recorded with Citus's shard id (which a moved
-- shard keeps), is read as text on the node it left and recorded on the node it went to, where
-- the walk goes on from it (here t1 plays the shard before the move, t4 after it).
CREATE TABLE t4 (LIKE t1 INCLUDING ALL);
INSERT INTO t4 SELECT g FROM generate_series(1, 25) g;
CALL migration_helpers._backfill_shard('c/12', '{bsb.t1}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}', '{4242}') \gset
SELECT migration_helpers._backfill_shard_export('c/12', '{4242,4343}') AS exported_line;
SELECT regexp_replace(x, '^[0-9]+ [0-9]+ ', '') AS exported
FROM migration_helpers._backfill_shard_export('c/12', '{4242}') x \gset
SELECT migration_helpers._backfill_shard_export('c/12', '{4343}') IS NULL AS none_for_another_shard,
	migration_helpers._backfill_shard_export('c/13', '{4242}') IS NULL AS none_for_another_job;
SELECT migration_helpers._backfill_shard_adopt('c/12', 'bsb.t4', 4242, :'exported') AS adopted;
SELECT migration_helpers._backfill_shard_adopt('c/12', 'bsb.t4', 4242, :'exported') AS adopted_again;
SELECT shard::regclass, position, upper_bound, rows_done, finished, shard_id
FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/12' ORDER BY 1::text;
CALL migration_helpers._backfill_shard('c/12', '{bsb.t4}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{true}', '{4242}') \gset
SELECT regexp_replace(:'reply', ' [0-9]+(\n|$)', ' <ms>\1', 'g') AS reply;
SELECT count(*) FILTER (WHERE n = 1) AS once, count(*) FILTER (WHERE n = 0) AS done_before_the_move FROM t4;
-- What is not an exported position records nothing.
SELECT migration_helpers._backfill_shard_adopt('c/14', 'bsb.t4', 1, '[1, 2]') AS wrong_shape;
SELECT migration_helpers._backfill_shard_adopt('c/14', 'bsb.t4', 1, 'not json');
SELECT migration_helpers._backfill_shard_adopt('c/14', 'bsb.t4', 1, NULL);
SELECT migration_helpers._backfill_shard_adopt('c/14', 0, 1, :'exported');
SELECT count(*) AS progress_rows FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/14';
-- Bad input.
CALL migration_helpers._backfill_shard(NULL, '{bsb.t}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}', '{}', -1, 10, 10, 100, 1000, 10000, 0, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, -5, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 20, 10, 100, 1000, 10000, 0, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{0}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t1,bsb.t2}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t1,NULL}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false,false}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t1}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{NULL}');
CALL migration_helpers._backfill_shard('c/9', '{bsb.t1}', 't', 'n = n + 1', NULL, '{id}', '{}', 10, 10, 10, 100, 1000, 10000, 0, 0, '{false}', '{1,2}');
SELECT count(*) AS progress_rows FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/9';
-- The caller's rights: for a role that may not update the table the reply is the server's error
-- (the coordinator's job fails with it), and nothing changed.
UPDATE t SET n = 1;
CREATE ROLE mh_shard_reader;
GRANT USAGE ON SCHEMA bsb TO mh_shard_reader;
GRANT SELECT ON t TO mh_shard_reader;
SET ROLE mh_shard_reader;
CALL migration_helpers._backfill_shard('c/6', '{bsb.t}', 't', 'n = n + 1', NULL, '{id}',
	'{search_path,bsb}', 10, 10, 10, 100, 1000, 10000, 0, 60000, '{false}');
RESET ROLE;
SELECT count(*) FILTER (WHERE n = 1) AS once FROM t;
SELECT count(*) AS progress_rows FROM migration_helpers._backfill_shard_progress WHERE job_key = 'c/6';
-- The job's end forgets the caller's positions only; nor does another role read them.
SET ROLE mh_shard_reader;
SELECT migration_helpers._backfill_shard_export('c/12', '{4242}') IS NULL AS not_anothers_position;
SELECT migration_helpers._backfill_shard_forget('c/1') AS forgotten_by_another_role;
RESET ROLE;
SELECT migration_helpers._backfill_shard_forget('c/1') AS forgotten;
SELECT migration_helpers._backfill_shard_forget(NULL) AS forgotten_null;
SET migration_helpers.guard = off;
DROP SCHEMA bsb CASCADE;
RESET migration_helpers.guard;
DROP ROLE mh_shard_reader;
DROP EXTENSION migration_helpers;
