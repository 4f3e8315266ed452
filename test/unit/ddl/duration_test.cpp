// duration_test.cpp — lint()'s lock-duration model: which work each rule does, and its rates.
#include "core/ddl/duration.hpp"

#include <gtest/gtest.h>

#include "core/ddl/rules.hpp"

#include <string_view>

using namespace migration_helpers::core;

TEST(Duration, EveryBlockingRuleHasWorkAndCodeRulesNone)
{
	for (const Rule &r : rules()) {
		// add_required_column fails at the first row of a table that has one; DROP INDEX and DETACH
		// PARTITION hold their lock only briefly (their harm is the queue behind it): no work to time
		std::string_view id = r.id;
		bool brief = id == "drop_index_not_concurrent" || id == "detach_partition_not_concurrent";
		if (r.effect == Effect::BlocksTraffic && !brief) {
			EXPECT_NE(rule_work(r.id), Work::None) << r.id;
		} else {
			EXPECT_EQ(rule_work(r.id), Work::None) << r.id;
		}
	}
	EXPECT_EQ(rule_work("no_such_rule"), Work::None);
}

TEST(Duration, RatesApplyToTheRightSize)
{
	DurationModel m;
	m.scan_bytes_per_s = 100;
	m.index_bytes_per_s = 10;
	m.rewrite_bytes_per_s = 1;
	EXPECT_DOUBLE_EQ(*estimate_seconds("set_not_null", 1000, 5000, m), 10.0);
	EXPECT_DOUBLE_EQ(*estimate_seconds("index_not_concurrent", 1000, 5000, m), 100.0);
	EXPECT_DOUBLE_EQ(*estimate_seconds("column_type_rewrite", 1000, 5000, m), 5000.0);
	// a total smaller than the heap (sizes that disagree) counts as the heap
	EXPECT_DOUBLE_EQ(*estimate_seconds("column_type_rewrite", 1000, 10, m), 1000.0);
	EXPECT_FALSE(estimate_seconds("rename_column", 1000, 5000, m).has_value());
	EXPECT_DOUBLE_EQ(*estimate_seconds("vacuum_full", -1, 0, m), 0.0);
}
