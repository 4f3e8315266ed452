SELECT 1 / count(*)::int FROM pg_constraint WHERE conname = 'users_full_name_nn';
