// script_model_test.cpp — the transaction context lint() walks a script with: blocks, the
// single_transaction wrapper, SET / SET LOCAL / RESET, tables created, locks held.
#include "core/ddl/script_model.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

using migration_helpers::core::ScriptModel;

namespace {

const std::string kAllow = "migration_helpers.allow";

ScriptModel model(bool single = false)
{
	return ScriptModel(single, std::map<std::string, std::string>{{kAllow, "drop_table"}});
}

TEST(ScriptModel, AutocommitEndsEachStatementsTransaction)
{
	ScriptModel m = model();
	EXPECT_FALSE(m.in_block());
	m.created("public.t", false);
	m.locked(10, 8);
	EXPECT_TRUE(m.created_in_transaction("public.t"));
	EXPECT_TRUE(m.holds_lock(10, 5));
	m.statement_done();
	EXPECT_FALSE(m.created_in_transaction("public.t"));
	EXPECT_TRUE(m.created_earlier("public.t"));
	EXPECT_FALSE(m.holds_lock(10, 1));
}

TEST(ScriptModel, BlockKeepsLocksAndTablesUntilCommit)
{
	ScriptModel m = model();
	EXPECT_TRUE(m.begin());
	EXPECT_FALSE(m.begin());  // already in a block: the server warns and goes on
	m.locked(10, 4);
	m.statement_done();
	EXPECT_TRUE(m.holds_lock(10, 4));
	EXPECT_FALSE(m.holds_lock(10, 5));  // SHARE UPDATE EXCLUSIVE is weaker than SHARE
	m.locked(10, 8);
	EXPECT_TRUE(m.holds_lock(10, 5));
	m.locked(10, 3);  // a weaker lock later does not weaken what is held
	EXPECT_TRUE(m.holds_lock(10, 8));
	EXPECT_TRUE(m.end(true));
	EXPECT_FALSE(m.holds_lock(10, 1));
	EXPECT_FALSE(m.end(true));  // COMMIT outside a block: a warning, nothing ends
}

TEST(ScriptModel, RollbackForgetsCreatedTablesAndSettings)
{
	ScriptModel m = model();
	m.begin();
	m.created("public.t", false);
	m.created("pg_temp.tmp", true);
	EXPECT_TRUE(m.set(kAllow, "rename_table", false));
	EXPECT_EQ(m.setting(kAllow), "rename_table");
	m.end(false);
	EXPECT_FALSE(m.created_earlier("public.t"));
	EXPECT_FALSE(m.created_in_transaction("pg_temp.tmp"));
	EXPECT_EQ(m.setting(kAllow), "drop_table");
}

TEST(ScriptModel, SetLocalLastsOneBlockAndNeedsOne)
{
	ScriptModel m = model();
	EXPECT_FALSE(m.set(kAllow, "rename_table", true));  // outside a block: no effect
	EXPECT_EQ(m.setting(kAllow), "drop_table");
	m.begin();
	EXPECT_TRUE(m.set(kAllow, "rename_table", true));
	EXPECT_EQ(m.setting(kAllow), "rename_table");
	m.end(true);
	EXPECT_EQ(m.setting(kAllow), "drop_table");
	m.set(kAllow, "cluster", false);  // autocommit SET: lasts for the session
	m.statement_done();
	EXPECT_EQ(m.setting(kAllow), "cluster");
	m.reset(kAllow, false);
	m.statement_done();
	EXPECT_EQ(m.setting(kAllow), "drop_table");
}

TEST(ScriptModel, SingleTransactionWrapsTheScriptUntilItCommits)
{
	ScriptModel m = model(true);
	EXPECT_TRUE(m.in_block());
	m.created("public.t", false);
	m.statement_done();
	EXPECT_TRUE(m.created_in_transaction("public.t"));
	EXPECT_TRUE(m.end(true, true));  // COMMIT AND CHAIN: a new block at once
	EXPECT_TRUE(m.in_block());
	EXPECT_TRUE(m.created_earlier("public.t"));
	EXPECT_TRUE(m.end(true));
	EXPECT_FALSE(m.in_block());
}

TEST(ScriptModel, TemporaryTablesStayExempt)
{
	ScriptModel m = model();
	m.created("pg_temp.tmp", true);
	m.statement_done();
	EXPECT_TRUE(m.created_in_transaction("pg_temp.tmp"));
	EXPECT_FALSE(m.created_earlier("pg_temp.tmp"));
}

}  // namespace
