// duration.hpp — how long a statement holds its lock, estimated from the size of the table
// it works on: lint()'s estimated_duration. The model is deliberately simple (README, "Linting
// a migration"): each rule names the work done under the lock, and each kind of work reads
// bytes at a rate measured on the project's 2-core VM (PostgreSQL 15, default settings;
// test/bench/lint_duration.sh checks the estimate against measured times, within a factor 2):
//   scan         reads the heap once (validation, SET NOT NULL, ATTACH PARTITION):  heap bytes
//   index build  reads the heap and sorts (CREATE INDEX, UNIQUE, PRIMARY KEY):      heap bytes
//   rewrite      writes a new heap and rebuilds every index (type change, ...):    total bytes
// Rules whose harm does not grow with the table (renames, drops: the lock is brief) get none.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace migration_helpers::core {

enum class Work { None, Scan, IndexBuild, Rewrite };

// rule_work: the work a rule's statement does under its lock (None for an unknown id).
Work rule_work(std::string_view rule_id);

// DurationModel: bytes per second of each kind of work.
struct DurationModel {
	double scan_bytes_per_s = 1000e6;  // measured 1.3 GB/s, heap in cache
	double index_bytes_per_s = 200e6;  // measured 216 MB/s for an int key (54 MB/s for a 32-byte text key)
	double rewrite_bytes_per_s = 130e6;
};

// estimate_seconds: the time the rule's work takes on a table of heap_bytes (main fork) and
// total_bytes (heap, TOAST and indexes); nullopt when the rule's harm does not depend on size.
std::optional<double> estimate_seconds(std::string_view rule_id, int64_t heap_bytes, int64_t total_bytes,
									   const DurationModel &model = DurationModel{});

}  // namespace migration_helpers::core
