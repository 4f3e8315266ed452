'use strict';
// retire first_name and last_name: drop_column does nothing before contract, so one migration
const steps = [
  "SELECT migration_helpers.start_migration('users_drop_names')",
  "SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name')",
  "SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name')",
  "SELECT migration_helpers.complete_migration('users_drop_names')",
];
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      for (const sql of steps) await queryInterface.sequelize.query(sql, { transaction });
    });
  },
  async down() {
    throw new Error('first_name and last_name are dropped: not restored');
  },
};
