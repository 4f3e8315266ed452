-- Tables that hold no rows: one that never held a row only gets warnings, one emptied
-- since it held rows gets warnings for the rules about locks and errors for the rules
-- about running code; migration_helpers.exempt_empty_tables = off blocks as with data.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;

-- A framework's first migrate: tables created in one migration, reshaped in the next.
CREATE TABLE django_content_type (id int PRIMARY KEY, name text, app_label text, model text);
CREATE INDEX django_content_type_app ON django_content_type (app_label);
ALTER TABLE django_content_type DROP COLUMN name;
ALTER TABLE django_content_type RENAME COLUMN model TO model_name;
ALTER TABLE django_content_type ADD COLUMN required text NOT NULL;
ALTER TABLE django_content_type ADD CONSTRAINT app_label_set CHECK (app_label <> '');
SELECT command_tag, relation, rules_warned FROM migration_helpers.ddl_log ORDER BY id;
-- Rows written by a transaction that rolled back count as held rows.
CREATE TABLE rolled_back (id int, v text);
BEGIN;
INSERT INTO rolled_back VALUES (1, 'a');
ROLLBACK;
VACUUM rolled_back;  -- gives the empty pages back: no data pages left
SELECT pg_relation_size('rolled_back') AS bytes;
CREATE INDEX rolled_back_v ON rolled_back (v);               -- a lock rule: warns
SELECT sqlstate_of('ALTER TABLE rolled_back DROP COLUMN v');  -- code may still use it: blocks
ALTER TABLE rolled_back DROP COLUMN v;

-- Emptied by DELETE and VACUUM.
CREATE TABLE sessions (id int PRIMARY KEY, token text, user_id int);
INSERT INTO sessions SELECT g, 't' || g, g FROM generate_series(1, 100) g;
DELETE FROM sessions;
VACUUM sessions;
SELECT pg_relation_size('sessions') AS bytes;
CREATE INDEX sessions_user ON sessions (user_id);
ALTER TABLE sessions ALTER COLUMN token SET NOT NULL;
SELECT sqlstate_of('ALTER TABLE sessions RENAME COLUMN token TO secret');
SELECT sqlstate_of('ALTER TABLE sessions ADD COLUMN expires timestamptz NOT NULL');
ALTER TABLE sessions RENAME TO old_sessions;
DROP TABLE sessions;

-- Emptied by TRUNCATE, also earlier in the same transaction.
CREATE TABLE jobs (id int PRIMARY KEY, payload text);
INSERT INTO jobs VALUES (1, 'a');
TRUNCATE jobs;
CREATE INDEX jobs_payload ON jobs (payload);
ALTER TABLE jobs DROP COLUMN payload;
CREATE TABLE queue (id int, payload text);
BEGIN;
INSERT INTO queue VALUES (1, 'a');
COMMIT;
BEGIN;
INSERT INTO queue VALUES (2, 'b');
TRUNCATE queue;
SELECT pg_relation_size('queue') AS bytes;
ALTER TABLE queue DROP COLUMN payload;
COMMIT;  -- blocked at COMMIT (the transaction could have added it again), rolled back
CREATE TABLE batch (id int, payload text);
BEGIN;
INSERT INTO batch VALUES (2, 'b');  -- only in this transaction, then truncated
TRUNCATE batch;
ALTER TABLE batch DROP COLUMN payload;
COMMIT;

-- A table with data is blocked as always.
CREATE TABLE full_table (id int, v text);
INSERT INTO full_table VALUES (1, 'a');
SELECT sqlstate_of('CREATE INDEX full_table_v ON full_table (v)');

-- Partitioned tables: empty when every partition is; the partitioned recipe only there.
CREATE TABLE ticks (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE ticks_2026 PARTITION OF ticks FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE ticks_2027 PARTITION OF ticks FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX ticks_at ON ticks (at);
INSERT INTO ticks VALUES (1, '2027-06-01');
CREATE INDEX ticks_at2 ON ticks (at);

-- Blocking as on tables with data, for teams whose development databases should.
SET migration_helpers.exempt_empty_tables = off;
CREATE TABLE empty_dev (id int, v text);
CREATE INDEX empty_dev_v ON empty_dev (v);
ALTER TABLE empty_dev DROP COLUMN v;
RESET migration_helpers.exempt_empty_tables;
ALTER TABLE empty_dev DROP COLUMN v;
-- Only a superuser can change it.
CREATE ROLE mh_empty_app;
SET ROLE mh_empty_app;
SET migration_helpers.exempt_empty_tables = off;
SHOW migration_helpers.exempt_empty_tables;
RESET ROLE;
DROP ROLE mh_empty_app;
DROP EXTENSION migration_helpers;
DROP TABLE django_content_type, rolled_back, sessions, jobs, queue, batch, full_table, ticks, empty_dev;
DROP FUNCTION sqlstate_of(text);
