'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.changeColumn('users', 'email', { type: Sequelize.TEXT, allowNull: false }, { transaction });
    });
  },
};
