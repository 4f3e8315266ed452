#!/usr/bin/env bash
# Runs inside pg_virtualenv (see run.sh): lint() throughput on a generated migration script of
# BENCH_LINT_STATEMENTS (default 10000) statements over 50 tables with rows, in statements per
# second, side by side with squawk (npm squawk-cli, installed into a temporary directory) on the
# same file in the same run (its gcc reporter: one line a finding). The median of BENCH_ROUNDS (default 3) runs of each is reported.
# The goal: lint() at least as fast as squawk.
set -euo pipefail
N=${BENCH_LINT_STATEMENTS:-10000}
ROUNDS=${BENCH_ROUNDS:-3}
db=lintbench
createdb "$db"
work=$(mktemp -d /tmp/mh-lint-bench.XXXXXX)
chmod 777 "$work"
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
{
	echo "CREATE EXTENSION migration_helpers;"
	echo "SET migration_helpers.guard = off;"
	for t in $(seq 0 49); do
		echo "CREATE TABLE t$t (id int PRIMARY KEY, a int, b text, c timestamp, d varchar(20));"
		echo "INSERT INTO t$t SELECT g, g, 'b' || g, '2020-01-01', 'd' FROM generate_series(1, 100) g;"
	done
} | psql -X -q -d "$db" >/dev/null
# The script: the statements migrations are made of, safe and unsafe, some in transaction blocks.
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; ) {
		t = "t" (i % 50); k = int(i / 10) % 10
		if (k == 0) { print "BEGIN;"; i++ }
		else if (k == 1) { print "CREATE INDEX " t "_a_" i " ON " t " (a);"; i++ }
		else if (k == 2) { print "CREATE INDEX CONCURRENTLY " t "_b_" i " ON " t " (b);"; i++ }
		else if (k == 3) { print "ALTER TABLE " t " ADD COLUMN x" i " int DEFAULT 0;"; i++ }
		else if (k == 4) { print "ALTER TABLE " t " ALTER COLUMN a TYPE bigint;"; i++ }
		else if (k == 5) { print "ALTER TABLE " t " ADD CONSTRAINT " t "_c" i " CHECK (a > 0) NOT VALID;"; i++ }
		else if (k == 6) { print "ALTER TABLE " t " ALTER COLUMN b SET NOT NULL;"; i++ }
		else if (k == 7) { print "CREATE TABLE new_" i " (id bigint PRIMARY KEY, note text);"; i++ }
		else if (k == 8) { print "ALTER TABLE " t " RENAME COLUMN d TO d" i ";"; i++ }
		else { print "COMMIT;"; i++ }
	}
}' >"$work/migration.sql"
statements=$(grep -c ';' "$work/migration.sql")
echo "script: $statements statements, $(wc -c <"$work/migration.sql") bytes"
chmod 644 "$work/migration.sql"
# lint: the script read by psql (\set from the file), linted in one call.
cat >"$work/lint.sql" <<SQL
\set script \`cat $work/migration.sql\`
SELECT count(*) AS findings, count(*) FILTER (WHERE severity = 'error') AS errors FROM migration_helpers.lint(:'script');
SQL
lint_times=()
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now)
	out=$(psql -X -q -A -t -d "$db" -f "$work/lint.sql")
	lint_times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}')")
done
lint_s=$(printf '%s\n' "${lint_times[@]}" | median)
echo "lint():  findings|errors = $out; seconds per run: ${lint_times[*]}"
squawk_bin=
if (cd "$work" && timeout 300 npm install --no-audit --no-fund --silent --prefix "$work/npm" squawk-cli >/dev/null 2>&1); then
	squawk_bin="$work/npm/node_modules/.bin/squawk"
fi
if [ -n "$squawk_bin" ] && "$squawk_bin" --version >/dev/null 2>&1; then
	squawk_times=()
	for r in $(seq 1 "$ROUNDS"); do
		t0=$(now)
		# the gcc reporter (one line a finding), as lint returns rows: squawk's default tty
		# reporter spends most of its time drawing (8 s instead of 0.2 s on 10,000 statements)
		issues=$("$squawk_bin" --reporter gcc "$work/migration.sql" 2>/dev/null | grep -c . || true)
		squawk_times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}')")
	done
	squawk_s=$(printf '%s\n' "${squawk_times[@]}" | median)
	echo "squawk $("$squawk_bin" --version 2>&1 | head -1): $issues findings; seconds per run: ${squawk_times[*]}"
else
	squawk_s=
	echo "squawk: could not be installed with npm (squawk-cli): not compared"
fi
printf '%-10s %10s %14s\n' tool seconds statements/s
printf '%-10s %10s %14.0f\n' lint "$lint_s" "$(awk -v n="$statements" -v s="$lint_s" 'BEGIN {print n / s}')"
if [ -n "$squawk_s" ]; then
	printf '%-10s %10s %14.0f\n' squawk "$squawk_s" "$(awk -v n="$statements" -v s="$squawk_s" 'BEGIN {print n / s}')"
	awk -v l="$lint_s" -v s="$squawk_s" 'BEGIN {printf "lint / squawk speed: %.2f (goal >= 1)\n", s / l}'
fi
dropdb "$db"
rm -rf "$work"
