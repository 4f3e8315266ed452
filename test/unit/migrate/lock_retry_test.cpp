// lock_retry_test.cpp — the lock retry schedule: growing lock_timeout, backoff with jitter, the budget.
#include "core/migrate/lock_retry.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

TEST(LockRetry, TimeoutsGrowLikeGitLabsThenCap)
{
	LockRetryPolicy p;
	LockRetrySchedule s(p, 0);
	double want[] = {100, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1000};
	for (double w : want)
		EXPECT_EQ(s.next_timeout(0), w);
	EXPECT_EQ(s.attempts(), 12);
}

TEST(LockRetry, SleepsBackOffWithJitter)
{
	LockRetryPolicy p;
	LockRetrySchedule s(p, 0);
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.5), 50);  // no jitter at the middle
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.5), 100);
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.0), 100);  // 200 * (1 - 0.5)
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.75), 400 * 1.25);
	for (int i = 0; i < 20; i++)
		EXPECT_LE(s.sleep_after_failure(0, 0.5), p.max_sleep_ms);
}

TEST(LockRetry, NoJitterIsDeterministic)
{
	LockRetryPolicy p;
	p.jitter = 0;
	LockRetrySchedule s(p, 0);
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.0), 50);
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(0, 0.9), 100);
}

TEST(LockRetry, BudgetBoundsEverything)
{
	LockRetryPolicy p;
	p.budget_ms = 1000;
	LockRetrySchedule s(p, 5000);  // any clock origin
	EXPECT_EQ(s.next_timeout(5000), 100);
	EXPECT_EQ(s.next_timeout(5950), 50);                     // clipped to what is left
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(5950, 0.5), 40);  // leaves one minimal attempt
	EXPECT_FALSE(s.next_timeout(5991).has_value());          // 9 ms left: below min_attempt_ms
	EXPECT_FALSE(s.next_timeout(6000).has_value());
	EXPECT_FALSE(s.next_timeout(7000).has_value());
	EXPECT_DOUBLE_EQ(s.sleep_after_failure(7000, 0.5), 0);
	EXPECT_DOUBLE_EQ(s.elapsed_ms(6000), 1000);
}

TEST(LockRetry, WholeRunStaysWithinBudget)
{
	LockRetryPolicy p;
	p.budget_ms = 3000;
	LockRetrySchedule s(p, 0);
	double now = 0;
	int attempts = 0;
	unsigned seed = 1;
	while (auto t = s.next_timeout(now)) {
		attempts++;
		now += *t;  // every attempt times out
		seed = seed * 1103515245u + 12345u;
		now += s.sleep_after_failure(now, double(seed % 1000) / 1000.0);
	}
	EXPECT_LE(now, p.budget_ms);
	EXPECT_GE(attempts, 5);
}

TEST(LockRetry, Validate)
{
	EXPECT_EQ(validate(LockRetryPolicy{}), "");
	LockRetryPolicy p;
	p.budget_ms = 1;
	EXPECT_NE(validate(p), "");
	p = LockRetryPolicy{};
	p.jitter = 1;
	EXPECT_NE(validate(p), "");
	p = LockRetryPolicy{};
	p.max_timeout_ms = 50;
	EXPECT_NE(validate(p), "");
}
