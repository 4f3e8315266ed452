'use strict';
// The trap: changeColumn() re-issues the column's type (ALTER COLUMN ... TYPE TEXT) after
// SET NOT NULL, and a TYPE change re-checks every CHECK on the column under ACCESS EXCLUSIVE,
// the users_full_name_nn check included: column_type_recheck.
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query('ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn', { transaction });
      await queryInterface.changeColumn('users', 'full_name', { type: Sequelize.TEXT, allowNull: false }, { transaction });
      await queryInterface.removeConstraint('users', 'users_full_name_nn', { transaction });
    });
  },
  async down(queryInterface, Sequelize) {
    await queryInterface.changeColumn('users', 'full_name', { type: Sequelize.TEXT, allowNull: true });
  },
};
