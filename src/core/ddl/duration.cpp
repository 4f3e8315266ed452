// duration.cpp — the lock-duration model of lint() (duration.hpp).
#include "core/ddl/duration.hpp"

#include <array>
#include <utility>

namespace migration_helpers::core {

namespace {

// The rules whose lock lasts as long as work over the table; every other rule's does not.
constexpr std::array<std::pair<std::string_view, Work>, 22> kWork = {{
	{"index_not_concurrent", Work::IndexBuild},
	{"reindex_not_concurrent", Work::IndexBuild},
	{"add_unique_constraint", Work::IndexBuild},
	{"add_primary_key", Work::IndexBuild},
	{"add_exclusion_constraint", Work::IndexBuild},
	{"column_type_index_rebuild", Work::IndexBuild},
	{"vacuum_full", Work::Rewrite},
	{"cluster", Work::Rewrite},
	{"refresh_matview_not_concurrent", Work::Rewrite},
	{"add_column_rewrite", Work::Rewrite},
	{"column_type_rewrite", Work::Rewrite},
	{"set_persistence", Work::Rewrite},
	{"set_access_method", Work::Rewrite},
	{"set_tablespace", Work::Rewrite},
	{"set_not_null", Work::Scan},
	{"add_check_constraint", Work::Scan},
	{"add_foreign_key", Work::Scan},
	{"validate_after_strong_lock", Work::Scan},
	{"column_type_recheck", Work::Scan},
	{"attach_partition_scan", Work::Scan},
	{"default_partition_scan", Work::Scan},
	{"domain_constraint_scan", Work::Scan},
}};

}  // namespace

Work rule_work(std::string_view rule_id)
{
	for (const auto &w : kWork)
		if (w.first == rule_id)
			return w.second;
	return Work::None;
}

std::optional<double> estimate_seconds(std::string_view rule_id, int64_t heap_bytes, int64_t total_bytes,
									   const DurationModel &model)
{
	double heap = heap_bytes > 0 ? double(heap_bytes) : 0.0;
	double total = total_bytes > heap_bytes ? double(total_bytes) : heap;
	switch (rule_work(rule_id)) {
	case Work::Scan:
		return heap / model.scan_bytes_per_s;
	case Work::IndexBuild:
		return heap / model.index_bytes_per_s;
	case Work::Rewrite:
		return total / model.rewrite_bytes_per_s;
	case Work::None:
		break;
	}
	return std::nullopt;
}

}  // namespace migration_helpers::core
