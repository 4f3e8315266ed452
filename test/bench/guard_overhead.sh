#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST/PGPORT/PGUSER set): see run.sh.
# One database; the extension is created and dropped between runs, so both
# sides use the same data files and caches; the order alternates per round.
set -euo pipefail
. "$(dirname "$0")/ddl_workload.sh"
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
ROUNDS=${BENCH_ROUNDS:-9}
DDL_ROUNDS=${BENCH_DDL_ROUNDS:-11}
CLIENTS=${BENCH_CLIENTS:-4}
work=$(mktemp -d /tmp/mh-bench.XXXXXX)
db=bench

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
minimum() { sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
ext() {  # ext on|off
	if [ "$1" = on ]; then psql -X -q -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS migration_helpers'
	else psql -X -q -d "$db" -c 'DROP EXTENSION IF EXISTS migration_helpers'; fi
}
order() { [ $(($1 % 2)) -eq 1 ] && echo "on off" || echo "off on"; }

createdb "$db"
pgbench -i -q -s 10 "$db" >/dev/null 2>&1

# ---- DML: the guard adds nothing to SELECT/INSERT/UPDATE; this checks it ----
for round in $(seq 1 "$ROUNDS"); do
	for side in $(order "$round"); do
		ext "$side"
		# CREATE/DROP EXTENSION invalidates every cache of the database: a short
		# discarded run warms the new state up before measuring.
		pgbench -n -S -c "$CLIENTS" -j 2 -T 1 "$db" >/dev/null 2>&1
		for mode in select-only tpcb-like; do
			tps=$(pgbench -n -b "$mode" -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" "$db" 2>/dev/null |
				sed -nE 's/^tps = ([0-9.]+).*/\1/p')
			echo "$tps" >>"$work/$mode.$side"
			echo "$tps" >"$work/$mode.$side.last"
			printf 'round %2d  %-11s extension %-3s %10.1f tps\n' "$round" "$mode" "$side" "$tps"
		done
	done
	for mode in select-only tpcb-like; do
		ratio "$(cat "$work/$mode.on.last")" "$(cat "$work/$mode.off.last")" >>"$work/$mode.ratios"
		echo >>"$work/$mode.ratios"
	done
done

# ---- DDL: 2000 safe statements on 20 existing tables, one transaction each ----
setup_sql="$work/ddl_setup.sql"
ddl_sql="$work/ddl.sql"
write_ddl_workload "$setup_sql" "$ddl_sql"
logged=0
for round in $(seq 1 "$DDL_ROUNDS"); do
	for side in $(order "$round"); do
		ext off
		psql -X -q -d "$db" -f "$setup_sql" >/dev/null 2>&1
		ext "$side"
		start=$(date +%s.%N)
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$ddl_sql" >/dev/null
		end=$(date +%s.%N)
		secs=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
		echo "$secs" >>"$work/ddl.$side"
		echo "$secs" >"$work/ddl.$side.last"
		[ "$side" = on ] && logged=$(psql -X -At -d "$db" -c 'SELECT count(*) FROM migration_helpers.ddl_log')
		printf 'round %2d  ddl         extension %-3s %10.3f s for 2000 statements\n' "$round" "$side" "$secs"
	done
	ratio "$(cat "$work/ddl.on.last")" "$(cat "$work/ddl.off.last")" >>"$work/ddl.ratios"
	echo >>"$work/ddl.ratios"
done
ext off

echo
# The machine's speed drifts between runs; each round measures both sides back to back,
# so the ratio reported is the median of the per-round ratios.
echo "== DML: $ROUNDS rounds ($SECONDS_PER_RUN s pgbench runs, $CLIENTS clients, scale 10)"
for mode in select-only tpcb-like; do
	w=$(median <"$work/$mode.on"); wo=$(median <"$work/$mode.off"); r=$(median <"$work/$mode.ratios")
	lo=$(minimum <"$work/$mode.ratios"); hi=$(sort -g "$work/$mode.ratios" | tail -1)
	printf 'DML %-11s median with %10.1f tps, without %10.1f tps (ratio of medians %s), median per-round ratio %s, range %s-%s (target >= 0.99: %s)\n' \
		"$mode" "$w" "$wo" "$(ratio "$w" "$wo")" "$r" "$lo" "$hi" "$(awk -v r="$r" 'BEGIN {print (r >= 0.99) ? "met" : "MISSED"}')"
done
echo "   (wall-clock DML ratios on a shared VM swing by several percent from round to round; the guard runs no code"
echo "    for SELECT/INSERT/UPDATE, which guard_instructions.sh counts exactly: run.sh guard-instructions)"
echo "== DDL: $DDL_ROUNDS rounds of 2000 statements (ddl_log rows written per round: $logged)"
w=$(median <"$work/ddl.on"); wo=$(median <"$work/ddl.off"); r=$(median <"$work/ddl.ratios")
wm=$(minimum <"$work/ddl.on"); wom=$(minimum <"$work/ddl.off"); rm=$(ratio "$wm" "$wom")
printf 'DDL median: with %.3f s, without %.3f s, median per-round ratio %s (target <= 1.15: %s)\n' "$w" "$wo" "$r" \
	"$(awk -v r="$r" 'BEGIN {print (r <= 1.15) ? "met" : "MISSED"}')"
printf 'DDL best:   with %.3f s, without %.3f s, ratio %s\n' "$wm" "$wom" "$rm"
rm -rf "$work"
