#!/usr/bin/env bash
# scripts/package.sh — builds the Debian package postgresql-15-migration-helpers
# with pg_buildext (its build runs the regression and isolation suites), then
# installs it on a clean cluster and creates the extension there. Ends with
# "package: pass" or "package: FAIL".
#
# Nothing is installed into the system's PostgreSQL: the install test extracts
# the package (dpkg -x) into a fresh relocated PostgreSQL tree and runs that
# tree's server. The tree is a copy of $PG_ROOT when set (a directory holding
# usr/lib/postgresql/15 and usr/share/postgresql/15, e.g. the postgresql-15,
# postgresql-client-15 and postgresql-server-dev-15 packages extracted with
# dpkg -x); otherwise those three packages are fetched with apt-get download
# and extracted. The build-time tests run on the same tree (MH_PG_ROOT, see
# debian/rules).
#
#   scripts/package.sh                    OUT=dir keeps the .deb there (default: the work directory)
#   PG_ROOT=/opt/pg scripts/package.sh
#   NOCHECK=1                             build without the build-time tests
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
version=$(sed -n 's/^default_version *= *.\([0-9.]*\).*/\1/p' migration_helpers.control)
pgv=$(cat debian/pgversions | tr -dc '0-9')
pkg=postgresql-$pgv-migration-helpers
PORT=${PORT:-5495}
fail() { echo "$*"; echo "package: FAIL"; exit 1; }

# --- what the build needs (debian/control Build-Depends, and dpkg-dev) ---
missing=()
for p in debhelper postgresql-server-dev-all dpkg-dev fakeroot; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get failed"
fi

work=$(mktemp -d /tmp/mh-package.XXXXXX)
chmod 755 "$work"
echo "== work directory $work"

# --- META.json agrees with the control file ---
python3 - "$version" <<'PY' || fail "META.json is not valid"
import json, sys
m = json.load(open("META.json"))
want = sys.argv[1] + ".0" if sys.argv[1].count(".") == 1 else sys.argv[1]
for k in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
    assert k in m, "META.json lacks " + k
assert m["version"] == want and m["provides"]["migration_helpers"]["version"] == want, \
    "META.json version %s, control file %s" % (m["version"], want)
print("== META.json: version %s, as migration_helpers.control" % m["version"])
PY

# --- a clean relocated PostgreSQL tree ---
root="$work/root"
if [ -n "${PG_ROOT:-}" ]; then
	cp -a "$PG_ROOT" "$root" || fail "cannot copy $PG_ROOT"
	echo "== PostgreSQL tree: copy of $PG_ROOT"
else
	mkdir -p "$work/debs" "$root"
	(cd "$work/debs" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "postgresql-$pgv" "postgresql-client-$pgv" \
		"postgresql-server-dev-$pgv") || fail "apt-get download failed"
	for d in "$work"/debs/*.deb; do dpkg -x "$d" "$root"; done
	echo "== PostgreSQL tree: $(cd "$work/debs" && ls | tr '\n' ' ')extracted"
fi
# clean: no copy of the extension may be in it before the package's
rm -f "$root/usr/lib/postgresql/$pgv/lib/migration_helpers.so" \
	"$root/usr/share/postgresql/$pgv/extension/migration_helpers"*
rm -rf "$root/usr/lib/postgresql/$pgv/lib/bitcode/migration_helpers"*
bindir="$root/usr/lib/postgresql/$pgv/bin"
[ -x "$bindir/postgres" ] || fail "no server in $root"

# --- build the package from a copy of the sources (tracked and new files, not ignored ones):
# the work tree stays clean ---
src="$work/migration-helpers-$version"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src" || fail "cannot copy the sources"
[ "$(id -u)" -ne 0 ] || chown -R postgres: "$work"   # the test cluster's server reads the built files
echo "== dpkg-buildpackage (pg_buildext; build-time tests ${NOCHECK:+skipped}${NOCHECK:-on $bindir})"
(cd "$src" && MH_PG_ROOT="$root" DEB_BUILD_OPTIONS="${NOCHECK:+nocheck}" \
	dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1 || { tail -60 "$work/build.log"; fail "build failed"; }
deb=$(ls "$work"/${pkg}_*.deb 2>/dev/null | grep -v dbgsym | head -1)
[ -f "$deb" ] || fail "no $pkg .deb built"
if [ -z "${NOCHECK:-}" ]; then   # pg_regress's summaries: regression, then isolation
	echo "== build-time tests: $(grep -E '^ *(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "$work/build.log" |
		sed -E 's/^ +| +$//g' | paste -sd ';' -)"
fi
echo "== built $(basename "$deb")"
dpkg-deb -f "$deb" Package Version Depends | sed 's/^/   /'
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp "$work"/*.deb "$OUT/"; fi

# --- install the package into the clean tree ---
dpkg -x "$deb" "$work/pkgroot"
for f in usr/lib/postgresql/$pgv/lib/migration_helpers.so usr/share/postgresql/$pgv/extension/migration_helpers.control; do
	[ -f "$work/pkgroot/$f" ] || fail "the package lacks $f"
done
cp -a "$work/pkgroot/usr/." "$root/usr/"
echo "== installed: $(cd "$work/pkgroot" && find . -type f | grep -c .) files of the package into $root"

# --- a clean cluster: preload the library, create the extension, use it (the guard,
# a backfill worker, a migration whose index a migrate worker builds) ---
. scripts/cluster.sh
PG_BINDIR=$bindir
cluster="$work/cluster"
trap 'cluster_stop "$cluster"' EXIT
cluster_init "$cluster" || fail "initdb failed"
cluster_start "$cluster" "$PORT" -c shared_preload_libraries=migration_helpers || { cat "$cluster/server.log"; fail "server start failed"; }
out=$(cluster_psql "$cluster" "$PORT" -d postgres -At <<'SQL' 2>&1
CREATE EXTENSION migration_helpers;
SELECT 'version ' || extversion FROM pg_extension WHERE extname = 'migration_helpers';
SELECT 'rules ' || (count(*) > 0) FROM migration_helpers.rules();
SELECT 'event triggers ' || string_agg(evtname || ':' || evtenabled::text, ',' ORDER BY evtname)
FROM pg_event_trigger WHERE evtname LIKE 'migration_helpers%';
CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
DO $$ BEGIN CREATE INDEX t_v ON t (v); RAISE EXCEPTION 'not blocked';
EXCEPTION WHEN SQLSTATE 'MH001' THEN RAISE NOTICE 'guard: % blocked', SQLSTATE; END $$;
SELECT 'job ' || migration_helpers.backfill('t', 'v = -v');
SELECT 'backfill ' || migration_helpers.backfill_wait(relation => 't', timeout => '60s');
SELECT 'rows ' || count(*) FILTER (WHERE v < 0) FROM t;
SELECT 'migration ' || migration_helpers.start_migration('pkg_index');
SELECT 'step ' || migration_helpers.add_index('pkg_index', 't', 'v');
CALL migration_helpers.migration_wait('pkg_index');
SELECT 'contract ' || migration_helpers.complete_migration('pkg_index');
SELECT 'index ' || indexrelid::regclass || ' valid ' || indisvalid FROM pg_index WHERE indrelid = 't'::regclass
	AND NOT indisprimary;
DROP EXTENSION migration_helpers;
SELECT 'after drop ' || count(*) FROM pg_namespace WHERE nspname = 'migration_helpers';
SQL
)
echo "$out" | sed 's/^/   /'
expect=("version $version" "rules true" "backfill succeeded"
	"event triggers migration_helpers_ddl_command_end:A,migration_helpers_ddl_command_start:A,migration_helpers_table_rewrite:A"
	"guard: MH001 blocked" "rows 1000" "contract completed" "index t_v_idx valid true" "after drop 0")
for e in "${expect[@]}"; do
	grep -qF -- "$e" <<<"$out" || { tail -20 "$cluster/server.log"; fail "install test: expected \"$e\""; }
done
cluster_stop "$cluster"
echo "logs: $work"
echo "package: pass"
