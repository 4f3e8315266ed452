exports.up = (pgm) => {
  pgm.alterColumn('users', 'email', { notNull: true });
};
