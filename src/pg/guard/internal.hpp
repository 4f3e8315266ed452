// internal.hpp — what the files of pg/guard/ share with each other only (nothing outside the
// folder includes it: the rest of the library knows the guard by guard_init() alone).
//
// The guard is three steps:
//   assess  the statement's operations (pg/analysis/) judged (core/ddl/rules.hpp): findings,
//           no side effects;
//   act     each finding disposed of (core/ddl/policy.hpp: mode, allow list, empty tables)
//           and reported: ERROR, WARNING or NOTICE;
//   log     the guarded statement recorded in ddl_log (ddl_log.cpp).
//
// Words used here:
//   guarded statement  a DDL statement with at least one operation on a relation
//                      that existed before the current transaction.
//   pending statement  the guarded statement between its ddl_command_start and
//                      its ddl_command_end, when it is logged.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/policy.hpp"
#include "core/ddl/rules.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/assess.hpp"  // Finding, Assessment: shared with lint()

namespace migration_helpers::pg {

// Enforcement: what act() did with one statement's findings: the rule ids that
// migration_helpers.allow let through and the ones only warned about.
struct Enforcement {
	std::vector<std::string> allowed;
	std::vector<std::string> warned;
	bool guarded = false;   // some operation touches a pre-existing relation
	std::string migration;  // the statement is this migration's helper's own (ddl_log records it)
	// every verdict reported and let through, as (relation, rule id)
	std::vector<std::pair<unsigned int, std::string>> reported;
};
// assess: judges ops (measuring the relations a verdict reports or the threshold needs).
Assessment assess(std::vector<AnalyzedOp> ops);
// act: disposes of each finding as migration_helpers.guard, .allow and .exempt_empty_tables say
// (core/ddl/policy.hpp) and reports it: ERROR for a blocked one (does not return), WARNING for a
// warned one, NOTICE for an allowed one.
// earlier: what the same statement already reported (at ddl_command_start), not reported again
// when a later event (table_rewrite) finds the same rule on the same relation.
Enforcement act(const Assessment &a, const Enforcement *earlier = nullptr);

// guard_active: whether this statement is guarded at all (guard not off, not
// our own extension script).
bool guard_active();

// guard_log: records one guarded statement, its own text, in migration_helpers.ddl_log.
void guard_log(const char *command_tag, const std::string &statement, unsigned int relid,
			   const std::string &relname, const Enforcement &e, double duration_ms, bool duration_known);

// current_statement_text: the text of the utility statement being run, palloc'd, without the
// other statements of the string it came in; empty when the library was loaded during it (not
// preloaded: the hook was not there when it started). Calls PostgreSQL: use inside pg_call.
char *current_statement_text();
// utility_depth: how many utility statements are being run, one inside the other (0 when the
// library is not preloaded and the hook was not there when they started).
int utility_depth();
// statement_is_toplevel: the utility statement being run is the one the client sent, not one that
// a function, a DO block, a procedure or another extension's function runs inside a statement
// (true when not known: the hook was not there when it started).
bool statement_is_toplevel();
// log_name: the name ddl_log records for a relation: quoted as SQL writes it (alice."g.x"), or
// the message's name when there is no relation (an enum type, every table of a database).
inline const std::string &log_name(const core::RelationFacts &facts)
{
	return facts.sql_name.empty() ? facts.name : facts.sql_name;
}
// current_query_string: the whole query string that statement came in, which parse locations
// (error cursors) are relative to; NULL when not known.
const char *current_query_string();

// wait_for_commit: in a transaction block, records a blocked verdict that may wait for COMMIT
// (core/ddl/policy.hpp: waits_for_commit) with the shape of its relation now, for the pre-commit
// check (deferred.cpp); false when it may not wait, and the caller raises it.
bool wait_for_commit(const Finding &f, const core::Report &report);

// note_transaction_statement: after a top-level statement ran: BEGIN and START TRANSACTION open a
// transaction block, which wait_for_commit needs to know inside subtransactions too.
void note_transaction_statement(Node *tree);

void guard_deferred_init();
void guard_event_triggers_init();
void guard_utility_hook_init();

// live_context: the analysis context of the statement being run in this session.
AnalysisContext live_context();

}  // namespace migration_helpers::pg
