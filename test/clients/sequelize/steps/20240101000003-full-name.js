'use strict';
// expand and backfill in one transaction: the job starts when it commits
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.addColumn('users', 'full_name', { type: Sequelize.TEXT }, { transaction });
      await queryInterface.sequelize.query(
        "SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms')", { transaction });
    });
  },
  async down(queryInterface) {
    await queryInterface.removeColumn('users', 'full_name');
  },
};
