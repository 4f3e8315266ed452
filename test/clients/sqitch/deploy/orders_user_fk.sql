-- instant: checks new rows only; the old ones are validated by the next change
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
COMMIT;
