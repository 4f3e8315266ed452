-- The column sync trigger of renames and type changes: every write by the old
-- application version (old column) and by the new one (new column) leaves both
-- columns consistent; writes that disagree, or values the old type cannot hold,
-- are errors that name the migration and the columns.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
SET migration_helpers.guard = off;  -- the guard has its own tests

-- A type change: id int -> id_new bigint.
CREATE TABLE acct (id int NOT NULL, id_new bigint, note text);
INSERT INTO acct (id, note) VALUES (1, 'before');
CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON acct FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('widen_id', 'id', 'id_new');
-- The backfill writes the new column from the old: consistent, the old is left as it is.
UPDATE acct SET id_new = id;
-- INSERT by the old version fills the new column; by the new version, the old one.
INSERT INTO acct (id, note) VALUES (2, 'old version');
INSERT INTO acct (id_new, note) VALUES (3, 'new version');
-- The old column may carry a value (its default, say): the new column, when set, wins.
INSERT INTO acct (id, id_new, note) VALUES (0, 4, 'new version over a default');
-- UPDATE of one column fills the other.
UPDATE acct SET id = 20 WHERE note = 'old version';
UPDATE acct SET id_new = 30 WHERE note = 'new version';
-- Neither column written: nothing to do.
UPDATE acct SET note = note || '.' WHERE id = 1;
SELECT id, id_new, note FROM acct ORDER BY note;
-- Both changed and agree: fine. Both changed and disagree: an error naming the migration.
UPDATE acct SET id = 5, id_new = 5 WHERE note = 'before.';
\set VERBOSITY default
UPDATE acct SET id = 6, id_new = 7 WHERE note = 'before.';
-- A bigint the old version's int cannot hold: an error naming the columns and the type.
INSERT INTO acct (id_new, note) VALUES (5000000000, 'too big');
UPDATE acct SET id_new = 5000000000 WHERE note = 'new version';
\set SHOW_CONTEXT always
INSERT INTO acct (id_new, note) VALUES (5000000001, 'too big');
\set SHOW_CONTEXT never
SELECT count(*) AS rows, count(*) FILTER (WHERE id::bigint = id_new) AS consistent FROM acct;

-- A change the old type would take only altered (numeric(10,2) -> numeric(5,1) back
-- rounds): an error, not a silent rounding.
CREATE TABLE prices (price numeric(5,1), price_new numeric(10,2));
CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON prices FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('precise_price', 'price', 'price_new');
INSERT INTO prices (price) VALUES (12.3);
INSERT INTO prices (price_new) VALUES (4.5);
INSERT INTO prices (price_new) VALUES (4.55);
SELECT price, price_new FROM prices ORDER BY price;

-- A type change with a USING expression (text codes -> integers) and the default
-- backward cast (integer -> text): both directions, and a code that is no number.
CREATE TABLE codes (code text, code_num int);
CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON codes FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('numeric_codes', 'code', 'code_num', 'trim(code)::int');
INSERT INTO codes (code) VALUES (' 42 ');
INSERT INTO codes (code_num) VALUES (7);
INSERT INTO codes (code) VALUES ('x1');
SELECT code, code_num FROM codes ORDER BY code_num;
DROP TABLE codes;

-- A rename (same type) and NULLs both ways.
CREATE TABLE people (full_name text, display_name text);
CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON people FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('rename_full_name', 'full_name', 'display_name');
INSERT INTO people (full_name) VALUES ('Ada Lovelace'), (NULL);
INSERT INTO people (display_name) VALUES ('Grace Hopper');
UPDATE people SET display_name = NULL WHERE full_name = 'Ada Lovelace';
SELECT full_name, display_name FROM people ORDER BY 1 NULLS FIRST;

-- The trigger's entry follows the table: after ALTER TABLE it is built again.
ALTER TABLE people ADD COLUMN extra int;
INSERT INTO people (full_name, extra) VALUES ('Edsger Dijkstra', 1);
SELECT full_name, display_name FROM people WHERE extra = 1;

-- Bad use: a clear error at the first row, and the write does not happen.
CREATE TABLE misuse (a int, b int);
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'nope');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'a');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync AFTER INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'b');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'b', '(SELECT 1)');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'b', 'a; DROP TABLE misuse');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
CREATE TRIGGER sync BEFORE INSERT ON misuse FOR EACH ROW
	EXECUTE FUNCTION migration_helpers._sync_columns('m', 'a', 'b', 'now()');
INSERT INTO misuse VALUES (1, 1);
DROP TRIGGER sync ON misuse;
SELECT count(*) AS written FROM misuse;
SELECT migration_helpers._sync_columns();

DROP TABLE acct, prices, people, misuse;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
