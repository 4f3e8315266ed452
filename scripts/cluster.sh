# scripts/cluster.sh — a throwaway PostgreSQL cluster for the on-demand
# scripts (valgrind.sh, sqlsmith.sh, package.sh). Sourced, not run.
#
# The cluster belongs to the server of $PG_CONFIG (default: pg_config on
# PATH), lives in a temporary directory, listens only on a Unix socket in
# that directory, and runs as the postgres user when the caller is root
# (initdb refuses root). Nothing outside the directory is touched.
#
#   cluster_init DIR [initdb options]    data directory DIR/data
#   cluster_start DIR PORT [postgres options]
#   cluster_psql DIR PORT psql-arguments...
#   cluster_stop DIR                     fast shutdown, if running

: "${PG_CONFIG:=pg_config}"
PG_BINDIR=$("$PG_CONFIG" --bindir)

# as_owner: runs a command as the cluster's owner (postgres when we are root).
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_init() {
	local dir=$1; shift
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
	as_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust --no-sync "$@" >"$dir/initdb.log" 2>&1
}

cluster_start() {
	local dir=$1 port=$2; shift 2
	as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 600 \
		-o "-p $port -k $dir -c listen_addresses= $*" start >/dev/null
}

cluster_psql() {
	local dir=$1 port=$2; shift 2
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"
}

cluster_stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -w -t 600 -m fast stop >/dev/null
}
