-- expand and backfill: the job starts when this transaction commits
BEGIN;
ALTER TABLE users ADD COLUMN full_name text;
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$);
COMMIT;
