#!/usr/bin/env bash
# Sequelize (sequelize-cli, npm) as an ordinary role; see ../README.md, "Sequelize".
. ../lib.sh
src=$PWD work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r .sequelizerc config.js migrations "$work/"
ln -s "$src/node_modules" "$work/node_modules"
cd "$work"
sequelize() { node "$src/node_modules/.bin/sequelize-cli" "$@"; }
step() { cp "$src/steps/$1.js" migrations/; }
applied() { app_sql 'SELECT count(*) FROM "SequelizeMeta"'; }

# 1. first migration on a fresh database
expect_pass "sequelize: db:migrate (initial) on a fresh database" sequelize db:migrate
check "sequelize: SequelizeMeta has 1 row" test "$(applied)" = 1
fill_users 500
app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null

# 2. unsafe changes as queryInterface.* writes them (sequelize-cli prints the primary message only)
try_unsafe() { # try_unsafe NAME RULE SAFE
	cp "$src/steps/unsafe_$1.js" migrations/20240101000002-unsafe-$1.js
	expect_mh001 "sequelize: $1 (queryInterface.* as written)" "$2" "$3" sequelize db:migrate
	check "sequelize: $1 not recorded in SequelizeMeta" test "$(applied)" = 1
	rm -f migrations/20240101000002-unsafe-$1.js
}
try_unsafe index index_not_concurrent "CREATE INDEX CONCURRENTLY"
try_unsafe rename rename_column "add a column with the new name"
try_unsafe not_null set_not_null "NOT VALID"
try_unsafe fk add_foreign_key "NOT VALID"
check "sequelize: nothing half applied (no index, no FK, email as it was)" test "$(app_sql "SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = 'users' AND indexname <> 'users_pkey') + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND is_nullable = 'YES')")" = 1

# 3. the safe index: addIndex({ concurrently: true })
step 20240101000002-users-email-idx
expect_pass "sequelize: addIndex({concurrently: true}) passes" sequelize db:migrate
check "sequelize: users_email_idx valid, recorded" bash -c "[ \"\$(psql -XqAt -c \"SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass\")\" = t ] && [ \"\$(psql -XqAt -c 'SELECT count(*) FROM \"SequelizeMeta\"')\" = 2 ]"

# 4. full_name in three migrations
step 20240101000003-full-name; step 20240101000004-full-name-check
expect_pass "sequelize: 3 addColumn + backfill(), 4 backfill_wait + CHECK NOT VALID" sequelize db:migrate
# the trap: changeColumn(allowNull: false) re-issues TYPE TEXT, which re-checks the CHECK
cp "$src/steps/unsafe_full_name_change_column.js" migrations/20240101000005-unsafe-change-column.js
expect_mh001 "sequelize: 5 VALIDATE + changeColumn(allowNull: false) (re-issues TYPE)" column_type_recheck "leave out the TYPE clause" sequelize db:migrate
check "sequelize: its transaction rolled back (not recorded, check still NOT VALID)" test "$(applied):$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'users_full_name_nn'")" = 4:f
rm -f migrations/20240101000005-unsafe-change-column.js
step 20240101000005-full-name-not-null
expect_pass "sequelize: 5 VALIDATE + raw SET NOT NULL" sequelize db:migrate
check "sequelize: full_name filled and NOT NULL, 5 migrations recorded" bash -c "$(declare -f full_name_done app_sql); full_name_done && [ \"\$(app_sql 'SELECT count(*) FROM \"SequelizeMeta\"')\" = 5 ]"

# 3b. the safe foreign key: NOT VALID, VALIDATE in the next migration
step 20240101000006-fk-not-valid; step 20240101000007-fk-validate
expect_pass "sequelize: FOREIGN KEY ... NOT VALID, then VALIDATE in the next migration" sequelize db:migrate
check "sequelize: orders_user_id_fkey validated, 7 recorded" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'"):$(applied)" t:7
