ALTER TABLE users DROP CONSTRAINT IF EXISTS users_full_name_nn;
