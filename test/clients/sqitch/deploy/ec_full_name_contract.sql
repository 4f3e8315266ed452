-- full_name, expand-contract migration B: contract
BEGIN;
SELECT migration_helpers.complete_migration('users_full_name');
COMMIT;
