#!/usr/bin/env bash
# scripts/valgrind.sh — the regression suite once under valgrind memcheck.
#
# Builds and installs the extension into the server of $PG_CONFIG, starts a
# throwaway cluster whose postmaster (and so every backend and background
# worker it forks) runs under memcheck with PostgreSQL's own suppressions
# (src/tools/valgrind.supp of the server's source), runs `make installcheck`
# (the pg_regress suite, library preloaded) against it, and reports the errors
# memcheck found: all of them, and those with a frame in the extension
# (migration_helpers.so). Exits non-zero when an error has a frame in the
# extension. Slow: about 10-30 minutes on two cores.
#
#   PG_CONFIG=/path/to/pg_config scripts/valgrind.sh
#   VALGRIND_SUPP=path     a valgrind.supp to use instead of fetching it
#   KEEP=1                 keep the data directory (logs are always kept)
#   scripts/valgrind.sh --report DIR   classify the errors of an earlier run again
#
# The suppressions come from the Debian source package of the server
# (apt-get source, with a private apt configuration under the work directory:
# the system's apt sources are not changed); any 15.x version serves.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${PG_CONFIG:=pg_config}"
export PG_CONFIG
. scripts/cluster.sh
PORT=${PORT:-5497}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

# report DIR: classifies every memcheck error in DIR/vg/*.log by the first frame
# of its stack that is neither libc, libstdc++ nor valgrind's: the server
# (postgres) or the extension (a function mh_*, migration_helpers::*, a source
# file of src/, or migration_helpers.so). The same for the stack that created
# an uninitialised value (--track-origins). An error is the extension's when
# either is the extension; errors raised in the server whose stack merely
# passes through the extension (a worker's main calling InitPostgres) are
# counted apart. Debian's server has no symbols for its static functions, so
# PostgreSQL's suppressions that name them cannot match: those errors stay
# listed as the server's.
report() {
	local dir=$1
	python3 - "$dir" $(find src -name '*.[ch]pp' -printf '%f\n' | sort -u) <<'PY'
import glob, re, sys
d, names = sys.argv[1], sys.argv[2:]
ext_re = re.compile(r"\bmh_\w+|migration_helpers|\((?:%s):\d+\)" % "|".join(map(re.escape, names)))
frame_re = re.compile(r"^\s+(?:at|by) 0x[0-9A-Fa-f]+: (.*)$")
def kind(f):
    if ext_re.search(f): return "extension"
    if "/bin/postgres)" in f: return "server"
    return None
def first(frames):
    for f in frames:
        k = kind(f)
        if k: return k, f
    return None, None
total = reached = ext = 0
lines_out = []
for log in sorted(glob.glob(d + "/vg/*.log")):
    block = None
    for line in open(log, errors="replace"):
        line = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
        if "VALGRINDERROR-BEGIN" in line: block = []; continue
        if "VALGRINDERROR-END" in line and block is not None:
            total += 1
            stacks, cur = [], None
            for l in block:
                m = frame_re.match(l)
                if m:
                    if cur is None: cur = []; stacks.append(cur)
                    cur.append(m.group(1))
                else:
                    cur = None
            main = stacks[0] if stacks else []
            raised, at = first(main)
            origin, oat = first(stacks[1]) if len(stacks) > 1 and any("created by" in l for l in block) else (None, None)
            passes = any(kind(f) == "extension" for s in stacks for f in s)
            if raised == "extension" or origin == "extension":
                ext += 1
                lines_out.append("EXTENSION %s: %s | at %s | origin %s" % (log.rsplit("/", 1)[1], block[0], at, oat))
            elif passes:
                reached += 1
                lines_out.append("server (through the extension) %s: %s | at %s" % (log.rsplit("/", 1)[1], block[0], at))
            block = None
            continue
        if block is not None: block.append(line)
open(d + "/classified.txt", "w").write("\n".join(lines_out) + "\n")
print("== memcheck errors: %d; raised in the server: %d (of them %d with the extension further up the stack); "
      "in a frame of the extension: %d" % (total, total - ext, reached, ext))
for l in lines_out: print("   " + l)
sys.exit(1 if ext else 0)
PY
}
if [ "${1:-}" = "--report" ]; then report "$2"; exit; fi

command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind >/dev/null

work=$(mktemp -d /tmp/mh-valgrind.XXXXXX)
chmod 755 "$work"
echo "== work directory $work"

# --- PostgreSQL's suppressions ---
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
supp=${VALGRIND_SUPP:-}
if [ -z "$supp" ]; then
	apt="$work/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src"
	printf 'deb-src http://deb.debian.org/debian %s main\n' "$(. /etc/os-release && echo "$VERSION_CODENAME")" \
		>"$apt/sources.list"
	aptopts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User="$(id -un)")
	apt-get "${aptopts[@]}" -qq update >"$apt/update.log" 2>&1
	version=$(apt-cache "${aptopts[@]}" showsrc "postgresql-$major" | sed -n 's/^Version: //p' | sort -V | tail -1)
	(cd "$apt/src" && apt-get "${aptopts[@]}" -qq source --download-only "postgresql-$major=$version") \
		>"$apt/source.log" 2>&1
	tar -xjf "$apt"/src/postgresql-"$major"_*.orig.tar.bz2 --wildcards -O '*/src/tools/valgrind.supp' \
		>"$work/valgrind.supp" 2>/dev/null
	supp="$work/valgrind.supp"
	echo "== suppressions: src/tools/valgrind.supp of postgresql-$major $version"
fi
[ -s "$supp" ] || { echo "no valgrind suppressions (set VALGRIND_SUPP=path/to/valgrind.supp)"; exit 2; }
cp "$supp" "$work/valgrind.supp" 2>/dev/null || true

# --- build and install into the server of $PG_CONFIG ---
echo "== building and installing into $("$PG_CONFIG" --pkglibdir)"
make -s -j2 PG_CONFIG="$PG_CONFIG" >"$work/build.log" 2>&1 &&
	$SUDO make -s install PG_CONFIG="$PG_CONFIG" >>"$work/build.log" 2>&1 ||
	{ tail -20 "$work/build.log"; exit 2; }

# --- a cluster whose postmaster runs under memcheck ---
cluster_init "$work"
mkdir -p "$work/vg"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/vg" "$work/valgrind.supp"
cleanup() { cluster_stop "$work"; [ -n "${KEEP:-}" ] || rm -rf "$work/data"; }
trap cleanup EXIT
as_owner valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=yes --num-callers=30 \
	--leak-check=no --gen-suppressions=all --suppressions="$work/valgrind.supp" \
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END --log-file="$work/vg/%p.log" \
	"$PG_BINDIR/postgres" -D "$work/data" -p "$PORT" -k "$work" -c listen_addresses= \
	-c shared_preload_libraries=migration_helpers -c fsync=off \
	>"$work/server.log" 2>&1 &
for _ in $(seq 600); do
	"$PG_BINDIR/pg_isready" -q -h "$work" -p "$PORT" && break
	sleep 1
done
"$PG_BINDIR/pg_isready" -q -h "$work" -p "$PORT" || { tail -20 "$work/server.log"; exit 2; }

# --- the regression suite, once ---
echo "== make installcheck under valgrind (pg_regress)"
start=$(date +%s)
PGHOST=$work PGPORT=$PORT PGUSER=postgres make installcheck PG_CONFIG="$PG_CONFIG" TAP_TESTS= ISOLATION= \
	>"$work/regress.log" 2>&1
ok=$(grep -cE '\.\.\. ok|^ok ' "$work/regress.log" || true)
bad=$(grep -cE '\.\.\. FAILED|^not ok ' "$work/regress.log" || true)
echo "== regression tests under valgrind: $ok passed, $bad failed ($(($(date +%s) - start)) s)"
[ "$bad" -eq 0 ] || cp regression.diffs "$work/" 2>/dev/null
cluster_stop "$work"
wait

# --- what memcheck found ---
report "$work"
