/* wait for the job started by the previous migration, then an instant NOT VALID check */
exports.up = (pgm) => {
  pgm.sql("SELECT migration_helpers.backfill_wait(relation => 'users')");
  pgm.addConstraint('users', 'users_full_name_nn', 'CHECK (full_name IS NOT NULL) NOT VALID');
};
exports.down = (pgm) => {
  pgm.dropConstraint('users', 'users_full_name_nn');
};
