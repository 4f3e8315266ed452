-- What a statement itself shows: a column dropped and added again under the same name in one
-- ALTER TABLE keeps queries working; TYPE naming the column's own type (as Sequelize's
-- changeColumn sends it) says so; an unnamed index is named as the server will name it; a type
-- change rebuilds the indexes of every partition, the partitions' own included.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE TABLE tenants (id int PRIMARY KEY, tenant_id int, name text CHECK (length(name) < 50), note text);
INSERT INTO tenants VALUES (1, 7, 'a', 'n');
-- DROP COLUMN IF EXISTS x, ADD COLUMN x ... (163 tables of a real history): queries naming it work
ALTER TABLE tenants DROP COLUMN IF EXISTS tenant_id, ADD COLUMN tenant_id integer NOT NULL DEFAULT 1;
SELECT tenant_id FROM tenants;
-- a drop alone, or with an add of another name, still breaks code
\set VERBOSITY terse
ALTER TABLE tenants DROP COLUMN tenant_id;
ALTER TABLE tenants DROP COLUMN tenant_id, ADD COLUMN tenant text;
-- the add is judged for itself
ALTER TABLE tenants DROP COLUMN tenant_id, ADD COLUMN tenant_id integer NOT NULL;
\set VERBOSITY default
-- Sequelize's changeColumn(allowNull: false): the same type, re-checked CHECK
ALTER TABLE tenants ALTER COLUMN name TYPE text, ALTER COLUMN name SET NOT NULL;
\set VERBOSITY terse
-- a real change keeps the usual text
ALTER TABLE tenants ALTER COLUMN name TYPE varchar(60);
-- the same type on a column nothing re-checks passes
ALTER TABLE tenants ALTER COLUMN note TYPE text;
-- an unnamed index: the name the server chooses
CREATE INDEX ON tenants (note);
CREATE INDEX ON tenants (lower(note), id) INCLUDE (name);
CREATE INDEX CONCURRENTLY tenants_note_idx ON tenants (id);   -- takes the name: the next one gets a 1
CREATE INDEX ON tenants (note);
-- partitions: an index only a partition has is built again by a type change on the parent
SET TimeZone = 'UTC';
CREATE TABLE ev_parts (id int, at timestamp) PARTITION BY RANGE (id);
CREATE TABLE ev_parts_1 PARTITION OF ev_parts FOR VALUES FROM (0) TO (1000);
CREATE TABLE ev_parts_2 PARTITION OF ev_parts FOR VALUES FROM (1000) TO (2000);
INSERT INTO ev_parts SELECT g, now() FROM generate_series(1, 1500, 100) g;
CREATE INDEX CONCURRENTLY ev_parts_2_at ON ev_parts_2 (at);
\set VERBOSITY default
ALTER TABLE ev_parts ALTER COLUMN at TYPE timestamptz;
\set VERBOSITY terse
DROP INDEX CONCURRENTLY ev_parts_2_at;
ALTER TABLE ev_parts ALTER COLUMN at TYPE timestamptz;
RESET TimeZone;
SELECT command_tag, relation FROM migration_helpers.ddl_log ORDER BY id;
DROP EXTENSION migration_helpers;
DROP TABLE tenants, ev_parts;
