#!/usr/bin/env bash
# test/bench/run.sh [guard|backfill|all] — benchmarks on a throwaway cluster.
#
# guard (default): the guard's overhead, as ratios against a baseline
# measured in the same run on the same throwaway cluster (library preloaded
# in both cases; the baseline database simply has no CREATE EXTENSION):
#   DML: pgbench select-only and tpcb-like, extension vs none   (target >= 0.99)
#   DDL: 2,000 safe DDL statements, time with / time without     (target <= 1.15)
# BENCH_SECONDS (default 4) per pgbench run, BENCH_ROUNDS (default 9) DML rounds,
# BENCH_DDL_ROUNDS (default 11) DDL rounds,
# alternating which side goes first; the median of per-round ratios is reported.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages
build_and_install
# backfill: see test/bench/backfill.sh (BENCH_SIZES, BENCH_NAIVE_SECONDS).
suite=${1:-guard}
case $suite in guard | backfill | all) ;; *) echo "usage: $0 [guard|backfill|all]" >&2; exit 2 ;; esac
if [ "$suite" = guard ] || [ "$suite" = all ]; then
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers bash test/bench/guard_overhead.sh
fi
if [ "$suite" = backfill ] || [ "$suite" = all ]; then
	pg_virtualenv -t -o shared_preload_libraries=migration_helpers -o shared_buffers=1GB -o max_wal_size=4GB \
		bash test/bench/backfill.sh
fi
