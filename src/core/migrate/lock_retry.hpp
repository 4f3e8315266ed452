// lock_retry.hpp — the schedule on which a helper's strong-lock action is
// tried: each attempt waits for its lock at most a short lock_timeout, and a
// failed attempt sleeps with exponential backoff and jitter before the next,
// all within a time budget. So a long-running query that holds the table
// delays the migration, never the application queued behind the migration's
// lock request (a waiting ACCESS EXCLUSIVE request blocks every later reader).
//
// After GitLab's with_lock_retries: its default timings try with lock_timeout
// 100 ms, 100 ms, 200 ms, 300 ms, 400 ms, 500 ms ... 1 s and sleep 50 ms, 50 ms,
// 50 ms, 100 ms, 150 ms, 2 s ... between them (about 40 attempts over a few
// minutes), then make a last attempt without any lock_timeout. We keep the
// growing lock_timeout and the short first sleeps, add jitter (two migrations
// retrying against the same holder do not retry in lockstep), and never take
// the lock without a timeout: when the budget is spent the action fails.
//
// The clock and the random source are the caller's: now_ms and rand01 are
// parameters, so every decision is testable without a server.
#pragma once

#include <optional>
#include <string>

namespace migration_helpers::core {

struct LockRetryPolicy {
	double first_timeout_ms = 100;  // lock_timeout of the first two attempts
	double max_timeout_ms = 1000;   // lock_timeout grows by first_timeout_ms per attempt up to this
	double first_sleep_ms = 50;     // sleep after the first failure; doubles per failure
	double max_sleep_ms = 2000;
	double jitter = 0.5;         // sleeps are scaled by a factor in [1 - jitter, 1 + jitter)
	double budget_ms = 30000;    // from the first attempt's start to the last attempt's end
	double min_attempt_ms = 10;  // an attempt shorter than this is not worth making
};

// validate: an error text for a policy that cannot work, empty when it can.
std::string validate(const LockRetryPolicy &p);

// LockRetrySchedule: the attempts of one action.
class LockRetrySchedule {
public:
	LockRetrySchedule(const LockRetryPolicy &policy, double start_ms);
	// next_timeout: the lock_timeout of the next attempt at now_ms, clipped to
	// the budget left; none when the budget is spent (the action fails).
	std::optional<double> next_timeout(double now_ms);
	// sleep_after_failure: how long to sleep after a failed attempt, with
	// jitter from rand01 in [0, 1), clipped so that an attempt still fits in
	// the budget (0 when none does: next_timeout then says so).
	double sleep_after_failure(double now_ms, double rand01);
	int attempts() const { return attempts_; }
	double elapsed_ms(double now_ms) const { return now_ms - start_ms_; }

private:
	LockRetryPolicy policy_;
	double start_ms_;
	int attempts_ = 0;  // attempts made (next_timeout calls that returned a value)
	int failures_ = 0;
};

}  // namespace migration_helpers::core
