// sync_test.cpp — the column sync trigger's decisions for every kind of write.
#include "core/migrate/sync.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

namespace {
SyncFacts insert(bool old_null, bool new_null)
{
	SyncFacts f;
	f.write = RowWrite::Insert;
	f.old_null = old_null;
	f.new_null = new_null;
	return f;
}
SyncFacts update(bool old_changed, bool new_changed)
{
	SyncFacts f;
	f.write = RowWrite::Update;
	f.old_null = f.new_null = false;
	f.old_changed = old_changed;
	f.new_changed = new_changed;
	return f;
}
}  // namespace

TEST(Sync, InsertByTheOldVersionFillsTheNewColumn)
{
	EXPECT_EQ(plan_sync(insert(false, true)), SyncAction::FillNew);
}

TEST(Sync, InsertByTheNewVersionFillsTheOldColumn)
{
	// The old column may hold its default: the new column, which has none, wins.
	EXPECT_EQ(plan_sync(insert(false, false)), SyncAction::FillOld);
	EXPECT_EQ(plan_sync(insert(true, false)), SyncAction::FillOld);
}

TEST(Sync, InsertOfNeitherChangesNothing)
{
	EXPECT_EQ(plan_sync(insert(true, true)), SyncAction::Nothing);
}

TEST(Sync, UpdateOfOneColumnFillsTheOther)
{
	EXPECT_EQ(plan_sync(update(true, false)), SyncAction::FillNew);
	EXPECT_EQ(plan_sync(update(false, true)), SyncAction::FillOldUnlessEqual);
}

TEST(Sync, UpdateOfBothMustAgree)
{
	EXPECT_EQ(plan_sync(update(true, true)), SyncAction::CheckAgree);
}

TEST(Sync, UpdateOfNeitherChangesNothing)
{
	// Other columns written, or both written with their previous values.
	EXPECT_EQ(plan_sync(update(false, false)), SyncAction::Nothing);
}

TEST(Sync, UpdateOfARowNotBackfilledYetFillsTheNewColumn)
{
	SyncFacts f = update(false, false);
	f.new_null = true;
	EXPECT_EQ(plan_sync(f), SyncAction::FillNew);
	f.old_null = true;  // both NULL: consistent already
	EXPECT_EQ(plan_sync(f), SyncAction::Nothing);
}

TEST(Sync, ErrorTextsNameTheMigrationColumnsAndType)
{
	char buf[256];
	format_sync_conflict(buf, sizeof(buf), "m1", "id", "id_new");
	EXPECT_STREQ(buf,
				 "columns \"id\" and \"id_new\" were both changed to values that disagree, while migration "
				 "\"m1\" keeps them in sync");
	format_sync_not_fit(buf, sizeof(buf), "id_new", "id", "integer");
	EXPECT_STREQ(buf, "value of column \"id_new\" does not fit column \"id\" of type integer");
	char tiny[8];
	format_sync_not_fit(tiny, sizeof(tiny), "id_new", "id", "integer");
	EXPECT_STREQ(tiny, "value o");  // truncated, never overrun
	EXPECT_STREQ(sync_action_name(SyncAction::FillOldUnlessEqual), "fill old unless equal");
}
