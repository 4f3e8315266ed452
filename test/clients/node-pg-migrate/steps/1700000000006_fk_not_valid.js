/* instant: checks new rows only; the old ones are validated by the next migration */
exports.up = (pgm) => {
  pgm.addConstraint('orders', 'orders_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID');
};
exports.down = (pgm) => {
  pgm.dropConstraint('orders', 'orders_user_id_fkey');
};
