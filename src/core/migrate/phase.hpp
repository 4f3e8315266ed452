// phase.hpp — the phase machine of an expand-contract migration, and the
// decisions of start, step, complete and abort on it.
//
// Words used here:
//   migration   a named set of steps (add_column, add_not_null, ...) that
//               expands a schema now and contracts it later.
//   phase       where a migration is: expanding (started, no step yet),
//               backfilling (some of its asynchronous work is unfinished or
//               failed), ready (every step's forward work is done), completed
//               (contracted), aborted (undone). The last two are final.
//   stored      the phase written in migration_helpers._migrations; the phase
//               shown is derived from it and from the async work (a finished
//               backfill makes a migration ready without anyone writing a row).
//   async work  what runs after the caller's transaction commits, in
//               background workers: the backfills of add_column's backfill_expr.
//   cursor      how many contract (or undo) actions have run, recorded in the
//               same transaction as each action: a second call resumes there.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace migration_helpers::core {

enum class Phase { Expanding, Backfilling, Ready, Completed, Aborted };

// phase_name: the name SQL stores and shows ("expanding", ...).
const char *phase_name(Phase p);
// parse_phase: the phase of a name, none for anything else.
std::optional<Phase> parse_phase(std::string_view name);
// is_final: completed or aborted; nothing changes a final migration.
bool is_final(Phase p);

// refuse_transition: empty when from -> to is an edge of the machine (or
// from == to, a no-op); else why not, as a sentence for DETAIL.
std::string refuse_transition(Phase from, Phase to);

// AsyncSummary: the migration's steps and asynchronous work, counted.
struct AsyncSummary {
	int steps = 0;
	int running = 0;  // queued, running or paused (backfills and index builds)
	int failed = 0;   // failed or cancelled: the step cannot finish by itself
	int succeeded = 0;
	int builds_running = 0;  // of running: index builds (CREATE INDEX CONCURRENTLY in a worker)
};

// derive_phase: the phase to show and to act on: final phases stay; otherwise
// backfilling while any async work is unfinished or failed, expanding while no
// step is recorded, ready once every step's forward work is done.
Phase derive_phase(Phase stored, const AsyncSummary &async);

// MigrationProgress: the contract and undo cursors of a migration.
struct MigrationProgress {
	int contract_done = 0;  // contract actions that ran (complete_migration)
	int undo_done = 0;      // undo actions that ran (abort_migration)
};

// Refusal: why an operation is refused, as message parts (empty message: allowed).
struct Refusal {
	std::string message;
	std::string detail;
	std::string hint;
	explicit operator bool() const { return !message.empty(); }
};

// refuse_new_step: a step may be added while the migration expands, before
// contract or abort began.
Refusal refuse_new_step(std::string_view migration, Phase stored, const MigrationProgress &p);

// refuse_complete: complete_migration() may contract when the derived phase is
// ready (or completed: a no-op) and no abort began. wait: unfinished backfills
// are waited for instead of refused (failed work is refused either way); an
// index build cannot be waited for inside a transaction, because CREATE INDEX
// CONCURRENTLY waits for every older transaction, the waiting one included.
Refusal refuse_complete(std::string_view migration, Phase stored, const AsyncSummary &async,
						const MigrationProgress &p, bool wait);

// refuse_abort: abort_migration() may undo until contract begins (or aborted: a no-op).
Refusal refuse_abort(std::string_view migration, Phase stored, const MigrationProgress &p);

// refuse_not_null: add_not_null's check is enforced for new writes from the
// moment it is added, so it is refused when the running version may write
// NULL into the column: the column has no default and no backfill expression
// of this migration keeps it filled. (The alternative, enforcing only at
// contract, would put the validating scan under the ACCESS EXCLUSIVE lock
// that adding the check at contract takes.)
Refusal refuse_not_null(std::string_view table, std::string_view column, bool has_default,
						bool filled_by_migration);

}  // namespace migration_helpers::core
