// utility_hook.cpp — the guard for commands that fire no event trigger
// (VACUUM FULL, CLUSTER, REINDEX), judged in a ProcessUtility hook (their
// operations: pg/analysis/maintenance_operations.cpp); and the stack of
// utility statements being run, whose texts ddl_log records.
//
// The hook exists in a backend once the library is loaded there: from the
// start with shared_preload_libraries (the recommended setup), otherwise only
// after the first event trigger of the session has loaded it. rules() marks
// these rules needs_preload.
#include <string>
#include <vector>

#include "pg/analysis/analysis.hpp"
#include "pg/boundary.hpp"
#include "pg/guard/guard.hpp"
#include "pg/guard/internal.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

ProcessUtility_hook_type prev_process_utility = nullptr;

// The utility statements being run, innermost last: a DDL statement in a function that another
// statement called runs nested. Each is its own text within the query string it came in
// (a client may send several statements in one string; only the guarded one is logged).
constexpr int kMaxNesting = 64;
struct StatementText {
	const char *query;
	int location;   // -1: unknown, the whole string is the statement
	int length;     // 0: to the end of the string
	bool toplevel;  // the client's own statement, not one a function or another statement runs
};
StatementText statements[kMaxNesting];
int nesting = 0;

// MaintenanceLog: a guarded VACUUM FULL, CLUSTER or REINDEX between its judgement and its end,
// logged only once it returned: a statement that then fails (on a Citus worker it was sent to, say)
// is not recorded as run. VACUUM and CLUSTER commit transactions of their own, so the row goes
// into the transaction they leave open for the end of the statement.
struct MaintenanceLog {
	int depth = 0;
	const char *tag = nullptr;
	std::string text;
	unsigned int relid = 0;
	std::string relname;
	Enforcement enforcement;
	TimestampTz started = 0;
};
std::vector<MaintenanceLog> maintenance_logs;

void guard_utility(PlannedStmt *pstmt, int depth)
{
	Node *tree = pstmt->utilityStmt;
	if (tree == nullptr)
		return;
	if (!is_maintenance_statement(tree))
		return;  // everything else is judged by the event triggers
	NodeTag tag = nodeTag(tree);
	if (!guard_active())
		return;
	AnalysisContext cx = live_context();
	// Empty for plain VACUUM and ANALYZE, and when the server refuses a table (CLUSTER, REINDEX of
	// another's table): the statement fails first.
	std::vector<AnalyzedOp> ops = operations_of(tree, cx);
	if (ops.empty())
		return;
	// Preloaded, the hook runs in every database; only those with the extension are guarded.
	if (!pg_call([] { return OidIsValid(get_extension_oid("migration_helpers", true)); }))
		return;
	Assessment a = assess(std::move(ops));
	Enforcement e = act(a);
	if (e.guarded && (!e.allowed.empty() || !e.warned.empty())) {
		MaintenanceLog m;
		m.depth = depth;
		m.tag = tag == T_VacuumStmt ? "VACUUM" : tag == T_ClusterStmt ? "CLUSTER" : "REINDEX";
		m.text = pg_call([] { return current_statement_text(); });
		m.relid = a.ops.front().relid;
		m.relname = log_name(a.ops.front().op.table);
		m.enforcement = std::move(e);
		m.started = GetCurrentTimestamp();
		maintenance_logs.push_back(std::move(m));
	}
}

// forget_maintenance: drops what statements at depth or deeper left when they failed.
void forget_maintenance(int depth)
{
	while (!maintenance_logs.empty() && maintenance_logs.back().depth >= depth)
		maintenance_logs.pop_back();
}

// log_maintenance: records the statement guard_utility() judged at this depth, now that it ran.
void log_maintenance(int depth)
{
	if (maintenance_logs.empty() || maintenance_logs.back().depth != depth)
		return;
	MaintenanceLog m = std::move(maintenance_logs.back());
	maintenance_logs.pop_back();
	double ms = double(GetCurrentTimestamp() - m.started) / 1000.0;
	guard_log(m.tag, m.text, m.relid, m.relname, m.enforcement, ms, true);
}

void process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	// Known before the guard judges it, so that a VACUUM FULL it logs is logged with its text.
	int depth = nesting;
	if (depth < kMaxNesting)
		statements[depth] = StatementText{queryString, pstmt->stmt_location, pstmt->stmt_len,
										  context == PROCESS_UTILITY_TOPLEVEL};
	nesting = depth + 1;
	// What a statement at this depth (or inside it) left when it failed is never logged.
	guarded_void_entry([&] { forget_maintenance(depth); });
	// Outside any C++ scope: the command itself may error; the nesting is restored either way.
	PG_TRY();
	{
		guarded_void_entry([&] { guard_utility(pstmt, depth); });
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		guarded_void_entry([&] { log_maintenance(depth); });
		if (context == PROCESS_UTILITY_TOPLEVEL)
			note_transaction_statement(pstmt->utilityStmt);  // plain C: cannot throw
	}
	PG_FINALLY();
	{
		nesting = depth;
	}
	PG_END_TRY();
}

}  // namespace

int utility_depth()
{
	return nesting;
}

bool statement_is_toplevel()
{
	if (nesting == 0 || nesting > kMaxNesting || statements[nesting - 1].query == nullptr)
		return true;  // not known: judged as the client's own statement, the safe side
	return statements[nesting - 1].toplevel;
}

const char *current_query_string()
{
	if (nesting == 0 || nesting > kMaxNesting || statements[nesting - 1].query == nullptr)
		return debug_query_string;
	return statements[nesting - 1].query;
}

char *current_statement_text()
{
	if (nesting == 0 || nesting > kMaxNesting || statements[nesting - 1].query == nullptr)
		return pstrdup("");  // not known: the hook was not installed when the statement started
	const StatementText &t = statements[nesting - 1];
	const char *start = t.query + (t.location > 0 ? t.location : 0);
	int len = t.location >= 0 && t.length > 0 ? t.length : int(strlen(start));
	auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
	while (len > 0 && space(start[0])) {
		start++;
		len--;
	}
	while (len > 0 && space(start[len - 1]))
		len--;
	return pnstrdup(start, len);
}

void guard_utility_hook_init()
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
}

void guard_init()
{
	guard_event_triggers_init();
	guard_utility_hook_init();
	guard_deferred_init();
}

}  // namespace migration_helpers::pg
