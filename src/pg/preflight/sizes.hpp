// sizes.hpp — production's table sizes for lint(script, sizes => ...): the part of a
// schema_snapshot() jsonb that lint reads.
//
// The contract with schema_snapshot() (pg/preflight/snapshot): lint reads only
//   {"tables": [{"schema": text, "name": text, "heap_bytes": number, "total_bytes": number,
//                "rows": number}, ...]}
// and ignores every other key, at the top level and in each table. heap_bytes is the main fork
// (what the guard measures: pg_relation_size), total_bytes heap + TOAST + indexes
// (pg_total_relation_size), rows the estimated row count (reltuples, -1 or absent: unknown).
// An entry without schema or name, or without both sizes, is skipped; heap_bytes missing falls
// back to total_bytes and the other way round. Anything but an object at the top level, or a
// "tables" that is not an array, is an error (22023).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

struct varlena;  // a Jsonb (utils/jsonb.h declares it as an unnamed struct: no forward declaration)

namespace migration_helpers::pg {

struct TableSize {
	int64_t heap_bytes = 0;
	int64_t total_bytes = 0;
	int64_t rows = -1;  // -1: unknown
};

// SizeMap: (schema, name) -> sizes.
using SizeMap = std::map<std::pair<std::string, std::string>, TableSize>;

// load_sizes: the tables of a snapshot; raises 22023 on a malformed one.
SizeMap load_sizes(struct varlena *snapshot);

}  // namespace migration_helpers::pg
