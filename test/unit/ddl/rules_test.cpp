// rules_test.cpp — every rule of the guard, judged without a server (what the guard does with
// the verdicts: policy_test.cpp).
#include "core/ddl/rules.hpp"

#include <gtest/gtest.h>

#include <set>

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

std::vector<std::string> judge_ids(const Operation &op, int64_t threshold = 0)
{
	GuardSettings s;
	s.large_table_threshold_bytes = threshold;
	return ids_of(judge(op, s));
}

using Ids = std::vector<std::string>;

// primary: a primary message without the "(rule id: safe form)" every one ends with.
std::string primary(const std::string &message)
{
	return message.substr(0, message.find(" (rule "));
}

}  // namespace

TEST(GuardRules, CatalogIdsAreUniqueSnakeCaseWithTexts)
{
	std::set<std::string_view> seen;
	for (const auto &r : rules()) {
		EXPECT_TRUE(seen.insert(r.id).second) << r.id;
		for (char c : r.id)
			EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << r.id;
		EXPECT_FALSE(r.catches.empty()) << r.id;
		EXPECT_FALSE(r.recipe.empty()) << r.id;
		ASSERT_NE(find_rule(r.id), nullptr);
		EXPECT_EQ(find_rule(r.id)->id, r.id);
	}
	EXPECT_EQ(find_rule("no_such_rule"), nullptr);
	EXPECT_GE(rules().size(), 20u);
}

TEST(GuardRules, OnlyHookRulesNeedPreload)
{
	std::set<std::string_view> preload;
	for (const auto &r : rules())
		if (r.needs_preload)
			preload.insert(r.id);
	EXPECT_EQ(preload, (std::set<std::string_view>{"reindex_not_concurrent", "vacuum_full", "cluster"}));
}

TEST(GuardRules, CreateIndex)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "users_email_idx";
	EXPECT_EQ(judge_ids(op), Ids{"index_not_concurrent"});
	op.concurrent = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, NewAndMissingTablesAreExempt)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(op), Ids{});
	op.table.created_in_transaction = false;
	op.table.exists = false;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, ThresholdExemptsSmallTablesFromLockRulesOnly)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.table.size_bytes = 1000;
	EXPECT_EQ(judge_ids(op, 0), Ids{"index_not_concurrent"});
	EXPECT_EQ(judge_ids(op, 1000), Ids{"index_not_concurrent"});
	EXPECT_EQ(judge_ids(op, 1001), Ids{});
	auto rename = op_on_users(OpKind::RenameColumn);
	rename.table.size_bytes = 0;
	EXPECT_EQ(judge_ids(rename, 1 << 30), Ids{"rename_column"});
}

TEST(GuardRules, DropAndReindexAndDetachNeedConcurrently)
{
	for (auto [kind, id] : std::vector<std::pair<OpKind, std::string>>{
			 {OpKind::DropIndex, "drop_index_not_concurrent"},
			 {OpKind::Reindex, "reindex_not_concurrent"},
			 {OpKind::DetachPartition, "detach_partition_not_concurrent"},
			 {OpKind::RefreshMatView, "refresh_matview_not_concurrent"}}) {
		auto op = op_on_users(kind);
		EXPECT_EQ(judge_ids(op), Ids{id});
		op.concurrent = true;
		EXPECT_EQ(judge_ids(op), Ids{});
	}
}

TEST(GuardRules, FirstRefreshOfUnpopulatedViewIsSafe)
{
	auto op = op_on_users(OpKind::RefreshMatView);
	op.populated = false;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, VacuumFullClusterAndStorageChangesAlwaysBlock)
{
	EXPECT_EQ(judge_ids(op_on_users(OpKind::VacuumFull)), Ids{"vacuum_full"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::Cluster)), Ids{"cluster"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::SetPersistence)), Ids{"set_persistence"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::SetTablespace)), Ids{"set_tablespace"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::SetAccessMethod)), Ids{"set_access_method"});
}

TEST(GuardRules, AddColumnForms)
{
	auto op = op_on_users(OpKind::AddColumn);
	op.object = "full_name";
	EXPECT_EQ(judge_ids(op), Ids{});  // nullable, no default
	op.has_default = true;
	EXPECT_EQ(judge_ids(op), Ids{});  // constant default: catalog only
	op.not_null = true;
	EXPECT_EQ(judge_ids(op), Ids{});  // NOT NULL DEFAULT constant
	op.has_default = false;
	EXPECT_EQ(judge_ids(op), Ids{"add_required_column"});
	op.rewrite_default = true;  // serial: a rewrite, the NOT NULL is filled by it
	EXPECT_EQ(judge_ids(op), Ids{"add_column_rewrite"});
}

TEST(GuardRules, AddColumnInlineConstraints)
{
	auto op = op_on_users(OpKind::AddColumn);
	op.constraint = ConstraintKind::ForeignKey;
	op.validation_skipped = true;  // no default: every value NULL, no scan
	EXPECT_EQ(judge_ids(op), Ids{});
	op.validation_skipped = false;
	EXPECT_EQ(judge_ids(op), Ids{"add_foreign_key"});
	op.constraint = ConstraintKind::Check;
	EXPECT_EQ(judge_ids(op), Ids{"add_check_constraint"});
	op.constraint = ConstraintKind::Unique;
	EXPECT_EQ(judge_ids(op), Ids{"add_unique_constraint"});
	op.not_null = true;
	EXPECT_EQ(judge_ids(op), (Ids{"add_unique_constraint", "add_required_column"}));
}

TEST(GuardRules, AddConstraintSafeForms)
{
	auto op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::Check;
	EXPECT_EQ(judge_ids(op), Ids{"add_check_constraint"});
	op.not_valid = true;
	EXPECT_EQ(judge_ids(op), Ids{});

	op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::ForeignKey;
	EXPECT_EQ(judge_ids(op), Ids{"add_foreign_key"});
	op.not_valid = true;
	EXPECT_EQ(judge_ids(op), Ids{});

	op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::Unique;
	EXPECT_EQ(judge_ids(op), Ids{"add_unique_constraint"});
	op.using_index = true;
	EXPECT_EQ(judge_ids(op), Ids{});

	op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::PrimaryKey;
	op.using_index = true;
	EXPECT_EQ(judge_ids(op), Ids{"add_primary_key"});  // nullable columns: still a scan
	op.proven_not_null = true;
	EXPECT_EQ(judge_ids(op), Ids{});

	op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::Exclusion;
	op.not_valid = true;  // no safe form exists
	EXPECT_EQ(judge_ids(op), Ids{"add_exclusion_constraint"});
}

TEST(GuardRules, SetNotNullNeedsProof)
{
	auto op = op_on_users(OpKind::SetNotNull);
	op.object = "email";
	EXPECT_EQ(judge_ids(op), Ids{"set_not_null"});
	op.proven_not_null = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, ValidateOnlyUnderAStrongLock)
{
	auto op = op_on_users(OpKind::ValidateConstraint);
	EXPECT_EQ(judge_ids(op), Ids{});
	op.strong_lock_held = true;
	EXPECT_EQ(judge_ids(op), Ids{"validate_after_strong_lock"});
}

TEST(GuardRules, AttachPartitionNeedsProvenBound)
{
	auto op = op_on_users(OpKind::AttachPartition);
	EXPECT_EQ(judge_ids(op), Ids{"attach_partition_scan"});
	op.partition_bound_proven = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, DefaultPartitionIsScanned)
{
	auto op = op_on_users(OpKind::CreatePartition);
	EXPECT_EQ(judge_ids(op), Ids{});
	op.default_partition = true;
	EXPECT_EQ(judge_ids(op), Ids{"default_partition_scan"});
	op.kind = OpKind::AttachPartition;
	op.partition_bound_proven = true;
	EXPECT_EQ(judge_ids(op), Ids{"default_partition_scan"});
	op.partition_bound_proven = false;
	EXPECT_EQ(judge_ids(op), (Ids{"attach_partition_scan", "default_partition_scan"}));
}

TEST(GuardRules, TableRewriteReasonsMapToRules)
{
	auto op = op_on_users(OpKind::TableRewrite);
	op.rewrite_reason = kRewriteColumnType;
	EXPECT_EQ(judge_ids(op), Ids{"column_type_rewrite"});
	op.rewrite_reason = kRewriteDefault | kRewriteColumnType;
	EXPECT_EQ(judge_ids(op), (Ids{"column_type_rewrite", "add_column_rewrite"}));
	op.rewrite_reason = kRewritePersistence;
	EXPECT_EQ(judge_ids(op), Ids{"set_persistence"});
	op.rewrite_reason = kRewriteAccessMethod;
	EXPECT_EQ(judge_ids(op), Ids{"set_access_method"});
}

TEST(GuardRules, TypeChangeIsLeftToTheRewriteEvent)
{
	EXPECT_EQ(judge_ids(op_on_users(OpKind::AlterColumnType)), Ids{});
}

TEST(GuardRules, TypeChangeUnderACheckConstraintRechecksEveryRow)
{
	auto op = op_on_users(OpKind::AlterColumnType);
	op.object = "email";
	op.rechecks_constraint = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"column_type_recheck"});
	EXPECT_EQ(
		primary(vs[0].message),
		"changing the type of column \"email\" would scan table \"public.users\" while blocking reads and "
		"writes on it");
	EXPECT_NE(vs[0].recipe.find("NOT VALID"), std::string::npos);
	// A scan under a lock: small tables below the threshold pass.
	EXPECT_EQ(judge_ids(op, 1 << 20), Ids{});
}

TEST(GuardRules, TypeChangeThatRebuildsIndexesBlocks)
{
	// A new collation or operator class (timestamp -> timestamptz under UTC), or an expression index.
	auto op = op_on_users(OpKind::AlterColumnType);
	op.object = "email";
	EXPECT_EQ(judge_ids(op), Ids{});  // kept indexes, no CHECK: catalog only
	op.rebuilds_index = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"column_type_index_rebuild"});
	EXPECT_EQ(primary(vs[0].message),
			  "changing the type of column \"email\" would rebuild its indexes and block "
			  "reads and writes on table \"public.users\"");
	EXPECT_NE(vs[0].detail.find("operator class"), std::string::npos);
	op.rechecks_constraint = true;  // both at once: both reported
	EXPECT_EQ(judge_ids(op), (Ids{"column_type_recheck", "column_type_index_rebuild"}));
}

TEST(GuardRules, CatalogOnlyChangesPass)
{
	auto op = op_on_users(OpKind::CatalogOnly);
	op.table.published = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, RenamesAndDropsBreakCode)
{
	EXPECT_EQ(judge_ids(op_on_users(OpKind::RenameColumn)), Ids{"rename_column"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::RenameTable)), Ids{"rename_table"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::SetSchema)), Ids{"rename_table"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::DropColumn)), Ids{"drop_column"});
	EXPECT_EQ(judge_ids(op_on_users(OpKind::DropTable)), Ids{"drop_table"});
}

TEST(GuardRules, PartitionedParentAdoptsThePartitionsConstraints)
{
	auto op = op_on_users(OpKind::AddConstraint);
	for (auto kind : {ConstraintKind::Unique, ConstraintKind::PrimaryKey}) {
		op.constraint = kind;
		op.partitions_have_it = false;
		EXPECT_EQ(judge_ids(op).size(), 1u);
		op.partitions_have_it = true;
		EXPECT_EQ(judge_ids(op), Ids{});
	}
	op.constraint = ConstraintKind::Exclusion;  // no adoption for these: still built
	EXPECT_EQ(judge_ids(op), Ids{"add_exclusion_constraint"});
}

TEST(GuardRules, IfNotExistsOverAnInvalidIndexWarns)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "users_email_idx";
	op.concurrent = true;
	op.existing_index_invalid = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"invalid_index_skipped"});
	EXPECT_EQ(vs[0].rule->severity, Severity::Warning);
	EXPECT_EQ(vs[0].rule->effect, Effect::SilentNoOp);
	EXPECT_EQ(primary(vs[0].message),
			  "index \"users_email_idx\" exists but is INVALID, so CREATE INDEX IF NOT EXISTS "
			  "leaves table \"public.users\" without it");
	EXPECT_EQ(judge_ids(op, int64_t(1) << 40), Ids{"invalid_index_skipped"});  // whatever the size
	op.concurrent = false;
	EXPECT_EQ(judge_ids(op), (Ids{"index_not_concurrent", "invalid_index_skipped"}));
}

TEST(GuardRules, RenamingAnEnumValueBreaksCode)
{
	Operation op;
	op.kind = OpKind::RenameEnumValue;
	op.table.name = "public.mood";
	op.object = "sad";
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"rename_enum_value"});
	EXPECT_EQ(
		primary(vs[0].message),
		"renaming value \"sad\" of type \"public.mood\" would break application code that uses the old value");
	EXPECT_EQ(vs[0].rule->lock, LockLevel::None);
	EXPECT_EQ(judge_ids(op, int64_t(1) << 40), Ids{"rename_enum_value"});  // size plays no part
	op.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, PublishedTablesWarnOnColumnChanges)
{
	auto op = op_on_users(OpKind::AddColumn);
	op.table.published = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"published_table_ddl"});
	EXPECT_EQ(vs[0].rule->severity, Severity::Warning);
	op.kind = OpKind::CreateIndex;
	op.concurrent = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, LosingTheReplicaIdentityOfATablePublishedForUpdatesBreaksWrites)
{
	auto op = op_on_users(OpKind::CatalogOnly);  // ALTER TABLE ... DROP CONSTRAINT users_pkey
	op.object = "users_pkey";
	op.removes_replica_identity = true;
	op.table.published = true;
	EXPECT_EQ(judge_ids(op), Ids{}) << "a publication of INSERTs only needs no replica identity";
	op.table.publishes_updates = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(ids_of(vs), Ids{"replica_identity_loss"});
	EXPECT_EQ(vs[0].rule->severity, Severity::Error);
	EXPECT_EQ(
		primary(vs[0].message),
		"removing the replica identity of table \"public.users\" would make every UPDATE and DELETE on it fail");
	EXPECT_NE(vs[0].recipe.find("REPLICA IDENTITY USING INDEX"), std::string::npos);
	// Whatever the table's size: the breakage does not depend on how long a lock is held.
	EXPECT_EQ(judge_ids(op, int64_t(1) << 40), Ids{"replica_identity_loss"});
	// DROP INDEX CONCURRENTLY of the replica identity index: the safe form of the drop, still a loss.
	op.kind = OpKind::DropIndex;
	op.concurrent = true;
	EXPECT_EQ(judge_ids(op), Ids{"replica_identity_loss"});
	op.removes_replica_identity = false;
	EXPECT_EQ(judge_ids(op), Ids{});
	// Created in this transaction: nobody writes to it yet.
	op.removes_replica_identity = true;
	op.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, MessageTexts)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "users_email_idx";
	op.table.size_bytes = 42 * 1024 * 1024;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(vs.size(), 1u);
	// The primary message alone names the rule and the safe form: some clients show nothing else.
	EXPECT_EQ(vs[0].message,
			  "creating index \"users_email_idx\" would block writes on table \"public.users\" "
			  "(rule index_not_concurrent: use CREATE INDEX CONCURRENTLY)");
	EXPECT_EQ(vs[0].detail, "CREATE INDEX holds a SHARE lock on \"public.users\" (42 MB) until "
							"the whole index is built; the lock blocks INSERT, UPDATE and DELETE.");
	EXPECT_NE(vs[0].recipe.find("CREATE INDEX CONCURRENTLY"), std::string::npos);
	EXPECT_EQ(vs[0].recipe.find("ON ONLY"),
			  std::string::npos);  // the partitioned recipe only where it applies
	op.object.clear();
	EXPECT_EQ(
		judge(op, GuardSettings{})[0].message,
		"creating index would block writes on table \"public.users\" (rule index_not_concurrent: use CREATE "
		"INDEX CONCURRENTLY)");
}

TEST(GuardRules, PartitionedTablesGetThePartitionedRecipe)
{
	auto op = op_on_users(OpKind::CreateIndex);
	op.object = "i";
	op.table.partitioned = true;
	auto vs = judge(op, GuardSettings{});
	ASSERT_EQ(vs.size(), 1u);
	EXPECT_EQ(vs[0].message,
			  "creating index \"i\" would block writes on table \"public.users\" (rule "
			  "index_not_concurrent: use CREATE INDEX ON ONLY the parent, then CONCURRENTLY on each "
			  "partition)");
	EXPECT_EQ(vs[0].recipe.find("Use CREATE INDEX CONCURRENTLY"), std::string::npos);
	EXPECT_NE(vs[0].recipe.find("ON ONLY"), std::string::npos);
	// A rule without a partitioned recipe keeps its one.
	op.kind = OpKind::DropIndex;
	EXPECT_NE(judge(op, GuardSettings{})[0].recipe.find("DROP INDEX CONCURRENTLY"), std::string::npos);
	// rules() shows both.
	EXPECT_NE(full_recipe(*find_rule("add_foreign_key")).find("partitioned"), std::string::npos);
	EXPECT_EQ(full_recipe(*find_rule("drop_column")), find_rule("drop_column")->recipe);
}

TEST(GuardRules, EveryRuleExpandsAllPlaceholders)
{
	for (int k = 0; k <= static_cast<int>(OpKind::CatalogOnly); ++k) {
		auto op = op_on_users(static_cast<OpKind>(k));
		op.object = "x";
		op.table.published = true;
		op.table.publishes_updates = true;
		op.removes_replica_identity = true;
		op.rechecks_constraint = true;
		op.rebuilds_index = true;
		op.existing_index_invalid = true;
		op.rewrite_reason = 15;
		for (auto c : {ConstraintKind::Check, ConstraintKind::ForeignKey, ConstraintKind::Unique,
					   ConstraintKind::PrimaryKey, ConstraintKind::Exclusion}) {
			op.constraint = c;
			for (const auto &v : judge(op, GuardSettings{})) {
				for (const auto *text : {&v.message, &v.detail, &v.recipe})
					EXPECT_EQ(text->find('{'), std::string::npos) << *text;
				EXPECT_FALSE(v.message.empty());
				EXPECT_NE(v.message.back(), '.');
				EXPECT_EQ(v.detail.back(), '.');
				EXPECT_EQ(v.recipe.back(), '.');
			}
		}
	}
}

TEST(FormatBytes, MatchesPgSizePretty)
{
	EXPECT_EQ(format_bytes(0), "0 bytes");
	EXPECT_EQ(format_bytes(8192), "8192 bytes");
	EXPECT_EQ(format_bytes(10239), "10239 bytes");
	EXPECT_EQ(format_bytes(10240), "10 kB");
	EXPECT_EQ(format_bytes(10 * 1024 * 1024 - 1), "10 MB");
	EXPECT_EQ(format_bytes(10 * 1024 * 1024 - 513), "10239 kB");
	EXPECT_EQ(format_bytes(10 * 1024 * 1024), "10 MB");
	EXPECT_EQ(format_bytes(int64_t(5) * 1024 * 1024 * 1024 * 1024 * 3), "15 TB");
	EXPECT_EQ(format_bytes(-10240), "-10 kB");
}

TEST(GuardRules, RequiredColumnBreaksCodeWhateverTheSize)
{
	auto op = op_on_users(OpKind::AddColumn);
	op.not_null = true;
	EXPECT_EQ(judge_ids(op, 1 << 20), Ids{"add_required_column"});
	EXPECT_EQ(find_rule("add_required_column")->effect, Effect::BreaksCode);
}

TEST(GuardRules, NoOpsAreNotUnsafe)
{
	// CREATE INDEX IF NOT EXISTS of an index that exists, ADD COLUMN IF NOT EXISTS of a column that
	// exists, DROP COLUMN IF EXISTS of one that does not.
	for (auto kind : {OpKind::CreateIndex, OpKind::AddColumn, OpKind::DropColumn}) {
		auto op = op_on_users(kind);
		op.not_null = true;
		op.constraint = ConstraintKind::Unique;
		EXPECT_FALSE(judge_ids(op).empty()) << static_cast<int>(kind);
		op.outcome = Outcome::Skipped;
		EXPECT_EQ(judge_ids(op), Ids{}) << static_cast<int>(kind);
	}
	// ... but an INVALID index that IF NOT EXISTS keeps is still worth the warning.
	auto op = op_on_users(OpKind::CreateIndex);
	op.outcome = Outcome::Skipped;
	op.existing_index_invalid = true;
	EXPECT_EQ(judge_ids(op), Ids{"invalid_index_skipped"});
}

TEST(GuardRules, StatementsTheServerRejectsGetItsError)
{
	auto op = op_on_users(OpKind::AddConstraint);
	op.constraint = ConstraintKind::Unique;
	op.object = "users_email_key";
	EXPECT_EQ(judge_ids(op), Ids{"add_unique_constraint"});
	op.outcome = Outcome::Fails;  // a relation of that name exists: duplicate_table
	EXPECT_EQ(judge_ids(op), Ids{});
	op = op_on_users(OpKind::DropColumn);
	op.outcome = Outcome::Fails;
	EXPECT_EQ(judge_ids(op), Ids{});
}

TEST(GuardRules, MessagesNameTheMigrationAtWorkOnTheTable)
{
	GuardSettings s;
	Operation op = op_on_users(OpKind::RenameColumn);
	op.object = "email";
	op.table.migration = "users_full_name";
	std::vector<Verdict> vs = judge(op, s);
	ASSERT_EQ(ids_of(vs), Ids{"rename_column"});
	EXPECT_NE(vs[0].message.find("table \"public.users\" is under migration \"users_full_name\")"),
			  std::string::npos)
		<< vs[0].message;
	EXPECT_NE(vs[0].detail.find("part of unfinished migration \"users_full_name\""), std::string::npos);
	op.table.migration.clear();
	EXPECT_EQ(judge(op, s)[0].message.find("migration"), std::string::npos);
}

TEST(GuardRules, DropOfARetiredColumnPointsToTheContract)
{
	GuardSettings s;
	Operation op = op_on_users(OpKind::DropColumn);
	op.object = "legacy";
	op.table.migration = "o'brien";
	op.retired_by = "o'brien";
	std::vector<Verdict> vs = judge(op, s);
	ASSERT_EQ(ids_of(vs), Ids{"drop_column"});
	EXPECT_NE(vs[0].message.find("(rule drop_column: migration \"o'brien\" drops it at contract: SELECT "
								 "migration_helpers.complete_migration('o''brien'))"),
			  std::string::npos)
		<< vs[0].message;
	EXPECT_NE(vs[0].recipe.find("Column \"legacy\" is retired by the drop_column step"), std::string::npos);
}
