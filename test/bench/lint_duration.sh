#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): lint()'s estimated_duration against the measured time
# of the statement it is for, on tables of BENCH_DURATION_ROWS rows (default "1000000 5000000"):
# an index build (CREATE INDEX on an int column), a table rewrite (ALTER COLUMN ... TYPE bigint)
# and a validation scan (ADD CONSTRAINT ... CHECK). Each is run in a transaction that is rolled
# back, with the guard off. The goal: estimate / measured within [0.5, 2] for each.
set -euo pipefail
SIZES=${BENCH_DURATION_ROWS:-1000000 5000000}
db=lintduration
createdb "$db"
psql -X -q -d "$db" -c 'CREATE EXTENSION migration_helpers' -c "ALTER DATABASE $db SET migration_helpers.guard = off"
now() { date +%s.%N; }
timed() {
	local t0
	t0=$(now)
	psql -X -q -d "$db" -c 'BEGIN' -c "$1" -c 'ROLLBACK' >/dev/null
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'
}
estimate() {
	psql -X -q -A -t -d "$db" -c "SELECT extract(epoch FROM estimated_duration) FROM migration_helpers.lint(\$\$$1\$\$) WHERE estimated_duration IS NOT NULL LIMIT 1"
}
fails=0
printf '%-9s %-14s %10s %10s %8s\n' rows work estimate_s measured_s ratio
for rows in $SIZES; do
	psql -X -q -d "$db" -c 'DROP TABLE IF EXISTS t' -c 'CREATE TABLE t (id int PRIMARY KEY, a int, b text)' \
		-c "INSERT INTO t SELECT g, (g::bigint * 7919 % 1000003)::int, md5(g::text) FROM generate_series(1, $rows) g" \
		-c 'VACUUM ANALYZE t' -c CHECKPOINT
	for work in "index build|CREATE INDEX t_a ON t (a)" "rewrite|ALTER TABLE t ALTER COLUMN a TYPE bigint" \
		"scan|ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a >= 0)"; do
		name=${work%%|*}
		stmt=${work#*|}
		est=$(estimate "$stmt")
		timed "$stmt" >/dev/null  # once to warm the cache, as the estimate's rates are
		measured=$(timed "$stmt")
		ratio=$(awk -v e="$est" -v m="$measured" 'BEGIN {printf "%.2f", e / m}')
		printf '%-9s %-14s %10.3f %10.3f %8s\n' "$rows" "$name" "$est" "$measured" "$ratio"
		if ! awk -v r="$ratio" 'BEGIN {exit !(r >= 0.5 && r <= 2)}'; then fails=$((fails + 1)); fi
	done
done
echo "estimates outside a factor 2: $fails"
dropdb "$db"
