#!/usr/bin/env bash
# test/bench/run.sh [guard|guard-instructions|guard-time|backfill|sync-trigger|migration|column-type|lint|all] — benchmarks
# on throwaway clusters.
#
# guard (default) = guard-instructions, then guard-time: the guard's overhead, as
# ratios against a baseline measured in the same run on the same cluster (library
# preloaded in both cases; the baseline database simply has no CREATE EXTENSION):
#   DML: pgbench select-only and tpcb-like, extension vs none   (target >= 0.99)
#   DDL: 2,000 safe DDL statements, with / without               (target <= 1.15)
# guard-instructions counts the backend's CPU instructions under valgrind
# (guard_instructions.sh): repeatable to ~1%, whatever else the machine does.
# guard-time measures wall-clock time (guard_overhead.sh): what a user sees, but on
# a shared 2-core VM the same build varies by 10-20% from run to run.
# BENCH_SECONDS (default 4) per pgbench run, BENCH_ROUNDS (default 9) DML rounds,
# BENCH_DDL_ROUNDS (default 11) DDL rounds,
# alternating which side goes first; the median of per-round ratios is reported.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
PACKAGES+=(valgrind)
ensure_packages
build_and_install
# backfill: see test/bench/backfill.sh (BENCH_SIZES, BENCH_NAIVE_SECONDS).
suite=${1:-guard}
case $suite in guard | guard-instructions | guard-time | backfill | sync-trigger | migration | column-type | lint | all) ;;
*) echo "usage: $0 [guard|guard-instructions|guard-time|backfill|sync-trigger|migration|column-type|lint|all]" >&2; exit 2 ;; esac
if [ "$suite" = guard ] || [ "$suite" = guard-instructions ] || [ "$suite" = all ]; then
	echo "=== guard overhead in CPU instructions (valgrind)"
	bash test/bench/guard_instructions.sh
fi
if [ "$suite" = guard ] || [ "$suite" = guard-time ] || [ "$suite" = all ]; then
	echo "=== guard overhead in wall-clock time"
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers bash test/bench/guard_overhead.sh
fi
if [ "$suite" = backfill ] || [ "$suite" = all ]; then
	# fsync on, as in production (pg_virtualenv turns it off): without it every commit of the
	# pgbench load is free, the load saturates both cores, and the benchmark measures CPU sharing.
	# One throwaway cluster per size and method: each starts with the same WAL files (none
	# recycled from the method before, which would spare it creating segments).
	header=1
	for n in ${BENCH_SIZES:-1000000 5000000}; do
		for m in ${BENCH_METHODS:-single keyset naive engine}; do
			BENCH_SIZES=$n BENCH_METHODS=$m BENCH_HEADER=$header \
				pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB \
				-o max_wal_size=4GB -o fsync=on bash test/bench/backfill.sh
			header=0
		done
	done
fi
if [ "$suite" = sync-trigger ] || [ "$suite" = all ]; then
	# The column sync trigger's cost: see test/bench/sync_trigger.sh (BENCH_ROWS, BENCH_SECONDS, BENCH_ROUNDS).
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB -o max_wal_size=4GB \
		bash test/bench/sync_trigger.sh
fi
if [ "$suite" = migration ] || [ "$suite" = all ]; then
	# The seed scenario through the migration helpers against the naive sequence, under the
	# backfill benchmark's load (fsync on, as there): see test/bench/migration.sh (BENCH_ROWS).
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB -o max_wal_size=4GB \
		-o fsync=on bash test/bench/migration.sh
fi
if [ "$suite" = column-type ] || [ "$suite" = all ]; then
	# change_column_type of a referenced int primary key vs ALTER TABLE ... TYPE bigint, under
	# load: see test/bench/column_type.sh (BENCH_ROWS). fsync on, as for the backfill benchmark.
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB -o max_wal_size=4GB \
		-o fsync=on bash test/bench/column_type.sh
fi
if [ "$suite" = lint ] || [ "$suite" = all ]; then
	# lint(): statements per second on a generated 10,000-statement script, side by side with squawk
	# (test/bench/lint.sh), then its estimated_duration against measured times (lint_duration.sh).
	echo "=== lint throughput, with squawk"
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers bash test/bench/lint.sh
	echo "=== lint estimated_duration against measured"
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB -o max_wal_size=4GB \
		bash test/bench/lint_duration.sh
fi
