#!/usr/bin/env bash
# test/clients/run.sh — migration_helpers under the migration tools teams use.
#
#   test/clients/run.sh [--bindir DIR] [--port N] [--keep] [TOOL ...]
#
# Starts a throwaway cluster from DIR (default: `$PG_CONFIG --bindir`, or the
# pg_config on PATH) with shared_preload_libraries=migration_helpers, and for
# each tool creates an ORDINARY role (LOGIN, owner of its own database) and a
# database where a superuser created the extension first. Each tool's
# test/clients/<tool>/test.sh then drives the real tool as that role and prints
# "ok - ..." / "not ok - ..." lines; this script prints them per tool and ONE
# closing line "N passed, N failed". A tool that cannot be installed here
# prints one line "<tool>: not run: <reason>" and counts neither way.
#
# Installs what it needs: Debian packages with apt-get (python3-django,
# python3-alembic, python3-psycopg2, sqitch, libdbd-pg-perl; nodejs and npm when
# there is no npm) and `npm ci` in
# each npm tool's folder from its committed package-lock.json.
# The extension must already be installed into DIR's server (make install).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=5496
keep=0
bindir=""
tools=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bindir) bindir=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) tools+=("$1"); shift ;;
	esac
done
[ ${#tools[@]} -gt 0 ] || tools=(django alembic sqitch node-pg-migrate drizzle sequelize prisma)
if [ -z "$bindir" ]; then
	bindir=$("${PG_CONFIG:-pg_config}" --bindir) || { echo "no pg_config: pass --bindir"; echo "0 passed, 1 failed"; exit 1; }
fi
export PATH="$bindir:$PATH"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; AS_PG="runuser -u postgres --"; else SUDO="sudo"; AS_PG=""; fi
start=$(date +%s)

# --- packages ---
DEB=(python3-django python3-alembic python3-psycopg2 sqitch libdbd-pg-perl)
missing=()
for p in "${DEB[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing: ${missing[*]}"
	$SUDO apt-get update -qq >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		echo "== apt-get install failed (the tools that need it report why)"
fi
npm_ready() { # npm_ready DIR: node_modules matching the lock file, installed once
	local d=$1
	command -v npm >/dev/null || { echo "npm not installed"; return 1; }
	if [ ! -f "$d/node_modules/.package-lock.json" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
		(cd "$d" && npm ci --no-audit --no-fund --loglevel=error >"$logs/npm-$(basename "$d").log" 2>&1) ||
			{ echo "npm ci failed: $(tail -3 "$logs/npm-$(basename "$d").log" | tr '\n' ' ')"; return 1; }
	fi
	return 0
}

# --- cluster (on the first free port from --port on) ---
while [ -e "/tmp/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port.lock" ]; do port=$((port + 1)); done
logs=$(mktemp -d /tmp/mh-clients.XXXXXX)
chmod 755 "$logs"
data="$logs/data"
mkdir -m 700 "$data"
[ "$(id -u)" -eq 0 ] && chown postgres: "$data"
$AS_PG "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync >"$logs/initdb.log" 2>&1 ||
	{ cat "$logs/initdb.log"; echo "0 passed, 1 failed"; exit 1; }
cat >>"$data/postgresql.conf" <<EOF
port = $port
listen_addresses = ''
unix_socket_directories = '/tmp'
shared_preload_libraries = 'migration_helpers'
fsync = off
max_connections = 60
EOF
$AS_PG "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null ||
	{ tail -20 "$data/server.log"; echo "0 passed, 1 failed"; exit 1; }
stop_cluster() {
	[ "$keep" = 1 ] && { echo "cluster kept: $data (port $port)"; return; }
	$AS_PG "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1
	cp "$data/server.log" "$logs/server.log" 2>/dev/null
	rm -rf "$data"
}
trap stop_cluster EXIT

export PGHOST=/tmp PGPORT=$port
SUPER_PSQL=(psql -X -q -v ON_ERROR_STOP=1 -U postgres)
passed=0 failed=0
for tool in "${tools[@]}"; do
	dir="$here/$tool"
	# a tool may say why it cannot run here (one line), before any database exists
	if [ -x "$dir/available.sh" ]; then
		reason=$("$dir/available.sh" 2>&1) || { echo "$tool: not run: $(echo "$reason" | tail -1)"; continue; }
	fi
	[ -x "$dir/test.sh" ] || { echo "$tool: no test ($dir/test.sh)"; failed=$((failed + 1)); continue; }
	if [ -f "$dir/package-lock.json" ]; then
		reason=$(npm_ready "$dir") || { echo "$tool: not run: $reason"; continue; }
	fi
	role="app_${tool//-/_}" db="app_${tool//-/_}"
	"${SUPER_PSQL[@]}" -d postgres <<-SQL >"$logs/$tool-setup.log" 2>&1
		DROP DATABASE IF EXISTS $db;
		DROP ROLE IF EXISTS $role;
		CREATE ROLE $role LOGIN;
		CREATE DATABASE $db OWNER $role;
		\c $db
		CREATE EXTENSION migration_helpers;
		ALTER SCHEMA public OWNER TO $role;
	SQL
	[ $? -eq 0 ] || { echo "$tool: cluster setup failed"; cat "$logs/$tool-setup.log"; failed=$((failed + 1)); continue; }
	t0=$(date +%s)
	out="$logs/$tool.out"
	(cd "$dir" && PGUSER=$role PGDATABASE=$db MH_SUPERUSER=postgres MH_LOGS="$logs/$tool" \
		timeout 300 ./test.sh) >"$out" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; echo "not ok - $tool: test.sh exited $rc" >>"$out"; fi
	[ $((ok + bad)) -gt 0 ] || { bad=1; echo "not ok - $tool: ran no check" >>"$out"; }
	printf '== %-16s %d passed, %d failed (%ds)\n' "$tool" "$ok" "$bad" $(($(date +%s) - t0))
	grep -E '^(ok|not ok|#) ' "$out" | sed 's/^/   /'
	[ "$bad" -eq 0 ] || { echo "   --- last output of $tool ($out):"; tail -40 "$out" | sed 's/^/   | /'; }
	passed=$((passed + ok)); failed=$((failed + bad))
done
echo "== logs: $logs ($(($(date +%s) - start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
