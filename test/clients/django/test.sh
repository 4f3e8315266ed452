#!/usr/bin/env bash
# Django (Debian python3-django) as an ordinary role; see ../README.md, "Django".
. ../lib.sh
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
try_unsafe rename_email rename_column "add a column with the new name"
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
