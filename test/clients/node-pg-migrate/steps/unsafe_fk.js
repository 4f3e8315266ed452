exports.up = (pgm) => {
  pgm.addConstraint('orders', 'orders_user_id_fkey', { foreignKeys: { columns: 'user_id', references: 'users' } });
};
