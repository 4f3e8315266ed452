#!/usr/bin/env bash
# scripts/test.sh — runs every test suite and prints one closing line,
# "N passed, N failed", summed over:
#   unit        GoogleTest through CTest (the pure C++ core, no server)
#   regress     pg_regress on a throwaway cluster with the library preloaded
#   isolation   pg_isolation_regress on the same cluster
#   tap         PostgreSQL::Test::Cluster tests (restart, crash, pg_dump)
#   clients     the real migration tools (test/clients/run.sh: Django, Alembic, Sqitch,
#               node-pg-migrate, Drizzle Kit, Sequelize; Prisma says why it cannot run here)
# Installs missing packages, builds and installs the extension, leaves no
# server running. Works as root (CI) and as a normal user with sudo.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages
build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

logs=$(mktemp -d /tmp/mh-test.XXXXXX)
chmod 755 "$logs"
passed=0
failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); printf '== %-10s %d passed, %d failed\n' "$3" "$1" "$2"; }

# --- unit ---
echo "== unit tests"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug >"$logs/unit.log" 2>&1 &&
	cmake --build build -j"$(nproc)" >>"$logs/unit.log" 2>&1; then
	(cd build && ctest --output-on-failure) >>"$logs/unit.log" 2>&1
	total=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' "$logs/unit.log" | tail -1)
	bad=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$logs/unit.log" | tail -1)
	total=${total:-0}; bad=${bad:-1}
	[ "$total" -gt 0 ] || bad=1
	add $((total - bad)) "$bad" unit
else
	add 0 1 unit
fi
[ "$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$logs/unit.log" | tail -1)" = "0" ] || tail -40 "$logs/unit.log"

# --- regress and isolation, one throwaway cluster (-t: in a temporary directory, so a
# cluster left behind by an interrupted run can never be in the way) ---
echo "== regression and isolation tests"
pg_virtualenv -t -o shared_preload_libraries=migration_helpers sh -c '
	make installcheck TAP_TESTS= ISOLATION= >"$0/regress.log" 2>&1
	make installcheck TAP_TESTS= REGRESS= >"$0/isolation.log" 2>&1
	exit 0' "$logs" >"$logs/virtualenv.log" 2>&1
for suite in regress isolation; do
	ok=$(grep -cE '^(test |ok |     )?[a-z_0-9]+ +\.\.\. ok' "$logs/$suite.log" || true)
	bad=$(grep -cE '\.\.\. FAILED' "$logs/$suite.log" || true)
	[ "$ok" -gt 0 ] || [ "$bad" -gt 0 ] || bad=1   # a suite that ran nothing counts as failed
	add "$ok" "$bad" "$suite"
	[ "$bad" -eq 0 ] || { tail -30 "$logs/$suite.log"; cat regression.diffs output_iso/regression.diffs 2>/dev/null | head -80; }
done

# --- TAP: initdb refuses root, so as root run from a copy owned by postgres ---
echo "== TAP tests"
if [ "$(id -u)" -eq 0 ]; then
	tapdir=$(mktemp -d /tmp/mh-tap.XXXXXX)
	cp -r Makefile migration_helpers.control src sql expected test "$tapdir/"
	chown -R postgres: "$tapdir"
	runuser -u postgres -- make -C "$tapdir" tapcheck >"$logs/tap.log" 2>&1
	cp -r "$tapdir/tmp_check" "$logs/tap_tmp_check" 2>/dev/null
	rm -rf "$tapdir"
else
	make tapcheck >"$logs/tap.log" 2>&1
fi
tests=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$logs/tap.log" | tail -1)
bad=$(sed -nE 's/.*Failed ([0-9]+)\/[0-9]+ subtests.*/\1/p' "$logs/tap.log" | awk '{s+=$1} END {print s+0}')
tests=${tests:-0}
if ! grep -q '^Result: PASS' "$logs/tap.log"; then
	[ "$bad" -gt 0 ] || bad=1
	tail -40 "$logs/tap.log"
fi
add $((tests - bad > 0 ? tests - bad : 0)) "$bad" tap

# --- migration tools (test/clients/): the real tools against a throwaway cluster, as an ordinary role ---
echo "== migration tools"
bash test/clients/run.sh >"$logs/clients.log" 2>&1
read -r cok cbad < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$logs/clients.log" | tail -1)
add "${cok:-0}" "${cbad:-1}" clients
grep -E '^(== |[a-z-]+: not run)' "$logs/clients.log"
[ "${cbad:-1}" -eq 0 ] || grep -E '^   (not ok|\|)' "$logs/clients.log" | tail -60

echo "logs: $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
