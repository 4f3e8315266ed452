// policy.hpp — what the guard does with a verdict: dispose() decides, from the
// guard mode, the allow list and the empty-table policy, whether the statement
// is blocked, runs with a warning, or runs because it is allowed; report_texts()
// gives the texts that decision is reported with.
//
// Words used here:
//   mode        migration_helpers.guard: enforce, warn or off.
//   allow list  migration_helpers.allow: rule ids let through in this transaction.
//   disposition the decision for one verdict, and the policy that made it.
//
// No PostgreSQL header is included: the live guard and lint (whose severity is
// "error" exactly when enforce mode with no allow list blocks) share it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/rules.hpp"

namespace migration_helpers::core {

// AllowList: the parsed value of migration_helpers.allow.
struct AllowList {
	std::vector<std::string> ids;
	bool allows(std::string_view id) const;
};
// parse_allow_list: comma-separated rule ids; nullopt and an error text when one is unknown.
std::optional<AllowList> parse_allow_list(std::string_view text, std::string *error);

enum class GuardMode { Off, Warn, Enforce };

// Policy: everything besides the verdict that dispose() reads.
struct Policy {
	GuardMode mode = GuardMode::Enforce;
	const AllowList *allow = nullptr;  // nullptr: nothing allowed
	// Tables without rows only warn: a NeverFilled one for every rule, an Emptied one for the
	// rules that block traffic (the work is instant there), not for those that break code.
	bool exempt_empty_tables = true;
	// The statement is an expand-contract helper's own (marked in C++ by the helper, never by a
	// setting): the helper has split the change into safe actions, so it runs, and is logged.
	bool helper_statement = false;
	// migration_helpers.explain_locks() runs the statement to trace its locks and rolls it back
	// (marked in C++ by explain_locks, never by a setting): what would be blocked only warns.
	bool observing = false;
};

enum class Decision { Blocked, Warned, Allowed };

// Why: the policy that decided.
enum class Why {
	Enforced,         // an error rule in enforce mode
	WarningRule,      // the rule only ever warns
	EmptyTable,       // an error rule, on a table without rows (Policy::exempt_empty_tables)
	AllowList,        // an error rule that migration_helpers.allow names
	WarnMode,         // an error rule, in warn mode
	HelperStatement,  // a statement of an expand-contract helper (Policy::helper_statement)
	Observing,        // an error rule that enforce mode blocks, under explain_locks (Policy::observing)
	GuardOff          // nothing is checked
};

struct Disposition {
	Decision decision = Decision::Blocked;
	Why why = Why::Enforced;
};

// dispose: what the guard does with one verdict on op. Pure: the caller raises, warns and logs.
Disposition dispose(const Verdict &verdict, const Operation &op, const Policy &policy);

// Report: the texts a disposed verdict is reported with (an allowed one: message and detail).
struct Report {
	std::string message;
	std::string detail;
	std::string hint;  // the recipe and, when the allow list could let it through, how
};

// report_texts: the verdict's texts with what its disposition adds: why a blocking rule only
// warns, how to allow a rule that is not allowed, that an allowed one is allowed and logged.
Report report_texts(const Verdict &verdict, const Operation &op, const Disposition &disposition);

// Waiting for COMMIT. Inside a transaction block, what makes a drop or rename safe for running
// code may come later in the same transaction: DROP TABLE x then CREATE TABLE x AS ...; a table
// renamed and a view of the old name created; DROP COLUMN c then ADD COLUMN c in another ALTER.
// A verdict of such a rule that enforce mode would block waits for COMMIT instead, which checks
// the catalog then (so a SAVEPOINT rolled back is seen as it is) and passes it when the name
// exists again in a compatible shape (shape_restored), and raises it otherwise.

// waits_for_commit: whether a blocked verdict on op may wait for COMMIT in a transaction block:
// drop_table, rename_table, drop_view, rename_view, drop_column and rename_column (not what a DROP
// ... CASCADE of another object takes: that object is gone whatever follows).
bool waits_for_commit(const Verdict &verdict, const Operation &op);

// Shape: what running code relies on in a relation of a name: its kind and its columns.
enum class ShapeKind { Missing, Table, View, Other };
struct ShapeColumn {
	std::string name;
	unsigned int type = 0;  // pg_type OID
};
struct Shape {
	ShapeKind kind = ShapeKind::Missing;
	std::vector<ShapeColumn> columns;
};

// shape_restored: whether what the waiting operation took away exists again at COMMIT, so that
// queries written for the old shape keep working. Compatible means:
//   a column (drop_column, rename_column): the table has a column of that name, of the same type;
//   a table or view (drop_table, rename_table, drop_view, rename_view): a table or view of the old
//   name in the old schema, with every column the old one had, each of the same type (more
//   columns are fine: SELECT * changes shape, named columns keep working).
// before: the shape when the statement ran; now: the shape found under the old name at COMMIT.
bool shape_restored(const Operation &op, const Shape &before, const Shape &now);

// WaitedBecause: why a verdict waited for COMMIT instead of being raised at its statement.
enum class WaitedBecause {
	TransactionBlock,   // the statement ran in a transaction block
	EnclosingStatement  // a function, DO block or procedure ran it inside one statement of the client's
};

// commit_report: the report of a waiting verdict that COMMIT found unresolved: the same message
// (rule id and safe form), DETAIL naming the statement, why it waited and what COMMIT looked for.
Report commit_report(const Report &report, const Operation &op, std::string_view statement,
					 WaitedBecause why = WaitedBecause::TransactionBlock);

}  // namespace migration_helpers::core
