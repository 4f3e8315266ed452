// diff.hpp — schema_diff(a, b): the differences between two schema snapshots (typically
// staging and production) as rows, each flagged unsafe when it would make the same migration
// behave differently in the two databases.
//
// Words used here:
//   object   what differs, its kind first: "table public.users", "column public.users.email",
//            "index users_email_idx on public.users", "constraint c on public.t", "trigger t on
//            public.t", "table public.t in publication p", "view public.v", "sequence public.s",
//            "publication p", "extension e", "setting migration_helpers.guard", "server".
//   kind     what differs about it: "only in a", "only in b", "type", "default", "nullability",
//            "collation", "identity", "generated", "validity", "definition", "enabled", "kind",
//            "persistence", "replica identity", "size", "all tables", "actions", "version",
//            "value", "server version".
//   unsafe   a migration would behave differently: an object only in one (DDL on it fails, or a
//            dependent object blocks a drop or type change), an index or constraint whose
//            validity differs (a migration relying on it is slow, or wrong, in one), a column's
//            type, default, nullability, collation, identity or generation differing, a trigger
//            or publication membership in one only, replica identity, sizes two orders of
//            magnitude apart (kDiffSizeRatio), the guard's settings or version, the server's
//            major version. Informational (not unsafe): a view's or sequence's definition.
//
// Sizes differ in every pair of real databases: a size row is reported only when the two are
// two orders of magnitude apart, counting any table smaller than kDiffSizeFloorBytes as that
// size (an empty staging table next to a 40 kB production one is no finding).
//
// No PostgreSQL header is included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/preflight/snapshot.hpp"

namespace migration_helpers::core {

constexpr int64_t kDiffSizeRatio = 100;
constexpr int64_t kDiffSizeFloorBytes = 1024 * 1024;

struct DiffRow {
	std::string object;
	std::string kind;
	std::optional<std::string> a_value;  // nullopt: absent in a (SQL NULL)
	std::optional<std::string> b_value;
	bool unsafe = false;
};

// diff_snapshots: every difference between a and b, in a stable order (server, settings,
// extensions, tables with what they hold, views, sequences, publications; by name within each).
// A section or field recorded in only one of them is not compared.
std::vector<DiffRow> diff_snapshots(const Snapshot &a, const Snapshot &b);

// sizes_far_apart: whether two table sizes are two orders of magnitude apart (see above).
bool sizes_far_apart(int64_t a_bytes, int64_t b_bytes);

}  // namespace migration_helpers::core
