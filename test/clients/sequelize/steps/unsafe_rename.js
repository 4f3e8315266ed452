'use strict';
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.renameColumn('users', 'email', 'mail', { transaction });
    });
  },
};
