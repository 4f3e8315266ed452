#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): the cost of the column sync trigger
# (migration_helpers._sync_columns) on a 1M-row table during a type change
# (id int -> id_new bigint), as ratios against the same statements without the
# trigger, measured in the same run, alternating which side goes first:
#   pgbench  single-row UPDATEs of the old column by 4 clients (tps)
#   bulk     one UPDATE of every row's old column (seconds; the trigger fills the new one)
#   other    one UPDATE of every row's other column (seconds; the trigger only looks)
# Goals: pgbench with/without >= 0.95 (floor 0.90); bulk with/without <= 1.3.
# BENCH_ROWS (default 1000000), BENCH_SECONDS (default 10) per pgbench run, BENCH_ROUNDS (default 3).
set -euo pipefail
ROWS=${BENCH_ROWS:-1000000}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
db=syncbench
createdb "$db"
psql -X -q -d "$db" -c 'CREATE EXTENSION migration_helpers' -c 'ALTER DATABASE syncbench SET migration_helpers.guard = off'
work=$(mktemp -d /tmp/mh-sync-bench.XXXXXX)
chmod 777 "$work"
now() { date +%s.%N; }
setup() {  # setup with|without
	psql -X -q -d "$db" -c "DROP TABLE IF EXISTS acct" \
		-c "CREATE TABLE acct (pk int PRIMARY KEY, id int NOT NULL, id_new bigint, note text)" \
		-c "INSERT INTO acct SELECT g, g, g, 'n' FROM generate_series(1, $ROWS) g" -c "VACUUM ANALYZE acct" -c CHECKPOINT
	if [ "$1" = with ]; then
		psql -X -q -d "$db" -c "CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON acct FOR EACH ROW
			EXECUTE FUNCTION migration_helpers._sync_columns('widen', 'id', 'id_new')"
	fi
}
timed() { local t0; t0=$(now); psql -X -q -d "$db" -c "$1"; awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }
cat >"$work/update.sql" <<SQL
\set k random(1, $ROWS)
UPDATE acct SET id = id + 1 WHERE pk = :k;
SQL
printf '%-6s %-8s %12s %10s %10s\n' round side pgbench_tps bulk_s other_s
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then order="without with"; else order="with without"; fi
	for side in $order; do
		setup "$side"
		tps=$(pgbench -n -c 4 -j 2 -T "$SECONDS_PER_RUN" -f "$work/update.sql" "$db" 2>/dev/null |
			sed -nE 's/^tps = ([0-9.]+).*/\1/p' | head -1)
		bulk=$(timed "UPDATE acct SET id = id + 1")
		other=$(timed "UPDATE acct SET note = 'm'")
		printf '%-6s %-8s %12s %10s %10s\n' "$r" "$side" "$tps" "$bulk" "$other" | tee -a "$work/results"
	done
done
awk '{k = $2; tps[k] += $3; bulk[k] += $4; other[k] += $5; n[k]++}
	END {printf "ratios with/without (sums over rounds): pgbench tps %.3f (goal >= 0.95), bulk %.3f (goal <= 1.3), other %.3f\n",
		tps["with"] / tps["without"], bulk["with"] / bulk["without"], other["with"] / other["without"]}' "$work/results"
rm -rf "$work"
