// wal_ahead.cpp — the launcher creates WAL segment files before the WAL reaches
// them while backfill batches run (core/backfill/wal_ahead.hpp says why and how
// far ahead). A segment is created the way PostgreSQL creates one when it needs
// it (XLogFileInit: zero-filled as wal_init_zero says, synced, renamed into
// place under the server's own lock), so a file that already exists — recycled
// by a checkpoint, or made meanwhile by a committing session — is left alone.
#include <sys/stat.h>

#include <algorithm>
#include <unistd.h>

#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// After an error (a full disk, say) the launcher leaves segments to the server for this long.
constexpr double kPauseAfterErrorMs = 60000;
// At most this many segments per step (10 ms apart): the launcher stays responsive to shutdown
// and to the resumers it starts, whatever the lead asks for.
constexpr uint64_t kSegmentsPerStep = 4;

core::WalAheadSettings wal_ahead_settings()
{
	core::WalAheadSettings s;
	s.segment_size = uint64_t(wal_segment_size);
	return s;
}

// WalNow: what the launcher reads of the WAL at one step (read through a pointer: pg_call
// returns scalars only).
struct WalNow {
	bool recovery;
	uint64_t insert;
	uint32_t timeline;
	double now_ms;
};

void read_wal_now_c(WalNow *out)
{
	out->now_ms = double(GetCurrentTimestamp()) / 1000.0;
	out->recovery = RecoveryInProgress();
	if (out->recovery)
		return;
	out->insert = GetXLogInsertRecPtr();
	out->timeline = GetWALInsertionTimeLine();
}

// ensure_segment_c: 1 when this call created the segment file, 0 when it existed.
int ensure_segment_c(uint64_t segment, uint32_t timeline)
{
	char path[MAXPGPATH];
	XLogFilePath(path, timeline, XLogSegNo(segment), wal_segment_size);
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	int fd = XLogFileInit(XLogSegNo(segment), timeline);
	close(fd);
	return 1;
}

}  // namespace

WalPreparer::WalPreparer() : ahead_(wal_ahead_settings()) {}

void WalPreparer::step()
{
	WalNow now{};
	pg_call([&] { read_wal_now_c(&now); });
	if (now.recovery || now.now_ms < paused_until_ms_)
		return;
	if (now.timeline != timeline_) {
		ahead_.reset();
		timeline_ = now.timeline;
	}
	ahead_.observe(now.insert, now.now_ms);
	core::SegmentRange range = ahead_.wanted();
	uint64_t last = range.empty() ? 0 : std::min(range.last, range.first + kSegmentsPerStep - 1);
	for (uint64_t segment = range.first; !range.empty() && segment <= last; segment++) {
		int made = 0;
		try {
			made = pg_call([&] {
				CHECK_FOR_INTERRUPTS();
				return ensure_segment_c(segment, timeline_);
			});
		} catch (const PgError &e) {
			// Outside any transaction, nothing to roll back: the server's own error cleanup in
			// XLogFileInit removed its temporary file. Say it once and let the server create
			// its segments itself for a while.
			pg_call([&] {
				// As PostgreSQL's own background processes recover: nothing may stay held.
				LWLockReleaseAll();
				pgstat_report_wait_end();
				ereport(WARNING,
						(errmsg("migration_helpers could not create a WAL segment ahead of backfill "
								"writes: %s",
								e.edata->message ? e.edata->message : "unknown error"),
						 errhint("Backfills go on; committing sessions create the segments they need.")));
				FreeErrorData(e.edata);
			});
			paused_until_ms_ = now.now_ms + kPauseAfterErrorMs;
			ahead_.reset();
			return;
		}
		ahead_.created(segment);
		created_ += made;
	}
}

void WalPreparer::idle()
{
	if (created_ > 0) {
		int64_t n = created_;
		pg_call([&] {
			ereport(LOG, (errmsg("migration_helpers created %lld WAL segment(s) ahead of backfill writes",
								 (long long) n)));
		});
	}
	created_ = 0;
	ahead_.reset();
}

}  // namespace migration_helpers::pg
