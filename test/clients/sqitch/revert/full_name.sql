-- The revert a user writes. On a table with rows the guard blocks it (drop_column:
-- running code may use the column), so Sqitch's automatic revert of this change
-- after a later change failed stops here: deploy with --mode change (see test.sh).
BEGIN;
SELECT migration_helpers.backfill_cancel(id) FROM migration_helpers.backfills
 WHERE relation = 'public.users' AND status IN ('queued', 'running', 'paused');
ALTER TABLE users DROP COLUMN full_name;
COMMIT;
