'use strict';
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.addConstraint('orders', {
        fields: ['user_id'], type: 'foreign key', name: 'orders_user_id_fkey',
        references: { table: 'users', field: 'id' }, transaction,
      });
    });
  },
};
