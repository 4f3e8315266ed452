// locks_test.cpp — explain_locks' lock modes, new locks and statement positions.
#include "core/preflight/locks.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/ddl/rules.hpp"

using namespace migration_helpers::core;

TEST(Locks, ModesNamedAndBlockingAsTheGuardSaysIt)
{
	EXPECT_EQ(lock_mode_name(LockMode::AccessExclusive), lock_name(LockLevel::AccessExclusive));
	EXPECT_EQ(lock_mode_name(LockMode::Share), lock_name(LockLevel::Share));
	EXPECT_EQ(lock_mode_name(LockMode::ShareUpdateExclusive), lock_name(LockLevel::ShareUpdateExclusive));
	EXPECT_EQ(lock_mode_name(LockMode::ShareRowExclusive), lock_name(LockLevel::ShareRowExclusive));
	EXPECT_EQ(lock_mode_blocks(LockMode::AccessExclusive), lock_blocks(LockLevel::AccessExclusive));
	EXPECT_EQ(lock_mode_blocks(LockMode::Share), lock_blocks(LockLevel::Share));
	EXPECT_EQ(lock_mode_blocks(LockMode::ShareRowExclusive), lock_blocks(LockLevel::ShareRowExclusive));
	EXPECT_EQ(lock_mode_blocks(LockMode::ShareUpdateExclusive), lock_blocks(LockLevel::ShareUpdateExclusive));
	EXPECT_EQ(lock_mode_name(LockMode::RowExclusive), "ROW EXCLUSIVE");
	for (int m = 1; m <= 8; m++)
		EXPECT_FALSE(lock_mode_blocks(LockMode(m)).empty()) << m;
}

TEST(Locks, NewLocksAreTheDifferenceStrongestFirst)
{
	std::vector<HeldLock> before{{10, LockMode::AccessShare}, {11, LockMode::RowExclusive}};
	std::vector<HeldLock> after{{10, LockMode::AccessShare},     {11, LockMode::RowExclusive},
								{10, LockMode::AccessExclusive}, {12, LockMode::Share},
								{12, LockMode::Share},           {9, LockMode::Share}};
	std::vector<HeldLock> got = new_locks(before, after);
	std::vector<HeldLock> want{{10, LockMode::AccessExclusive}, {9, LockMode::Share}, {12, LockMode::Share}};
	EXPECT_EQ(got, want);
	EXPECT_TRUE(new_locks(after, before).empty());
}

TEST(Locks, StatementStartSkipsSpaceAndComments)
{
	std::string_view s = "SELECT 1;\n  -- a comment\n /* a /* nested */ one */\n\tALTER TABLE t;";
	size_t at = statement_start(s, 9);
	EXPECT_EQ(s.substr(at, 5), "ALTER");
	TextPosition p = position_of(s, at);
	EXPECT_EQ(p.line, 4);
	EXPECT_EQ(p.col, 2);
	EXPECT_EQ(statement_start(s, 0), 0u);
	EXPECT_EQ(statement_start("  -- only a comment", 0), 19u);
	EXPECT_EQ(statement_start("/* unterminated", 0), 15u);
	// columns count characters: "é" is two bytes, one column
	std::string_view u = "SELECT 'é'; DROP TABLE t;";
	EXPECT_EQ(position_of(u, u.find("DROP")).col, 13);
}
