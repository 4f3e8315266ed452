-- Logical replication: a publication that starts replicating UPDATE or DELETE of a table without
-- a usable replica identity makes the server refuse every UPDATE and DELETE on it
-- (publish_without_replica_identity); removing a table from a publication and narrowing a
-- replica identity block only while subscribers may exist (a logical slot: TAP 006 has one).
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = error;  -- CREATE PUBLICATION warns that wal_level is not logical
CREATE EXTENSION migration_helpers;
CREATE TABLE nokey (a int, b int);
INSERT INTO nokey VALUES (1, 1);
CREATE TABLE keyed (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO keyed VALUES (1, 1, 'x');
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
-- a table without a primary key: UPDATE and DELETE would fail once published
\set VERBOSITY default
CREATE PUBLICATION p1 FOR TABLE nokey;
\set VERBOSITY terse
SELECT sqlstate_of('CREATE PUBLICATION p1 FOR TABLE nokey');
CREATE PUBLICATION p1 FOR TABLE nokey WITH (publish = 'insert');  -- inserts only: passes
UPDATE nokey SET b = 2;                                           -- still writable
ALTER PUBLICATION p1 SET (publish = 'insert, update');            -- starts replicating UPDATE
ALTER PUBLICATION p1 SET (publish = 'insert, truncate');          -- passes
-- keyed: a column list must keep the identity, a row filter use only identity columns
CREATE PUBLICATION p2 FOR TABLE keyed (id, v);                    -- passes
ALTER PUBLICATION p2 SET TABLE keyed (v, note);
ALTER PUBLICATION p2 SET TABLE keyed WHERE (v > 0);
ALTER PUBLICATION p2 SET TABLE keyed WHERE (id > 0);              -- passes
ALTER PUBLICATION p2 ADD TABLE nokey;
-- FOR ALL TABLES and TABLES IN SCHEMA reach the table too
CREATE PUBLICATION p3 FOR ALL TABLES;
CREATE SCHEMA app;
CREATE TABLE app.log (line text);
INSERT INTO app.log VALUES ('x');
CREATE PUBLICATION p3 FOR TABLES IN SCHEMA app;
-- a partitioned table: each partition is updated on its own, and each needs an identity
CREATE TABLE parted (day date, v int) PARTITION BY RANGE (day);
CREATE TABLE parted_2025 PARTITION OF parted FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO parted VALUES ('2025-03-01', 1);
CREATE PUBLICATION p3 FOR TABLE parted;
-- the safe forms: a replica identity first (FULL sends every column; a column list must then have them all)
ALTER TABLE nokey REPLICA IDENTITY FULL;
ALTER PUBLICATION p2 ADD TABLE nokey (a);
ALTER PUBLICATION p2 ADD TABLE nokey;                             -- passes
UPDATE nokey SET b = 3;
-- allowed for one transaction: runs, and is logged
BEGIN;
SET LOCAL migration_helpers.allow = 'publish_without_replica_identity';
ALTER PUBLICATION p2 ADD TABLE app.log;
COMMIT;
SELECT command_tag, relation, rules_allowed FROM migration_helpers.ddl_log WHERE command_tag LIKE '%PUBLICATION';
-- a table created in this transaction is nobody's yet
BEGIN;
CREATE TABLE fresh (a int);
CREATE PUBLICATION p4 FOR TABLE fresh;
ROLLBACK;
-- the server's own errors: a taken name, a missing publication
SELECT 1 FROM pg_publication WHERE pubname = 'p2';
CREATE PUBLICATION p2 FOR TABLE nokey;
ALTER PUBLICATION no_such_pub ADD TABLE nokey;
-- without a logical replication slot nobody subscribes: removals and identity changes pass
CREATE UNIQUE INDEX CONCURRENTLY keyed_v ON keyed (v);
ALTER TABLE keyed REPLICA IDENTITY USING INDEX keyed_v;
ALTER PUBLICATION p2 DROP TABLE nokey;
DROP PUBLICATION p2;
SELECT pubname FROM pg_publication ORDER BY 1;
DROP PUBLICATION p1;
SELECT count(*) FROM migration_helpers.rules();
SELECT id, severity, lock, effect FROM migration_helpers.rules()
WHERE id IN ('publish_without_replica_identity', 'unpublish_table', 'replica_identity_change') ORDER BY id;
DROP EXTENSION migration_helpers;
DROP TABLE nokey, keyed, parted, app.log;
DROP SCHEMA app;
DROP FUNCTION sqlstate_of(text);
