ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey;
