// sync.hpp — what the column sync trigger does with one written row, while a
// rename or a type change keeps an old column and its new column in step.
//
// Words used here:
//   old, new   the column the running (old) application version uses, and the
//              one the next version uses.
//   forward    f(row): the new column's value computed from the row (the old
//              column cast to the new type, or the migration's USING expression).
//   backward   g(row): the old column's value computed from the new column (a
//              cast back to the old type).
//
// Semantics (documented in the README; the glue evaluates, the core decides):
//   INSERT  the new column wins when it is set (not NULL): the old one is filled
//           from it; otherwise the new column is filled from the old one. (An
//           INSERT cannot tell "set to its default" from "left out", so a value
//           in the new column, which has no default during the migration, is the
//           one that was meant.)
//   UPDATE  a change of one column fills the other; a change of both must
//           agree (forward(row) equals the new value), else it is an error that
//           names the migration. A change of only the new column that is already
//           consistent with the old one (the backfill writing forward(row))
//           leaves the old column untouched. An UPDATE that changes neither
//           of a row the backfill has not reached yet (old set, new NULL) fills
//           the new column, so a NOT VALID check on the new column (NOT NULL
//           carried over) holds for every row the application writes.
//   Every value written into the old column must come back unchanged through
//   forward(): a value of the new type that the old one cannot hold (a bigint
//   beyond integer, a longer string) is an error naming the column and its
//   type, never a silent truncation or rounding.
#pragma once

#include <cstddef>

namespace migration_helpers::core {

enum class RowWrite { Insert, Update };

// SyncFacts: what the glue knows of the row before evaluating anything.
struct SyncFacts {
	RowWrite write = RowWrite::Insert;
	bool old_null = true, new_null = true;          // the values being written
	bool old_changed = false, new_changed = false;  // UPDATE: distinct from the row's previous values
};

enum class SyncAction {
	Nothing,             // both columns already say the same (or nothing of them was written)
	FillNew,             // new := forward(row)
	FillOld,             // old := backward(row), checked: forward(old) must give back new
	FillOldUnlessEqual,  // as FillOld, unless forward(row) already equals new
	CheckAgree,          // both were written: forward(row) must equal new, else Conflict
};

SyncAction plan_sync(const SyncFacts &facts);
const char *sync_action_name(SyncAction a);

// Texts of the trigger's errors, written into buf (the glue adds SQLSTATE and
// DETAIL). Plain buffers: the trigger raises them from code where no C++
// object may be alive.
void format_sync_conflict(char *buf, size_t size, const char *migration, const char *old_col,
						  const char *new_col);
void format_sync_not_fit(char *buf, size_t size, const char *new_col, const char *old_col,
						 const char *old_type);

}  // namespace migration_helpers::core
