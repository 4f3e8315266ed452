#!/usr/bin/env bash
# scripts/sqlsmith.sh — sqlsmith (Debian's) against a database with the
# extension created, the library preloaded and state in its tables (a finished,
# a paused and a failed backfill job, a completed migration and a ready one
# with a backfill and an index build, ddl_log rows).
# sqlsmith generates random queries over every table, view and function it can
# see, the extension's included, as a superuser; any backend that dies on a
# signal makes the postmaster restart the cluster, which the server log shows.
# Ends with "sqlsmith: N queries, crashes: C" and fails when C > 0.
#
#   PG_CONFIG=/path/to/pg_config scripts/sqlsmith.sh [QUERIES]   default 20000
#   QUICK=1 scripts/sqlsmith.sh                                  2000 queries
#   SEED=n                                                       a fixed seed (default: random, printed)
#
# Builds and installs the extension into the server of $PG_CONFIG first, as
# scripts/test.sh does; the cluster is a throwaway one (scripts/cluster.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${PG_CONFIG:=pg_config}"
export PG_CONFIG
. scripts/cluster.sh
PORT=${PORT:-5494}
queries=${1:-$([ -n "${QUICK:-}" ] && echo 2000 || echo 20000)}
seed=${SEED:-$RANDOM}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

command -v sqlsmith >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq sqlsmith >/dev/null ||
	{ $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq sqlsmith >/dev/null; }

work=$(mktemp -d /tmp/mh-sqlsmith.XXXXXX)
chmod 755 "$work"
echo "== work directory $work"
make -s -j2 PG_CONFIG="$PG_CONFIG" >"$work/build.log" 2>&1 &&
	$SUDO make -s install PG_CONFIG="$PG_CONFIG" >>"$work/build.log" 2>&1 ||
	{ tail -20 "$work/build.log"; exit 2; }

cluster_init "$work" || exit 2
trap 'cluster_stop "$work"' EXIT
# restart_after_crash (the default) keeps the server up after a crash, so the
# run goes on and the log counts every one.
cluster_start "$work" "$PORT" -c shared_preload_libraries=migration_helpers -c fsync=off \
	-c statement_timeout=2s -c log_min_messages=warning -c log_min_error_statement=panic ||
	{ cat "$work/server.log"; exit 2; }

cluster_psql "$work" "$PORT" -d postgres >"$work/setup.log" 2>&1 <<'SQL' || { cat "$work/setup.log"; exit 2; }
CREATE DATABASE smith;
\c smith
CREATE EXTENSION migration_helpers;
CREATE TABLE users (id bigint PRIMARY KEY, first_name text, last_name text, full_name text, score int);
INSERT INTO users (id, first_name, last_name, score) SELECT g, 'f' || g, 'l' || g, g % 7 FROM generate_series(1, 2000) g;
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz, kind text, payload jsonb);
INSERT INTO events (at, kind, payload) SELECT now() - g * interval '1 min', 'k' || g % 5, jsonb_build_object('g', g) FROM generate_series(1, 2000) g;
ANALYZE;
SELECT migration_helpers.start_migration('0041_scores', 'scores are not negative');
SELECT migration_helpers.add_check('0041_scores', 'users', 'users_score_nonneg', 'score >= 0');
SELECT migration_helpers.complete_migration('0041_scores');
BEGIN;
SET LOCAL migration_helpers.allow = 'index_not_concurrent';
CREATE INDEX users_score ON users (score);
COMMIT;
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$);
SELECT migration_helpers.backfill('events', $$kind = upper(kind)$$, batch_size => 100, pause => '10s');
SELECT migration_helpers.backfill('users', 'score = score / 0');
SELECT migration_helpers.backfill_wait(1, '60s');
SQL
# the slow job on events paused once it has started; the failing one failed
cluster_psql "$work" "$PORT" -d smith >>"$work/setup.log" 2>&1 <<'SQL'
DO $$ BEGIN FOR i IN 1..300 LOOP
	EXIT WHEN (SELECT rows_done FROM migration_helpers.backfills WHERE id = 2) > 0
		AND (SELECT status FROM migration_helpers.backfills WHERE id = 3) = 'failed';
	PERFORM pg_sleep(0.1); END LOOP; END $$;
SELECT migration_helpers.backfill_pause(2);
-- a migration left unfinished: a backfilled column and an index built by a worker
SELECT migration_helpers.start_migration('0042_events_note', 'events get a note');
SELECT migration_helpers.add_column('0042_events_note', 'events', 'note', 'text', backfill_expr => 'kind');
SELECT migration_helpers.add_index('0042_events_note', 'events', 'kind');
SQL
cluster_psql "$work" "$PORT" -d smith -c "CALL migration_helpers.migration_wait('0042_events_note', '60s')" \
	>>"$work/setup.log" 2>&1
state=$(cluster_psql "$work" "$PORT" -d smith -At -c "SELECT string_agg(id || ':' || status, ' ' ORDER BY id)
	FROM migration_helpers.backfills")
echo "== state: jobs $state; migrations $(cluster_psql "$work" "$PORT" -d smith -At -c "SELECT string_agg(name || ':' ||
	phase, ' ' ORDER BY id) || '; ' || (SELECT count(*) FROM migration_helpers.ddl_log) || ' ddl_log rows'
	FROM migration_helpers.migrations")"
start=$(cluster_psql "$work" "$PORT" -d smith -At -c 'SELECT pg_postmaster_start_time()')

echo "== sqlsmith --seed=$seed --max-queries=$queries"
t0=$(date +%s)
sqlsmith --verbose --dump-all-queries --seed="$seed" --max-queries="$queries" \
	--target="host=$work port=$PORT dbname=smith user=postgres" >"$work/queries.sql" 2>"$work/sqlsmith.log"
rc=$?
secs=$(($(date +%s) - t0))

# Queries sqlsmith reports having run; errors it met (a random query mostly fails
# on types, division by zero, timeouts: that is expected); crashes in the server log.
ran=$(grep -oE 'queries: [0-9]+' "$work/sqlsmith.log" | tail -1 | grep -oE '[0-9]+')
crashes=$(grep -cE 'was terminated by signal|terminating any other active server processes|server process .* exited with exit code [^01]' \
	"$work/server.log" || true)
alive=$(cluster_psql "$work" "$PORT" -d smith -At -c 'SELECT pg_postmaster_start_time()' 2>/dev/null)
[ "$alive" = "$start" ] || crashes=$((crashes > 0 ? crashes : 1))   # reinitialised or gone
ext=$(grep -o 'migration_helpers\.[a-z_]*' "$work/queries.sql" | sort | uniq -c | sort -rn)
echo "== queries naming the extension's objects: $(grep -c 'migration_helpers\.' "$work/queries.sql" || true) lines;" \
	"most used: $(echo "$ext" | head -6 | awk '{printf "%s %s, ", $2, $1}')"
echo "== calls of the extension's functions: $(grep -o 'migration_helpers\.[a-z_]*(' "$work/queries.sql" | sort |
	uniq -c | sort -rn | awk '{printf "%s) %s, ", $2, $1}')"
echo "== sqlsmith exit $rc after ${secs}s; error kinds it met, most frequent first:"
# (sqlsmith repeats its cumulative error table in every progress report: keep the last count of each)
grep -E '^ *[0-9]+\s+ERROR' "$work/sqlsmith.log" | awk -F'\t' '{n[$2] = $1} END {for (m in n) print n[m] "\t" m}' |
	sort -rn | head -8 | sed 's/^ */   /'
grep -E 'was terminated by signal' "$work/server.log" | head -5 | sed 's/^/   /'
echo "logs: $work (sqlsmith.log, queries.sql, server.log)"
echo "sqlsmith: ${ran:-0} queries, crashes: $crashes"
[ "$crashes" -eq 0 ] && [ "${ran:-0}" -gt 0 ]
