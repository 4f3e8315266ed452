#!/usr/bin/env bash
# test/bench/guard_instructions.sh — the guard's overhead in CPU instructions,
# counted by valgrind (cachegrind, no cache simulation) in the backend that
# runs the work. Instruction counts do not depend on what else the machine is
# doing, so unlike wall-clock timings on a shared VM they repeat to within a
# fraction of a percent; each measurement is taken twice to show it.
#
# One throwaway cluster, the whole postmaster under valgrind (a backend is a
# fork of it, so every backend is counted on its own, in cg.<pid>), the
# library preloaded on both sides; the baseline side is the same database
# with the extension dropped. Autovacuum is off so that no background work
# lands in the counts. Per side:
#   session   a connection that runs nothing: subtracted from the others
#   ddl       the 2,000 safe DDL statements of guard_overhead.sh, on 20 tables
#   select    pgbench select-only, BENCH_SELECT_TXNS transactions, 1 client
#   tpcb      pgbench tpcb-like, BENCH_TPCB_TXNS transactions, 1 client
# Reported: instructions per statement / transaction and the ratio with/without
# (targets: DDL <= 1.15, DML >= 0.99 in throughput, i.e. <= 1.0101 in instructions).
# Run as root (the server runs as user postgres) or as a user that may run initdb.
set -euo pipefail
. "$(dirname "$0")/ddl_workload.sh"
SELECT_TXNS=${BENCH_SELECT_TXNS:-5000}
TPCB_TXNS=${BENCH_TPCB_TXNS:-2000}
REPEATS=${BENCH_REPEATS:-2}
bindir=$(pg_config --bindir)
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 2; }

work=$(mktemp -d /tmp/mh-instr.XXXXXX)
chmod 777 "$work"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
export PGHOST=$work PGPORT=${BENCH_PORT:-54987} PGUSER=postgres PGDATABASE=bench
cleanup() { as_pg "$bindir/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

as_pg "$bindir/initdb" -D "$work/data" -A trust -U postgres >/dev/null
as_pg valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$work/cg.%p" \
	"$bindir/postgres" -D "$work/data" -c shared_preload_libraries=migration_helpers -c autovacuum=off \
	-c port="$PGPORT" -c unix_socket_directories="$work" -c listen_addresses= >"$work/server.log" 2>&1 &
for _ in $(seq 1 240); do pg_isready -q && break; sleep 0.5; done
pg_isready -q || { cat "$work/server.log"; exit 1; }

createdb bench
write_ddl_workload "$work/setup.sql" "$work/ddl.sql"

# count_of PID: the instructions a finished backend executed (its file is written when it exits).
count_of() {
	for _ in $(seq 1 100); do
		[ -s "$work/cg.$1" ] && grep -q '^summary:' "$work/cg.$1" && break
		sleep 0.1
	done
	sed -nE 's/^summary: ([0-9]+).*/\1/p' "$work/cg.$1"
}
# session_count FILE: instructions of one psql session running FILE (after reporting its pid).
session_count() {
	local pid
	{ echo 'SELECT pg_backend_pid();'; cat "$1"; } | psql -X -At -v ON_ERROR_STOP=1 >"$work/session.out"
	pid=$(head -1 "$work/session.out")
	count_of "$pid"
}
# pgbench_count ARGS...: instructions of the backend of a 1-client pgbench run (the
# newest and largest of the backends it started: it also opens one to read the scale).
pgbench_count() {
	local before after f best=0 n
	before=$(ls "$work" | grep -c '^cg\.' || true)
	pgbench -n -c 1 --random-seed=1 "$@" >/dev/null 2>&1
	sleep 0.5
	for f in $(ls -t "$work" | grep '^cg\.' | head -$(( $(ls "$work" | grep -c '^cg\.') - before ))); do
		n=$(count_of "${f#cg.}")
		[ "${n:-0}" -gt "$best" ] && best=$n
	done
	echo "$best"
}
ext() { if [ "$1" = on ]; then psql -X -q -c 'CREATE EXTENSION IF NOT EXISTS migration_helpers'
	else psql -X -q -c 'SET client_min_messages = warning' -c 'DROP EXTENSION IF EXISTS migration_helpers'; fi; }

: >"$work/empty.sql"
printf '%-7s %-4s %-3s %16s %16s\n' what side rep instructions per_unit
for rep in $(seq 1 "$REPEATS"); do
	for side in off on; do
		# The same starting state for both sides: fresh pgbench tables (tpcb-like runs leave
		# dead rows that later runs would step over), fresh DDL tables, the same random keys.
		ext off
		pgbench -i -q -s 1 >/dev/null 2>&1
		psql -X -q -f "$work/setup.sql" >/dev/null 2>&1
		ext "$side"
		# warm the caches of the new state up, as an application's long-lived connections have them
		pgbench -n -S -c 1 -t 200 >/dev/null 2>&1
		base=$(session_count "$work/empty.sql")
		ddl=$(session_count "$work/ddl.sql")
		sel=$(pgbench_count -S -t "$SELECT_TXNS")
		tpcb=$(pgbench_count -b tpcb-like -t "$TPCB_TXNS")
		for what in ddl:$ddl:2000 select:$sel:$SELECT_TXNS tpcb:$tpcb:$TPCB_TXNS; do
			IFS=: read -r name total units <<<"$what"
			per=$(( (total - base) / units ))
			echo "$name $side $rep $per" >>"$work/results"
			printf '%-7s %-4s %-3s %16s %16s\n' "$name" "$side" "$rep" "$total" "$per"
		done
	done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
echo
echo "== instructions per unit (session start-up subtracted), median of $REPEATS repeats"
for name in ddl select tpcb; do
	off=$(awk -v n="$name" '$1 == n && $2 == "off" {print $4}' "$work/results" | median)
	on=$(awk -v n="$name" '$1 == n && $2 == "on" {print $4}' "$work/results" | median)
	spread=$(awk -v n="$name" '$1 == n {k = $2; if (!(k in lo) || $4 < lo[k]) lo[k] = $4; if ($4 > hi[k]) hi[k] = $4}
		END {m = 0; for (k in lo) {s = (hi[k] - lo[k]) / lo[k]; if (s > m) m = s}; printf "%.2f%%", 100 * m}' "$work/results")
	r=$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.4f", a / b}')
	case $name in
	ddl) verdict=$(awk -v r="$r" 'BEGIN {print (r <= 1.15) ? "met" : "MISSED"}'); target="<= 1.15" ;;
	*) verdict=$(awk -v r="$r" 'BEGIN {print (1 / r >= 0.99) ? "met" : "MISSED"}'); target="throughput >= 0.99" ;;
	esac
	printf '%-7s with %9d  without %9d  ratio %s  (repeat spread %s; target %s: %s)\n' "$name" "$on" "$off" "$r" \
		"$spread" "$target" "$verdict"
done
