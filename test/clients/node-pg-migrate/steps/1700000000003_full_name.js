/* expand and backfill: the job starts when this migration's transaction commits */
exports.up = (pgm) => {
  pgm.addColumn('users', { full_name: { type: 'text' } });
  pgm.sql("SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms')");
};
exports.down = (pgm) => {
  pgm.dropColumn('users', 'full_name');
};
