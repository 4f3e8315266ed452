// wal_ahead.cpp — see wal_ahead.hpp.
#include "core/backfill/wal_ahead.hpp"

#include <algorithm>

namespace migration_helpers::core {

WalAhead::WalAhead(const WalAheadSettings &s) : s_(s)
{
	if (s_.segment_size == 0)
		s_.segment_size = 16u << 20;
}

void WalAhead::observe(uint64_t insert, double now_ms)
{
	insert_ = std::max(insert_, insert);
	if (!seen_) {
		seen_ = true;
		sample_insert_ = insert;
		sample_ms_ = now_ms;
		return;
	}
	double dt_ms = now_ms - sample_ms_;
	if (dt_ms < s_.rate_window_ms)
		return;
	uint64_t grown = insert > sample_insert_ ? insert - sample_insert_ : 0;
	double r = double(grown) * 1000.0 / dt_ms;
	// Smoothed so that one quiet interval between two batches does not drop the lead at once,
	// yet follows a new rate within a few intervals.
	rate_ = rate_ < 0 ? r : 0.7 * rate_ + 0.3 * r;
	sample_insert_ = insert;
	sample_ms_ = now_ms;
}

SegmentRange WalAhead::wanted() const
{
	SegmentRange r;
	if (!seen_)
		return r;
	uint64_t current = insert_ / s_.segment_size;
	double lead = rate_bytes_per_s() * s_.lead_s;
	uint64_t ahead = uint64_t(std::min(lead, double(s_.max_ahead_bytes)));
	// Always the next segment, and up to the one the lead reaches.
	uint64_t last = std::max(current + 1, (insert_ + ahead) / s_.segment_size);
	uint64_t cap = current + std::max<uint64_t>(1, s_.max_ahead_bytes / s_.segment_size);
	last = std::min(last, cap);
	uint64_t first = have_ensured_ ? std::max(ensured_ + 1, current + 1) : current + 1;
	r.first = first;
	r.last = last;
	return r;
}

void WalAhead::created(uint64_t segment)
{
	if (!have_ensured_ || segment > ensured_)
		ensured_ = segment;
	have_ensured_ = true;
}

void WalAhead::reset()
{
	*this = WalAhead(s_);
}

}  // namespace migration_helpers::core
