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

}  // namespace migration_helpers::core
