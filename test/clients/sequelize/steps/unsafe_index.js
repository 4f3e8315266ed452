'use strict';
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('users', ['email']);
  },
};
