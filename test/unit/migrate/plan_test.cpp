// plan_test.cpp — step plans (forward / undo / contract as data) and the resumable order.
#include "core/migrate/plan.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

TEST(StepPlan, KindNamesRoundTrip)
{
	for (StepKind k : {StepKind::AddColumn, StepKind::AddCheck, StepKind::AddForeignKey, StepKind::AddNotNull,
					   StepKind::DropColumn, StepKind::AddIndex, StepKind::AddUnique, StepKind::DropIndex,
					   StepKind::RenameColumn, StepKind::ChangeColumnType})
		EXPECT_EQ(parse_step_kind(step_kind_name(k)), k);
	EXPECT_FALSE(parse_step_kind("rename_table").has_value());
}

TEST(StepPlan, AddColumnPlain)
{
	AddColumnArgs a;
	a.table = "public.users";
	a.column = "nick";
	a.type = "text";
	a.default_expr = "'x'";
	StepPlan p = plan_add_column(a);
	ASSERT_EQ(p.forward.size(), 1u);
	EXPECT_EQ(p.forward[0].sql, "ALTER TABLE public.users ADD COLUMN nick text DEFAULT (\n'x'\n)");
	EXPECT_EQ(p.forward[0].lock, "AccessExclusiveLock");
	ASSERT_EQ(p.undo.size(), 1u);
	EXPECT_EQ(p.undo[0].sql, "ALTER TABLE public.users DROP COLUMN nick");
	EXPECT_TRUE(p.contract.empty());
}

TEST(StepPlan, AddColumnWithBackfillKeepsWritesFilledUntilContract)
{
	AddColumnArgs a;
	a.table = "public.users";
	a.column = "full_name";
	a.type = "text";
	a.backfill_expr = "first_name || ' ' || last_name";
	a.fill_function = "public._mh_fill_1_1";
	a.fill_trigger = "_mh_fill_1_1";
	a.table_alias = "users";
	a.backfill_job = 7;
	StepPlan p = plan_add_column(a);
	ASSERT_EQ(p.forward.size(), 3u);
	EXPECT_NE(
		p.forward[1].sql.find("NEW.full_name := (SELECT (\nfirst_name || ' ' || last_name\n) FROM (SELECT "
							  "NEW.*) AS users)"),
		std::string::npos);
	EXPECT_EQ(p.forward[2].sql,
			  "CREATE TRIGGER _mh_fill_1_1 BEFORE INSERT OR UPDATE ON public.users FOR EACH ROW "
			  "EXECUTE FUNCTION public._mh_fill_1_1()");
	ASSERT_EQ(p.undo.size(), 4u);  // cancel the job, drop trigger, function, column
	EXPECT_NE(p.undo[0].sql.find("backfill_cancel(id)"), std::string::npos);
	EXPECT_NE(p.undo[0].sql.find("id = 7"), std::string::npos);
	EXPECT_EQ(p.undo[3].sql, "ALTER TABLE public.users DROP COLUMN full_name");
	ASSERT_EQ(p.contract.size(), 2u);
	EXPECT_EQ(p.contract[0].sql, "DROP TRIGGER _mh_fill_1_1 ON public.users");
	EXPECT_EQ(p.contract[1].sql, "DROP FUNCTION public._mh_fill_1_1()");
}

TEST(StepPlan, DollarQuoteAvoidsTagInBody)
{
	EXPECT_EQ(dollar_quote("a"), "$mh$a$mh$");
	EXPECT_EQ(dollar_quote("x $mh$ y"), "$mh1$x $mh$ y$mh1$");
	EXPECT_EQ(dollar_quote("$mh$ $mh1$"), "$mh2$$mh$ $mh1$$mh2$");
}

TEST(StepPlan, NotNullIsCheckedThenProvenThenTheCheckDropped)
{
	StepPlan p = plan_add_not_null({"public.users", "full_name", "users_full_name_not_null"});
	ASSERT_EQ(p.forward.size(), 1u);
	EXPECT_EQ(p.forward[0].sql,
			  "ALTER TABLE public.users ADD CONSTRAINT users_full_name_not_null CHECK (full_name IS "
			  "NOT NULL) NOT VALID");
	ASSERT_EQ(p.contract.size(), 3u);
	EXPECT_EQ(p.contract[0].pass, 0);
	EXPECT_EQ(p.contract[0].lock, "ShareUpdateExclusiveLock");
	EXPECT_EQ(p.contract[1].sql, "ALTER TABLE public.users ALTER COLUMN full_name SET NOT NULL");
	EXPECT_EQ(p.contract[2].sql, "ALTER TABLE public.users DROP CONSTRAINT users_full_name_not_null");
	ASSERT_EQ(p.undo.size(), 1u);
}

TEST(StepPlan, ChecksAndForeignKeysValidateAtContract)
{
	StepPlan c = plan_add_check({"t", "t_pos", "n > 0"});
	EXPECT_EQ(c.forward[0].sql, "ALTER TABLE t ADD CONSTRAINT t_pos CHECK (\nn > 0\n) NOT VALID");
	EXPECT_EQ(c.contract[0].sql, "ALTER TABLE t VALIDATE CONSTRAINT t_pos");
	EXPECT_EQ(c.undo[0].sql, "ALTER TABLE t DROP CONSTRAINT t_pos");
	StepPlan f = plan_add_foreign_key({"o", "o_fk", "a, b", "public.p", "x, y", "CASCADE"});
	EXPECT_EQ(f.forward[0].sql, "ALTER TABLE o ADD CONSTRAINT o_fk FOREIGN KEY (a, b) REFERENCES public.p "
								"(x, y) ON DELETE CASCADE NOT VALID");
	EXPECT_EQ(f.forward[0].lock, "ShareRowExclusiveLock");
	EXPECT_EQ(f.contract[0].pass, 0);
	StepPlan pk = plan_add_foreign_key({"o", "o_fk", "a", "p", "", "NO ACTION"});
	EXPECT_EQ(pk.forward[0].sql,
			  "ALTER TABLE o ADD CONSTRAINT o_fk FOREIGN KEY (a) REFERENCES p ON DELETE NO ACTION NOT VALID");
}

TEST(StepPlan, DropColumnTakesEffectAtContract)
{
	StepPlan p = plan_drop_column({"t", "c"});
	EXPECT_TRUE(p.forward.empty());
	EXPECT_TRUE(p.undo.empty());
	ASSERT_EQ(p.contract.size(), 1u);
	EXPECT_EQ(p.contract[0].sql, "ALTER TABLE t DROP COLUMN c");
}

TEST(ActionOrder, ContractValidatesEverythingFirst)
{
	std::vector<StepActions> steps = {{2, {0, 1, 1}, 1}, {1, {1, 1}, 3}, {3, {0}, 1}};
	std::vector<ActionRef> want = {{2, 0}, {3, 0}, {1, 0}, {1, 1}, {2, 1}, {2, 2}};
	EXPECT_EQ(contract_order(steps), want);
}

TEST(ActionOrder, UndoRunsStepsInReverse)
{
	std::vector<StepActions> steps = {{1, {}, 2}, {2, {}, 0}, {3, {}, 1}};
	std::vector<ActionRef> want = {{3, 0}, {1, 0}, {1, 1}};
	EXPECT_EQ(undo_order(steps), want);
}

TEST(ActionOrder, ResumesWhereItStoppedNeverRepeats)
{
	std::vector<ActionRef> order = {{1, 0}, {1, 1}, {2, 0}};
	EXPECT_EQ(remaining(order, 0), order);
	std::vector<ActionRef> rest = {{2, 0}};
	EXPECT_EQ(remaining(order, 2), rest);
	EXPECT_TRUE(remaining(order, 3).empty());
	EXPECT_TRUE(remaining(order, 9).empty());
	EXPECT_EQ(remaining(order, -1), order);
}

TEST(StepPlan, IndexesAreBuiltAndDroppedConcurrentlyByAWorker)
{
	IndexArgs a{"public.users", "users_email_idx", "public.users_email_idx",
				"btree",        "lower(email)",    "active",
				false};
	StepPlan p = plan_add_index(a);
	ASSERT_EQ(p.forward.size(), 1u);
	EXPECT_EQ(p.forward[0].sql,
			  "CREATE INDEX CONCURRENTLY users_email_idx ON public.users USING btree (\nlower(email)\n) "
			  "WHERE (\nactive\n)");
	EXPECT_EQ(p.forward[0].lock, kRunInWorker);
	ASSERT_EQ(p.undo.size(), 2u);
	EXPECT_EQ(p.undo[0].lock, kStopWorkers);
	EXPECT_EQ(p.undo[1].sql, "DROP INDEX IF EXISTS public.users_email_idx");
	EXPECT_TRUE(p.contract.empty());

	StepPlan u = plan_add_unique(
		IndexArgs{"t", "t_code_key", "s.t_code_key", "", "code", std::nullopt, false}, "t_code_key");
	EXPECT_EQ(u.kind, StepKind::AddUnique);
	EXPECT_EQ(u.forward[0].sql, "CREATE UNIQUE INDEX CONCURRENTLY t_code_key ON t USING btree (\ncode\n)");
	ASSERT_EQ(u.contract.size(), 1u);
	EXPECT_EQ(u.contract[0].sql, "ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_key");

	StepPlan d = plan_drop_index("s.old_idx");
	EXPECT_TRUE(d.forward.empty());
	EXPECT_TRUE(d.undo.empty());
	ASSERT_EQ(d.contract.size(), 1u);
	EXPECT_EQ(d.contract[0].sql, "DROP INDEX CONCURRENTLY IF EXISTS s.old_idx");
	EXPECT_EQ(d.contract[0].lock, kRunInWorker);
}

namespace {
ColumnChangeArgs widen_id()
{
	ColumnChangeArgs a;
	a.type_change = true;
	a.table = "public.parent";
	a.schema = "public";
	a.old_column = "id";
	a.new_column = "id_new";
	a.final_name = "id";
	a.type = "pg_catalog.int8";
	a.trigger = "_mh_sync_1_1";
	a.trigger_args = "'m', 'id', 'id_new'";
	a.not_null_constraint = "parent_id_new_not_null";
	a.owned_sequence = "public.parent_id_seq";
	a.default_expr = "nextval('parent_id_seq'::regclass)";
	ColumnChangeArgs::Index pk;
	pk.old_name = "parent_pkey";
	pk.new_name = pk.new_unquoted = "parent_pkey_new";
	pk.method = "btree";
	pk.columns = "id_new";
	pk.unique = true;
	pk.constraint = "PRIMARY KEY";
	pk.constraint_name = "parent_pkey";
	a.indexes.push_back(pk);
	a.incoming.push_back(
		{"public.child", "child_parent_id_fkey", "FOREIGN KEY (parent_id) REFERENCES parent(id)"});
	a.backfill_job = 7;
	return a;
}
size_t position(const std::vector<Action> &actions, const std::string &prefix)
{
	for (size_t i = 0; i < actions.size(); i++)
		if (actions[i].sql.rfind(prefix, 0) == 0)
			return i;
	return actions.size();
}
}  // namespace

TEST(StepPlan, ColumnChangeExpandsBesideTheOldColumn)
{
	StepPlan p = plan_column_change(widen_id());
	EXPECT_EQ(p.kind, StepKind::ChangeColumnType);
	ASSERT_GE(p.forward.size(), 4u);
	EXPECT_EQ(p.forward[0].sql, "ALTER TABLE public.parent ADD COLUMN id_new pg_catalog.int8");
	EXPECT_EQ(p.forward[1].sql,
			  "CREATE TRIGGER _mh_sync_1_1 BEFORE INSERT OR UPDATE ON public.parent FOR EACH ROW "
			  "EXECUTE FUNCTION migration_helpers._sync_columns('m', 'id', 'id_new')");
	EXPECT_EQ(p.forward[2].sql,
			  "ALTER TABLE public.parent ADD CONSTRAINT parent_id_new_not_null CHECK (id_new IS "
			  "NOT NULL) NOT VALID");
	EXPECT_EQ(p.forward.back().sql,
			  "CREATE UNIQUE INDEX CONCURRENTLY parent_pkey_new ON public.parent USING btree (id_new)");
	EXPECT_EQ(p.forward.back().lock, kRunInWorker);
	EXPECT_EQ(p.forward.back().index, "parent_pkey_new");
	// Nothing of the old column changes before contract: no default, no NOT NULL on the new one yet.
	for (const auto &a : p.forward)
		EXPECT_EQ(a.sql.find("SET DEFAULT"), std::string::npos) << a.sql;
}

TEST(StepPlan, ColumnChangeUndoStopsTheWorkThenDropsTheColumn)
{
	StepPlan p = plan_column_change(widen_id());
	ASSERT_EQ(p.undo.size(), 4u);
	EXPECT_EQ(p.undo[0].lock, kStopWorkers);
	EXPECT_NE(p.undo[1].sql.find("backfill_cancel"), std::string::npos);
	EXPECT_EQ(p.undo[2].sql, "DROP TRIGGER _mh_sync_1_1 ON public.parent");
	EXPECT_EQ(p.undo[3].sql, "ALTER TABLE public.parent DROP COLUMN id_new");
}

TEST(StepPlan, ColumnChangeContractSwapsInOrder)
{
	StepPlan p = plan_column_change(widen_id());
	const auto &c = p.contract;
	ASSERT_FALSE(c.empty());
	EXPECT_EQ(c[0].sql, "ALTER TABLE public.parent VALIDATE CONSTRAINT parent_id_new_not_null");
	EXPECT_EQ(c[0].pass, 0);
	size_t not_null = position(c, "ALTER TABLE public.parent ALTER COLUMN id_new SET NOT NULL");
	size_t drop_fk = position(c, "ALTER TABLE public.child DROP CONSTRAINT child_parent_id_fkey");
	size_t sequence = position(c, "ALTER SEQUENCE public.parent_id_seq OWNED BY public.parent.id_new");
	size_t drop_old = position(c, "ALTER TABLE public.parent DROP COLUMN id");
	size_t rename = position(c, "ALTER TABLE public.parent RENAME COLUMN id_new TO id");
	size_t pk = position(c, "ALTER TABLE public.parent ADD CONSTRAINT parent_pkey PRIMARY KEY USING INDEX "
							"parent_pkey_new");
	size_t add_fk = position(c, "ALTER TABLE public.child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY "
								"(parent_id) REFERENCES parent(id) NOT VALID");
	size_t validate = position(c, "ALTER TABLE public.child VALIDATE CONSTRAINT child_parent_id_fkey");
	ASSERT_LT(validate, c.size());
	// Pass 1 begins by locking the referencing tables, then the table, in one retried statement.
	size_t lock = position(c, "LOCK TABLE public.child, public.parent IN ACCESS EXCLUSIVE MODE");
	ASSERT_LT(lock, c.size());
	for (size_t i = 0; i < lock; i++)
		EXPECT_EQ(c[i].pass, 0) << c[i].sql;
	EXPECT_EQ(c[lock].lock, "AccessExclusiveLock");
	EXPECT_LT(lock, not_null);
	// The sequence moves before the old column (and the sequence with it) is dropped; the
	// referencing keys go before the primary key they depend on, and come back after the new one.
	EXPECT_LT(not_null, pk);
	EXPECT_LT(drop_fk, drop_old);
	EXPECT_LT(sequence, drop_old);
	EXPECT_LT(drop_old, rename);
	EXPECT_LT(rename, pk);
	EXPECT_LT(pk, add_fk);
	EXPECT_LT(add_fk, validate);
	EXPECT_EQ(c[validate].lock, kRunInWorker);  // scanned after the contract commits
	for (size_t i = 1; i < c.size(); i++)
		EXPECT_EQ(c[i].pass, 1) << c[i].sql;
}

TEST(StepPlan, RenameKeepsTheNewNameAndRenamesCarriedObjectsBack)
{
	ColumnChangeArgs a = widen_id();
	a.type_change = false;
	a.new_column = a.final_name = "ident";
	a.checks.push_back({"parent_id_check", "parent_id_check_new", "CHECK ((ident > 0))"});
	StepPlan p = plan_column_change(a);
	EXPECT_EQ(p.kind, StepKind::RenameColumn);
	EXPECT_EQ(position(p.contract, "ALTER TABLE public.parent RENAME COLUMN"), p.contract.size());
	EXPECT_LT(position(p.forward,
					   "ALTER TABLE public.parent ADD CONSTRAINT parent_id_check_new CHECK ((ident > 0)) "
					   "NOT VALID"),
			  p.forward.size());
	EXPECT_LT(position(p.contract, "ALTER TABLE public.parent RENAME CONSTRAINT parent_id_check_new TO "
								   "parent_id_check"),
			  p.contract.size());
}

TEST(StepPlan, ColumnChangeKeepsNotValidConstraintsNotValid)
{
	ColumnChangeArgs a = widen_id();
	a.checks.push_back({"parent_id_check", "parent_id_check_new", "CHECK ((id_new > 0))", false});
	a.foreign_keys.push_back(
		{"parent_id_fkey", "parent_id_fkey_new", "FOREIGN KEY (id_new) REFERENCES other(id)", false});
	a.incoming[0].validated = false;
	StepPlan p = plan_column_change(a);
	// No VALIDATE for any of them, neither in pass 0 nor by a worker.
	EXPECT_EQ(position(p.contract, "ALTER TABLE public.parent VALIDATE CONSTRAINT parent_id_check_new"),
			  p.contract.size());
	EXPECT_EQ(position(p.contract, "ALTER TABLE public.parent VALIDATE CONSTRAINT parent_id_fkey_new"),
			  p.contract.size());
	EXPECT_EQ(position(p.contract, "ALTER TABLE public.child VALIDATE CONSTRAINT"), p.contract.size());
	// The NOT VALID check guards new rows from the start; the key that rows may violate
	// is added at contract only (the backfill would be checked against it).
	EXPECT_LT(position(p.forward, "ALTER TABLE public.parent ADD CONSTRAINT parent_id_check_new"),
			  p.forward.size());
	EXPECT_EQ(position(p.forward, "ALTER TABLE public.parent ADD CONSTRAINT parent_id_fkey_new"),
			  p.forward.size());
	size_t add =
		position(p.contract, "ALTER TABLE public.parent ADD CONSTRAINT parent_id_fkey_new FOREIGN KEY "
							 "(id_new) REFERENCES other(id) NOT VALID");
	size_t rename = position(
		p.contract, "ALTER TABLE public.parent RENAME CONSTRAINT parent_id_fkey_new TO parent_id_fkey");
	ASSERT_LT(rename, p.contract.size());
	EXPECT_LT(add, rename);
	EXPECT_EQ(p.contract[add].pass, 1);
}
