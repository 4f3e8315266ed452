/* full_name, expand-contract migration B: contract (not reversible) */
exports.up = (pgm) => {
  pgm.sql("SELECT migration_helpers.complete_migration('users_full_name')");
};
exports.down = false;
