#!/usr/bin/env bash
# Drizzle Kit (npm) as an ordinary role; see ../README.md, "Drizzle Kit".
# Migrations are generated here by `drizzle-kit generate` from schemas/*.ts, as users do.
. ../lib.sh
src=$PWD work="$MH_LOGS-work"
rm -rf "$work" && mkdir -p "$work" && cp -r drizzle.config.ts migrate.mjs schemas "$work/"
ln -s "$src/node_modules" "$work/node_modules"
cd "$work"
kit() { node node_modules/drizzle-kit/bin.cjs "$@" </dev/null; }
generate() { DRIZZLE_SCHEMA=./schemas/$1.ts kit generate --name "$2"; }
applied() { app_sql "SELECT count(*) FROM drizzle.__drizzle_migrations"; }
halfway() { app_sql "SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = 'users' AND indexname <> 'users_pkey') + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f') + (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND is_nullable = 'NO')"; }
# a second database for `drizzle-kit push` (push keeps no journal: it diffs the live schema)
pushdb="${PGDATABASE}_push"
super_sql "CREATE DATABASE $pushdb OWNER $PGUSER" >/dev/null
psql -X -q -U "$MH_SUPERUSER" -d "$pushdb" -c 'CREATE EXTENSION migration_helpers' -c "ALTER SCHEMA public OWNER TO $PGUSER"
push() { PGDATABASE=$pushdb DRIZZLE_SCHEMA=./schemas/$1.ts kit push --force; }
push_sql() { PGDATABASE=$pushdb app_sql "$1"; }

# 1. generate + migrate, and push, on fresh databases
expect_pass "drizzle: generate (v1)" generate v1 initial
expect_pass "drizzle: drizzle-kit migrate (initial) on a fresh database" kit migrate
check "drizzle: journal table has 1 row" test "$(applied)" = 1
expect_pass "drizzle: drizzle-kit push (v1) on a fresh database" push v1
check "drizzle: push created users and orders" test "$(push_sql "SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'orders')")" = 2
fill_users 500; app_sql "INSERT INTO orders (user_id) SELECT id FROM users" >/dev/null
PGDATABASE=$pushdb fill_users 500

# 2. unsafe changes generated from the schema: an index, NOT NULL, a foreign key
try_unsafe() { # try_unsafe SCHEMA RULE SAFE
	rm -rf ../drizzle.saved && cp -r drizzle ../drizzle.saved
	generate "$1" "$1" >/dev/null 2>&1
	# the trap: drizzle-kit migrate exits 1 and prints no database error
	if run_tool "drizzle: $1 via drizzle-kit migrate" kit migrate; then
		notok "drizzle: $1: drizzle-kit migrate succeeded, expected MH001"
	elif grep -qE "MH001|$2" "$LAST"; then
		ok "drizzle: $1: drizzle-kit migrate fails (and now prints the error: update the README's trap)"
	else
		ok "drizzle: $1: drizzle-kit migrate exits non-zero and prints no database error (the known trap)"
	fi
	MH_CODE_SHOWN=1 expect_mh001 "drizzle: $1 via drizzle-orm's migrate() (migrate.mjs)" "$2" "$3" node migrate.mjs
	check "drizzle: $1 not in the journal, nothing half applied" test "$(applied):$(halfway)" = 1:0
	rm -rf drizzle && mv ../drizzle.saved drizzle
}
try_unsafe v2_index index_not_concurrent "CREATE INDEX CONCURRENTLY"
try_unsafe v2_not_null set_not_null "NOT VALID"
try_unsafe v2_fk add_foreign_key "NOT VALID"
# push prints the error (rule, safe form, code MH001), and exits 0
MH_CODE_SHOWN=1 LAST=""
if run_tool "drizzle: push v2_index" push v2_index && grep -q MH001 "$LAST"; then
	ok "drizzle: push of the index prints the error but exits 0 (the other trap)"
elif grep -q MH001 "$LAST"; then ok "drizzle: push of the index fails with MH001"; else notok "drizzle: push of the index: no MH001 printed"; fi
grep -q 'rule index_not_concurrent' "$LAST" && grep -q 'CREATE INDEX CONCURRENTLY' "$LAST" && ok "drizzle: push prints rule index_not_concurrent and 'CREATE INDEX CONCURRENTLY'" || notok "drizzle: push output lacks the rule or the safe form"
check "drizzle: push left no index" test "$(push_sql "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_idx'")" = 0

# 3. the safe index
#    push: index(...).concurrently() in the schema; push runs no transaction
expect_pass "drizzle: push with index().concurrently() passes" push v2_index_concurrently
check "drizzle: push built users_email_idx, valid" test "$(push_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass")" = t
#    migrate: its one transaction cannot hold CONCURRENTLY. Build the index concurrently
#    first, then the generated migration, edited to IF NOT EXISTS, is a no-op the guard passes
generate v2_index email_idx >/dev/null 2>&1
sed -i 's/^CREATE INDEX "users_email_idx"/CREATE INDEX IF NOT EXISTS "users_email_idx"/' drizzle/0001_email_idx.sql
check "drizzle: generated 0001 edited to IF NOT EXISTS" grep -q 'CREATE INDEX IF NOT EXISTS "users_email_idx"' drizzle/0001_email_idx.sql
expect_pass "drizzle: CREATE INDEX CONCURRENTLY (psql, before migrate)" psql -X -v ON_ERROR_STOP=1 -c 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)'
expect_pass "drizzle: drizzle-kit migrate of 0001 (IF NOT EXISTS: a no-op) passes" kit migrate
check "drizzle: users_email_idx valid, 0001 in the journal" test "$(app_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass"):$(applied)" = t:2

# 4. full_name: one `drizzle-kit migrate` per migration (it applies all pending ones in ONE transaction)
generate v3_full_name full_name >/dev/null 2>&1
cat >>drizzle/0002_full_name.sql <<'SQL'
--> statement-breakpoint
SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$,
       batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms');
SQL
expect_pass "drizzle: 0002 ADD COLUMN (generated) + backfill() migrates" kit migrate
DRIZZLE_SCHEMA=./schemas/v3_full_name.ts kit generate --custom --name full_name_check >/dev/null 2>&1
# (the custom file's header comment ends without a newline: start on a new line, or the
#  first statement is part of the comment)
cat >>drizzle/0003_full_name_check.sql <<'SQL'

SELECT migration_helpers.backfill_wait(relation => 'users');
--> statement-breakpoint
ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID;
SQL
check "drizzle: 0003 starts its statements on their own lines" grep -q '^SELECT migration_helpers.backfill_wait' drizzle/0003_full_name_check.sql
expect_pass "drizzle: 0003 (custom) backfill_wait + CHECK NOT VALID migrates" kit migrate
generate v4_full_name_not_null full_name_not_null >/dev/null 2>&1
{ printf 'ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn;\n--> statement-breakpoint\n'
  cat drizzle/0004_full_name_not_null.sql
  printf '\n--> statement-breakpoint\nALTER TABLE users DROP CONSTRAINT users_full_name_nn;\n'; } >drizzle/0004.tmp && mv drizzle/0004.tmp drizzle/0004_full_name_not_null.sql
check "drizzle: generated 0004 is SET NOT NULL" grep -q 'ALTER COLUMN "full_name" SET NOT NULL' drizzle/0004_full_name_not_null.sql
expect_pass "drizzle: 0004 VALIDATE + SET NOT NULL (generated) migrates" kit migrate
check "drizzle: full_name filled and NOT NULL, 5 migrations in the journal" bash -c "$(declare -f full_name_done app_sql); full_name_done && [ \"\$(app_sql 'SELECT count(*) FROM drizzle.__drizzle_migrations')\" = 5 ]"

# 3b. the safe foreign key: the generated ADD CONSTRAINT edited to NOT VALID, VALIDATE in a
#     custom migration applied by the next `drizzle-kit migrate`
generate v5_fk orders_user_fk >/dev/null 2>&1
sed -i -E 's/^(ALTER TABLE "orders" ADD CONSTRAINT .* FOREIGN KEY .*[^;]);?$/\1 NOT VALID;/' drizzle/0005_orders_user_fk.sql
check "drizzle: generated 0005 edited to NOT VALID" grep -q 'FOREIGN KEY.* NOT VALID;$' drizzle/0005_orders_user_fk.sql
expect_pass "drizzle: 0005 FOREIGN KEY ... NOT VALID migrates" kit migrate
DRIZZLE_SCHEMA=./schemas/v5_fk.ts kit generate --custom --name orders_user_fk_validate >/dev/null 2>&1
printf '\nALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_id_users_id_fk";\n' >>drizzle/0006_orders_user_fk_validate.sql
expect_pass "drizzle: 0006 (custom) VALIDATE CONSTRAINT migrates" kit migrate
check "drizzle: orders_user_id_users_id_fk validated, 7 in the journal" test_eq "$(app_sql "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_users_id_fk'"):$(applied)" t:7

# 4b. the same full_name change through the expand-contract helpers, on a fresh database from
# the initial migration. Each migration is generated from the schema it leads to, as usual,
# and its SQL replaced by the helpers' calls in plain SQL: the snapshot then follows the
# schema (a `--custom` migration copies the previous snapshot, so the next `generate` would
# add the column again). A; the old version inserts; the wait outside the migrator (it has
# no non-transactional mode); B (contract); C (drop first_name, last_name).
replaced() { # replaced SCHEMA NAME GENERATED SQL...: generate, check the generated SQL, replace it
	generate "$1" "$2" >/dev/null 2>&1 || return 1
	local f; f=$(ls drizzle/*_"$2".sql) || return 1
	grep -q "$3" "$f" || { echo "# $f: no '$3' in"; cat "$f"; return 1; }
	shift 3 && { printf '%s\n--> statement-breakpoint\n' "${@:1:$#-1}"; printf '%s\n' "${@: -1}"; } >"$f"
}
(
	fresh_db "${PGDATABASE}_ec" && export PGDATABASE=${PGDATABASE}_ec
	rm -rf "$work-ec" && mkdir -p "$work-ec" && cp -r "$src/drizzle.config.ts" "$src/migrate.mjs" "$src/schemas" "$work-ec/" &&
	ln -s "$src/node_modules" "$work-ec/node_modules" && cd "$work-ec" || exit 1
	generate v1 initial >/dev/null 2>&1
	expect_pass "drizzle ec: migrate (initial) on a fresh database" kit migrate
	fill_users 500
	check "drizzle ec: A generated (ADD COLUMN, CREATE INDEX), replaced by start_migration, add_column backfill_expr, add_not_null, add_index" \
		replaced ec_v2_full_name full_name_expand 'ADD COLUMN "full_name" text' \
		"SELECT migration_helpers.start_migration('users_full_name');" \
		"SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text', backfill_expr => \$\$first_name || ' ' || last_name\$\$);" \
		"SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name');" \
		"SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx');"
	expect_pass "drizzle ec: A migrates" kit migrate
	old_app_insert 20
	check "drizzle ec: 20 rows inserted by the old version (no full_name) filled by the trigger" old_rows_filled 20
	expect_pass "drizzle ec: CALL migration_wait between the migrate runs (psql)" ec_wait
	check "drizzle ec: B generated (SET NOT NULL), replaced by complete_migration" \
		replaced ec_v3_full_name_not_null full_name_contract 'SET NOT NULL' "SELECT migration_helpers.complete_migration('users_full_name');"
	expect_pass "drizzle ec: B migrates" kit migrate
	check "drizzle ec: every row's full_name = first_name || ' ' || last_name, NOT NULL, indexed; completed, no trigger or check left" ec_done
	check "drizzle ec: C generated (DROP COLUMN), replaced by start_migration, drop_column first_name and last_name, complete_migration" \
		replaced ec_v4_drop_names drop_names 'DROP COLUMN "first_name"' "SELECT migration_helpers.start_migration('users_drop_names');" \
		"SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name');" \
		"SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name');" \
		"SELECT migration_helpers.complete_migration('users_drop_names');"
	expect_pass "drizzle ec: C migrates" kit migrate
	check "drizzle ec: C dropped first_name and last_name at its complete_migration" names_dropped
	check "drizzle ec: 4 migrations in the journal" test_eq "$(applied)" 4
	run_tool "drizzle ec: generate from the final schema" generate ec_v4_drop_names after >/dev/null
	check "drizzle ec: ... finds no change: the snapshots follow the schema" test_eq "$(ls drizzle/*.sql | wc -l):$(grep -c 'No schema changes' "$LAST")" 4:1
)
