'use strict';
// wait for A's backfill and index build: migration_wait commits between its polls, so this
// migration opens no transaction (an index build waits for every older transaction)
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query("CALL migration_helpers.migration_wait('users_full_name', '60s')");
  },
  async down() {},
};
