-- full_name, expand-contract migration A: the helpers in plain SQL, in the change's own
-- transaction (sqitch add's template); the backfill and the index build start at COMMIT
BEGIN;
SELECT migration_helpers.start_migration('users_full_name');
SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text',
       backfill_expr => $$first_name || ' ' || last_name$$);
SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name');
SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx');
COMMIT;
