#!/usr/bin/env bash
# Django (Debian python3-django) as an ordinary role; see ../README.md, "Django".
. ../lib.sh
suite=$PWD
work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r manage.py mhsite shop "$work/"
cd "$work"
PY=/usr/bin/python3
migrate() { $PY manage.py migrate --no-input "$@"; }
step() { cp "$OLDPWD/steps/$1.py" "shop/migrations/${2:-$1}.py"; }
unstep() { rm -f "shop/migrations/$1.py"; }
recorded() { [ "$(app_sql "SELECT count(*) FROM django_migrations WHERE app = 'shop' AND name = '$1'")" = 1 ]; }
unrecorded() { [ "$(app_sql "SELECT count(*) FROM django_migrations WHERE app = 'shop' AND name = '$1'")" = 0 ]; }

# 1. Django's own setup and the first migration, built-in apps included
expect_pass "django: migrate (admin, auth, contenttypes, sessions, shop 0001) on a fresh database" migrate
check "django: every built-in app recorded" test "$(app_sql "SELECT count(DISTINCT app) FROM django_migrations WHERE app IN ('admin','auth','contenttypes','sessions','shop')")" = 5
fill_users 500
app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null

# 2. unsafe changes as makemigrations writes them, on tables with rows
try_unsafe() { # try_unsafe FILE RULE SAFE: the migration fails with the rule, is not recorded, left nothing
	step "unsafe_0002_$1" "0002_$1"
	expect_mh001 "django: $1 (AddIndex/RenameField/AlterField as generated)" "$2" "$3" migrate shop
	check "django: $1 not recorded in django_migrations" unrecorded "0002_$1"
	unstep "0002_$1"
}
try_unsafe users_email_idx index_not_concurrent "CREATE INDEX CONCURRENTLY"
check "django: no index left behind" test "$(app_sql "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_idx'")" = 0
try_unsafe rename_email rename_column "use migration_helpers.rename_column()"
check "django: column email still there" test "$(app_sql "SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email' AND NOT attisdropped")" = 1
try_unsafe email_not_null set_not_null "NOT VALID"
# ForeignKey(): Django builds the index on the column first, so that is what the guard stops first
try_unsafe order_user_fk index_not_concurrent "CREATE INDEX CONCURRENTLY"
check "django: no constraint or index half applied on orders" test "$(app_sql "SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM pg_indexes WHERE tablename = 'orders' AND indexname <> 'orders_pkey')")" = 0

# 3. the same index, the safe way: AddIndexConcurrently in a non-atomic migration
step 0002_users_email_idx
expect_pass "django: AddIndexConcurrently (atomic = False) passes" migrate shop
check "django: users_email_idx exists and is valid" index_is_valid users_email_idx
check "django: 0002 recorded" recorded 0002_users_email_idx

# 4. full_name: add + backfill in one migration, wait + NOT VALID check in the next, validate + NOT NULL after
step 0003_full_name
expect_pass "django: 0003 AddField + backfill() in Django's transaction" migrate shop
# written as one migration, VALIDATE meets the lock its own NOT VALID step holds
step unsafe_0004_full_name_not_null_at_once 0004_full_name_check
expect_mh001 "django: 0004 with CHECK NOT VALID + VALIDATE + NOT NULL in one migration" validate_after_strong_lock "commit first" migrate shop
check "django: ... not recorded, no check left" test_eq "$(app_sql "SELECT count(*) FROM django_migrations WHERE app = 'shop' AND name LIKE '0004%'"):$(app_sql "SELECT count(*) FROM pg_constraint WHERE conname = 'users_full_name_nn'")" 0:0
step 0004_full_name_check
step 0005_full_name_not_null
expect_pass "django: 0004 backfill_wait + CHECK NOT VALID, 0005 VALIDATE + AlterField NOT NULL" migrate shop
check "django: full_name filled on every row and NOT NULL" full_name_done

# 3b. the safe foreign key: SeparateDatabaseAndState with a NOT VALID constraint, VALIDATE next
step 0006_order_user_fk; step 0007_order_user_fk_validate
expect_pass "django: ForeignKey via SeparateDatabaseAndState + NOT VALID, then VALIDATE in the next migration" migrate shop
check "django: orders_user_id_fkey validated" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'")" t
check "django: showmigrations lists every shop migration applied" test_eq "$($PY manage.py showmigrations shop | grep -c '\[X\]')" 7
check "django: makemigrations --check: models and migrations agree" $PY manage.py makemigrations --check --dry-run shop

# 4b. the same full_name change through the expand-contract helpers (plain SQL in RunSQL), in a
# fresh database from shop 0001: A (expand) in Django's transaction; the old version inserts; a
# non-atomic migration waits; B (contract) and C (drop first_name, last_name) in transactions
ec_work() { # ec_work DB: a fresh database and work folder holding shop 0001 and the helper migrations
	fresh_db "$1" && export PGDATABASE=$1
	rm -rf "$work-$1" && mkdir -p "$work-$1" && cp -r "$suite/manage.py" "$suite/mhsite" "$suite/shop" "$work-$1/" &&
	cd "$work-$1" && for f in 0002_full_name_expand 0003_full_name_wait 0004_full_name_contract 0005_drop_names; do
		cp "$suite/steps/ec_$f.py" "shop/migrations/$f.py" || return 1; done
}
db0=$PGDATABASE
(
	ec_work "${db0}_ec" || exit 1
	expect_pass "django ec: shop 0001 on a fresh database" migrate shop 0001
	fill_users 500
	expect_pass "django ec: A (start_migration, add_column backfill_expr, add_not_null, add_index) in RunSQL" migrate shop 0002
	old_app_insert 20
	check "django ec: 20 rows inserted by the old version (no full_name) filled by the trigger" old_rows_filled 20
	expect_pass "django ec: 0003 (atomic = False) CALL migration_wait, then B complete_migration" migrate shop 0004
	check "django ec: every row's full_name = first_name || ' ' || last_name, NOT NULL, indexed; completed, no trigger or check left" ec_done
	expect_pass "django ec: C (start_migration, drop_column first_name and last_name, complete_migration)" migrate shop
	check "django ec: C dropped first_name and last_name at its complete_migration" names_dropped
	check "django ec: django_migrations records 0001..0005" test_eq "$(app_sql "SELECT string_agg(name, ',' ORDER BY name) FROM django_migrations WHERE app = 'shop'")" 0001_initial,0002_full_name_expand,0003_full_name_wait,0004_full_name_contract,0005_drop_names
)
(
	ec_work "${db0}_abort" || exit 1
	expect_pass "django abort: shop 0001 on a fresh database" migrate shop 0001
	fill_users 500
	before=$(users_shape)
	expect_pass "django abort: A" migrate shop 0002
	old_app_insert 5
	check "django abort: the old version's rows filled meanwhile" old_rows_filled 5
	expect_pass "django abort: migrate shop 0001 (back, before B) runs abort_migration" migrate shop 0001
	check "django abort: users as before A (columns, constraints, indexes, triggers, functions)" test_eq "$(users_shape)" "$before"
	check "django abort: the migration is aborted, 0002 no longer recorded" test_eq "$(ec_phase):$(app_sql "SELECT count(*) FROM django_migrations WHERE app = 'shop' AND name <> '0001_initial'")" aborted:0
	# going forward again: the aborted name starts a new migration, the aborted one kept as history
	expect_pass "django abort: migrate shop 0002 again starts the migration anew" migrate shop 0002
	check "django abort: ... a new migration of the name, the aborted one kept" test_eq "$(app_sql "SELECT string_agg((phase = 'aborted')::text, ',' ORDER BY id) FROM migration_helpers.migrations WHERE name = '$EC'"):$(app_sql "SELECT count(*) FROM django_migrations WHERE app = 'shop'")" "true,false:2"
	check "django abort: ... and users has full_name again" test_eq "$(app_sql "SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name' AND NOT attisdropped")" 1
)
