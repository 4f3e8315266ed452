-- Wait for A's backfill and index build: migration_wait commits between its polls, so no
-- BEGIN/COMMIT here (an index build waits for every older transaction: none may wait for it)
CALL migration_helpers.migration_wait('users_full_name', '60s');
