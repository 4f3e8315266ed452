'use strict';
// instant: checks new rows only; the old ones are validated by the next migration
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID');
  },
  async down(queryInterface) {
    await queryInterface.removeConstraint('orders', 'orders_user_id_fkey');
  },
};
