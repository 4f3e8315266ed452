// lock_retry.cpp — the lock retry schedule (see lock_retry.hpp).
#include "core/migrate/lock_retry.hpp"

#include <algorithm>
#include <cmath>

namespace migration_helpers::core {

std::string validate(const LockRetryPolicy &p)
{
	if (!(p.first_timeout_ms > 0) || !(p.max_timeout_ms >= p.first_timeout_ms))
		return "lock timeouts must be positive, the first at most the largest";
	if (!(p.first_sleep_ms >= 0) || !(p.max_sleep_ms >= p.first_sleep_ms))
		return "lock retry sleeps must not be negative, the first at most the largest";
	if (!(p.jitter >= 0) || !(p.jitter < 1))
		return "lock retry jitter must be at least 0 and below 1";
	if (!(p.budget_ms >= p.min_attempt_ms) || !(p.min_attempt_ms > 0))
		return "lock_retry_budget must be at least " + std::to_string(int(p.min_attempt_ms)) + " ms";
	return "";
}

LockRetrySchedule::LockRetrySchedule(const LockRetryPolicy &policy, double start_ms)
	: policy_(policy), start_ms_(start_ms)
{}

std::optional<double> LockRetrySchedule::next_timeout(double now_ms)
{
	double left = policy_.budget_ms - (now_ms - start_ms_);
	if (left < policy_.min_attempt_ms)
		return std::nullopt;
	// 100, 100, 200, 300, ... up to the largest (GitLab's shape).
	double t = policy_.first_timeout_ms * std::max(1, attempts_);
	t = std::min({t, policy_.max_timeout_ms, left});
	attempts_++;
	return t;
}

double LockRetrySchedule::sleep_after_failure(double now_ms, double rand01)
{
	double base = policy_.first_sleep_ms * std::pow(2.0, std::min(failures_, 30));
	failures_++;
	base = std::min(base, policy_.max_sleep_ms);
	double r = std::clamp(rand01, 0.0, 1.0);
	double s = base * (1.0 - policy_.jitter + 2.0 * policy_.jitter * r);
	double left = policy_.budget_ms - (now_ms - start_ms_) - policy_.min_attempt_ms;
	return std::max(0.0, std::min(s, left));
}

}  // namespace migration_helpers::core
