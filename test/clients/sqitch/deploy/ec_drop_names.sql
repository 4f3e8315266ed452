-- retire first_name and last_name: drop_column does nothing before contract, so one change
BEGIN;
SELECT migration_helpers.start_migration('users_drop_names');
SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name');
SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name');
SELECT migration_helpers.complete_migration('users_drop_names');
COMMIT;
