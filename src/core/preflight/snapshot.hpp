// snapshot.hpp — a schema snapshot as plain structs, read from the JSON that
// migration_helpers.schema_snapshot() returns (the shape is documented in the README,
// "Schema snapshots").
//
// Words used here:
//   snapshot  what schema_snapshot() recorded of one database at one moment: its tables (with
//             columns, constraints, indexes, triggers, publications and sizes), sequences,
//             views, publications, extensions and the guard's settings.
//   section   one of those lists. A section, or a table's field, that the JSON does not hold
//             is "not recorded" (std::nullopt), and the diff does not compare it: hand-written
//             snapshots (sizes for lint) may hold only what they need.
//
// No PostgreSQL header is included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/preflight/json.hpp"

namespace migration_helpers::core {

struct SnapColumn {
	std::string name;
	std::optional<std::string> type;
	std::optional<std::string> default_expr;  // "" when recorded as null: no default
	std::optional<bool> not_null;
	std::optional<std::string> collation;  // "" when recorded as null: none (a type without one)
	std::optional<std::string> identity;   // "" none, "always", "by default"
	std::optional<std::string> generated;  // "" none, else the generation expression
};

struct SnapConstraint {
	std::string name;
	std::optional<std::string> type;
	std::optional<std::string> definition;
	std::optional<bool> validated;
};

struct SnapIndex {
	std::string name;
	std::optional<std::string> definition;
	std::optional<bool> valid;
};

struct SnapTrigger {
	std::string name;
	std::optional<std::string> definition;
	std::optional<std::string> enabled;
};

struct SnapTable {
	std::string schema;
	std::string name;
	std::optional<std::string> kind;  // "table", "partitioned table", "foreign table"
	std::optional<std::string> persistence;
	std::optional<std::string> replica_identity;
	std::optional<int64_t> total_bytes;
	std::optional<int64_t> heap_bytes;
	std::optional<int64_t> rows;  // the planner's estimate; -1: never vacuumed or analyzed
	std::optional<std::vector<SnapColumn>> columns;
	std::optional<std::vector<SnapConstraint>> constraints;
	std::optional<std::vector<SnapIndex>> indexes;
	std::optional<std::vector<SnapTrigger>> triggers;
	std::optional<std::vector<std::string>> publications;
};

struct SnapSequence {
	std::string schema;
	std::string name;
	std::optional<std::string> definition;  // type, start, increment, bounds, cycle, owner: one text
};

struct SnapView {
	std::string schema;
	std::string name;
	std::optional<std::string> kind;  // "view", "materialized view"
	std::optional<std::string> definition;
};

struct SnapPublication {
	std::string name;
	std::optional<bool> all_tables;
	std::optional<std::string> actions;  // "insert, update, delete, truncate"
};

struct SnapExtension {
	std::string name;
	std::optional<std::string> version;
};

struct Snapshot {
	std::optional<std::string> server_version;  // server_version_num as text, e.g. "150020"
	std::vector<SnapTable> tables;
	std::optional<std::vector<SnapSequence>> sequences;
	std::optional<std::vector<SnapView>> views;
	std::optional<std::vector<SnapPublication>> publications;
	std::optional<std::vector<SnapExtension>> extensions;
	std::optional<std::vector<std::pair<std::string, std::string>>> settings;  // name, value
};

// SnapshotError: why a JSON value is not a snapshot: where (a path such as
// "tables[2].columns[0].name") and what ("expected a string, found a number").
struct SnapshotError {
	std::string path;
	std::string message;
};

// read_snapshot: the snapshot the value describes; nullopt and *error when its shape is not
// one (an unknown member is ignored, so snapshots of later versions stay readable).
std::optional<Snapshot> read_snapshot(const Json &value, SnapshotError *error);

}  // namespace migration_helpers::core
