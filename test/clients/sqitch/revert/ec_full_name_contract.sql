-- a completed migration is not undone
DO $$ BEGIN RAISE EXCEPTION 'migration users_full_name is completed: not undone'; END $$;
