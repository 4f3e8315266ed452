/* full_name, expand-contract migration A: the helpers in plain SQL, in the migration's
   transaction; the backfill and the index build start when it commits */
exports.up = (pgm) => {
  pgm.sql("SELECT migration_helpers.start_migration('users_full_name')");
  pgm.sql("SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text', backfill_expr => $$first_name || ' ' || last_name$$)");
  pgm.sql("SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name')");
  pgm.sql("SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx')");
};
/* before the contract: every step undone (backfill cancelled, index build stopped, column dropped) */
exports.down = (pgm) => {
  pgm.sql("SELECT migration_helpers.abort_migration('users_full_name')");
};
