// object_rules_test.cpp — the rules about objects other than tables that running code depends on
// (views, types, domains, functions, what DROP ... CASCADE takes), and the texts of
// type changes that keep the type and of unnamed indexes; judged without a server.
#include "core/ddl/rules.hpp"

#include <gtest/gtest.h>

#include "judge_helpers.hpp"

#include <string>
#include <vector>

using namespace migration_helpers::core;

using namespace migration_helpers::core::test;

TEST(ObjectRules, RenamesAndDropsOfViewsTypesAndFunctionsBreakCode)
{
	EXPECT_EQ(judge_ids(op_on(OpKind::RenameView, "public.v")), Ids{"rename_view"});
	EXPECT_EQ(judge_ids(op_on(OpKind::DropView, "public.v")), Ids{"drop_view"});
	EXPECT_EQ(judge_ids(op_on(OpKind::RenameType, "public.mood")), Ids{"rename_type"});
	EXPECT_EQ(judge_ids(op_on(OpKind::DropType, "public.mood")), Ids{"drop_type"});
	EXPECT_EQ(judge_ids(op_on(OpKind::RenameFunction, "public.f(integer)")), Ids{"rename_function"});
	EXPECT_EQ(judge_ids(op_on(OpKind::DropFunction, "public.f(integer)")), Ids{"drop_function"});
	// whatever the size: code breaks on a small object too
	EXPECT_EQ(judge_ids(op_on(OpKind::DropView, "public.v"), int64_t(1) << 40), Ids{"drop_view"});
	// created in this transaction: nobody uses it yet
	auto op = op_on(OpKind::DropFunction, "public.f(integer)");
	op.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(op), Ids{});
	auto v = only_verdict(op_on(OpKind::RenameFunction, "public.f(integer)"));
	EXPECT_EQ(v.message,
			  "renaming function \"public.f(integer)\" would break application code that calls it by the "
			  "old name (rule rename_function: create it under the new name and keep the old one until "
			  "no code calls it)");
}

TEST(ObjectRules, WhatACascadeTakesIsJudgedAsDropCascade)
{
	auto col = op_on(OpKind::DropColumn, "public.users");
	col.object = "mood";
	col.cascade_from = "type public.mood";
	EXPECT_EQ(judge_ids(col), Ids{"drop_cascade"});
	auto v = only_verdict(col);
	EXPECT_EQ(v.message,
			  "dropping type public.mood with CASCADE would also drop column \"mood\" of table "
			  "\"public.users\" and break application code that uses it (rule drop_cascade: drop what "
			  "depends on it by its own recipe first, then drop it without CASCADE)");
	auto def = op_on(OpKind::DropDefault, "public.users");
	def.object = "id";
	def.cascade_from = "sequence public.users_id_seq";
	EXPECT_NE(only_verdict(def).message.find("the default of column \"id\" of table \"public.users\""),
			  std::string::npos);
	auto view = op_on(OpKind::DropView, "public.v");
	view.cascade_from = "function public.f(integer)";
	EXPECT_EQ(judge_ids(view), Ids{"drop_cascade"});
	auto table = op_on(OpKind::DropTable, "public.typed");
	table.cascade_from = "type public.pair";
	EXPECT_EQ(judge_ids(table), Ids{"drop_cascade"});
	// a table created in this transaction loses nothing anyone uses
	col.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(col), Ids{});
}

TEST(ObjectRules, DomainConstraintsScanEveryTableThatUsesTheDomain)
{
	auto op = op_on(OpKind::DomainConstraintScan, "public.users");
	op.domain = "public.email";
	op.object = "email_check";
	EXPECT_EQ(judge_ids(op), Ids{"domain_constraint_scan"});
	EXPECT_EQ(
		only_verdict(op).message,
		"adding constraint \"email_check\" to domain \"public.email\" would scan table \"public.users\" while "
		"blocking writes on it (rule domain_constraint_scan: add the domain constraint NOT VALID, and "
		"validate per table with a CHECK)");
	op.domain_validate = true;
	EXPECT_EQ(only_verdict(op).message.substr(0, 50),
			  "validating constraint \"email_check\" of domain \"pub");
	op.object.clear();
	EXPECT_EQ(only_verdict(op).message.substr(0, 41), "setting NOT NULL on domain \"public.email\"");
	// a lock rule: small tables pass under a threshold
	EXPECT_EQ(judge_ids(op, 1 << 20), Ids{});
	EXPECT_EQ(find_rule("domain_constraint_scan")->lock, LockLevel::Share);
}

TEST(ObjectRules, DropAndAddOfTheSameColumnInOneStatementKeepsQueriesWorking)
{
	auto drop = op_on(OpKind::DropColumn, "public.users");
	drop.object = "tenant_id";
	EXPECT_EQ(judge_ids(drop), Ids{"drop_column"});
	drop.name_recreated = true;
	EXPECT_EQ(judge_ids(drop), Ids{});
	auto rename = op_on(OpKind::RenameColumn, "public.users");
	rename.object = "name";
	rename.name_recreated = true;
	EXPECT_EQ(judge_ids(rename), Ids{});
}

TEST(ObjectRules, TypeChangeToTheSameTypeSaysSo)
{
	auto op = op_on(OpKind::AlterColumnType, "public.users");
	op.object = "name";
	op.rechecks_constraint = true;
	op.type_unchanged = true;
	auto v = only_verdict(op);
	EXPECT_EQ(v.rule->id, "column_type_recheck");
	EXPECT_EQ(v.message,
			  "ALTER COLUMN \"name\" TYPE names the type the column already has, and would still scan "
			  "table \"public.users\" while blocking reads and writes on it (rule column_type_recheck: "
			  "leave out the TYPE clause: the type is unchanged)");
	EXPECT_NE(v.recipe.find("SET NOT NULL"), std::string::npos);
	EXPECT_EQ(v.recipe.find("Drop the CHECK"), std::string::npos);
	op.rechecks_constraint = false;
	op.rebuilds_index = true;
	EXPECT_NE(only_verdict(op).message.find("would still rebuild its indexes"), std::string::npos);
	// a real change keeps the usual texts
	op.type_unchanged = false;
	EXPECT_EQ(only_verdict(op).message.find("names the type"), std::string::npos);
}

TEST(ObjectRules, UnnamedIndexIsNamedAsTheServerWillName)
{
	auto op = op_on(OpKind::CreateIndex, "public.users");
	op.object = "users_email_idx";
	op.name_chosen = true;
	EXPECT_EQ(only_verdict(op).message.substr(0, 33), "creating index \"users_email_idx\" ");
}
