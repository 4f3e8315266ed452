-- Bypasses a table owner found, each closed: the guard judges what the server does,
-- not what the statement's keywords say.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
CREATE TABLE accounts (id int PRIMARY KEY, v text);
INSERT INTO accounts SELECT g, 'v' || g FROM generate_series(1, 100) g;
CREATE INDEX CONCURRENTLY accounts_v ON accounts (v);
CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM accounts;

-- Renames and drops: the relation the server resolves, whatever keyword names it.
ALTER INDEX accounts RENAME TO renamed;           -- the server renames the table
ALTER INDEX accounts_v RENAME TO accounts_v2;     -- an index: safe
ALTER SEQUENCE accounts RENAME TO renamed;        -- the server's own error
ALTER VIEW accounts RENAME TO renamed;            -- the server's own error
ALTER MATERIALIZED VIEW account_count RENAME TO renamed_count;
ALTER MATERIALIZED VIEW account_count SET SCHEMA pg_temp;
ALTER MATERIALIZED VIEW account_count RENAME COLUMN n TO total;
DROP MATERIALIZED VIEW account_count;
ALTER VIEW accounts RENAME COLUMN v TO w;         -- the server renames the table's column

-- VACUUM and REINDEX options: the last one given wins, as the server reads them.
\set VERBOSITY sqlstate
VACUUM (FULL false, FULL true) accounts;          -- VACUUM cannot run in a function: the SQLSTATE alone
\set VERBOSITY default
VACUUM (FULL true, FULL false) accounts;          -- a plain VACUUM
SELECT sqlstate_of('REINDEX (CONCURRENTLY true, CONCURRENTLY false) TABLE accounts');
REINDEX (CONCURRENTLY false, CONCURRENTLY true) TABLE accounts;

-- ALTER TABLE ALL IN TABLESPACE moves every table it finds under ACCESS EXCLUSIVE.
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE mh_bypass_space LOCATION '';
CREATE ROLE mh_mover;
CREATE TABLE moved (id int);
INSERT INTO moved VALUES (1);
ALTER TABLE moved OWNER TO mh_mover;
ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY mh_mover SET TABLESPACE mh_bypass_space;
ALTER INDEX ALL IN TABLESPACE pg_default OWNED BY mh_mover SET TABLESPACE mh_bypass_space;  -- owns no index
ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY mh_mover SET TABLESPACE pg_default;        -- no move
ALTER TABLE ALL IN TABLESPACE mh_bypass_space SET TABLESPACE pg_default;                   -- nothing there
SELECT count(*) AS moved FROM pg_class WHERE reltablespace = (SELECT oid FROM pg_tablespace WHERE spcname = 'mh_bypass_space');

-- A parent created in this transaction is no exemption for existing tables reached through it.
CREATE TABLE old_part (id int NOT NULL, v text);
INSERT INTO old_part SELECT g, 'v' FROM generate_series(1, 100) g;
BEGIN;
CREATE TABLE new_parent (id int NOT NULL, v text) PARTITION BY RANGE (id);
SELECT sqlstate_of('ALTER TABLE new_parent ATTACH PARTITION old_part FOR VALUES FROM (0) TO (1000)');
ROLLBACK;
BEGIN;
SET LOCAL migration_helpers.allow = 'attach_partition_scan';
CREATE TABLE new_parent (id int NOT NULL, v text) PARTITION BY RANGE (id);
ALTER TABLE new_parent ATTACH PARTITION old_part FOR VALUES FROM (0) TO (1000);
SELECT sqlstate_of('CREATE INDEX new_parent_v ON new_parent (v)');
SELECT sqlstate_of('ALTER TABLE new_parent ADD PRIMARY KEY (id)');
SELECT sqlstate_of('ALTER TABLE new_parent ADD CONSTRAINT v_set CHECK (v <> '''')');
ROLLBACK;
CREATE TABLE old_child (id int, v text);
INSERT INTO old_child VALUES (1, 'a');
BEGIN;
CREATE TABLE new_base (id int, v text);
ALTER TABLE old_child INHERIT new_base;
SELECT sqlstate_of('ALTER TABLE new_base ADD CONSTRAINT v_set CHECK (v <> '''')');
SELECT sqlstate_of('ALTER TABLE new_base ALTER COLUMN v SET NOT NULL');
ROLLBACK;
-- A new parent with new children only is still exempt.
BEGIN;
CREATE TABLE new_parent (id int NOT NULL, v text) PARTITION BY RANGE (id);
CREATE TABLE new_part PARTITION OF new_parent FOR VALUES FROM (0) TO (1000);
INSERT INTO new_parent VALUES (1, 'a');
CREATE INDEX new_parent_v ON new_parent (v);
ALTER TABLE new_parent ADD PRIMARY KEY (id), ADD CONSTRAINT v_set CHECK (v <> '');
COMMIT;
-- A type change with USING that needs no rewrite is judged like one without: knex's .alter()
-- still re-checks every validated CHECK on the column under ACCESS EXCLUSIVE.
CREATE TABLE people (id int PRIMARY KEY, name varchar(100) CHECK (name <> ''), nick varchar(100));
INSERT INTO people VALUES (1, 'a', 'b');
SELECT sqlstate_of('ALTER TABLE people ALTER COLUMN name TYPE varchar(255) USING name::varchar(255)');
ALTER TABLE people ALTER COLUMN nick TYPE varchar(255) USING nick::varchar(255);  -- no CHECK uses it
ALTER TABLE people ALTER COLUMN nick TYPE varchar(300) USING nick || 'x';          -- rewrites: reported once
ALTER TABLE people ALTER COLUMN nick TYPE int USING (SELECT 1);                    -- the server's own error
ALTER TABLE people ALTER COLUMN nick TYPE int USING generate_series(1, 2);         -- the server's own error
ALTER TABLE people ALTER COLUMN nick TYPE point;                                   -- the server's own error
ALTER TABLE people ALTER COLUMN nick TYPE int USING no_such_column;                -- with its cursor
DROP EXTENSION migration_helpers;
DROP MATERIALIZED VIEW account_count;
DROP TABLE accounts, moved, old_part, old_child, new_parent, people;
DROP TABLESPACE mh_bypass_space;
DROP ROLE mh_mover;
DROP FUNCTION sqlstate_of(text);
