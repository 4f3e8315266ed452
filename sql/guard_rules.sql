-- Every rule of the guard: one statement it blocks, one safe form it lets pass.
CREATE EXTENSION migration_helpers;
\set VERBOSITY default
\set SHOW_CONTEXT never
-- Report the SQLSTATE next to each error so MH001 is asserted explicitly.
\set ON_ERROR_STOP 0
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;

CREATE TABLE users (id int PRIMARY KEY, email text, first_name text, last_name text, age int);
INSERT INTO users SELECT g, 'u' || g, 'f' || g, 'l' || g, g FROM generate_series(1, 20) g;
CREATE TABLE orgs (id int PRIMARY KEY);
INSERT INTO orgs VALUES (1);

-- index_not_concurrent
CREATE INDEX users_email_idx ON users (email);
SELECT sqlstate_of('CREATE UNIQUE INDEX users_email_uidx ON users (email)');
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
-- invalid_index_skipped: IF NOT EXISTS over the INVALID index a failed CONCURRENTLY build left
CREATE TABLE signups (id int PRIMARY KEY, email text);
INSERT INTO signups VALUES (1, 'a'), (2, 'a');
CREATE UNIQUE INDEX CONCURRENTLY signups_email_key ON signups (email);  -- fails: duplicates
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS signups_email_key ON signups (email);  -- WARNING, skipped
SELECT indisvalid FROM pg_index WHERE indexrelid = 'signups_email_key'::regclass;
DROP INDEX CONCURRENTLY signups_email_key;
UPDATE signups SET email = 'b' WHERE id = 2;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS signups_email_key ON signups (email);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS signups_email_key ON signups (email);  -- valid: skipped, no warning
-- drop_index_not_concurrent
DROP INDEX users_email_idx;
DROP INDEX CONCURRENTLY users_email_idx;
-- column_type_rewrite (the server's own table_rewrite verdict)
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE users ALTER COLUMN email TYPE varchar(200);  -- adds a length check: rewrites
BEGIN;
SET LOCAL migration_helpers.allow = 'column_type_rewrite';
ALTER TABLE users ALTER COLUMN email TYPE varchar(200);
COMMIT;
ALTER TABLE users ALTER COLUMN email TYPE varchar(300);  -- widening: binary-coercible
ALTER TABLE users ALTER COLUMN email TYPE text;          -- binary-coercible
-- column_type_recheck: no rewrite, but the validated CHECKs that use the column are re-checked
CREATE TABLE products (id int PRIMARY KEY CHECK (id > 0), sku varchar(20) CHECK (sku <> ''), note varchar(20));
INSERT INTO products VALUES (1, 'a', 'n');
ALTER TABLE products ALTER COLUMN sku TYPE varchar(40);
ALTER TABLE products ALTER COLUMN id TYPE bigint;          -- not binary-coercible: the rewrite is the verdict
ALTER TABLE products ALTER COLUMN note TYPE varchar(40);   -- no CHECK uses it: passes
ALTER TABLE products DROP CONSTRAINT products_sku_check;
ALTER TABLE products ALTER COLUMN sku TYPE varchar(40);    -- passes
ALTER TABLE products ADD CONSTRAINT products_sku_check CHECK (sku <> '') NOT VALID;
ALTER TABLE products ALTER COLUMN sku TYPE text;           -- a NOT VALID CHECK is not re-checked: passes
ALTER TABLE products ALTER COLUMN sku TYPE no_such_type;   -- the server's own error
-- column_type_index_rebuild: a new collation rebuilds the column's indexes, expression ones too
BEGIN;
CREATE TABLE tags (id int PRIMARY KEY, label text, note text, body text);
CREATE INDEX tags_label ON tags (label);
CREATE INDEX tags_note_lower ON tags (lower(note));
INSERT INTO tags VALUES (1, 'a', 'n', 'b');
COMMIT;
ALTER TABLE tags ALTER COLUMN label TYPE text COLLATE "C";
ALTER TABLE tags ALTER COLUMN note TYPE text COLLATE "C";
ALTER TABLE tags ALTER COLUMN body TYPE text COLLATE "C";    -- no index uses it: passes
ALTER TABLE tags ALTER COLUMN label TYPE text;               -- same collation: passes
ALTER TABLE tags ALTER COLUMN label TYPE text COLLATE no_such_collation;  -- the server's own error
-- add_column_rewrite
ALTER TABLE users ADD COLUMN seq serial;
ALTER TABLE users ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (age * 2) STORED;
ALTER TABLE users ADD COLUMN token float8 DEFAULT random();
ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();  -- stable default: no rewrite
ALTER TABLE users ADD COLUMN full_name text;                    -- nullable, no default
-- add_required_column
ALTER TABLE users ADD COLUMN nick text NOT NULL;
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';  -- constant default
-- set_not_null
ALTER TABLE users ALTER COLUMN first_name SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT age_positive;
ALTER TABLE users ALTER COLUMN age SET NOT NULL;  -- CHECK (age > 0) does not prove NOT NULL
ALTER TABLE users ADD CONSTRAINT first_name_nn CHECK (first_name IS NOT NULL) NOT VALID;
ALTER TABLE users ALTER COLUMN first_name SET NOT NULL;  -- not validated yet: still a scan
ALTER TABLE users VALIDATE CONSTRAINT first_name_nn;
ALTER TABLE users ALTER COLUMN first_name SET NOT NULL;  -- proven: no scan
ALTER TABLE users DROP CONSTRAINT first_name_nn, ALTER COLUMN last_name SET NOT NULL;
-- add_check_constraint
ALTER TABLE users ADD CONSTRAINT email_len CHECK (length(email) < 100);
ALTER TABLE users ADD COLUMN score int CHECK (score >= 0);
ALTER TABLE users ADD CONSTRAINT email_len CHECK (length(email) < 100) NOT VALID;
-- add_foreign_key
ALTER TABLE users ADD COLUMN org_id int;
ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);
ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
ALTER TABLE users ADD COLUMN team_id int DEFAULT 1 REFERENCES orgs (id);
ALTER TABLE users ADD COLUMN dept_id int REFERENCES orgs (id);  -- all NULL: no validation scan
-- add_foreign_key on a partitioned table, which refuses NOT VALID: each partition first, then the
-- parent adopts their validated foreign keys without a scan, and the guard lets it pass
CREATE TABLE visits (org_id int, day int) PARTITION BY RANGE (day);
CREATE TABLE visits_1 PARTITION OF visits FOR VALUES FROM (0) TO (100);
CREATE TABLE visits_2 PARTITION OF visits FOR VALUES FROM (100) TO (200);
INSERT INTO visits VALUES (1, 5), (1, 105);
ALTER TABLE visits ADD CONSTRAINT visits_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);
ALTER TABLE visits ADD CONSTRAINT visits_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;  -- the server refuses
ALTER TABLE visits_1 ADD CONSTRAINT visits_1_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
ALTER TABLE visits_1 VALIDATE CONSTRAINT visits_1_org_fk;
ALTER TABLE visits ADD CONSTRAINT visits_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);  -- visits_2 lacks it
ALTER TABLE visits_2 ADD CONSTRAINT visits_2_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE NOT VALID;
ALTER TABLE visits_2 VALIDATE CONSTRAINT visits_2_org_fk;
ALTER TABLE visits ADD CONSTRAINT visits_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);  -- ON DELETE differs
ALTER TABLE visits_2 DROP CONSTRAINT visits_2_org_fk;
ALTER TABLE visits_2 ADD CONSTRAINT visits_2_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;
ALTER TABLE visits_2 VALIDATE CONSTRAINT visits_2_org_fk;
ALTER TABLE visits ADD CONSTRAINT visits_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);  -- adopts both: passes
SELECT conrelid::regclass, conname, convalidated, conparentid <> 0 AS adopted FROM pg_constraint
WHERE contype = 'f' AND conrelid::regclass::text LIKE 'visits%' ORDER BY 1, 2;
-- validate_after_strong_lock
BEGIN;
ALTER TABLE users ADD CONSTRAINT age_small CHECK (age < 1000) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT age_small;
ROLLBACK;
-- add_unique_constraint
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
-- add_primary_key
CREATE TABLE events (id int NOT NULL, code int);
INSERT INTO events VALUES (1, 1);
ALTER TABLE events ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX CONCURRENTLY events_code_key ON events (code);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_code_key;  -- code is nullable
CREATE UNIQUE INDEX CONCURRENTLY events_id_key ON events (id);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_key;
-- add_unique_constraint, add_primary_key on a partitioned table (no USING INDEX there): each
-- partition first, then the parent adopts the partitions' constraints without building
CREATE TABLE readings (id int NOT NULL, sensor int NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE readings_1 PARTITION OF readings FOR VALUES FROM (0) TO (100);
CREATE TABLE readings_2 PARTITION OF readings FOR VALUES FROM (100) TO (200);
INSERT INTO readings SELECT g, g FROM generate_series(0, 199) g;
ALTER TABLE readings ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX CONCURRENTLY readings_1_id ON readings_1 (id);
ALTER TABLE readings_1 ADD CONSTRAINT readings_1_pkey PRIMARY KEY USING INDEX readings_1_id;
ALTER TABLE readings ADD PRIMARY KEY (id);                    -- readings_2 has none yet
CREATE UNIQUE INDEX CONCURRENTLY readings_2_id ON readings_2 (id);
ALTER TABLE readings_2 ADD CONSTRAINT readings_2_pkey PRIMARY KEY USING INDEX readings_2_id;
ALTER TABLE readings ADD PRIMARY KEY (id);                    -- adopts both: passes
ALTER TABLE readings ADD CONSTRAINT readings_id_key UNIQUE (id);  -- a primary key is no unique constraint: built
SELECT conrelid::regclass, conname, conparentid <> 0 AS adopted FROM pg_constraint
WHERE contype = 'p' AND conrelid::regclass::text LIKE 'readings%' ORDER BY 1;
-- add_exclusion_constraint
ALTER TABLE events ADD CONSTRAINT events_excl EXCLUDE USING btree (code WITH =);
-- rename_column, rename_table
ALTER TABLE users RENAME COLUMN email TO mail;
ALTER TABLE users RENAME TO people;
CREATE SCHEMA archive;
ALTER TABLE users SET SCHEMA archive;
ALTER INDEX users_email_key RENAME TO users_email_uniq;  -- index renames are safe
-- rename_enum_value
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';
ALTER TYPE mood ADD VALUE 'happy';                   -- adding a label is safe
BEGIN;
CREATE TYPE fresh_mood AS ENUM ('a');
ALTER TYPE fresh_mood RENAME VALUE 'a' TO 'b';       -- created in this transaction: passes
ROLLBACK;
ALTER TYPE no_such_type RENAME VALUE 'a' TO 'b';     -- the server's own error
BEGIN;
SET LOCAL migration_helpers.allow = 'rename_enum_value';
ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';
COMMIT;
SELECT command_tag, relation, lock_mode, rules_allowed FROM migration_helpers.ddl_log WHERE command_tag = 'ALTER TYPE';
-- drop_column, drop_table
ALTER TABLE users DROP COLUMN last_name;
DROP TABLE events;
DROP TABLE IF EXISTS no_such_table;
-- DROP OWNED drops the role's tables: each is judged as a DROP TABLE
CREATE ROLE mh_regress_owner;
CREATE TABLE owned_by_role (id int);
ALTER TABLE owned_by_role OWNER TO mh_regress_owner;
INSERT INTO owned_by_role VALUES (1);
DROP OWNED BY mh_regress_owner;
REASSIGN OWNED BY mh_regress_owner TO CURRENT_USER;
DROP OWNED BY mh_regress_owner;                     -- owns no table now: passes
DROP OWNED BY no_such_role;                         -- the server's own error
DROP ROLE mh_regress_owner;
-- replica_identity_loss: a table published for UPDATE/DELETE must keep a replica identity
SET client_min_messages = error;  -- CREATE PUBLICATION warns that wal_level is not logical
CREATE TABLE ledger (id int PRIMARY KEY, email text NOT NULL, balance int);
INSERT INTO ledger SELECT g, 'a' || g, 0 FROM generate_series(1, 10) g;
CREATE PUBLICATION ledger_pub FOR TABLE ledger;
RESET client_min_messages;
ALTER TABLE ledger DROP CONSTRAINT ledger_pkey;
ALTER TABLE ledger REPLICA IDENTITY NOTHING;
CREATE UNIQUE INDEX CONCURRENTLY ledger_email_key ON ledger (email);
CREATE UNIQUE INDEX CONCURRENTLY ledger_id_key ON ledger (id);
-- the primary key swap in one statement keeps an identity: passes
ALTER TABLE ledger DROP CONSTRAINT ledger_pkey, ADD CONSTRAINT ledger_pkey PRIMARY KEY USING INDEX ledger_id_key;
ALTER TABLE ledger REPLICA IDENTITY USING INDEX ledger_email_key;  -- another identity: passes
DROP INDEX CONCURRENTLY ledger_email_key;       -- CONCURRENTLY does not help: it is the identity now
ALTER TABLE ledger REPLICA IDENTITY DEFAULT;     -- back to the primary key: passes
ALTER TABLE ledger DROP CONSTRAINT ledger_pkey, REPLICA IDENTITY FULL;  -- passes
UPDATE ledger SET balance = 1 WHERE id = 1;      -- still writable
ALTER TABLE ledger REPLICA IDENTITY NOTHING;
ALTER PUBLICATION ledger_pub SET (publish = 'insert');
ALTER TABLE ledger REPLICA IDENTITY NOTHING;     -- inserts only: no identity needed, passes
UPDATE ledger SET balance = 2 WHERE id = 1;
SELECT relreplident FROM pg_class WHERE relname = 'ledger';
DROP PUBLICATION ledger_pub;
-- set_persistence, set_access_method, set_tablespace
ALTER TABLE users SET UNLOGGED;
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
ALTER TABLE users SET ACCESS METHOD heap2;
ALTER TABLE users SET TABLESPACE pg_default;
-- refresh_matview_not_concurrent
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
REFRESH MATERIALIZED VIEW user_count;
CREATE UNIQUE INDEX CONCURRENTLY user_count_n ON user_count (n);
REFRESH MATERIALIZED VIEW CONCURRENTLY user_count;
CREATE MATERIALIZED VIEW later_count AS SELECT count(*) AS n FROM users WITH NO DATA;
REFRESH MATERIALIZED VIEW later_count;  -- first fill: nobody can be reading it
-- partitions: attach_partition_scan, detach_partition_not_concurrent
CREATE TABLE measurements (day date NOT NULL, v int) PARTITION BY RANGE (day);
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measurements_2026 (day date NOT NULL, v int);
INSERT INTO measurements_2026 VALUES ('2026-03-01', 1);
ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE measurements_2026 ADD CONSTRAINT bound CHECK (day >= '2026-01-01' AND day < '2027-01-01') NOT VALID;
ALTER TABLE measurements_2026 VALIDATE CONSTRAINT bound;
ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE measurements DETACH PARTITION measurements_2025;
-- default_partition_scan: a new partition makes the server scan the default one
CREATE TABLE measurements_other PARTITION OF measurements DEFAULT;
INSERT INTO measurements_other VALUES ('2030-01-01', 1);
CREATE TABLE measurements_2027 PARTITION OF measurements FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE TABLE measurements_2028 (day date NOT NULL, v int);
ALTER TABLE measurements ATTACH PARTITION measurements_2028 FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');
CREATE INDEX measurements_v_idx ON measurements (v);
CREATE INDEX measurements_v_idx ON ONLY measurements (v);  -- builds nothing
-- reindex_not_concurrent, vacuum_full, cluster (ProcessUtility hook)
REINDEX TABLE users;
REINDEX TABLE CONCURRENTLY users;
VACUUM FULL users;
VACUUM users;
CLUSTER users USING users_pkey;
-- Tables created in this transaction are exempt from every rule.
BEGIN;
CREATE TABLE fresh (id int, v text);
INSERT INTO fresh VALUES (1, 'a');
CREATE INDEX fresh_v ON fresh (v);
ALTER TABLE fresh ADD PRIMARY KEY (id), ALTER COLUMN v SET NOT NULL, ALTER COLUMN id TYPE bigint;
ALTER TABLE fresh RENAME COLUMN v TO w;
DROP TABLE fresh;
COMMIT;
-- Temporary tables are exempt too.
CREATE TEMP TABLE scratch (id int);
CREATE INDEX ON scratch (id);
ALTER TABLE scratch ALTER COLUMN id TYPE bigint;
DROP TABLE scratch;
SELECT count(*) AS rules, count(*) FILTER (WHERE needs_preload) AS preload_rules FROM migration_helpers.rules();
SELECT id, severity, lock, blocks, effect FROM migration_helpers.rules() ORDER BY id;
DROP EXTENSION migration_helpers;
