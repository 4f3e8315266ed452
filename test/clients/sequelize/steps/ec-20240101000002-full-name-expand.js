'use strict';
// full_name, expand-contract migration A: the helpers in plain SQL, in the migration's own
// transaction (sequelize-cli opens none); the backfill and the index build start at its commit
const steps = [
  "SELECT migration_helpers.start_migration('users_full_name')",
  "SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text', backfill_expr => $$first_name || ' ' || last_name$$)",
  "SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name')",
  "SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx')",
];
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      for (const sql of steps) await queryInterface.sequelize.query(sql, { transaction });
    });
  },
  // before the contract: every step undone (backfill cancelled, index build stopped, column dropped)
  async down(queryInterface) {
    await queryInterface.sequelize.query("SELECT migration_helpers.abort_migration('users_full_name')");
  },
};
