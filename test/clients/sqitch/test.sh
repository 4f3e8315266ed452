#!/usr/bin/env bash
# Sqitch (Debian sqitch, psql client) as an ordinary role; see ../README.md, "Sqitch".
. ../lib.sh
src=$PWD work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r sqitch.conf sqitch.plan deploy revert verify "$work/"
cd "$work"
export SQITCH_FULLNAME="Client Test" SQITCH_EMAIL="client@example.com" SQITCH_CONFIG="$work/sqitch.conf"
export SQITCH_USER_CONFIG=/dev/null SQITCH_SYSTEM_CONFIG=/dev/null
target="db:pg:$PGDATABASE"
sqitch_() { sqitch --chdir "$work" "$@"; }
n=1
plan_add() { # plan_add CHANGE NOTE: appends a change to the plan, as `sqitch add` does
	n=$((n + 1))
	printf '%s 2024-01-01T00:00:%02dZ Dev <dev@example.com> # %s\n' "$1" "$n" "$2" >>sqitch.plan
}
plan_drop() { sed -i "/^$1 /d" sqitch.plan; }
deployed() { app_sql "SELECT string_agg(change, ',' ORDER BY committed_at) FROM sqitch.changes"; }

# 1. sqitch's registry and the first change on a fresh database
expect_pass "sqitch: deploy (registry + initial) on a fresh database" sqitch_ deploy "$target"
check "sqitch: registry lists initial" test "$(deployed)" = initial
fill_users 500
app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null

# 2. unsafe changes, as sqitch add's template writes them (BEGIN; ...; COMMIT;)
try_unsafe() { # try_unsafe CHANGE RULE SAFE
	plan_add "$1" "unsafe"
	expect_mh001 "sqitch: $1 (psql prints the error, DETAIL and HINT)" "$2" "$3" sqitch_ deploy "$target"
	check "sqitch: $1 not in the registry" test "$(deployed)" = initial
	plan_drop "$1"
}
try_unsafe users_email_idx_unsafe index_not_concurrent "CREATE INDEX CONCURRENTLY"
try_unsafe rename_email_unsafe rename_column "use migration_helpers.rename_column()"
try_unsafe email_not_null_unsafe set_not_null "NOT VALID"
try_unsafe orders_user_fk_unsafe add_foreign_key "NOT VALID"
check "sqitch: nothing half applied (no index, no FK, email as it was)" test "$(app_sql "SELECT (SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_idx') + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND is_nullable = 'YES')")" = 1

# 3. the safe index: a deploy script without BEGIN/COMMIT
plan_add users_email_idx "index on users.email, concurrently"
expect_pass "sqitch: CREATE INDEX CONCURRENTLY (no BEGIN/COMMIT in the script) passes, verify too" sqitch_ deploy "$target"
check "sqitch: users_email_idx in the registry" test "$(deployed)" = initial,users_email_idx

# The trap: a failing change makes `sqitch deploy` revert every change it deployed in
# that run (--mode all, the default). Here full_name deploys (column added, backfill
# started), then an unsafe change fails, and sqitch runs revert/full_name.sql, whose
# DROP COLUMN the guard blocks in turn (drop_column).
plan_add full_name "full_name: add and backfill"
plan_add orders_user_fk_unsafe "unsafe"
expect_mh001 "sqitch: deploy of full_name + an unsafe FK fails on the FK" add_foreign_key "NOT VALID" sqitch_ deploy "$target"
check "sqitch: ... its automatic revert of full_name is blocked too (drop_column), full_name stays deployed" bash -c "grep -q 'Reverting' '$LAST' && grep -q 'rule drop_column' '$LAST' && [ \"\$(psql -XqAt -c \"SELECT string_agg(change, ',' ORDER BY committed_at) FROM sqitch.changes\")\" = initial,users_email_idx,full_name ]"
plan_drop orders_user_fk_unsafe
# --mode change reverts nothing that deployed before the failing change: what a team
# with live backfills wants (or revert scripts that the guard lets through)

# 4. full_name in three changes, one deploy
plan_add full_name_check "full_name: wait, NOT VALID check"
plan_add full_name_not_null "full_name: validate, NOT NULL"
expect_pass "sqitch: full_name (ADD COLUMN + backfill), full_name_check (backfill_wait + CHECK NOT VALID), full_name_not_null (VALIDATE + SET NOT NULL)" sqitch_ deploy --mode change "$target"
check "sqitch: full_name filled and NOT NULL, every change in the registry" bash -c "$(declare -f full_name_done app_sql); full_name_done && [ \"\$(app_sql \"SELECT string_agg(change, ',' ORDER BY committed_at) FROM sqitch.changes\")\" = initial,users_email_idx,full_name,full_name_check,full_name_not_null ]"

# 3b. the safe foreign key: NOT VALID, VALIDATE in the next change
plan_add orders_user_fk "orders.user_id references users, NOT VALID"
plan_add orders_user_fk_validate "validate orders_user_id_fkey"
expect_pass "sqitch: FOREIGN KEY ... NOT VALID, then VALIDATE in the next change" sqitch_ deploy --mode change "$target"
check "sqitch: orders_user_id_fkey validated, both in the registry" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'"):$(app_sql "SELECT count(*) FROM sqitch.changes WHERE change LIKE 'orders_user_fk%'")" t:2

# 4b. the same full_name change through the expand-contract helpers, in a fresh database from
# initial: A in its change's BEGIN/COMMIT; the old version inserts; a change without BEGIN
# waits; B (contract) and C (drop first_name, last_name) in transactions
ec_work() { # ec_work DB: a fresh database and project whose plan holds initial and the helper changes
	fresh_db "$1" && export PGDATABASE=$1
	target="db:pg:$1" work="$MH_LOGS-work-$1" SQITCH_CONFIG="$MH_LOGS-work-$1/sqitch.conf"
	rm -rf "$work" && mkdir -p "$work" && cp -r "$src/sqitch.conf" "$src/sqitch.plan" "$src/deploy" "$src/revert" "$src/verify" "$work/" &&
	cd "$work" && n=1 &&
	plan_add ec_full_name_expand "full_name: start_migration, add_column, add_not_null, add_index" &&
	plan_add ec_full_name_wait "full_name: wait for the backfill and the index build" &&
	plan_add ec_full_name_contract "full_name: complete_migration" &&
	plan_add ec_drop_names "retire first_name and last_name"
}
db0=$PGDATABASE
(
	ec_work "${db0}_ec" || exit 1
	expect_pass "sqitch ec: deploy --to initial on a fresh database" sqitch_ deploy --to initial "$target"
	fill_users 500
	expect_pass "sqitch ec: A (start_migration, add_column backfill_expr, add_not_null, add_index), verify too" sqitch_ deploy --to ec_full_name_expand "$target"
	old_app_insert 20
	check "sqitch ec: 20 rows inserted by the old version (no full_name) filled by the trigger" old_rows_filled 20
	expect_pass "sqitch ec: CALL migration_wait (no BEGIN/COMMIT), then B complete_migration, verify too" sqitch_ deploy --to ec_full_name_contract "$target"
	check "sqitch ec: every row's full_name = first_name || ' ' || last_name, NOT NULL, indexed; completed, no trigger or check left" ec_done
	expect_pass "sqitch ec: C (start_migration, drop_column first_name and last_name, complete_migration)" sqitch_ deploy "$target"
	check "sqitch ec: C dropped first_name and last_name at its complete_migration" names_dropped
	check "sqitch ec: the registry lists every change" test_eq "$(deployed)" initial,ec_full_name_expand,ec_full_name_wait,ec_full_name_contract,ec_drop_names
)
(
	ec_work "${db0}_abort" || exit 1
	expect_pass "sqitch abort: deploy --to initial on a fresh database" sqitch_ deploy --to initial "$target"
	fill_users 500
	before=$(users_shape)
	expect_pass "sqitch abort: A" sqitch_ deploy --to ec_full_name_expand "$target"
	old_app_insert 5
	check "sqitch abort: the old version's rows filled meanwhile" old_rows_filled 5
	expect_pass "sqitch abort: revert --to initial (before B) runs abort_migration" sqitch_ revert -y --to initial "$target"
	check "sqitch abort: users as before A (columns, constraints, indexes, triggers, functions)" test_eq "$(users_shape)" "$before"
	check "sqitch abort: the migration is aborted, the registry lists initial only" test_eq "$(ec_phase):$(deployed)" aborted:initial
)
