-- The guard never crashes on odd statements and judges each relation right:
-- quoted and schema-qualified names, multi-command ALTER TABLE, partitioned
-- and foreign tables, views, sequences, types, publications.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Odd ""Table""" (id int PRIMARY KEY, "Val" text);
CREATE TABLE "My Schema".dup (id int);
-- Tables that never held a row only get warnings (guard_empty_tables): these hold rows.
INSERT INTO "My Schema"."Odd ""Table""" VALUES (1, 'v');
INSERT INTO "My Schema".dup VALUES (1);
CREATE INDEX ON "My Schema"."Odd ""Table""" ("Val");
ALTER TABLE "My Schema"."Odd ""Table""" RENAME COLUMN "Val" TO "Value";
-- Several subcommands: every unsafe one is judged; the first blocks.
ALTER TABLE "My Schema"."Odd ""Table""" ADD COLUMN a text, ADD COLUMN b int NOT NULL, DROP COLUMN "Val";
ALTER TABLE "My Schema"."Odd ""Table""" ADD COLUMN a text, ALTER COLUMN "Val" SET DEFAULT 'x';
-- Names that differ only by quoting are different tables.
BEGIN;
CREATE TABLE "My Schema"."Dup" (id int);
CREATE INDEX ON "My Schema"."Dup" (id);   -- new table: exempt
CREATE INDEX ON "My Schema".dup (id);     -- the old one: guarded
ROLLBACK;
-- Views, sequences, types, functions and foreign tables are not tables with data: the rules about
-- running code judge views (guard_objects), none of the locking rules do.
CREATE VIEW odd_view AS SELECT * FROM "My Schema"."Odd ""Table""";
BEGIN;
SET LOCAL migration_helpers.allow = 'rename_column, rename_view, drop_view';
ALTER VIEW odd_view RENAME COLUMN id TO ident;
ALTER TABLE odd_view RENAME TO odd_view2;
DROP VIEW odd_view2;
COMMIT;
CREATE SEQUENCE s;
ALTER SEQUENCE s RENAME TO s2;
DROP SEQUENCE s2;
CREATE TYPE mood AS ENUM ('ok');
ALTER TYPE mood ADD VALUE 'fine';
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER dummy_srv FOREIGN DATA WRAPPER dummy;
CREATE FOREIGN TABLE ft (id int) SERVER dummy_srv;
ALTER FOREIGN TABLE ft ADD COLUMN v text;
ALTER FOREIGN TABLE ft RENAME COLUMN v TO w;
DROP FOREIGN TABLE ft;
-- Statements about objects that do not exist get the server's own error.
CREATE INDEX ON no_such_table (id);
ALTER TABLE no_such_schema.t ADD COLUMN x int;
ALTER TABLE IF EXISTS no_such_table RENAME COLUMN a TO b;
DROP INDEX IF EXISTS no_such_index;
REINDEX TABLE no_such_table;
VACUUM FULL no_such_table;
-- Partitioned tables: the size is the sum of the partitions.
CREATE TABLE parted (id int, v text) PARTITION BY HASH (id);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO parted SELECT g, 'v' FROM generate_series(1, 100) g;
ALTER TABLE parted ADD CONSTRAINT parted_v CHECK (v <> '');
-- Publications: DDL that changes columns of a published table warns.
CREATE PUBLICATION pub FOR TABLE "My Schema"."Odd ""Table""";
ALTER TABLE "My Schema"."Odd ""Table""" ADD COLUMN published_col text;
DROP PUBLICATION pub;
-- Other extensions' install scripts run through the guard without harm.
CREATE EXTENSION pg_trgm;
DROP EXTENSION pg_trgm;
-- DDL on system catalogs and in pg_temp is not judged.
CREATE TEMP TABLE t_tmp (id int);
ALTER TABLE t_tmp ADD COLUMN x serial;
-- CREATE TABLE AS, LIKE, and inline constraints on new tables are exempt.
CREATE TABLE copy_of AS SELECT * FROM "My Schema"."Odd ""Table""";
CREATE TABLE like_of (LIKE "My Schema"."Odd ""Table""" INCLUDING ALL, CHECK (id > 0));
-- DROP SCHEMA ... CASCADE drops the tables in it: judged like DROP TABLE.
DROP SCHEMA "My Schema" CASCADE;
CREATE SCHEMA empty_schema;
DROP SCHEMA empty_schema CASCADE;
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_table';
DROP SCHEMA "My Schema" CASCADE;
DROP TABLE parted, copy_of, like_of;
COMMIT;
BEGIN;
SET LOCAL migration_helpers.allow = 'drop_type';
DROP TYPE mood;
COMMIT;
DROP SERVER dummy_srv;
DROP FOREIGN DATA WRAPPER dummy;
DROP EXTENSION migration_helpers;
