// checklist_test.cpp — the pre-production checklist from facts.
#include "core/migrate/checklist.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

namespace {
const ChecklistRow *find(const std::vector<ChecklistRow> &rows, const std::string &item)
{
	for (const auto &r : rows)
		if (r.item == item)
			return &r;
	return nullptr;
}

ChecklistFacts seed()
{
	ChecklistFacts f;
	f.migration = "m";
	f.phase = "ready";
	f.steps = {{1, "add_column", "public.users", 3, 4, 2},
			   {2, "add_not_null", "public.users", 1, 1, 3},
			   {3, "drop_column", "public.users", 0, 0, 1}};
	f.tables = {{"public.users", 2 * 1024 * 1024, 1000}};
	f.locks = {{2, "contract", "ALTER TABLE public.users VALIDATE CONSTRAINT c", "ShareUpdateExclusiveLock",
				"public.users", 2 * 1024 * 1024}};
	f.xact_per_second = 5;
	return f;
}
}  // namespace

TEST(Checklist, SeedScenarioPasses)
{
	auto rows = evaluate_checklist(seed());
	for (const auto &r : rows)
		EXPECT_EQ(r.status, "pass") << r.item << ": " << r.evidence;
	const ChecklistRow *compat = find(rows, "backward compatible with the running code");
	ASSERT_NE(compat, nullptr);
	EXPECT_NE(compat->evidence.find("removed only at contract: step 3 drop_column on public.users"),
			  std::string::npos);
	const ChecklistRow *largest = find(rows, "largest table touched");
	ASSERT_NE(largest, nullptr);
	EXPECT_EQ(largest->evidence, "public.users: 2048 kB, about 1000 rows");
	const ChecklistRow *lock = find(rows, "lock at contract: step 2");
	ASSERT_NE(lock, nullptr);
	EXPECT_NE(lock->evidence.find("not reads or writes; scans the table, under a second"), std::string::npos);
}

TEST(Checklist, WarnsAndFails)
{
	ChecklistFacts f = seed();
	f.steps.push_back({4, "rename_table", "public.users", 1, 1, 0});
	f.steps.push_back({5, "add_check", "public.users", 1, 0, 1});
	f.tables[0].bytes = int64_t(40) * 1024 * 1024 * 1024;
	f.locks[0].table_bytes = f.tables[0].bytes;
	f.xact_per_second = 500;
	f.longest_xact_seconds = 600;
	f.longest_xact = "pid 42 (role app, idle in transaction)";
	f.other_migrations = {"other (ready, on public.orders)"};
	f.contract_done = 1;
	auto rows = evaluate_checklist(f);
	EXPECT_EQ(find(rows, "backward compatible with the running code")->status, "fail");
	EXPECT_EQ(find(rows, "an undo recorded for every step")->status, "fail");
	EXPECT_EQ(find(rows, "an undo recorded for every step")->evidence, "no undo: step 5 add_check");
	EXPECT_EQ(find(rows, "survives failing halfway")->status, "warn");
	EXPECT_EQ(find(rows, "largest table touched")->status, "warn");
	EXPECT_EQ(find(rows, "lock at contract: step 2")->status, "warn");  // a 40 GB scan: about 7 min
	EXPECT_NE(find(rows, "lock at contract: step 2")->evidence.find("about 7 min"), std::string::npos);
	EXPECT_EQ(find(rows, "traffic is low now")->status, "warn");
	EXPECT_EQ(find(rows, "no long transaction on the tables")->status, "warn");
	EXPECT_EQ(find(rows, "other unfinished migrations")->status, "warn");
}

TEST(Checklist, LockTexts)
{
	EXPECT_EQ(lock_blocks("AccessExclusiveLock"), "every read and write of the table");
	EXPECT_EQ(lock_blocks("ShareRowExclusiveLock"), "writes to the table");
	EXPECT_TRUE(scans("ALTER TABLE t VALIDATE CONSTRAINT c"));
	EXPECT_FALSE(scans("ALTER TABLE t ALTER COLUMN c SET NOT NULL"));
	EXPECT_DOUBLE_EQ(expected_seconds("ALTER TABLE t DROP COLUMN c", int64_t(1) << 40), 0);
}
