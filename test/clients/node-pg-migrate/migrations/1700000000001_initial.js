/* users and orders */
exports.up = (pgm) => {
  pgm.createTable('users', {
    id: 'id',
    first_name: { type: 'text', notNull: true },
    last_name: { type: 'text', notNull: true },
    email: { type: 'text' },
  });
  pgm.createTable('orders', {
    id: 'id',
    user_id: { type: 'integer', notNull: true },
  });
};
exports.down = (pgm) => {
  pgm.dropTable('orders');
  pgm.dropTable('users');
};
