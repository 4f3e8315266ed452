#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): the seed scenario — users get a
# full_name, filled from first_name and last_name, made NOT NULL and indexed —
# on a BENCH_ROWS-row table (default 1,000,000) under the backfill benchmark's
# pgbench load (4 clients, test/bench/load.sh), two ways, in the same run:
#   naive     ALTER TABLE ADD COLUMN; one UPDATE of every row; SET NOT NULL;
#             CREATE INDEX (guard off: this is what the guard blocks)
#   helpers   start_migration; add_column(backfill_expr); add_not_null;
#             add_index; CALL migration_wait; complete_migration
# Reported per way: seconds, the load's max and p99 latency over the whole
# change, and its transactions per second; the closing line gives the ratio of
# the load's max latency, helpers against naive (target: helpers < 100 ms).
# Each way gets a freshly built table (same rows), vacuumed and analyzed.
set -euo pipefail
ROWS=${BENCH_ROWS:-1000000}
work=$(mktemp -d /tmp/mh-mig-bench.XXXXXX)
chmod 777 "$work"
db=migbench
createdb "$db"
psql -X -q -d "$db" -c 'CREATE EXTENSION migration_helpers'
. "$(dirname "$0")/load.sh"

printf '%-8s %9s %10s %12s %12s %9s\n' way rows seconds load_max_ms load_p99_ms load_tps
declare -A max_ms
for way in naive helpers; do
	psql -X -q -d "$db" -c "SET migration_helpers.guard = off" -c "DROP TABLE IF EXISTS users" \
		-c "SELECT migration_helpers.abort_migration(name) FROM migration_helpers._migrations
			WHERE phase NOT IN ('completed', 'aborted')" \
		-c "CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL)" \
		-c "INSERT INTO users SELECT g, 'first' || g, 'last' || g FROM generate_series(1, $ROWS) g" \
		-c "VACUUM ANALYZE users" -c "CHECKPOINT" >/dev/null
	start_load "$way" "$ROWS"
	t0=$(now)
	case $way in
	naive)
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 <<'SQL'
SET migration_helpers.guard = off;
ALTER TABLE users ADD COLUMN full_name text;
UPDATE users SET full_name = first_name || ' ' || last_name;
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
CREATE INDEX users_full_name_idx ON users (full_name);
SQL
		;;
	helpers)
		name="full_name_$RANDOM"
		# Migration file 1 (in a tool's transaction: the work starts at COMMIT), then the
		# wait, then migration file 2 (contract), as a deploy would run them.
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
SELECT migration_helpers.start_migration('$name');
SELECT migration_helpers.add_column('$name', 'users', 'full_name', 'text',
	backfill_expr => \$\$first_name || ' ' || last_name\$\$);
SELECT migration_helpers.add_not_null('$name', 'users', 'full_name');
SELECT migration_helpers.add_index('$name', 'users', 'full_name');
COMMIT;
SET client_min_messages = warning;
CALL migration_helpers.migration_wait('$name');
SELECT migration_helpers.complete_migration('$name');
SQL
		;;
	esac
	t1=$(now)
	stop_load
	rows=$(psql -X -At -d "$db" -c "SELECT count(*) FROM users WHERE full_name = first_name || ' ' || last_name")
	notnull=$(psql -X -At -d "$db" -c "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name'")
	indexed=$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
		AND a.attnum = i.indkey[0] WHERE i.indrelid = 'users'::regclass AND a.attname = 'full_name' AND i.indisvalid")
	if [ "$rows" != "$ROWS" ] || [ "$notnull" != t ] || [ "$indexed" != 1 ]; then
		echo "$way: wrong result: $rows of $ROWS rows filled, NOT NULL $notnull, valid indexes $indexed" >&2
		exit 1
	fi
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
	read -r lmax lp99 <<<"$(latency_stats "$work/$way".*)"
	max_ms[$way]=$lmax
	printf '%-8s %9s %10s %12s %12s %9s\n' "$way" "$rows" "$secs" "$lmax" "$lp99" "$(load_tps "$work/$way".*)"
done
awk -v h="${max_ms[helpers]}" -v n="${max_ms[naive]}" \
	'BEGIN {printf "load max latency: helpers %.1f ms, naive %.1f ms (ratio %.3f); target helpers < 100 ms: %s\n", h, n, h / n, h < 100 ? "met" : "NOT met"}'
rm -rf "$work"
