# test/bench/load.sh — sourced by the benchmarks that run under the backfill
# benchmark's pgbench load (4 clients, point SELECTs and UPDATEs on random users
# of a users table with first_name and last_name, or of another table), with $work and $db set.
now() { date +%s.%N; }
# latency_stats FILE...: max and p99 latency in ms of pgbench -l logs (3rd field: microseconds)
latency_stats() { cat "$@" 2>/dev/null | awk '{print $3}' | sort -n |
	awk '{a[NR]=$1} END {if (NR == 0) {print "n/a n/a"; exit} i = int(NR * 0.99); if (i < 1) i = 1;
		printf "%.1f %.1f", a[NR] / 1000, a[i] / 1000}'; }

# load_over_50ms FILE...: how many of the load's transactions took longer than 50 ms
load_over_50ms() { cat "$@" 2>/dev/null | awk '$3 > 50000 {n++} END {print n + 0}'; }

# start_load NAME ROWS [TABLE READ_COLUMN UPDATE_COLUMN] (default: users first_name last_name)
start_load() {
	cat >"$work/load.sql" <<SQL
\set id random(1, $2)
SELECT ${4:-first_name} FROM ${3:-users} WHERE id = :id;
UPDATE ${3:-users} SET ${5:-last_name} = ${5:-last_name} WHERE id = :id;
SQL
	rm -f "$work"/"$1".*
	load_t0=$(now)
	pgbench -n -c 4 -j 2 -T 36000 -l --log-prefix="$work/$1" -f "$work/load.sql" "$db" >/dev/null 2>&1 &
	load_pid=$!
	sleep 2
}
# stop_load: ends the load by terminating its server connections: pgbench then ends
# its clients as aborted and flushes its logs (a signal to pgbench itself would lose
# the last buffered lines, which hold the longest waits: those that ended last).
stop_load() {
	psql -X -q -d "$db" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'pgbench' AND pid <> pg_backend_pid()" >/dev/null
	wait "$load_pid" 2>/dev/null || true
	load_t1=$(now)
}
# load_tps FILE...: the load's transactions per second over its whole run
load_tps() { cat "$@" 2>/dev/null | wc -l | awk -v a="$load_t0" -v b="$load_t1" '{printf "%.0f", $1 / (b - a)}'; }
