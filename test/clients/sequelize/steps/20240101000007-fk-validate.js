'use strict';
// its own transaction: SHARE UPDATE EXCLUSIVE, writes go on while it scans
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey');
  },
  async down() {},
};
