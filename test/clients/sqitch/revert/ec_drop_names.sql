-- dropped columns are not restored
DO $$ BEGIN RAISE EXCEPTION 'first_name and last_name are dropped: not restored'; END $$;
