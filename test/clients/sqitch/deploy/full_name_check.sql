BEGIN;
SELECT migration_helpers.backfill_wait(relation => 'users');
ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID;
COMMIT;
