SELECT 1 / count(*) FROM migration_helpers.migrations WHERE name = 'users_full_name' AND async_running = 0 AND async_failed = 0;
