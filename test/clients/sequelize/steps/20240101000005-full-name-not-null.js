'use strict';
// validate in a later transaction; SET NOT NULL is then proven by the valid check.
// Not changeColumn(): it re-issues ALTER COLUMN ... TYPE, which re-checks the CHECK
// under ACCESS EXCLUSIVE (rule column_type_recheck) — see steps/unsafe_full_name_change_column.js
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query('ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn', { transaction });
      await queryInterface.sequelize.query('ALTER TABLE users ALTER COLUMN full_name SET NOT NULL', { transaction });
      await queryInterface.removeConstraint('users', 'users_full_name_nn', { transaction });
    });
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE users ALTER COLUMN full_name DROP NOT NULL');
  },
};
