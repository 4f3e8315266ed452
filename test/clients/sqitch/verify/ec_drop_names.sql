SELECT 1 / (count(*) = 0)::int FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname IN ('first_name', 'last_name') AND NOT attisdropped;
