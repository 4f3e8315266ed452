exports.up = (pgm) => {
  pgm.renameColumn('users', 'email', 'mail');
};
