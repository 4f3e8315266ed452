'use strict';
// wait for the job of the previous migration, then an instant NOT VALID check
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query("SELECT migration_helpers.backfill_wait(relation => 'users')", { transaction });
      await queryInterface.sequelize.query(
        'ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID', { transaction });
    });
  },
  async down(queryInterface) {
    await queryInterface.removeConstraint('users', 'users_full_name_nn');
  },
};
