-- rename_column and change_column_type carry what the old column has exactly
-- as an in-place ALTER would keep it: constraints that were NOT VALID stay NOT
-- VALID (existing rows may violate them), references inside type names are
-- not the column's, user triggers see the synced row, identity options and
-- names, ON DELETE SET NULL column lists, index options and attoptions.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE EXTENSION migration_helpers;
CREATE SCHEMA mc;  -- the tests share one database
SET search_path = mc;
SET migration_helpers.guard = off;  -- the fixtures' own DDL; the guard has its own tests

-- 1. NOT VALID constraints stay NOT VALID: rows that violate them survive the contract.
-- (A row that violates a NOT VALID CHECK cannot be updated at all, by the backfill
-- either; the CHECK here is NOT VALID only to save its scan.)
CREATE TABLE owners (id int PRIMARY KEY);
INSERT INTO owners VALUES (1);
CREATE TABLE pets (id int PRIMARY KEY, legs int, owner int);
INSERT INTO pets VALUES (1, 4, 1), (2, 0, 99);  -- row 2 violates the foreign key below
ALTER TABLE pets ADD CONSTRAINT pets_legs_check CHECK (legs >= 0) NOT VALID;
ALTER TABLE pets ADD CONSTRAINT pets_owner_fkey FOREIGN KEY (owner) REFERENCES owners NOT VALID;
ALTER TABLE pets ADD CONSTRAINT pets_legs_small CHECK (legs < 100);  -- validated: validated again
CREATE TABLE vets (id int PRIMARY KEY, pet int);
INSERT INTO vets VALUES (1, 1), (2, 42);  -- row 2 violates the key below
ALTER TABLE vets ADD CONSTRAINT vets_pet_fkey FOREIGN KEY (pet) REFERENCES pets NOT VALID;
RESET migration_helpers.guard;
BEGIN;  -- the index builds start when the steps commit
SELECT migration_helpers.start_migration('carry_not_valid');
SELECT migration_helpers.rename_column('carry_not_valid', 'pets', 'legs', 'leg_count');
SELECT migration_helpers.rename_column('carry_not_valid', 'pets', 'owner', 'owner_id');
SELECT migration_helpers.change_column_type('carry_not_valid', 'pets', 'id', 'bigint');
COMMIT;
CALL migration_helpers.migration_wait('carry_not_valid', '60s');
SELECT migration_helpers.complete_migration('carry_not_valid');
CALL migration_helpers.migration_wait('carry_not_valid', '60s');
SELECT name, phase FROM migration_helpers.migrations WHERE name = 'carry_not_valid';
SELECT conrelid::regclass, conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid IN ('pets'::regclass, 'vets'::regclass) ORDER BY 1, 2;
SELECT * FROM pets ORDER BY id;
-- New rows are checked as before.
INSERT INTO pets (id, leg_count, owner_id) VALUES (3, -5, 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO pets (id, leg_count, owner_id) VALUES (3, 5, 98);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vets VALUES (3, 77);
\echo :LAST_ERROR_SQLSTATE

-- 2. Carried expressions are the stored node trees, deparsed with the column renamed:
-- keywords spelled like the column (time and zone in "timestamp with time zone", year
-- in EXTRACT, AT TIME ZONE) are not references to it.
SET migration_helpers.guard = off;
CREATE TABLE events (id int PRIMARY KEY, "time" timestamptz NOT NULL, zone text, year int,
	CONSTRAINT events_time_check CHECK ("time" > '2000-01-01'::timestamptz
		AND EXTRACT(year FROM "time") >= 2000 AND "time"::time with time zone IS NOT NULL),
	CONSTRAINT events_zone_check CHECK (zone <> '' OR '2001-01-01'::timestamp with time zone IS NULL),
	CONSTRAINT events_year_check CHECK (year > EXTRACT(year FROM '2001-01-01'::date)
		OR year::double precision < 0));
CREATE INDEX events_day_idx ON events ((("time" AT TIME ZONE 'UTC')::date), id)
	INCLUDE (id) WHERE EXTRACT(year FROM "time" AT TIME ZONE 'UTC') > 2000;
CREATE INDEX events_year_idx ON events (year DESC NULLS LAST) WHERE year::double precision > 0;
INSERT INTO events SELECT g, '2020-01-01'::timestamptz + g * interval '1 day', 'UTC', 2002 + g % 3
FROM generate_series(1, 20) g;
RESET migration_helpers.guard;
BEGIN;  -- the index builds start when the steps commit
SELECT migration_helpers.start_migration('keyword_names');
SELECT migration_helpers.rename_column('keyword_names', 'events', 'time', 'happened_at');
SELECT migration_helpers.rename_column('keyword_names', 'events', 'zone', 'tz');
SELECT migration_helpers.change_column_type('keyword_names', 'events', 'year', 'bigint');
COMMIT;
CALL migration_helpers.migration_wait('keyword_names', '60s');
SELECT migration_helpers.complete_migration('keyword_names');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'events'::regclass ORDER BY 1;
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'events'::regclass ORDER BY 1;
SELECT count(*) AS rows, count(*) FILTER (WHERE extract(year FROM happened_at) = 2020) AS in_2020 FROM events;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- 4. User BEFORE ROW triggers fire before the sync trigger (triggers fire in name order and
-- "~mh_sync_..." sorts after ASCII names): what they do to NEW.old_column reaches the new one.
SET migration_helpers.guard = off;
CREATE TABLE accounts (id int PRIMARY KEY, email text);
CREATE FUNCTION normalize_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.email := lower(NEW.email);
	RETURN NEW;
END $$;
CREATE TRIGGER normalize BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION normalize_email();
INSERT INTO accounts VALUES (1, 'One@Example.com');
RESET migration_helpers.guard;
SELECT migration_helpers.start_migration('rename_email');
SELECT migration_helpers.rename_column('rename_email', 'accounts', 'email', 'address');
CALL migration_helpers.migration_wait('rename_email', '60s');
INSERT INTO accounts (id, email) VALUES (2, 'Two@Example.COM');
UPDATE accounts SET email = 'Uno@Example.com' WHERE id = 1;
SELECT id, email, address, email = address AS synced FROM accounts ORDER BY id;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'accounts'::regclass ORDER BY tgname;
SELECT migration_helpers.abort_migration('rename_email');
-- A user trigger whose name sorts after the sync trigger's is refused, naming it.
SET migration_helpers.guard = off;
CREATE TRIGGER "~~late" BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION normalize_email();
RESET migration_helpers.guard;
SELECT migration_helpers.start_migration('rename_email_again');
SELECT migration_helpers.rename_column('rename_email_again', 'accounts', 'email', 'address');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_helpers.abort_migration('rename_email_again');

-- 5. Identity: every sequence option is carried (MINVALUE and MAXVALUE too, the type's
-- defaults becoming the new type's), and the sequence keeps its name.
SET migration_helpers.guard = off;
CREATE TABLE tickets (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5
	MINVALUE 50 MAXVALUE 100000 CACHE 2 CYCLE) PRIMARY KEY, note text);
CREATE TABLE stubs (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
INSERT INTO tickets (note) VALUES ('a'), ('b');
INSERT INTO stubs (note) VALUES ('a');
RESET migration_helpers.guard;
SELECT migration_helpers.start_migration('widen_tickets');
SELECT migration_helpers.change_column_type('widen_tickets', 'tickets', 'id', 'bigint');
SELECT migration_helpers.change_column_type('widen_tickets', 'stubs', 'id', 'bigint');
CALL migration_helpers.migration_wait('widen_tickets', '60s');
SELECT migration_helpers.complete_migration('widen_tickets');
SELECT sequencename, data_type, start_value, min_value, max_value, increment_by, cycle, cache_size, last_value
FROM pg_sequences WHERE schemaname = 'mc' ORDER BY 1;
SELECT pg_get_serial_sequence('tickets', 'id'), pg_get_serial_sequence('stubs', 'id');
INSERT INTO tickets (note) VALUES ('c') RETURNING id, note;
INSERT INTO stubs (note) VALUES ('b') RETURNING id, note;

-- 6. Foreign key column lists are found by the scanner (a quoted name may hold ")"), and
-- PG15's ON DELETE SET NULL (...) list is renamed too.
SET migration_helpers.guard = off;
CREATE TABLE tenants (id int, region int, PRIMARY KEY (id, region));
INSERT INTO tenants VALUES (1, 1), (2, 1);
CREATE TABLE orders (id int PRIMARY KEY, "ten)ant" int, region int NOT NULL,
	CONSTRAINT orders_tenant_fkey FOREIGN KEY ("ten)ant", region) REFERENCES tenants
	ON DELETE SET NULL ("ten)ant"));
INSERT INTO orders VALUES (1, 1, 1), (2, 2, 1);
RESET migration_helpers.guard;
SELECT migration_helpers.start_migration('rename_tenant');
SELECT migration_helpers.rename_column('rename_tenant', 'orders', 'ten)ant', 'tenant');
CALL migration_helpers.migration_wait('rename_tenant', '60s');
SELECT migration_helpers.complete_migration('rename_tenant');
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'orders'::regclass AND contype = 'f';
DELETE FROM tenants WHERE id = 2;
SELECT * FROM orders ORDER BY id;

SET migration_helpers.guard = off;
DROP EXTENSION migration_helpers;
SET client_min_messages = warning;
DROP SCHEMA mc CASCADE;
