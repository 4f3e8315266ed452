/* wait for A's backfill and index build: migration_wait commits between its polls, so
   outside a transaction (and an index build waits for every older transaction) */
exports.up = (pgm) => {
  pgm.noTransaction();
  pgm.sql("CALL migration_helpers.migration_wait('users_full_name', '60s')");
};
exports.down = () => {};
