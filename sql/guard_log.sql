-- The log tells no one's secrets: a role sees the ddl_log rows pg_stat_activity would show it, a
-- row holds only the guarded statement's own text, and the allow list cannot be stored for a
-- role or a database to make the guard advisory for everyone.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
SELECT current_user AS admin \gset
CREATE ROLE mh_log_alice LOGIN;
CREATE ROLE mh_log_bob LOGIN;
CREATE ROLE mh_log_stats LOGIN IN ROLE pg_read_all_stats;
GRANT CREATE ON SCHEMA public TO mh_log_alice, mh_log_bob;
SET ROLE mh_log_alice;
CREATE TABLE alice_items (id int, v text);
INSERT INTO alice_items VALUES (1, 'a');
-- Several statements in one string (psql's \;): only the guarded one is logged.
ALTER ROLE mh_log_alice PASSWORD 'correct horse battery staple' \; SET LOCAL migration_helpers.allow = 'rename_column' \; ALTER TABLE alice_items RENAME COLUMN v TO w;
-- A statement run by a function is logged with its own text, not the caller's.
CREATE FUNCTION alice_rename() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL migration_helpers.allow = 'rename_column';
	ALTER TABLE alice_items RENAME COLUMN w TO v;
END $$;
SELECT 'a secret literal' AS s, alice_rename();
SELECT role_name, statement FROM migration_helpers.ddl_log ORDER BY id;
-- bob sees none of alice's rows, as pg_stat_activity shows him none of her queries
SET ROLE mh_log_bob;
SELECT count(*) AS bob_sees FROM migration_helpers.ddl_log;
SELECT count(*) AS bob_sees FROM migration_helpers.ddl_log WHERE (SELECT true);  -- no leak through quals
SET ROLE mh_log_stats;
SELECT count(*) AS stats_sees FROM migration_helpers.ddl_log;
RESET ROLE;
GRANT mh_log_alice TO mh_log_bob;
SET ROLE mh_log_bob;
SELECT count(*) AS member_sees FROM migration_helpers.ddl_log;
RESET ROLE;
SELECT count(*) AS admin_sees FROM migration_helpers.ddl_log;

-- A guarded statement run inside another one (a volatile DEFAULT that runs DDL during the
-- rewrite) is logged on its own, and the outer one is still logged; names are quoted as SQL
-- writes them.
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."g.x" (id int, a int);
INSERT INTO "Odd Schema"."g.x" VALUES (1, 1);
CREATE FUNCTION nested_ddl() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	ALTER TABLE "Odd Schema"."g.x" RENAME COLUMN a TO b;
	RETURN 1;
END $$;
BEGIN;
SET LOCAL migration_helpers.allow = 'add_column_rewrite, rename_column';
ALTER TABLE alice_items ADD COLUMN stamp int DEFAULT nested_ddl();
COMMIT;
SELECT command_tag, relation, statement, rules_allowed FROM migration_helpers.ddl_log ORDER BY id DESC LIMIT 2;

-- A SECURITY DEFINER wrapper is logged as its owner and as the session's role.
CREATE FUNCTION definer_rename() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
	SET LOCAL migration_helpers.allow = 'rename_column';
	ALTER TABLE "Odd Schema"."g.x" RENAME COLUMN b TO a;
END $$;
GRANT USAGE ON SCHEMA "Odd Schema" TO mh_log_bob;
SET SESSION AUTHORIZATION mh_log_bob;
SELECT definer_rename();
RESET SESSION AUTHORIZATION;
SELECT role_name = :'admin' AS by_owner, session_role FROM migration_helpers.ddl_log ORDER BY id DESC LIMIT 1;
SET SESSION AUTHORIZATION mh_log_bob;
SELECT count(*) AS bob_sees_his_session FROM migration_helpers.ddl_log WHERE session_role = 'mh_log_bob';
RESET SESSION AUTHORIZATION;

-- allow: only from the session, never stored for a role or a database.
SET ROLE mh_log_alice;
ALTER ROLE mh_log_alice SET migration_helpers.allow = 'drop_table';
RESET ROLE;
ALTER ROLE mh_log_alice SET migration_helpers.allow = 'drop_table';
ALTER DATABASE :"DBNAME" SET migration_helpers.allow = 'drop_table';
ALTER ROLE mh_log_alice IN DATABASE :"DBNAME" SET migration_helpers.allow = 'drop_table';
CREATE FUNCTION allowing() RETURNS void LANGUAGE sql SET migration_helpers.allow = 'drop_table' AS 'SELECT';
ALTER ROLE mh_log_alice SET migration_helpers.allow = '';  -- storing nothing is harmless
SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'mh_log_alice'::regrole;
ALTER ROLE mh_log_alice RESET migration_helpers.allow;
-- the session may
SET migration_helpers.allow = 'drop_table';
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_table';
SHOW migration_helpers.allow;
COMMIT;
RESET migration_helpers.allow;

DROP EXTENSION migration_helpers;
DROP TABLE alice_items;
DROP FUNCTION alice_rename(), nested_ddl(), definer_rename();
DROP SCHEMA "Odd Schema" CASCADE;
REVOKE CREATE ON SCHEMA public FROM mh_log_alice, mh_log_bob;
DROP ROLE mh_log_alice, mh_log_bob, mh_log_stats;
