-- expand and backfill: the job starts when this transaction commits (throttled to
-- 10 batches over 2 s here, so that the next change must really wait for it)
BEGIN;
ALTER TABLE users ADD COLUMN full_name text;
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$,
       batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms');
COMMIT;
