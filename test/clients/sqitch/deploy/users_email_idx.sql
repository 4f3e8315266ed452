-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block: no BEGIN/COMMIT here.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
