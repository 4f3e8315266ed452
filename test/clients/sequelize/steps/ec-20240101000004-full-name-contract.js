'use strict';
// full_name, expand-contract migration B: contract (not reversible)
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query("SELECT migration_helpers.complete_migration('users_full_name')", { transaction });
    });
  },
  async down() {
    throw new Error('migration users_full_name is completed: not undone');
  },
};
