#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): the backfill engine against the
# alternatives, on the same table, in the same run, under a concurrent
# pgbench load of point SELECTs and UPDATEs on random users (4 clients).
#   single   one UPDATE of the whole table
#   keyset   a hand-written keyset loop, 10,000-row batches, COMMIT each
#   naive    WHERE col IS NULL AND id IN (SELECT ... LIMIT 1000) + 100 ms sleep
#            (capped at BENCH_NAIVE_SECONDS; its rate is measured over that time)
#   engine   migration_helpers.backfill() with default settings; worker_rss is the
#            peak of its private memory (RssAnon), sampled every 200 ms
#   engine_noprep  the same with migration_helpers.prepare_wal_segments off (a reload):
#            committing sessions create the WAL segments the backfill's WAL reaches
# Each method gets a freshly built copy of the table (same rows, no bloat or
# filled columns left by the method before it), vacuumed and analyzed; run.sh
# gives each method its own throwaway cluster too, so that none finds WAL
# segment files recycled from the method before it.
# BENCH_SIZES (default "1000000 5000000") rows per run; BENCH_METHODS (default all four but
# engine_noprep); BENCH_HEADER=0 leaves out the header line;
# BENCH_ENGINE_ARGS: more arguments for backfill(), e.g. ", target_batch_time => '30ms'".
set -euo pipefail
SIZES=${BENCH_SIZES:-"1000000 5000000"}
NAIVE_SECONDS=${BENCH_NAIVE_SECONDS:-30}
METHODS=${BENCH_METHODS:-"single keyset naive engine"}
work=$(mktemp -d /tmp/mh-bf-bench.XXXXXX)
chmod 777 "$work"
db=bfbench
createdb "$db"
psql -X -q -d "$db" -c 'CREATE EXTENSION migration_helpers'

. "$(dirname "$0")/load.sh"

[ "${BENCH_HEADER:-1}" = 0 ] || printf '%-8s %9s %10s %10s %12s %12s %12s %9s %10s\n' method rows seconds rows/s load_max_ms load_p99_ms load_over_50ms load_tps worker_rss
for n in $SIZES; do
	psql -X -q -d "$db" -c "CREATE OR REPLACE PROCEDURE keyset_fill(batch int) LANGUAGE plpgsql AS \$\$
		DECLARE last_id bigint := 0; next_id bigint;
		BEGIN
			LOOP
				SELECT max(id) INTO next_id FROM (SELECT id FROM users WHERE id > last_id ORDER BY id LIMIT batch) b;
				EXIT WHEN next_id IS NULL;
				UPDATE users SET fn_keyset = first_name || ' ' || last_name WHERE id > last_id AND id <= next_id;
				COMMIT;
				last_id := next_id;
			END LOOP;
		END \$\$"
	psql -X -q -d "$db" -c "CREATE OR REPLACE PROCEDURE naive_fill(seconds int) LANGUAGE plpgsql AS \$\$
		DECLARE stop timestamptz := clock_timestamp() + make_interval(secs => seconds); done bigint;
		BEGIN
			LOOP
				UPDATE users SET fn_naive = first_name || ' ' || last_name
				WHERE fn_naive IS NULL AND id IN (SELECT id FROM users WHERE fn_naive IS NULL LIMIT 1000);
				GET DIAGNOSTICS done = ROW_COUNT;
				COMMIT;
				EXIT WHEN done = 0 OR clock_timestamp() > stop;
				PERFORM pg_sleep(0.1);
			END LOOP;
		END \$\$"

	for method in $METHODS; do
		psql -X -q -d "$db" -c "SET migration_helpers.guard = off" -c "DROP TABLE IF EXISTS users" \
			-c "CREATE TABLE users (id bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
				fn_single text, fn_keyset text, fn_naive text, fn_engine text, fn_engine_noprep text)" \
			-c "INSERT INTO users (id, first_name, last_name) SELECT g, 'first' || g, 'last' || g FROM generate_series(1, $n) g" \
			-c "VACUUM ANALYZE users" -c "CHECKPOINT"
		start_load "$method.$n" "$n"
		rss="-"
		t1=""
		t0=$(now)
		case $method in
		single) psql -X -q -d "$db" -c "UPDATE users SET fn_single = first_name || ' ' || last_name" ;;
		keyset) psql -X -q -d "$db" -c "CALL keyset_fill(10000)" ;;
		naive) psql -X -q -d "$db" -c "CALL naive_fill($NAIVE_SECONDS)" ;;
		engine | engine_noprep)
			prep=on
			[ "$method" = engine ] || prep=off
			psql -X -q -d "$db" -c "ALTER SYSTEM SET migration_helpers.prepare_wal_segments = $prep" \
				-c "SELECT pg_reload_conf()" >/dev/null
			sleep 0.2
			# One session starts the job and waits for it, as a migration script would; the
			# time stops when backfill_wait() returns. Beside it, a plain loop finds the worker
			# and samples its private memory (no queries once it has the pid).
			rm -f "$work/rss"
			( pid=""
			for _ in $(seq 1 400); do
				pid=$(psql -X -At -d "$db" -c "SELECT pid FROM pg_stat_activity
					WHERE backend_type = 'migration_helpers backfill'" 2>/dev/null || true)
				[ -n "$pid" ] && break
				sleep 0.05
			done
			peak=0
			while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
				v=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
				[ "${v:-0}" -gt "$peak" ] && peak=$v && echo "$peak" >"$work/rss"
				sleep 0.2
			done ) &
			sampler=$!
			psql -X -q -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT migration_helpers.backfill('users', \$\$fn_$method = first_name || ' ' || last_name\$\$ ${BENCH_ENGINE_ARGS:-}) AS job \\gset
SELECT migration_helpers.backfill_wait(:job);
SQL
			t1=$(now)
			wait "$sampler" 2>/dev/null || true
			rss="$(cat "$work/rss" 2>/dev/null || echo 0) kB"
			psql -X -q -d "$db" -c "ALTER SYSTEM RESET migration_helpers.prepare_wal_segments" \
				-c "SELECT pg_reload_conf()" >/dev/null
			;;
		esac
		[ -n "$t1" ] || t1=$(now)
		stop_load
		rows=$(psql -X -At -d "$db" -c "SELECT count(*) FROM users WHERE fn_$method IS NOT NULL")
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
		rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN {printf "%.0f", r / s}')
		read -r lmax lp99 <<<"$(latency_stats "$work/$method.$n".*)"
		tps=$(load_tps "$work/$method.$n".*)
		slow=$(load_over_50ms "$work/$method.$n".*)
		printf '%-8s %9s %10s %10s %12s %12s %12s %9s %10s\n' "$method" "$rows" "$secs" "$rate" "$lmax" "$lp99" "$slow" "$tps" "$rss"
	done
done
rm -rf "$work"
