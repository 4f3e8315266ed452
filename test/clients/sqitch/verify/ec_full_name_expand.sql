SELECT 1 / count(*) FROM migration_helpers.migrations WHERE name = 'users_full_name' AND phase <> 'aborted';
