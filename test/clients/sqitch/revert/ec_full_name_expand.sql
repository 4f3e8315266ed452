-- before the contract: every step of A undone (backfill cancelled, index build stopped,
-- trigger, check and column dropped); the guard lets the helpers' own statements through
SELECT migration_helpers.abort_migration('users_full_name');
