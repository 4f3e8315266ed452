# test/clients/lib.sh — sourced by each test/clients/<tool>/test.sh.
# The runner exports PGHOST, PGPORT, PGUSER (an ordinary role owning PGDATABASE),
# PGDATABASE, MH_SUPERUSER and MH_LOGS (a file prefix for this tool's logs).
set -uo pipefail
mkdir -p "$(dirname "$MH_LOGS")"
_n=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check NAME COMMAND...: ok when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
# app_sql SQL: one value, as the tool's role; super_sql SQL: as the superuser
app_sql() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
super_sql() { psql -X -qAt -v ON_ERROR_STOP=1 -U "$MH_SUPERUSER" -c "$1"; }
# run_tool NAME CMD...: runs the tool, output to $MH_LOGS-NAME.log (also in $LAST), returns its status
run_tool() {
	local name=$1; shift
	LAST="$MH_LOGS-$(printf %s "$name" | tr -c "A-Za-z0-9_.-" _ | cut -c1-80).log"
	echo "\$ $*" >"$LAST"
	"$@" >>"$LAST" 2>&1
	local rc=$?
	echo "(exit $rc)" >>"$LAST"
	echo "--- $name (exit $rc): $*"; tail -60 "$LAST"
	return $rc
}
# expect_pass NAME CMD...: the tool's command succeeds
expect_pass() { local name=$1; shift; if run_tool "$name" "$@"; then ok "$name"; else notok "$name (the tool failed, see above)"; fi; }
# expect_mh001 NAME RULE SAFE CMD...: the tool's command fails, and what it printed names
# the rule id and the safe form (and MH001 when the tool shows SQLSTATEs: MH_CODE_SHOWN=1)
expect_mh001() {
	local name=$1 rule=$2 safe=$3; shift 3
	if run_tool "$name" "$@"; then notok "$name: the tool succeeded, expected MH001"; return; fi
	local miss=""
	grep -qF -- "$rule" "$LAST" || miss="$miss rule id '$rule'"
	grep -qiF -- "$safe" "$LAST" || miss="$miss safe form '$safe'"
	if [ "${MH_CODE_SHOWN:-0}" = 1 ]; then grep -qF MH001 "$LAST" || miss="$miss SQLSTATE MH001"; fi
	if [ -z "$miss" ]; then ok "$name: fails, prints rule $rule and '$safe'"; else notok "$name: the output lacks$miss"; fi
}
# the seed table's rows: users(first_name, last_name) filled as the app would
fill_users() { app_sql "INSERT INTO users (first_name, last_name, email) SELECT 'first' || g, 'last' || g, 'u' || g || '@example.com' FROM generate_series(1, ${1:-500}) g" >/dev/null; }
# the last guarded statement failed with MH001 in the server log? (for tools printing nothing)
relation_has_index() { [ "$(app_sql "SELECT count(*) FROM pg_indexes WHERE tablename = '$1' AND indexname = '$2'")" = 1 ]; }
index_is_valid() { [ "$(app_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = '$1'::regclass")" = t ]; }
full_name_done() {
	[ "$(app_sql "SELECT count(*) FROM users WHERE full_name IS DISTINCT FROM first_name || ' ' || last_name")" = 0 ] &&
	[ "$(app_sql "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name'")" = t ]
}
not() { ! "$@"; }
# expect_error NAME TEXT1 TEXT2 CMD...: the command fails and prints both texts (not a guard rule)
expect_error() { MH_CODE_SHOWN=0 expect_mh001 "$@"; }
# test_eq GOT WANT: like test A = B, printing what it got when it differs
test_eq() { [ "$1" = "$2" ] || { echo "# got '$1', want '$2'"; return 1; }; }

# --- the seed's full_name change through the expand-contract helpers (README, "Expand-contract
# migrations"): migration A = start_migration + add_column(backfill_expr) + add_not_null + add_index,
# then the wait, then migration B = complete_migration, then C retires first_name and last_name.
EC=users_full_name
# fresh_db NAME: another database made as run.sh makes the tool's (owned by the tool's role, the
# extension created by the superuser); the scenario runs there on the tool's own initial migration
fresh_db() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -U "$MH_SUPERUSER" -d postgres >/dev/null <<-SQL
		DROP DATABASE IF EXISTS $1;
		CREATE DATABASE $1 OWNER $PGUSER;
		\c $1
		CREATE EXTENSION migration_helpers;
		ALTER SCHEMA public OWNER TO $PGUSER;
	SQL
}
# users_shape: the table's columns, constraints, indexes and triggers and the public functions, in one line
users_shape() {
	app_sql "SELECT concat_ws(' | ',
		(SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
		 FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped),
		(SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'users'::regclass),
		(SELECT string_agg(indexrelid::regclass::text, ', ' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'users'::regclass),
		'triggers: ' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'users'::regclass),
		'functions: ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace))"
}
# ec_phase NAME: the migration's phase in the migrations view (the one not aborted, else the newest)
ec_phase() { app_sql "SELECT phase FROM migration_helpers.migrations WHERE name = '${1:-$EC}' ORDER BY phase = 'aborted', id DESC LIMIT 1"; }
# old_app_insert N: the running (old) application version inserts N users, omitting full_name
old_app_insert() { app_sql "INSERT INTO users (first_name, last_name) SELECT 'old' || g, 'app' || g FROM generate_series(1, $1) g" >/dev/null; }
# old_rows_filled: every row the old version inserted got full_name from the migration's trigger
old_rows_filled() { test_eq "$(app_sql "SELECT count(*) FILTER (WHERE full_name = first_name || ' ' || last_name) || '/' || count(*) FROM users WHERE first_name LIKE 'old%'")" "$1/$1"; }
# ec_wait: between the tool's runs, the asynchronous work (backfill, index build) ends; a procedure
# that commits between polls, so it runs outside a transaction block
ec_wait() { psql -X -q -v ON_ERROR_STOP=1 -c "CALL migration_helpers.migration_wait('$EC', '60s')"; }
# ec_done: every row filled, NOT NULL, the index valid, nothing of the migration's machinery left
ec_done() {
	full_name_done && index_is_valid users_full_name_idx &&
	test_eq "$(ec_phase)" completed &&
	test_eq "$(app_sql "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'users'::regclass")/$(app_sql "SELECT count(*) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c'")" 0/0
}
# names_dropped: migration C's drop_column steps ran at its complete_migration
names_dropped() {
	test_eq "$(app_sql "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped")" "${1:-id,email,full_name}" &&
	test_eq "$(ec_phase users_drop_names)" completed
}
