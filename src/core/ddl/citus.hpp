// citus.hpp — the guard's decisions that only matter on a Citus cluster: whether a statement is
// Citus's own, sent to this node for a statement judged where the user sent it, and so is not
// judged (nor logged) again here.
//
// Words used here:
//   internal session  a session Citus opened itself: Citus names it with an application_name of
//                     its own ("citus_internal gpid=<n>", "citus_rebalancer gpid=<n>",
//                     "citus_run_command gpid=<n>"), as its IsCitusInternalBackend() reads it.
//   judged elsewhere  the statement is one Citus sends for a statement the guard judged on the node
//                     the user sent it to (the coordinator), or one Citus issues for its own
//                     shard moves and cleanup.
//
// Why the mark alone is not enough: everything Citus puts on its sessions (the application_name,
// assign_distributed_transaction_id(), SET citus.enable_ddl_propagation) is open to any role that
// connects to a worker itself, because Citus runs the shard commands of a statement as the role that
// sent it. So the mark only counts for a role that could turn the guard off anyway (a superuser, or
// a role granted SET on migration_helpers.guard): for such a role, skipping the guard is no bypass.
// No PostgreSQL header is included: unit-tested without a server.
#pragma once

#include <string_view>

namespace migration_helpers::core {

// CitusSessionFacts: what the glue gathered about the session running the statement.
struct CitusSessionFacts {
	bool citus_installed = false;         // the citus extension exists in this database
	std::string_view application_name;    // the session's application_name
	bool role_may_disable_guard = false;  // the current role may SET migration_helpers.guard
};

// citus_internal_application_name: the application_name is one Citus gives its own sessions
// (prefix and a global process id of digits, as Citus's ExtractGlobalPID parses it).
bool citus_internal_application_name(std::string_view application_name);

// judged_elsewhere: the statement is Citus's own on this node and is neither judged nor logged
// here (see the file header for why the role counts).
bool judged_elsewhere(const CitusSessionFacts &facts);

}  // namespace migration_helpers::core
