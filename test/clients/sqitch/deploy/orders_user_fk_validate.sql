-- its own transaction: SHARE UPDATE EXCLUSIVE, writes go on while it scans
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;
