-- Without Citus nothing changes: a session carrying Citus's internal mark (its application_name)
-- is judged as any other, sizes are the table's own, and messages say nothing of shards. And a
-- maintenance statement is logged only once it ran (on Citus a VACUUM FULL the workers then
-- refused was logged as run).
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
CREATE TABLE accounts (id int PRIMARY KEY, v int, note text);
INSERT INTO accounts SELECT g, g, 'n' || g FROM generate_series(1, 2000) g;
SELECT count(*) AS citus_here FROM pg_extension WHERE extname = 'citus';

-- Citus's mark without Citus: a superuser's statements are still judged, blocked and logged.
SET application_name = 'citus_internal gpid=10000012345';
SELECT sqlstate_of('ALTER TABLE accounts RENAME COLUMN note TO remark');
SELECT sqlstate_of('CREATE INDEX accounts_v ON accounts (v)');
SET application_name = 'citus_rebalancer gpid=10000012345';
SELECT sqlstate_of('ALTER TABLE accounts DROP COLUMN note');
BEGIN;
SET LOCAL migration_helpers.allow = 'rename_column';
ALTER TABLE accounts RENAME COLUMN note TO remark;
ROLLBACK;
BEGIN;
SET LOCAL migration_helpers.allow = 'index_not_concurrent';
CREATE INDEX accounts_v ON accounts (v);
COMMIT;
SELECT command_tag, relation, rules_allowed FROM migration_helpers.ddl_log ORDER BY id;
RESET application_name;

-- The size in messages is the table's own, with no word of shards.
SET migration_helpers.large_table_threshold = 0;
\set VERBOSITY default
ALTER TABLE accounts ADD CONSTRAINT v_positive CHECK (v > 0);
\set VERBOSITY terse

-- A VACUUM FULL that fails is not logged as run; one that runs is, with its duration.
CREATE FUNCTION checked(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF current_setting('test.fail_rebuild', true) = 'on' THEN
		RAISE EXCEPTION 'index rebuild refused';
	END IF;
	RETURN i;
END $$;
CREATE INDEX CONCURRENTLY accounts_checked ON accounts (checked(v));
SET migration_helpers.allow = 'vacuum_full';
SET test.fail_rebuild = on;
VACUUM FULL accounts;
SELECT count(*) AS vacuums_logged FROM migration_helpers.ddl_log WHERE command_tag = 'VACUUM';
RESET test.fail_rebuild;
VACUUM FULL accounts;
SELECT command_tag, statement, relation, rules_allowed, duration IS NOT NULL AS timed
FROM migration_helpers.ddl_log WHERE command_tag = 'VACUUM';
-- inside a function (nested): the same
CREATE FUNCTION cluster_it() RETURNS void LANGUAGE sql AS $$ CLUSTER accounts USING accounts_pkey $$;
SET migration_helpers.allow = 'cluster';
SET test.fail_rebuild = on;
SELECT cluster_it();
RESET test.fail_rebuild;
SELECT cluster_it();
SELECT command_tag, statement, rules_allowed FROM migration_helpers.ddl_log WHERE command_tag = 'CLUSTER';
RESET migration_helpers.allow;
DROP EXTENSION migration_helpers;
DROP TABLE accounts;
DROP FUNCTION cluster_it(), checked(int), sqlstate_of(text);
