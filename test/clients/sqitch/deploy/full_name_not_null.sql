-- VALIDATE in a later transaction than the NOT VALID check; SET NOT NULL is then proven
BEGIN;
ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn;
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_full_name_nn;
COMMIT;
