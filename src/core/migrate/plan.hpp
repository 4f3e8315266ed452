// plan.hpp — step plans of expand-contract migrations, as data: each step's
// forward actions (run now, by the step helper), undo actions (run in reverse
// step order by abort_migration) and contract actions (run by
// complete_migration), and the order and cursor logic that makes contract and
// abort resumable without repeating an action.
//
// Words used here:
//   action    one SQL statement of a step, with the lock it takes on the table.
//   pass      contract runs in two passes: pass 0 (VALIDATE CONSTRAINT, which
//             scans under SHARE UPDATE EXCLUSIVE and blocks no writes) for every
//             step first, then pass 1 (the short ACCESS EXCLUSIVE actions), so
//             that no scan runs while the transaction already holds a strong
//             lock on the table that an earlier contract action took.
//   names     every identifier in the arguments is already quoted by the glue
//             (quote_identifier); expressions are the caller's text, which the
//             glue has checked to parse as exactly one expression inside
//             "SELECT (\n...\n)". Plans put them between a parenthesis and a
//             newline the same way, so a comment in one cannot swallow the rest
//             of the statement (a trailing "-- " ends at the newline).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migration_helpers::core {

enum class StepKind {
	AddColumn,
	AddCheck,
	AddForeignKey,
	AddNotNull,
	DropColumn,
	AddIndex,
	AddUnique,
	DropIndex,
	RenameColumn,
	ChangeColumnType
};

// step_kind_name: the helper's name, stored as the step's action ("add_column", ...).
const char *step_kind_name(StepKind k);
std::optional<StepKind> parse_step_kind(std::string_view name);

// Runners other than the caller's session, in Action::lock: kRunInWorker runs
// the statement in a background worker as a top-level command after the
// caller's transaction commits (CREATE/DROP INDEX CONCURRENTLY cannot run in
// a function); kStopWorkers (sql empty) cancels the step's worker tasks and
// ends their workers (an interrupted CREATE INDEX CONCURRENTLY leaves an
// INVALID index, which the next action drops).
constexpr const char *kRunInWorker = "worker";
constexpr const char *kStopWorkers = "stop workers";

struct Action {
	std::string sql;
	std::string lock;   // the strongest lock it takes on the step's table, as pg_locks names it, or a runner
	int pass = 1;       // contract only: 0 runs before every pass-1 action
	std::string index;  // forward kRunInWorker only: the index it builds (unquoted; empty: the step's)
};

struct StepPlan {
	StepKind kind = StepKind::AddColumn;
	std::vector<Action> forward, undo, contract;
};

struct AddColumnArgs {
	std::string table;   // qualified, quoted
	std::string column;  // quoted
	std::string type;    // as format_type() prints it
	std::optional<std::string> default_expr;
	// With a backfill expression, a trigger keeps the rows the running version writes filled.
	std::optional<std::string> backfill_expr;
	std::string fill_function;  // qualified, quoted: the trigger function
	std::string fill_trigger;   // quoted
	std::string table_alias;    // quoted bare table name: the expression may qualify columns by it
	std::optional<long long> backfill_job;  // the engine's job for the existing rows
};
StepPlan plan_add_column(const AddColumnArgs &a);

struct AddCheckArgs {
	std::string table, constraint, expression;
};
StepPlan plan_add_check(const AddCheckArgs &a);

struct AddForeignKeyArgs {
	std::string table, constraint;
	std::string columns;      // "a, b", quoted
	std::string ref_table;    // qualified, quoted
	std::string ref_columns;  // "a, b", quoted; empty: the referenced table's primary key
	std::string on_delete;    // "NO ACTION", "CASCADE", ...
};
StepPlan plan_add_foreign_key(const AddForeignKeyArgs &a);

struct AddNotNullArgs {
	std::string table, column, constraint;
};
StepPlan plan_add_not_null(const AddNotNullArgs &a);

struct DropColumnArgs {
	std::string table, column;
};
StepPlan plan_drop_column(const DropColumnArgs &a);

struct IndexArgs {
	std::string table;      // qualified, quoted
	std::string index;      // quoted bare name (CREATE INDEX names it in the table's schema)
	std::string qualified;  // qualified, quoted
	std::string method;     // btree, hash, gin, ...
	std::string columns;    // the index elements, checked to parse
	std::optional<std::string> where;
	bool unique = false;
};
// plan_add_index: built concurrently by a worker; undo stops the build and drops the index.
StepPlan plan_add_index(const IndexArgs &a);
// plan_add_unique: a unique index built concurrently, which becomes the
// constraint (ADD CONSTRAINT ... UNIQUE USING INDEX) at contract.
StepPlan plan_add_unique(const IndexArgs &a, const std::string &constraint);
// plan_drop_index: the running version may still need the index: it is
// dropped concurrently, by a worker, after complete_migration commits.
StepPlan plan_drop_index(const std::string &qualified_index);

// ColumnChangeArgs: rename_column and change_column_type. Both add the new
// column beside the old one, keep the two in sync with the C++ trigger
// (migration_helpers._sync_columns), backfill the new one through the engine
// and recreate on it what the old one has; contract moves what can only move
// at the end (NOT NULL, default, sequence, identity, primary key, incoming
// foreign keys) and drops the old column; a type change then gives the new
// column the old one's name. Carried objects get temporary names during the
// migration and the old objects' names at contract, so the catalog ends as an
// in-place ALTER would have left it.
struct ColumnChangeArgs {
	bool type_change = false;
	std::string table;         // qualified, quoted
	std::string schema;        // quoted: indexes are renamed by qualified name
	std::string old_column;    // quoted
	std::string new_column;    // quoted: the column the new version writes during the migration
	std::string final_name;    // quoted: the new column's name after contract (type change: the old name)
	std::string type;          // the new column's type, with its COLLATE clause
	std::string trigger;       // quoted
	std::string trigger_args;  // the sync trigger's arguments, as literals, comma separated
	std::optional<long long> backfill_job;
	std::optional<std::string> not_null_constraint;  // quoted: the column is NOT NULL
	std::optional<std::string> default_expr;         // the old column's default, as pg_get_expr prints it
	std::optional<std::string> owned_sequence;       // qualified, quoted: a sequence owned by the column
	struct Identity {
		std::string kind;                 // "ALWAYS" or "BY DEFAULT"
		std::string options;              // "INCREMENT BY 1 START WITH 1 CACHE 1"
		std::string old_sequence;         // qualified, quoted
		std::string new_sequence;         // qualified, quoted: the new identity's, until contract ends
		std::string final_sequence_name;  // quoted bare name: the old sequence's, given to the new one
		std::string table_literal, column_literal;  // for pg_get_serial_sequence of the new column
	};
	std::optional<Identity> identity;
	std::optional<std::string> comment;  // a literal
	std::vector<std::string> grants;     // "SELECT", "UPDATE WITH GRANT OPTION" ... "privilege|grantee"
	std::optional<int> statistics;
	struct Constraint {
		std::string old_name, new_name;  // quoted
		std::string definition;          // CHECK (...) / FOREIGN KEY (...) REFERENCES ..., on the new column
		// validated: the old constraint was validated. One that was NOT VALID (existing rows may
		// violate it) stays NOT VALID on the new column, as an in-place ALTER would keep it.
		bool validated = true;
	};
	std::vector<Constraint> checks, foreign_keys;
	struct Index {
		std::string old_name, new_name;  // quoted bare names
		std::string new_unquoted;        // the worker's leftover check looks it up by name
		std::string method, columns, include;
		std::optional<std::string> where;
		bool unique = false;
		std::string constraint;       // "", "PRIMARY KEY" or "UNIQUE": becomes that constraint at contract
		std::string constraint_name;  // quoted: the old constraint's name
		std::string deferrable;       // "", " DEFERRABLE", " DEFERRABLE INITIALLY DEFERRED"
	};
	std::vector<Index> indexes;
	struct IncomingKey {
		std::string table;       // the referencing table, qualified, quoted
		std::string name;        // quoted: dropped at contract, then added again on the new column
		std::string definition;  // FOREIGN KEY (...) REFERENCES table (..., final_name, ...) ...
		bool validated = true;   // false: it was NOT VALID, and stays so (no VALIDATE task)
	};
	std::vector<IncomingKey> incoming;
};
StepPlan plan_column_change(const ColumnChangeArgs &a);
// cancel_backfill_action: undo of a step whose backfill may still run.
Action cancel_backfill_action(long long job);

// dollar_quote: body as a dollar-quoted literal whose tag does not occur in it.
std::string dollar_quote(const std::string &body);

// ActionRef: one action of one step (index into its undo or contract list).
struct ActionRef {
	int step_no;
	int index;
	bool operator==(const ActionRef &o) const { return step_no == o.step_no && index == o.index; }
};

// StepActions: what the order needs of a recorded step.
struct StepActions {
	int step_no;
	std::vector<int> contract_passes;  // one per contract action
	int undo_count;
};

// contract_order: pass 0 of every step in step order, then pass 1 in step order.
std::vector<ActionRef> contract_order(const std::vector<StepActions> &steps);
// undo_order: steps in reverse order, each step's undo actions in their order.
std::vector<ActionRef> undo_order(const std::vector<StepActions> &steps);
// remaining: what is left of an order after done actions ran (done beyond the
// order's length means everything ran).
std::vector<ActionRef> remaining(const std::vector<ActionRef> &order, int done);

}  // namespace migration_helpers::core
