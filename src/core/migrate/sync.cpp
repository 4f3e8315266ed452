// sync.cpp — the column sync trigger's decisions (see sync.hpp).
#include "core/migrate/sync.hpp"

#include <cstdio>

namespace migration_helpers::core {

SyncAction plan_sync(const SyncFacts &f)
{
	if (f.write == RowWrite::Insert) {
		if (!f.new_null)
			return SyncAction::FillOld;
		if (!f.old_null)
			return SyncAction::FillNew;
		return SyncAction::Nothing;
	}
	if (f.old_changed && f.new_changed)
		return SyncAction::CheckAgree;
	if (f.old_changed)
		return SyncAction::FillNew;
	if (f.new_changed)
		return SyncAction::FillOldUnlessEqual;
	if (!f.old_null && f.new_null)
		return SyncAction::FillNew;  // a row the backfill has not reached yet
	return SyncAction::Nothing;
}

const char *sync_action_name(SyncAction a)
{
	switch (a) {
	case SyncAction::Nothing:
		return "nothing";
	case SyncAction::FillNew:
		return "fill new";
	case SyncAction::FillOld:
		return "fill old";
	case SyncAction::FillOldUnlessEqual:
		return "fill old unless equal";
	case SyncAction::CheckAgree:
		return "check agree";
	}
	return "unknown";
}

void format_sync_conflict(char *buf, size_t size, const char *migration, const char *old_col,
						  const char *new_col)
{
	std::snprintf(
		buf, size,
		"columns \"%s\" and \"%s\" were both changed to values that disagree, while migration \"%s\" "
		"keeps them in sync",
		old_col, new_col, migration);
}

void format_sync_not_fit(char *buf, size_t size, const char *new_col, const char *old_col,
						 const char *old_type)
{
	std::snprintf(buf, size, "value of column \"%s\" does not fit column \"%s\" of type %s", new_col, old_col,
				  old_type);
}

}  // namespace migration_helpers::core
