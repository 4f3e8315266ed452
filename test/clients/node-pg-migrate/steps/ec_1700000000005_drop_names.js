/* retire first_name and last_name: drop_column does nothing before contract, so one migration */
exports.up = (pgm) => {
  pgm.sql("SELECT migration_helpers.start_migration('users_drop_names')");
  pgm.sql("SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name')");
  pgm.sql("SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name')");
  pgm.sql("SELECT migration_helpers.complete_migration('users_drop_names')");
};
exports.down = false;
