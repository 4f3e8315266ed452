/* validate in a later transaction; SET NOT NULL is then proven by the check */
exports.up = (pgm) => {
  pgm.sql('ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn');
  pgm.alterColumn('users', 'full_name', { notNull: true });
  pgm.dropConstraint('users', 'users_full_name_nn');
};
exports.down = (pgm) => {
  pgm.alterColumn('users', 'full_name', { notNull: false });
};
