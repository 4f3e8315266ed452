// policy_test.cpp — what the guard does with a verdict (dispose) and the texts it says it with,
// from the guard mode, the allow list and the empty-table policy; the allow list's parser.
#include "core/ddl/policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace migration_helpers::core;

namespace {

Operation op_on_users(OpKind kind)
{
	Operation op;
	op.kind = kind;
	op.table.name = "public.users";
	op.table.size_bytes = 8192;
	return op;
}

std::vector<std::string> ids_of(const std::vector<Verdict> &vs)
{
	std::vector<std::string> out;
	for (const auto &v : vs)
		out.emplace_back(v.rule->id);
	return out;
}

using Ids = std::vector<std::string>;

// decisions: what enforce mode without an allow list decides for each verdict on op.
std::vector<Decision> decisions(const Operation &op, bool exempt = true)
{
	Policy p;
	p.exempt_empty_tables = exempt;
	std::vector<Decision> out;
	for (const auto &v : judge(op, GuardSettings{}))
		out.push_back(dispose(v, op, p).decision);
	return out;
}

using Decisions = std::vector<Decision>;

}  // namespace

TEST(AllowList, ParsesKnownIdsAndRejectsUnknown)
{
	std::string err;
	auto list = parse_allow_list(" rename_column, index_not_concurrent ,,rename_column", &err);
	ASSERT_TRUE(list.has_value());
	EXPECT_EQ(list->ids, (std::vector<std::string>{"rename_column", "index_not_concurrent"}));
	EXPECT_TRUE(list->allows("rename_column"));
	EXPECT_FALSE(list->allows("drop_table"));

	EXPECT_FALSE(parse_allow_list("rename_column,all", &err).has_value());
	EXPECT_EQ(err, "unknown rule \"all\"");
	EXPECT_FALSE(parse_allow_list("*", &err).has_value());
	auto empty = parse_allow_list("", &err);
	ASSERT_TRUE(empty.has_value());
	EXPECT_TRUE(empty->ids.empty());
}

TEST(GuardPolicy, ModeAndAllowListDecide)
{
	auto op = op_on_users(OpKind::CreateIndex);
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"index_not_concurrent"});
	Policy p;
	Disposition d = dispose(vs[0], op, p);
	EXPECT_EQ(d.decision, Decision::Blocked);
	EXPECT_EQ(d.why, Why::Enforced);
	p.mode = GuardMode::Warn;
	d = dispose(vs[0], op, p);
	EXPECT_EQ(d.decision, Decision::Warned);
	EXPECT_EQ(d.why, Why::WarnMode);
	// The allow list wins over both modes; another rule's id allows nothing.
	AllowList other = *parse_allow_list("drop_table", nullptr);
	p.allow = &other;
	EXPECT_EQ(dispose(vs[0], op, p).why, Why::WarnMode);
	AllowList allow = *parse_allow_list("drop_table, index_not_concurrent", nullptr);
	p.allow = &allow;
	for (auto mode : {GuardMode::Warn, GuardMode::Enforce}) {
		p.mode = mode;
		d = dispose(vs[0], op, p);
		EXPECT_EQ(d.decision, Decision::Allowed);
		EXPECT_EQ(d.why, Why::AllowList);
	}
	p.mode = GuardMode::Off;
	EXPECT_EQ(dispose(vs[0], op, p).why, Why::GuardOff);
}

TEST(GuardPolicy, WarningRulesOnlyWarnAndHaveNothingToAllow)
{
	auto op = op_on_users(OpKind::AddColumn);
	op.table.published = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"published_table_ddl"});
	AllowList allow = *parse_allow_list("published_table_ddl", nullptr);
	Policy p;
	p.allow = &allow;
	Disposition d = dispose(vs[0], op, p);
	EXPECT_EQ(d.decision, Decision::Warned);
	EXPECT_EQ(d.why, Why::WarningRule);
	EXPECT_EQ(report_texts(vs[0], op, d).hint.find("migration_helpers.allow"), std::string::npos);
}

TEST(GuardPolicy, ReportTexts)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "users_email_idx";
	op.table.size_bytes = 42 * 1024 * 1024;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(vs.size(), 1u);
	Report r = report_texts(vs[0], op, dispose(vs[0], op, Policy{}));
	EXPECT_EQ(r.message, vs[0].message);
	// DETAIL names the rule again, so that it reads on its own in tools that show it apart.
	EXPECT_EQ(r.detail,
			  "Rule index_not_concurrent: CREATE INDEX holds a SHARE lock on \"public.users\" (42 MB) until "
			  "the whole index is built; the lock blocks INSERT, UPDATE and DELETE.");
	// The recipe, then the guard's own sentence: the rule is not allowed, it could be.
	EXPECT_EQ(r.hint.rfind(vs[0].recipe, 0), 0u);
	EXPECT_EQ(r.hint.substr(vs[0].recipe.size()), " To accept the risk for one transaction: SET LOCAL "
												  "migration_helpers.allow = 'index_not_concurrent'.");
	EXPECT_EQ(vs[0].recipe.find("migration_helpers.allow"), std::string::npos);  // the recipe alone, for lint
	Policy warn;
	warn.mode = GuardMode::Warn;
	EXPECT_EQ(report_texts(vs[0], op, dispose(vs[0], op, warn)).hint, r.hint);
	AllowList allow = *parse_allow_list("index_not_concurrent", nullptr);
	Policy allowed;
	allowed.allow = &allow;
	Report a = report_texts(vs[0], op, dispose(vs[0], op, allowed));
	EXPECT_EQ(a.message, vs[0].message);
	EXPECT_EQ(a.detail,
			  "Rule index_not_concurrent is allowed in this transaction by migration_helpers.allow; "
			  "the statement is recorded in migration_helpers.ddl_log.");
}

TEST(GuardPolicy, TablesThatNeverHeldARowOnlyWarn)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "i";
	op.table.size_bytes = 0;
	op.table.contents = TableContents::NeverFilled;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"index_not_concurrent"});
	EXPECT_EQ(vs[0].rule->severity, Severity::Error);
	Disposition d = dispose(vs[0], op, Policy{});
	EXPECT_EQ(d.decision, Decision::Warned);
	EXPECT_EQ(d.why, Why::EmptyTable);
	Report r = report_texts(vs[0], op, d);
	EXPECT_NE(r.message.find("(rule index_not_concurrent: "), std::string::npos);
	EXPECT_EQ(r.detail.rfind("Rule index_not_concurrent: Only a warning because table \"public.users\" has "
							 "never held a row; on a table with data this statement is blocked. ",
							 0),
			  0u);
	EXPECT_EQ(r.hint.find("migration_helpers.allow"), std::string::npos);  // nothing to allow
	// The empty-table policy comes before the allow list: a warning is not "allowed".
	AllowList allow = *parse_allow_list("index_not_concurrent", nullptr);
	Policy p;
	p.allow = &allow;
	EXPECT_EQ(dispose(vs[0], op, p).why, Why::EmptyTable);
	// Rules about running code too: nothing can be using a table that never held a row.
	for (auto kind : {OpKind::DropColumn, OpKind::RenameColumn, OpKind::RenameTable, OpKind::DropTable}) {
		op.kind = kind;
		EXPECT_EQ(decisions(op), Decisions{Decision::Warned}) << static_cast<int>(kind);
	}
	op.kind = OpKind::AddColumn;
	op.not_null = true;
	EXPECT_EQ(decisions(op), Decisions{Decision::Warned});
	// Teams that want development databases to block as production does.
	EXPECT_EQ(decisions(op, false), Decisions{Decision::Blocked});
	op.kind = OpKind::DropColumn;
	EXPECT_EQ(decisions(op, false), Decisions{Decision::Blocked});
}

TEST(GuardPolicy, EmptiedTablesWarnForLocksAndBlockForCode)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.table.size_bytes = 0;
	op.table.contents = TableContents::Emptied;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(vs.size(), 1u);
	Disposition d = dispose(vs[0], op, Policy{});
	EXPECT_EQ(d.decision, Decision::Warned);
	EXPECT_NE(report_texts(vs[0], op, d).detail.find("holds no rows now"), std::string::npos);
	op.kind = OpKind::SetNotNull;
	EXPECT_EQ(decisions(op), Decisions{Decision::Warned});
	for (auto kind : {OpKind::DropColumn, OpKind::RenameColumn, OpKind::RenameTable, OpKind::DropTable}) {
		op.kind = kind;
		EXPECT_EQ(decisions(op), Decisions{Decision::Blocked}) << static_cast<int>(kind);
	}
	op.kind = OpKind::AddColumn;
	op.not_null = true;  // breaks inserts of code that does not know the column
	EXPECT_EQ(decisions(op), Decisions{Decision::Blocked});
	EXPECT_EQ(decisions(op, false), Decisions{Decision::Blocked});
	op.kind = OpKind::CreateIndex;
	EXPECT_EQ(decisions(op, false), Decisions{Decision::Blocked});
	// Warning rules stay warnings, with data or without.
	op.existing_index_invalid = true;
	op.concurrent = true;
	EXPECT_EQ(decisions(op), Decisions{Decision::Warned});
	op.table.contents = TableContents::Rows;
	EXPECT_EQ(decisions(op), Decisions{Decision::Warned});
}

TEST(GuardPolicy, TheEmptyTableNamedIsTheOneWhoseRowsAreRead)
{
	// ATTACH PARTITION scans the partition: the warning names it, not the parent.
	auto op = op_on_users(OpKind::AttachPartition);
	op.object = "users_2026";
	op.table.size_bytes = 0;
	op.table.contents = TableContents::NeverFilled;
	op.table.data_name = "public.users_2026";
	auto vs = judge(op, GuardSettings{});
	ASSERT_FALSE(vs.empty());
	Report r = report_texts(vs[0], op, dispose(vs[0], op, Policy{}));
	EXPECT_NE(r.detail.find("Only a warning because table \"public.users_2026\" has never held a row"),
			  std::string::npos)
		<< r.detail;
}

TEST(Dispose, HelperStatementsPassEveryRuleInEveryModeButOff)
{
	Policy p;
	p.helper_statement = true;
	for (const Rule &rule : rules()) {
		Verdict v;
		v.rule = &rule;
		Operation op;
		for (GuardMode mode : {GuardMode::Enforce, GuardMode::Warn}) {
			p.mode = mode;
			Disposition d = dispose(v, op, p);
			EXPECT_EQ(d.decision, Decision::Allowed) << rule.id;
			EXPECT_EQ(d.why, Why::HelperStatement) << rule.id;
		}
	}
	Verdict v;
	v.rule = &rules().front();
	p.mode = GuardMode::Enforce;
	Report r = report_texts(v, Operation{}, dispose(v, Operation{}, p));
	EXPECT_NE(r.detail.find("expand-contract helper"), std::string::npos);
	EXPECT_EQ(r.hint, "");
}

// explain_locks observes: exactly what enforce mode would block only warns, saying why; the
// allow list, warn mode, empty tables and warning rules decide as they do elsewhere.
TEST(Dispose, ObservingTurnsExactlyTheBlockedIntoWarnings)
{
	Policy enforce;
	Policy observing;
	observing.observing = true;
	for (const Rule &rule : rules()) {
		Verdict v;
		v.rule = &rule;
		for (TableContents contents :
			 {TableContents::Rows, TableContents::Emptied, TableContents::NeverFilled}) {
			Operation op = op_on_users(OpKind::CreateIndex);
			op.table.contents = contents;
			Disposition plain = dispose(v, op, enforce);
			Disposition seen = dispose(v, op, observing);
			if (plain.decision == Decision::Blocked) {
				EXPECT_EQ(seen.decision, Decision::Warned) << rule.id;
				EXPECT_EQ(seen.why, Why::Observing) << rule.id;
			} else {
				EXPECT_EQ(seen.decision, plain.decision) << rule.id;
				EXPECT_EQ(seen.why, plain.why) << rule.id;
			}
		}
	}
	Operation op = op_on_users(OpKind::CreateIndex);
	auto vs = judge(op, GuardSettings{});
	ASSERT_FALSE(vs.empty());
	Report r = report_texts(vs[0], op, dispose(vs[0], op, observing));
	EXPECT_EQ(
		r.detail.find("Rule index_not_concurrent: Only a warning because migration_helpers.explain_locks()"),
		0u)
		<< r.detail;
	EXPECT_EQ(r.hint.find("SET LOCAL"), std::string::npos);  // nothing to allow: it runs already
	AllowList allow{{"index_not_concurrent"}};
	observing.allow = &allow;
	EXPECT_EQ(dispose(vs[0], op, observing).why, Why::AllowList);
	observing.allow = nullptr;
	observing.mode = GuardMode::Warn;
	EXPECT_EQ(dispose(vs[0], op, observing).why, Why::WarnMode);
}

TEST(GuardPolicy, ViewsTypesAndFunctionsAreNotExemptAsEmptyTables)
{
	// A view has no storage of its own and so looks never filled; code names it all the same.
	for (auto kind : {OpKind::DropView, OpKind::RenameView, OpKind::DropType, OpKind::RenameType,
					  OpKind::DropFunction, OpKind::RenameFunction}) {
		auto op = op_on_users(kind);
		op.table.contents = TableContents::NeverFilled;
		EXPECT_EQ(decisions(op), std::vector<Decision>{Decision::Blocked}) << static_cast<int>(kind);
	}
	// what a cascade takes from a never-filled table only warns, as its own drop would
	auto col = op_on_users(OpKind::DropColumn);
	col.cascade_from = "type mood";
	col.table.contents = TableContents::NeverFilled;
	EXPECT_EQ(decisions(col), std::vector<Decision>{Decision::Warned});
}

TEST(GuardPolicy, RenamingAColumnOfAViewIsNotExemptAsEmpty)
{
	auto op = op_on_users(OpKind::RenameColumn);
	op.object = "id";
	op.table.view = true;
	op.table.contents = TableContents::NeverFilled;
	EXPECT_EQ(decisions(op), std::vector<Decision>{Decision::Blocked});
}

namespace {

Verdict verdict_for(const Operation &op)
{
	auto vs = judge(op, GuardSettings{});
	return vs.empty() ? Verdict{} : vs.front();
}

}  // namespace

TEST(CommitChecks, OnlyDropsAndRenamesOfNamesWait)
{
	Operation drop;
	drop.kind = OpKind::DropTable;
	drop.table.name = "public.events";
	EXPECT_TRUE(waits_for_commit(verdict_for(drop), drop));
	Operation col;
	col.kind = OpKind::DropColumn;
	col.table.name = "public.t";
	col.object = "c";
	EXPECT_TRUE(waits_for_commit(verdict_for(col), col));
	Operation idx;
	idx.kind = OpKind::CreateIndex;
	idx.table.name = "public.t";
	EXPECT_FALSE(waits_for_commit(verdict_for(idx), idx));
	Operation type;
	type.kind = OpKind::DropType;
	type.table.name = "public.mood";
	EXPECT_FALSE(waits_for_commit(verdict_for(type), type));
	// what a DROP ... CASCADE takes: the dropped object is gone whatever follows
	Operation cascaded = col;
	cascaded.cascade_from = "type public.mood";
	EXPECT_FALSE(waits_for_commit(verdict_for(cascaded), cascaded));
}

TEST(CommitChecks, CompatibleShapes)
{
	Shape before;
	before.kind = ShapeKind::Table;
	before.columns = {{"id", 23}, {"kind", 25}};
	Operation drop;
	drop.kind = OpKind::DropTable;
	Shape now = before;
	EXPECT_TRUE(shape_restored(drop, before, now));
	now.kind = ShapeKind::View;  // the rename recipe: a view of the old name
	EXPECT_TRUE(shape_restored(drop, before, now));
	now.columns.push_back({"extra", 23});  // more columns: named ones keep working
	EXPECT_TRUE(shape_restored(drop, before, now));
	now.columns = {{"id", 23}};  // a column missing
	EXPECT_FALSE(shape_restored(drop, before, now));
	now.columns = {{"id", 20}, {"kind", 25}};  // a column of another type
	EXPECT_FALSE(shape_restored(drop, before, now));
	EXPECT_FALSE(shape_restored(drop, before, Shape{}));  // nothing of the name
	Shape seq;
	seq.kind = ShapeKind::Other;
	EXPECT_FALSE(shape_restored(drop, before, seq));
	Operation col;
	col.kind = OpKind::DropColumn;
	col.object = "kind";
	Shape after_add = before;
	EXPECT_TRUE(shape_restored(col, before, after_add));
	after_add.columns = {{"id", 23}, {"kind", 1043}};
	EXPECT_FALSE(shape_restored(col, before, after_add));
	after_add.columns = {{"id", 23}};
	EXPECT_FALSE(shape_restored(col, before, after_add));
}

TEST(CommitChecks, CommitReportNamesStatementAndRule)
{
	Operation drop;
	drop.kind = OpKind::DropTable;
	drop.table.name = "public.events";
	Verdict v = verdict_for(drop);
	Report r = report_texts(v, drop, Disposition{});
	Report c = commit_report(r, drop, "DROP TABLE events");
	EXPECT_EQ(c.message, r.message);
	EXPECT_NE(c.message.find("(rule drop_table:"), std::string::npos);
	EXPECT_EQ(c.detail.rfind(r.detail, 0), 0u);
	EXPECT_NE(c.detail.find("Checked at COMMIT"), std::string::npos);
	EXPECT_NE(c.detail.find("Statement: DROP TABLE events"), std::string::npos);
	EXPECT_NE(c.detail.find("in a transaction block"), std::string::npos);
	EXPECT_EQ(c.hint, r.hint);
}

TEST(CommitChecks, CommitReportSaysAFunctionRanTheStatement)
{
	Operation rename;
	rename.kind = OpKind::RenameColumn;
	rename.table.name = "public.events";
	rename.object = "kind";
	Verdict v = verdict_for(rename);
	Report r = report_texts(v, rename, Disposition{});
	Report c = commit_report(r, rename, "ALTER TABLE events RENAME kind TO category",
							 WaitedBecause::EnclosingStatement);
	EXPECT_EQ(c.message, r.message);
	EXPECT_EQ(c.detail.find("in a transaction block"), std::string::npos);
	EXPECT_NE(c.detail.find("as a function, DO block or procedure ran the statement"), std::string::npos);
	EXPECT_NE(c.detail.find("a column \"kind\" of the same type in table \"public.events\""),
			  std::string::npos);
	EXPECT_NE(c.detail.find("Statement: ALTER TABLE events RENAME kind TO category"), std::string::npos);
}
