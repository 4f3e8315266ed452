// wal_ahead_test.cpp — how far ahead the engine keeps WAL segments created.
#include "core/backfill/wal_ahead.hpp"

#include <gtest/gtest.h>

using migration_helpers::core::SegmentRange;
using migration_helpers::core::WalAhead;
using migration_helpers::core::WalAheadSettings;

namespace {
constexpr uint64_t kSeg = 16u << 20;

WalAheadSettings settings()
{
	WalAheadSettings s;
	s.segment_size = kSeg;
	s.lead_s = 0.5;
	s.max_ahead_bytes = 8 * kSeg;
	s.rate_window_ms = 50;
	return s;
}
}  // namespace

TEST(WalAhead, NothingBeforeTheFirstObservation)
{
	WalAhead w(settings());
	EXPECT_TRUE(w.wanted().empty());
}

TEST(WalAhead, WithoutARateOnlyTheNextSegment)
{
	WalAhead w(settings());
	w.observe(3 * kSeg + 100, 0);
	SegmentRange r = w.wanted();
	EXPECT_EQ(r.first, 4u);
	EXPECT_EQ(r.last, 4u);
}

TEST(WalAhead, TheLeadCoversHalfASecondOfTheMeasuredRate)
{
	WalAhead w(settings());
	w.observe(10 * kSeg, 0);
	// 64 MB in 100 ms: 640 MB/s, half a second of it is 320 MB = 20 segments, capped at 8 ahead.
	w.observe(14 * kSeg, 100);
	SegmentRange r = w.wanted();
	EXPECT_EQ(r.first, 15u);
	EXPECT_EQ(r.last, 14u + 8u);

	// 32 MB/s: 16 MB in half a second: the segment after the next.
	WalAhead slow(settings());
	slow.observe(10 * kSeg, 0);
	slow.observe(10 * kSeg + kSeg / 2, 500);
	EXPECT_DOUBLE_EQ(slow.rate_bytes_per_s(), double(kSeg));
	SegmentRange s = slow.wanted();
	EXPECT_EQ(s.first, 11u);
	EXPECT_EQ(s.last, 11u);
}

TEST(WalAhead, RatesAreMeasuredOverTheWindowAndSmoothed)
{
	WalAhead w(settings());
	w.observe(0, 0);
	w.observe(kSeg, 10);  // shorter than the window: no rate yet
	EXPECT_DOUBLE_EQ(w.rate_bytes_per_s(), 0);
	w.observe(kSeg, 100);  // 16 MB over 100 ms
	EXPECT_DOUBLE_EQ(w.rate_bytes_per_s(), double(kSeg) * 10);
	w.observe(kSeg, 200);  // quiet: 70% of the old rate stays
	EXPECT_DOUBLE_EQ(w.rate_bytes_per_s(), double(kSeg) * 7);
}

TEST(WalAhead, SegmentsKnownToExistAreNotAskedForAgain)
{
	WalAhead w(settings());
	w.observe(2 * kSeg, 0);
	w.observe(4 * kSeg, 100);  // 320 MB/s: 10 segments of lead, capped at 8 ahead
	SegmentRange r = w.wanted();
	ASSERT_EQ(r.first, 5u);
	ASSERT_EQ(r.last, 12u);
	for (uint64_t s = r.first; s <= 8; s++)
		w.created(s);
	r = w.wanted();
	EXPECT_EQ(r.first, 9u);
	EXPECT_EQ(r.last, 12u);
	for (uint64_t s = r.first; s <= r.last; s++)
		w.created(s);
	EXPECT_TRUE(w.wanted().empty());
	EXPECT_EQ(w.ensured(), 12u);
}

TEST(WalAhead, APositionPastWhatIsEnsuredStartsAfterIt)
{
	WalAhead w(settings());
	w.observe(kSeg, 0);
	w.created(2);
	w.observe(20 * kSeg + 5, 10);  // far past segment 2, and within the window: no rate
	SegmentRange r = w.wanted();
	EXPECT_EQ(r.first, 21u);
	EXPECT_EQ(r.last, 21u);
}

TEST(WalAhead, ResetForgetsEverything)
{
	WalAhead w(settings());
	w.observe(kSeg, 0);
	w.observe(3 * kSeg, 100);
	w.created(9);
	w.reset();
	EXPECT_TRUE(w.wanted().empty());
	EXPECT_EQ(w.rate_bytes_per_s(), 0);
	w.observe(kSeg, 200);
	EXPECT_EQ(w.wanted().first, 2u);
}

TEST(WalAhead, AZeroSegmentSizeFallsBackToTheDefault)
{
	WalAheadSettings s = settings();
	s.segment_size = 0;
	WalAhead w(s);
	w.observe(kSeg + 1, 0);
	EXPECT_EQ(w.wanted().first, 2u);
}
