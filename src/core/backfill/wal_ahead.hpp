// wal_ahead.hpp — how far ahead of the WAL insert position the engine keeps WAL
// segment files created while backfill batches run.
//
// Why: a WAL segment that does not exist yet (no recycled one is left, as when a
// large backfill writes more WAL than the last checkpoints did) is created by
// whichever process first writes into it — most often a committing session of
// the application, which zero-fills and fsyncs 16 MB while holding the lock
// every other commit waits for (50-170 ms stalls, measured). The engine's
// launcher creates those files before the WAL reaches them, off every commit
// path, while backfill batches run.
//
// Words used here:
//   position  a WAL position (LSN), in bytes from the start of the WAL.
//   segment   a WAL segment file, numbered from 0; segment n holds positions
//             [n * segment_size, (n + 1) * segment_size).
//   ensured   the highest segment known to exist (created or found).
//   lead      how much of the recent WAL rate to cover ahead: segments up to
//             insert + rate * lead_s (bounded by max_ahead_bytes), and always
//             the next one.
//
// Clock and positions are parameters: unit-tested without a server.
#pragma once

#include <cstdint>

namespace migration_helpers::core {

struct WalAheadSettings {
	uint64_t segment_size = 16u << 20;
	double lead_s = 0.5;                    // seconds of the recent WAL rate to cover
	uint64_t max_ahead_bytes = 1ull << 30;  // never more than this ahead of the insert position
	double rate_window_ms = 50;             // shortest interval a rate is measured over
};

// SegmentRange: segments [first, last] to create, in order; empty when first > last.
struct SegmentRange {
	uint64_t first = 1;
	uint64_t last = 0;
	bool empty() const { return first > last; }
};

class WalAhead {
public:
	explicit WalAhead(const WalAheadSettings &s);

	// observe: the insert position at now_ms; updates the smoothed WAL rate.
	void observe(uint64_t insert, double now_ms);
	// wanted: the segments that should exist now and are not known to, given the
	// last observed insert position.
	SegmentRange wanted() const;
	// created: segment `segment` exists now (made or found).
	void created(uint64_t segment);
	// reset: forget what is known (a new timeline, or after an error).
	void reset();

	double rate_bytes_per_s() const { return rate_ < 0 ? 0 : rate_; }
	uint64_t ensured() const { return ensured_; }

private:
	WalAheadSettings s_;
	uint64_t insert_ = 0;
	bool seen_ = false;
	uint64_t sample_insert_ = 0;
	double sample_ms_ = 0;
	double rate_ = -1;  // bytes per second; -1: not measured yet
	uint64_t ensured_ = 0;
	bool have_ensured_ = false;
};

}  // namespace migration_helpers::core
