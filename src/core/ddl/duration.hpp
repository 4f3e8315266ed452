// duration.hpp — how long a statement holds its lock, estimated from the size of the table
// it works on: lint()'s estimated_duration. The model is deliberately simple (README, "Linting
// a migration"): each rule names the work done under the lock, and each kind of work reads
// bytes at a rate measured on a 2-core VM (test/bench/lint_duration.sh checks the estimate
// against measured times):
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
	double scan_bytes_per_s = 400e6;
	double index_bytes_per_s = 60e6;
	double rewrite_bytes_per_s = 40e6;
};

// estimate_seconds: the time the rule's work takes on a table of heap_bytes (main fork) and
// total_bytes (heap, TOAST and indexes); nullopt when the rule's harm does not depend on size.
std::optional<double> estimate_seconds(std::string_view rule_id, int64_t heap_bytes, int64_t total_bytes,
									   const DurationModel &model = DurationModel{});

}  // namespace migration_helpers::core
