#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): change_column_type of a table's
# primary key from int to bigint, with an incoming foreign key, under the
# backfill benchmark's 4-client pgbench load (point SELECTs and UPDATEs on
# random rows of the table), against a plain ALTER TABLE ... ALTER COLUMN id
# TYPE bigint on a fresh copy of the same table, in the same run:
#   helper  start_migration, change_column_type, migration_wait, complete_migration,
#           until the re-pointed foreign key is validated by its worker
#   alter   ALTER TABLE parent ALTER COLUMN id TYPE bigint (the guard off for it)
# Reports the seconds each took and the load's max and p99 latency during it.
# BENCH_ROWS (default 1000000) rows in the table, twice as many in the referencing one.
set -euo pipefail
ROWS=${BENCH_ROWS:-1000000}
work=$(mktemp -d /tmp/mh-ct-bench.XXXXXX)
chmod 777 "$work"
db=ctbench
createdb "$db"
psql -X -q -d "$db" -c 'CREATE EXTENSION migration_helpers'
. "$(dirname "$0")/load.sh"
setup() {
	psql -X -q -d "$db" -c "SET migration_helpers.guard = off" -c "DROP TABLE IF EXISTS child, parent" \
		-c "CREATE TABLE parent (id int PRIMARY KEY, v text)" \
		-c "INSERT INTO parent SELECT g, 'v' || g FROM generate_series(1, $ROWS) g" \
		-c "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent)" \
		-c "INSERT INTO child SELECT g, (g % $ROWS) + 1 FROM generate_series(1, 2 * $ROWS) g" \
		-c "VACUUM ANALYZE parent" -c "VACUUM ANALYZE child" -c CHECKPOINT
}
printf '%-7s %9s %9s %12s %12s\n' method rows seconds load_max_ms load_p99_ms
for method in helper alter; do
	setup
	start_load "$method" "$ROWS" parent v v
	t0=$(now)
	if [ "$method" = helper ]; then
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 \
			-c "SELECT migration_helpers.start_migration('widen_parent_id')" \
			-c "SELECT migration_helpers.change_column_type('widen_parent_id', 'parent', 'id', 'bigint')" >/dev/null
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CALL migration_helpers.migration_wait('widen_parent_id')" \
			-c "SELECT migration_helpers.complete_migration('widen_parent_id')" >/dev/null
		until [ "$(psql -X -qAt -d "$db" -c "SELECT convalidated FROM pg_constraint WHERE conname = 'child_parent_id_fkey'")" = t ]; do
			sleep 0.2
		done
	else
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "SET migration_helpers.guard = off" \
			-c "ALTER TABLE parent ALTER COLUMN id TYPE bigint" >/dev/null
	fi
	t1=$(now)
	sleep 1
	stop_load
	test "$(psql -X -qAt -d "$db" -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'parent'::regclass AND attname = 'id'")" = bigint
	read -r lmax lp99 <<<"$(latency_stats "$work/$method".*)"
	printf '%-7s %9s %9.1f %12s %12s\n' "$method" "$ROWS" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$lmax" "$lp99"
done
rm -rf "$work"
