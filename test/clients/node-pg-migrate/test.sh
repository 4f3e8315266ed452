#!/usr/bin/env bash
# node-pg-migrate (npm) as an ordinary role; see ../README.md, "node-pg-migrate".
. ../lib.sh
src=$PWD work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r migrations "$work/"
cd "$work"
export DATABASE_URL="postgresql://$PGUSER@localhost/$PGDATABASE?host=$PGHOST&port=$PGPORT"
# --no-single-transaction: one transaction per migration, so that the next migration's
# backfill_wait() sees the job the previous one started (see ../README.md)
npm_migrate() { node "$src/node_modules/.bin/node-pg-migrate" "$@" --no-single-transaction; }
step() { cp "$src/steps/$1.js" migrations/; }
applied() { app_sql "SELECT count(*) FROM pgmigrations"; }

# 1. first migration on a fresh database
expect_pass "node-pg-migrate: up (initial) on a fresh database" npm_migrate up
check "node-pg-migrate: pgmigrations has 1 row" test "$(applied)" = 1
fill_users 500
app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null

# 2. unsafe changes as pgm.* writes them (node-pg-migrate prints the whole pg error: code MH001 too)
MH_CODE_SHOWN=1
try_unsafe() { # try_unsafe NAME RULE SAFE
	cp "$src/steps/unsafe_$1.js" migrations/1700000000002_unsafe_$1.js
	expect_mh001 "node-pg-migrate: $1 (pgm.* as written)" "$2" "$3" npm_migrate up
	check "node-pg-migrate: $1 not recorded in pgmigrations" test "$(applied)" = 1
	rm -f migrations/1700000000002_unsafe_$1.js
}
try_unsafe index index_not_concurrent "CREATE INDEX CONCURRENTLY"
try_unsafe rename rename_column "use migration_helpers.rename_column()"
try_unsafe not_null set_not_null "NOT VALID"
try_unsafe fk add_foreign_key "NOT VALID"
check "node-pg-migrate: nothing half applied (no index, no FK, email as it was)" test "$(app_sql "SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = 'users' AND indexname <> 'users_pkey') + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND is_nullable = 'YES')")" = 1

# 3. the safe index: noTransaction() + concurrently
step 1700000000002_users_email_idx
expect_pass "node-pg-migrate: createIndex({concurrently}) with noTransaction() passes" npm_migrate up
check "node-pg-migrate: users_email_index valid, recorded" bash -c "[ \"\$(psql -XqAt -c \"SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary\")\" = t ] && [ \"\$(psql -XqAt -c 'SELECT count(*) FROM pgmigrations')\" = 2 ]"

# 4. full_name in three migrations, one `up`
step 1700000000003_full_name; step 1700000000004_full_name_check; step 1700000000005_full_name_not_null
# the trap first: node-pg-migrate's default --single-transaction puts backfill_wait()
# in the transaction that started the job
expect_error "node-pg-migrate: the same with the default --single-transaction" "was started in this transaction" "wait in the next one" node "$src/node_modules/.bin/node-pg-migrate" up
check "node-pg-migrate: ... rolled back whole: 2 recorded, no full_name, no job" test "$(applied):$(app_sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'full_name'"):$(app_sql "SELECT count(*) FROM migration_helpers.backfills")" = 2:0:0
expect_pass "node-pg-migrate: 3 addColumn + backfill(), 4 backfill_wait + CHECK NOT VALID, 5 VALIDATE + notNull" npm_migrate up
check "node-pg-migrate: full_name filled and NOT NULL, 5 migrations recorded" bash -c "$(declare -f full_name_done app_sql); full_name_done && [ \"\$(app_sql 'SELECT count(*) FROM pgmigrations')\" = 5 ]"

# 3b. the safe foreign key: addConstraint with NOT VALID, VALIDATE in the next migration
step 1700000000006_fk_not_valid; step 1700000000007_fk_validate
expect_pass "node-pg-migrate: addConstraint('... NOT VALID'), then VALIDATE in the next migration" npm_migrate up
check "node-pg-migrate: orders_user_id_fkey validated, 7 recorded" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'"):$(applied)" t:7

# 4b. the same full_name change through the expand-contract helpers (pgm.sql), in a fresh database
# from initial: A in its migration's transaction; the old version inserts; a noTransaction()
# migration waits; B (contract) and C (drop first_name, last_name) in transactions
ec_work() { # ec_work DB: a fresh database and migrations folder with initial and the helper migrations
	fresh_db "$1" && export PGDATABASE=$1 DATABASE_URL="postgresql://$PGUSER@localhost/$1?host=$PGHOST&port=$PGPORT"
	rm -rf "$work-$1" && mkdir -p "$work-$1/migrations" && cp "$src/migrations/"*.js "$work-$1/migrations/" &&
	cd "$work-$1" && for f in "$src"/steps/ec_*.js; do cp "$f" "migrations/${f##*/ec_}" || return 1; done
}
names() { app_sql "SELECT string_agg(name, ',' ORDER BY id) FROM pgmigrations"; }
db0=$PGDATABASE
(
	ec_work "${db0}_ec" || exit 1
	expect_pass "node-pg-migrate ec: up 1 (initial) on a fresh database" npm_migrate up 1
	fill_users 500
	expect_pass "node-pg-migrate ec: up 1: A (start_migration, add_column backfill_expr, add_not_null, add_index) with pgm.sql" npm_migrate up 1
	old_app_insert 20
	check "node-pg-migrate ec: 20 rows inserted by the old version (no full_name) filled by the trigger" old_rows_filled 20
	# under the default --single-transaction too: noTransaction() commits the run's transaction first
	expect_pass "node-pg-migrate ec: up 2 (--single-transaction, the default): CALL migration_wait (noTransaction), then B complete_migration" node "$src/node_modules/.bin/node-pg-migrate" up 2
	check "node-pg-migrate ec: every row's full_name = first_name || ' ' || last_name, NOT NULL, indexed; completed, no trigger or check left" ec_done
	expect_pass "node-pg-migrate ec: up: C (start_migration, drop_column first_name and last_name, complete_migration)" npm_migrate up
	check "node-pg-migrate ec: C dropped first_name and last_name at its complete_migration" names_dropped
	check "node-pg-migrate ec: pgmigrations records all 5" test_eq "$(names)" 1700000000001_initial,1700000000002_full_name_expand,1700000000003_full_name_wait,1700000000004_full_name_contract,1700000000005_drop_names
)
(
	ec_work "${db0}_abort" || exit 1
	expect_pass "node-pg-migrate abort: up 1 (initial) on a fresh database" npm_migrate up 1
	fill_users 500
	before=$(users_shape)
	expect_pass "node-pg-migrate abort: up 1: A" npm_migrate up 1
	old_app_insert 5
	check "node-pg-migrate abort: the old version's rows filled meanwhile" old_rows_filled 5
	expect_pass "node-pg-migrate abort: down 1 (before B) runs abort_migration" npm_migrate down 1
	check "node-pg-migrate abort: users as before A (columns, constraints, indexes, triggers, functions)" test_eq "$(users_shape)" "$before"
	check "node-pg-migrate abort: the migration is aborted, pgmigrations lists initial only" test_eq "$(ec_phase):$(names)" aborted:1700000000001_initial
)
