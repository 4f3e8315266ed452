SELECT 1 / count(*)::int FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name' AND attnotnull;
