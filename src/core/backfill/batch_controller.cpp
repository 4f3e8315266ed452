// batch_controller.cpp — adaptive batch size, backoff and progress texts.
//
// The size follows GitLab's batched background migrations in spirit: measure
// each batch, compare with the target duration, and move the size toward it
// by a bounded factor, so one slow batch (a checkpoint, a vacuum) cannot
// shrink the next one to nothing nor one fast batch blow it up. A smoothed
// per-row cost keeps the size from oscillating.
#include "core/backfill/batch_controller.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace migration_helpers::core {

namespace {

constexpr double kMaxGrowth = 2.0;  // at most doubled after one batch
constexpr double kMaxShrink = 0.5;  // at most halved after one batch
constexpr double kSmoothing = 0.5;  // weight of the newest measurement

}  // namespace

std::string validate(const BatchSettings &s)
{
	if (s.min_size < 1)
		return "min_batch_size must be at least 1";
	if (s.max_size < s.min_size)
		return "max_batch_size must not be less than min_batch_size";
	if (s.initial_size < s.min_size || s.initial_size > s.max_size)
		return "batch_size must be between min_batch_size and max_batch_size";
	if (!(s.target_ms > 0))
		return "target_batch_time must be positive";
	if (s.max_failures < 0 || s.max_conflicts < 1)
		return "retry limits must be positive";
	return {};
}

BatchController::BatchController(const BatchSettings &s) : s_(s), size_(s.initial_size) {}

void BatchController::after_batch(double elapsed_ms, int64_t rows)
{
	conflicts_ = 0;
	failures_ = 0;
	if (rows <= 0 || elapsed_ms <= 0)
		return;  // nothing measured: keep the size
	double per_row = elapsed_ms / double(rows);
	smoothed_ms_per_row_ =
		smoothed_ms_per_row_ < 0 ? per_row : kSmoothing * per_row + (1 - kSmoothing) * smoothed_ms_per_row_;
	double wanted = s_.target_ms / smoothed_ms_per_row_;
	double lo = double(size_) * kMaxShrink;
	double hi = double(size_) * kMaxGrowth;
	double next = std::clamp(wanted, lo, hi);
	size_ = std::clamp<int64_t>(int64_t(std::llround(next)), s_.min_size, s_.max_size);
}

double BatchController::after_conflict()
{
	size_ = std::max<int64_t>(s_.min_size, size_ / 2);
	return after_outage();
}

double BatchController::after_outage()
{
	++conflicts_;
	double wait = s_.backoff_base_ms * std::pow(2.0, double(std::min(conflicts_ - 1, 30)));
	return std::min(wait, s_.backoff_max_ms);
}

double BatchController::after_failure()
{
	++failures_;
	return std::min(s_.backoff_base_ms * std::pow(2.0, double(std::min(failures_ - 1, 30))),
					s_.backoff_max_ms);
}

bool BatchController::gave_up() const
{
	return failures_ > s_.max_failures || conflicts_ >= s_.max_conflicts;
}

double rate(const Progress &p)
{
	return p.elapsed_s > 0 ? double(p.rows_done) / p.elapsed_s : 0;
}

double eta_seconds(const Progress &p)
{
	double r = rate(p);
	if (p.rows_estimated < 0 || r <= 0)
		return -1;
	return std::max(0.0, double(p.rows_estimated - p.rows_done) / r);
}

std::string progress_line(const Progress &p)
{
	char buf[160];
	std::string out;
	if (p.rows_estimated > 0) {
		double pct = std::min(100.0, 100.0 * double(p.rows_done) / double(p.rows_estimated));
		std::snprintf(buf, sizeof(buf), "%.0f%% (%lld of about %lld rows)", std::floor(pct),
					  static_cast<long long>(p.rows_done), static_cast<long long>(p.rows_estimated));
	} else {
		std::snprintf(buf, sizeof(buf), "%lld rows", static_cast<long long>(p.rows_done));
	}
	out = buf;
	std::snprintf(buf, sizeof(buf), ", %.0f rows/s", rate(p));
	out += buf;
	double eta = eta_seconds(p);
	if (eta >= 0) {
		if (eta < 90)
			std::snprintf(buf, sizeof(buf), ", about %.0f s left", std::ceil(eta));
		else if (eta < 5400)
			std::snprintf(buf, sizeof(buf), ", about %.0f min left", std::ceil(eta / 60));
		else
			std::snprintf(buf, sizeof(buf), ", about %.1f h left", eta / 3600);
		out += buf;
	}
	return out;
}

}  // namespace migration_helpers::core
