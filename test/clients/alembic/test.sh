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
try_unsafe rename rename_column "use migration_helpers.rename_column()"
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

# 4b. the same full_name change through the expand-contract helpers (op.execute), in a fresh
# database from 0001: A in its revision's transaction; the old version inserts; then in one
# `upgrade head` under Alembic's default (one transaction for the run): the wait in an
# autocommit_block, B (contract), C (drop first_name, last_name)
ec_work() { # ec_work DB: a fresh database and work folder with 0001 and the helper revisions
	fresh_db "$1" && export PGDATABASE=$1
	rm -rf "$work-$1" && mkdir -p "$work-$1" && cp -r "$src/alembic.ini" "$src/migrations" "$work-$1/" &&
	cd "$work-$1" && for f in 0002_full_name_expand 0003_full_name_wait 0004_full_name_contract 0005_drop_names; do
		cp "$src/steps/ec_$f.py" "migrations/versions/$f.py" || return 1; done
}
db0=$PGDATABASE
(
	ec_work "${db0}_ec" || exit 1
	expect_pass "alembic ec: upgrade 0001 on a fresh database" alembic upgrade 0001
	fill_users 500
	expect_pass "alembic ec: A (start_migration, add_column backfill_expr, add_not_null, add_index) with op.execute" alembic upgrade 0002
	old_app_insert 20
	check "alembic ec: 20 rows inserted by the old version (no full_name) filled by the trigger" old_rows_filled 20
	ALEMBIC_ONE_TRANSACTION=1 expect_pass "alembic ec: one transaction for the run: migration_wait in autocommit_block, then B complete_migration" alembic upgrade 0004
	check "alembic ec: every row's full_name = first_name || ' ' || last_name, NOT NULL, indexed; completed, no trigger or check left" ec_done
	expect_pass "alembic ec: C (start_migration, drop_column first_name and last_name, complete_migration)" alembic upgrade head
	check "alembic ec: C dropped first_name and last_name at its complete_migration" names_dropped
	check "alembic ec: alembic_version at 0005" test_eq "$(version)" 0005
)
(
	ec_work "${db0}_abort" || exit 1
	expect_pass "alembic abort: upgrade 0001 on a fresh database" alembic upgrade 0001
	fill_users 500
	before=$(users_shape)
	expect_pass "alembic abort: A" alembic upgrade 0002
	old_app_insert 5
	check "alembic abort: the old version's rows filled meanwhile" old_rows_filled 5
	expect_pass "alembic abort: downgrade 0001 (before B) runs abort_migration" alembic downgrade 0001
	check "alembic abort: users as before A (columns, constraints, indexes, triggers, functions)" test_eq "$(users_shape)" "$before"
	check "alembic abort: the migration is aborted, alembic_version back at 0001" test_eq "$(ec_phase):$(version)" aborted:0001
)
