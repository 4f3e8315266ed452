SELECT 1 / count(*)::int FROM pg_constraint WHERE conname = 'orders_user_id_fkey' AND convalidated;
