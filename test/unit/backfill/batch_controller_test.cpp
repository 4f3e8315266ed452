// batch_controller_test.cpp — adaptive batch size, backoff, progress texts.
#include "core/backfill/batch_controller.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

namespace {
BatchSettings settings()
{
	BatchSettings s;
	s.initial_size = 1000;
	s.min_size = 100;
	s.max_size = 100000;
	s.target_ms = 200;
	return s;
}
}  // namespace

TEST(BatchSettings, Validation)
{
	EXPECT_EQ(validate(settings()), "");
	auto s = settings();
	s.min_size = 0;
	EXPECT_EQ(validate(s), "min_batch_size must be at least 1");
	s = settings();
	s.max_size = 50;
	EXPECT_EQ(validate(s), "max_batch_size must not be less than min_batch_size");
	s = settings();
	s.initial_size = 10;
	EXPECT_EQ(validate(s), "batch_size must be between min_batch_size and max_batch_size");
	s = settings();
	s.target_ms = 0;
	EXPECT_EQ(validate(s), "target_batch_time must be positive");
}

TEST(BatchController, GrowsTowardTargetAtMostDoubling)
{
	BatchController c(settings());
	c.after_batch(20, 1000);  // 10x too fast
	EXPECT_EQ(c.size(), 2000);
	c.after_batch(40, 2000);
	EXPECT_EQ(c.size(), 4000);
}

TEST(BatchController, ShrinksAtMostHalving)
{
	BatchController c(settings());
	c.after_batch(2000, 1000);  // 10x too slow
	EXPECT_EQ(c.size(), 500);
}

TEST(BatchController, ConvergesAndStays)
{
	BatchController c(settings());
	// 0.02 ms per row: the target of 200 ms is 10,000 rows.
	for (int i = 0; i < 20; ++i)
		c.after_batch(0.02 * double(c.size()), c.size());
	EXPECT_EQ(c.size(), 10000);
	c.after_batch(0.02 * 10000, 10000);
	EXPECT_EQ(c.size(), 10000);
}

TEST(BatchController, OneSlowBatchDoesNotCollapseTheSize)
{
	BatchController c(settings());
	for (int i = 0; i < 20; ++i)
		c.after_batch(0.02 * double(c.size()), c.size());
	c.after_batch(5000, 10000);  // a checkpoint stalled one batch 25x
	EXPECT_GE(c.size(), 5000);
}

TEST(BatchController, StaysWithinBounds)
{
	auto s = settings();
	s.max_size = 3000;
	BatchController c(s);
	for (int i = 0; i < 10; ++i)
		c.after_batch(1, c.size());
	EXPECT_EQ(c.size(), 3000);
	for (int i = 0; i < 20; ++i)
		c.after_batch(100000, c.size());
	EXPECT_EQ(c.size(), 100);
}

TEST(BatchController, EmptyBatchKeepsSize)
{
	BatchController c(settings());
	c.after_batch(5, 0);
	EXPECT_EQ(c.size(), 1000);
}

TEST(BatchController, ConflictsHalveAndBackOffExponentially)
{
	auto s = settings();
	s.backoff_base_ms = 100;
	s.backoff_max_ms = 1000;
	s.max_conflicts = 6;
	BatchController c(s);
	EXPECT_DOUBLE_EQ(c.after_conflict(), 100);
	EXPECT_EQ(c.size(), 500);
	EXPECT_DOUBLE_EQ(c.after_conflict(), 200);
	EXPECT_DOUBLE_EQ(c.after_conflict(), 400);
	EXPECT_EQ(c.size(), 125);
	EXPECT_DOUBLE_EQ(c.after_conflict(), 800);
	EXPECT_EQ(c.size(), 100);  // never below min
	EXPECT_DOUBLE_EQ(c.after_conflict(), 1000);
	EXPECT_FALSE(c.gave_up());
	c.after_conflict();
	EXPECT_TRUE(c.gave_up());
	c.after_batch(10, 100);  // a success resets the count
	EXPECT_FALSE(c.gave_up());
	EXPECT_EQ(c.consecutive_conflicts(), 0);
}

TEST(BatchController, AnOutageWaitsAsAConflictButKeepsTheSize)
{
	auto s = settings();
	s.backoff_base_ms = 100;
	s.backoff_max_ms = 1000;
	s.max_conflicts = 3;
	BatchController c(s);
	EXPECT_DOUBLE_EQ(c.after_outage(), 100);
	EXPECT_DOUBLE_EQ(c.after_outage(), 200);
	EXPECT_EQ(c.size(), 1000);  // the batch met no lock: no reason to shrink it
	EXPECT_FALSE(c.gave_up());
	EXPECT_DOUBLE_EQ(c.after_conflict(), 400);  // outages and conflicts count together
	EXPECT_TRUE(c.gave_up());
	c.after_batch(10, 100);
	EXPECT_FALSE(c.gave_up());
}

TEST(BatchController, FailuresAreBounded)
{
	auto s = settings();
	s.max_failures = 2;
	BatchController c(s);
	c.after_failure();
	c.after_failure();
	EXPECT_FALSE(c.gave_up());
	c.after_failure();
	EXPECT_TRUE(c.gave_up());
}

TEST(Progress, RateEtaAndLine)
{
	Progress p;
	p.rows_done = 250000;
	p.rows_estimated = 1000000;
	p.elapsed_s = 5;
	EXPECT_DOUBLE_EQ(rate(p), 50000);
	EXPECT_DOUBLE_EQ(eta_seconds(p), 15);
	EXPECT_EQ(progress_line(p), "25% (250000 of about 1000000 rows), 50000 rows/s, about 15 s left");
	p.rows_estimated = -1;
	EXPECT_LT(eta_seconds(p), 0);
	EXPECT_EQ(progress_line(p), "250000 rows, 50000 rows/s");
	p.rows_estimated = 100000000;
	EXPECT_EQ(progress_line(p), "0% (250000 of about 100000000 rows), 50000 rows/s, about 34 min left");
	p.rows_done = 2000;  // estimates can be low: never over 100%
	p.rows_estimated = 1000;
	EXPECT_EQ(progress_line(p).substr(0, 4), "100%");
	Progress none;
	EXPECT_EQ(progress_line(none), "0 rows, 0 rows/s");
}
