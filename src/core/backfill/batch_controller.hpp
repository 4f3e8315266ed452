// batch_controller.hpp — how big the next backfill batch is, how long to back
// off after a lock conflict, when a job gives up, and how its progress reads.
//
// Words used here:
//   batch     one transaction of the backfill worker: it updates up to `size`
//             rows of one key range and records the job's progress.
//   conflict  a batch that could not get its row or table locks in time
//             (lock_timeout, deadlock, serialization failure): retried with a
//             smaller batch after a backoff, without counting as a failure.
//   failure   any other error of a batch: retried at most max_failures times.
//
// Clock and durations are parameters: everything here is unit-tested without
// a server.
#pragma once

#include <cstdint>
#include <string>

namespace migration_helpers::core {

struct BatchSettings {
	int64_t initial_size = 1000;
	int64_t min_size = 100;
	int64_t max_size = 50000;
	double target_ms = 100;         // wanted duration of one batch
	double backoff_base_ms = 100;   // first wait after a conflict
	double backoff_max_ms = 10000;  // longest wait after conflicts
	int max_failures = 3;           // consecutive non-conflict errors before the job fails
	int max_conflicts = 50;         // consecutive conflicts before the job fails
};

// validate: an error text when the settings cannot work, empty when they can.
std::string validate(const BatchSettings &s);

enum class BatchOutcome { Done, Conflict, Failure };

class BatchController {
public:
	explicit BatchController(const BatchSettings &s);

	int64_t size() const { return size_; }
	// after_batch: adapts the size toward the target from the measured duration
	// of a batch that touched `rows` rows (a batch that found nothing to update
	// still tells how fast the key range is walked).
	void after_batch(double elapsed_ms, int64_t rows);
	// after_conflict: halves the batch and says how long to wait before the retry.
	double after_conflict();
	// after_failure: how long to wait before retrying a failed batch.
	double after_failure();
	// after_outage: how long to wait for a node that could not be reached (restarting, say): as
	// after a conflict, and counted with them toward max_conflicts, but the size is kept (the
	// batch met no lock).
	double after_outage();
	// gave_up: too many consecutive conflicts or failures.
	bool gave_up() const;
	int consecutive_conflicts() const { return conflicts_; }
	int consecutive_failures() const { return failures_; }

private:
	BatchSettings s_;
	int64_t size_;
	int conflicts_ = 0;
	int failures_ = 0;
	double smoothed_ms_per_row_ = -1;
};

// Progress: what backfill_wait() and the backfills view report.
struct Progress {
	int64_t rows_done = 0;
	int64_t rows_estimated = -1;  // -1: unknown
	double elapsed_s = 0;
};
// rate: rows per second so far (0 before any time has passed).
double rate(const Progress &p);
// eta_seconds: seconds left at the current rate; negative when unknown.
double eta_seconds(const Progress &p);
// progress_line: "42% (420000 of 1000000 rows), 84000 rows/s, about 7 s left".
std::string progress_line(const Progress &p);

}  // namespace migration_helpers::core
