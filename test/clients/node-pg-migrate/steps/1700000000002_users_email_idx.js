/* CREATE INDEX CONCURRENTLY cannot run in a transaction block */
exports.up = (pgm) => {
  pgm.noTransaction();
  pgm.createIndex('users', 'email', { concurrently: true, ifNotExists: true });
};
exports.down = (pgm) => {
  pgm.noTransaction();
  pgm.dropIndex('users', 'email', { concurrently: true });
};
