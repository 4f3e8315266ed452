'use strict';
// concurrently: sequelize-cli runs a migration outside any transaction unless it opens one
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('users', ['email'], { name: 'users_email_idx', concurrently: true });
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP INDEX CONCURRENTLY IF EXISTS users_email_idx');
  },
};
