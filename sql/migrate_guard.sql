-- The expand-contract helpers' own statements pass the guard through a mark
-- the helper sets in C++ for that one statement (no setting a role could
-- use), and each is recorded in ddl_log with its migration; the same
-- statement written by hand is still blocked, and nothing of the mark is
-- left for the statements that follow.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
CREATE TABLE ledger_accounts (id int PRIMARY KEY, legacy_code text, note text);
INSERT INTO ledger_accounts SELECT g, 'c' || g, 'n' FROM generate_series(1, 100) g;
ANALYZE ledger_accounts;
SELECT migration_helpers.start_migration('drop_legacy_code');
SELECT migration_helpers.drop_column('drop_legacy_code', 'ledger_accounts', 'legacy_code');
-- While the migration is unfinished, the guard's errors on its table name it, and a
-- plain DROP COLUMN of the column it retires points to its contract.
ALTER TABLE ledger_accounts DROP COLUMN legacy_code;
ALTER TABLE ledger_accounts RENAME COLUMN note TO remark;
-- (a name with a quote is quoted as a SQL literal in the call)
UPDATE migration_helpers._migrations SET name = 'drop legacy''s code' WHERE name = 'drop_legacy_code';
\set VERBOSITY terse
ALTER TABLE ledger_accounts DROP COLUMN legacy_code;
\set VERBOSITY default
UPDATE migration_helpers._migrations SET name = 'drop_legacy_code' WHERE name = 'drop legacy''s code';
-- The contract drops the column: rule drop_column, let through for the helper's own statement.
SELECT migration_helpers.complete_migration('drop_legacy_code');
SELECT attname FROM pg_attribute WHERE attrelid = 'ledger_accounts'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;
SELECT command_tag, statement, relation, rules_allowed, migration FROM migration_helpers.ddl_log
WHERE migration IS NOT NULL ORDER BY id;
-- The same kind of statement by hand: blocked, and not logged as a helper's.
\set VERBOSITY terse
ALTER TABLE ledger_accounts DROP COLUMN note;
\set VERBOSITY default
SELECT count(*) AS by_hand_logged FROM migration_helpers.ddl_log WHERE statement LIKE '%DROP COLUMN note%';
SET migration_helpers.guard = off;
DROP TABLE ledger_accounts;
RESET migration_helpers.guard;
DROP EXTENSION migration_helpers;
