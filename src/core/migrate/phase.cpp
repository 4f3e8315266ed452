// phase.cpp — the migration phase machine and its decisions (see phase.hpp).
#include "core/migrate/phase.hpp"

namespace migration_helpers::core {

namespace {

struct PhaseName {
	Phase phase;
	const char *name;
};
constexpr PhaseName kNames[] = {
	{Phase::Expanding, "expanding"}, {Phase::Backfilling, "backfilling"}, {Phase::Ready, "ready"},
	{Phase::Completed, "completed"}, {Phase::Aborted, "aborted"},
};

std::string quoted(std::string_view name)
{
	return "\"" + std::string(name) + "\"";
}

}  // namespace

const char *phase_name(Phase p)
{
	for (const auto &n : kNames)
		if (n.phase == p)
			return n.name;
	return "unknown";
}

std::optional<Phase> parse_phase(std::string_view name)
{
	for (const auto &n : kNames)
		if (name == n.name)
			return n.phase;
	return std::nullopt;
}

bool is_final(Phase p)
{
	return p == Phase::Completed || p == Phase::Aborted;
}

std::string refuse_transition(Phase from, Phase to)
{
	using P = Phase;
	if (from == to)
		return "";
	if (is_final(from))
		return std::string("The migration is ") + phase_name(from) + "; a " + phase_name(from) +
			   " migration never changes again.";
	switch (to) {
	case P::Expanding:
		return "A migration is expanding only until its first step is recorded.";
	case P::Backfilling:
	case P::Ready:
	case P::Aborted:
		return "";  // new async work, its end, or an abort from any unfinished phase
	case P::Completed:
		if (from == P::Ready)
			return "";
		return from == P::Backfilling ? "Its asynchronous work has not finished."
									  : "It has no step to contract yet.";
	}
	return "Unknown phase.";
}

Phase derive_phase(Phase stored, const AsyncSummary &async)
{
	if (is_final(stored))
		return stored;
	if (async.running > 0 || async.failed > 0)
		return Phase::Backfilling;
	if (async.steps == 0)
		return Phase::Expanding;
	return Phase::Ready;
}

Refusal refuse_new_step(std::string_view migration, Phase stored, const MigrationProgress &p)
{
	Refusal r;
	if (is_final(stored)) {
		r.message = "migration " + quoted(migration) + " is " + phase_name(stored);
		r.detail = "Steps can be added only while a migration expands, before complete_migration() or "
				   "abort_migration().";
		r.hint = "Start a new migration with migration_helpers.start_migration().";
	} else if (p.contract_done > 0 || p.undo_done > 0) {
		r.message =
			"migration " + quoted(migration) + " is being " + (p.contract_done > 0 ? "completed" : "aborted");
		r.detail = std::string(p.contract_done > 0 ? "complete_migration()" : "abort_migration()") +
				   " has begun: its remaining actions must run before anything else changes.";
		r.hint = std::string("Call migration_helpers.") +
				 (p.contract_done > 0 ? "complete_migration" : "abort_migration") + "('" +
				 std::string(migration) + "') again to finish it, then start a new migration.";
	}
	return r;
}

Refusal refuse_complete(std::string_view migration, Phase stored, const AsyncSummary &async,
						const MigrationProgress &p, bool wait)
{
	Refusal r;
	if (stored == Phase::Completed)
		return r;  // a no-op
	if (stored == Phase::Aborted || p.undo_done > 0) {
		r.message = "cannot complete migration " + quoted(migration) + ": it is " +
					(stored == Phase::Aborted ? "aborted" : "being aborted");
		r.detail = stored == Phase::Aborted ? "Its steps were undone."
											: "abort_migration() has begun undoing its steps.";
		r.hint = stored == Phase::Aborted ? "Start a new migration."
										  : "Call abort_migration() again to finish it.";
		return r;
	}
	Phase derived = derive_phase(stored, async);
	if (async.failed > 0) {
		r.message = "cannot complete migration " + quoted(migration) + ": " + std::to_string(async.failed) +
					(async.failed == 1 ? " asynchronous step failed or was cancelled"
									   : " asynchronous steps failed or were cancelled");
		r.detail =
			"Failed asynchronous work does not finish by itself, and the contract relies on what it did.";
		r.hint = "migration_helpers.migrations shows the error; resume a failed backfill with "
				 "migration_helpers.backfill_resume(), or abort the migration.";
		return r;
	}
	if (derived == Phase::Backfilling && wait && async.builds_running > 0) {
		r.message =
			"cannot complete migration " + quoted(migration) + ": " + std::to_string(async.builds_running) +
			(async.builds_running == 1 ? " index build is still running" : " index builds are still running");
		r.detail = "CREATE INDEX CONCURRENTLY waits for every transaction older than its snapshot, this one "
				   "included, so waiting for it here would wait forever.";
		r.hint = "Call complete_migration('" + std::string(migration) +
				 "') again once migration_helpers.migrations shows it ready.";
		return r;
	}
	if (derived == Phase::Backfilling && !wait) {
		int backfills = async.running - async.builds_running;
		std::string what;
		if (backfills > 0)
			what = std::to_string(backfills) + (backfills == 1 ? " backfill" : " backfills");
		if (async.builds_running > 0)
			what += (what.empty() ? "" : " and ") + std::to_string(async.builds_running) +
					(async.builds_running == 1 ? " index build" : " index builds");
		r.message = "cannot complete migration " + quoted(migration) + ": " + what +
					(async.running == 1 ? " is still running" : " are still running");
		r.detail = refuse_transition(derived, Phase::Completed);
		r.hint = async.builds_running > 0
					 ? "Call complete_migration('" + std::string(migration) +
						   "') again once migration_helpers.migrations shows it ready."
					 : "Wait for them with complete_migration('" + std::string(migration) +
						   "', wait => true), or watch migration_helpers.migrations.";
		return r;
	}
	if (derived == Phase::Expanding) {
		r.message = "cannot complete migration " + quoted(migration) + ": it has no steps";
		r.detail = refuse_transition(derived, Phase::Completed);
		r.hint = "Add steps with migration_helpers.add_column() and the other step helpers, or abort it.";
	}
	return r;
}

Refusal refuse_abort(std::string_view migration, Phase stored, const MigrationProgress &p)
{
	Refusal r;
	if (stored == Phase::Aborted)
		return r;  // a no-op
	if (stored == Phase::Completed || p.contract_done > 0) {
		r.message = "cannot abort migration " + quoted(migration) + ": " +
					(stored == Phase::Completed ? "it is completed" : "its contract has begun");
		r.detail = "Contract actions (dropping columns, removing sync triggers) cannot be undone.";
		r.hint = stored == Phase::Completed ? "Write a new migration that reverses it."
											: "Call complete_migration('" + std::string(migration) +
												  "') again to finish the contract.";
	}
	return r;
}

Refusal refuse_not_null(std::string_view table, std::string_view column, bool has_default,
						bool filled_by_migration)
{
	Refusal r;
	if (has_default || filled_by_migration)
		return r;
	r.message = "cannot add NOT NULL to column " + quoted(column) + " of table " + quoted(table) +
				" while the running version may write NULL into it";
	r.detail = "The column has no default and no backfill expression of this migration keeps it filled; the "
			   "check added now would make the running version's inserts that leave the column out fail.";
	r.hint =
		"Give the column a default first (ALTER TABLE " + std::string(table) + " ALTER COLUMN " +
		std::string(column) +
		" SET DEFAULT ... changes no row), or add it with migration_helpers.add_column(..., backfill_expr => "
		"...) in this migration.";
	return r;
}

}  // namespace migration_helpers::core
