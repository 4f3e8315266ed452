#!/usr/bin/env bash
# Alembic (Debian python3-alembic) as an ordinary role; see ../README.md, "Alembic".
. ../lib.sh
src=$PWD work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r alembic.ini migrations "$work/"
cd "$work"
alembic() { /usr/bin/python3 -m alembic "$@"; }
step() { cp "$src/steps/$1.py" "migrations/versions/$1.py"; }
version() { app_sql "SELECT string_agg(version_num, ',') FROM alembic_version"; }

# 1. first migration on a fresh database
expect_pass "alembic: upgrade head (0001) on a fresh database" alembic upgrade head
check "alembic: alembic_version at 0001" test "$(version)" = 0001
fill_users 500
app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null

# 2. unsafe operations as op.* writes them
try_unsafe() { # try_unsafe NAME RULE SAFE
	cp "$src/steps/unsafe_0002_$1.py" migrations/versions/0002_unsafe.py
	expect_mh001 "alembic: $1 (op.* as written)" "$2" "$3" alembic upgrade head
	check "alembic: $1 not recorded (alembic_version still 0001)" test "$(version)" = 0001
	rm -f migrations/versions/0002_unsafe.py
}
try_unsafe index index_not_concurrent "CREATE INDEX CONCURRENTLY"
try_unsafe rename rename_column "add a column with the new name"
try_unsafe not_null set_not_null "NOT VALID"
try_unsafe fk add_foreign_key "NOT VALID"
check "alembic: nothing half applied (no index, no FK, email as it was)" test "$(app_sql "SELECT (SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_idx') + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND is_nullable = 'YES')")" = 1

# 3. the safe index: autocommit_block + postgresql_concurrently
step 0002_index
expect_pass "alembic: create_index(postgresql_concurrently=True) in autocommit_block passes" alembic upgrade head
check "alembic: users_email_idx valid, alembic_version 0002" bash -c "[ \"\$(psql -XqAt -c \"SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass\")\" = t ] && [ \"\$(psql -XqAt -c 'SELECT version_num FROM alembic_version')\" = 0002 ]"

# 4. full_name in three migrations, one `upgrade head` (transaction_per_migration)
step 0003_full_name; step 0004_full_name_check; step 0005_full_name_not_null
# the trap first: Alembic's default, one transaction for the whole upgrade, puts
# backfill_wait() in the transaction that started the job
ALEMBIC_ONE_TRANSACTION=1 expect_error "alembic: the same with Alembic's default (one transaction for the whole upgrade)" "was started in this transaction" "wait in the next one" alembic upgrade head
check "alembic: ... rolled back whole: alembic_version 0002, no full_name, no job" test "$(version):$(app_sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'full_name'"):$(app_sql "SELECT count(*) FROM migration_helpers.backfills")" = 0002:0:0
expect_pass "alembic: 0003 add_column + backfill(), 0004 backfill_wait + CHECK NOT VALID, 0005 VALIDATE + nullable=False" alembic upgrade head
check "alembic: full_name filled and NOT NULL, alembic_version 0005" bash -c "$(declare -f full_name_done app_sql); full_name_done && [ \"\$(app_sql 'SELECT version_num FROM alembic_version')\" = 0005 ]"

# 3b. the safe foreign key: postgresql_not_valid=True, VALIDATE in the next revision
step 0006_fk_not_valid; step 0007_fk_validate
expect_pass "alembic: create_foreign_key(postgresql_not_valid=True), then VALIDATE in the next revision" alembic upgrade head
check "alembic: orders_user_id_fkey validated, alembic_version 0007" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'"):$(version)" t:0007

# the escape hatch from a migration: SET LOCAL migration_helpers.allow, logged
step 0008_rename_allowed
expect_pass "alembic: rename with SET LOCAL migration_helpers.allow = 'rename_column' passes" alembic upgrade head
check "alembic: ... logged in ddl_log as allowed, for this role" test_eq "$(app_sql "SELECT count(*) FROM migration_helpers.ddl_log WHERE 'rename_column' = ANY (rules_allowed) AND role_name = current_user")" 1
