// utility_hook.cpp — the guard for commands that fire no event trigger
// (VACUUM FULL, CLUSTER, REINDEX), judged in a ProcessUtility hook.
//
// The hook exists in a backend once the library is loaded there: from the
// start with shared_preload_libraries (the recommended setup), otherwise only
// after the first event trigger of the session has loaded it. rules() marks
// these rules needs_preload.
#include <string>
#include <vector>

#include "core/ddl/rules.hpp"
#include "pg/boundary.hpp"
#include "pg/guard/guard.hpp"
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
	int location;  // -1: unknown, the whole string is the statement
	int length;    // 0: to the end of the string
};
StatementText statements[kMaxNesting];
int nesting = 0;

// option_enabled: a boolean option as ExecVacuum and ExecReindex read it: when given more than
// once, the last one wins ("VACUUM (FULL false, FULL true)" runs a VACUUM FULL).
bool option_enabled(List *options, const char *name)
{
	bool enabled = false;
	ListCell *lc;
	foreach (lc, options) {
		auto *opt = (DefElem *) lfirst(lc);
		if (strcmp(opt->defname, name) == 0)
			enabled = pg_call([&] { return defGetBoolean(opt); });
	}
	return enabled;
}

// whole_scope_op: an operation over many tables at once (no relation named).
GuardedOp whole_scope_op(core::OpKind kind, const char *scope)
{
	GuardedOp g;
	g.op.kind = kind;
	g.op.table.name = scope;
	return g;
}

// owner_outcome: what the server does with a VACUUM FULL, CLUSTER or REINDEX of a table the
// user may not maintain. VACUUM skips it with a WARNING (vacuum_is_relation_owner: the table's
// owner, or the database's for a table that is not shared); CLUSTER and REINDEX refuse it with
// an error. Neither does any work, so the server's own message is what the user gets. For the
// two that refuse, a database owner is taken as allowed (and judged): on the safe side.
core::Outcome owner_outcome(core::OpKind kind, Oid relid)
{
	if (!OidIsValid(relid))
		return core::Outcome::Runs;
	bool may = pg_call([&] {
		return pg_class_ownercheck(relid, GetUserId()) ||
			   (pg_database_ownercheck(MyDatabaseId, GetUserId()) && !IsSharedRelation(relid));
	});
	if (may)
		return core::Outcome::Runs;
	return kind == core::OpKind::VacuumFull ? core::Outcome::Skipped : core::Outcome::Fails;
}

GuardedOp table_op(core::OpKind kind, RangeVar *rv)
{
	GuardedOp g;
	g.op.kind = kind;
	g.relid = pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
	g.op.table = relation_facts(g.relid, false);
	g.op.outcome = owner_outcome(kind, g.relid);
	return g;
}

std::vector<GuardedOp> utility_operations(Node *tree)
{
	std::vector<GuardedOp> ops;
	switch (nodeTag(tree)) {
	case T_VacuumStmt: {
		auto *stmt = (VacuumStmt *) tree;
		if (!stmt->is_vacuumcmd || !option_enabled(stmt->options, "full"))
			break;
		if (stmt->rels == NIL)
			ops.push_back(whole_scope_op(core::OpKind::VacuumFull, "(every table in this database)"));
		ListCell *lc;
		foreach (lc, stmt->rels) {
			auto *vrel = (VacuumRelation *) lfirst(lc);
			if (vrel->relation)
				ops.push_back(table_op(core::OpKind::VacuumFull, vrel->relation));
		}
		break;
	}
	case T_ClusterStmt: {
		auto *stmt = (ClusterStmt *) tree;
		if (stmt->relation)
			ops.push_back(table_op(core::OpKind::Cluster, stmt->relation));
		else
			ops.push_back(whole_scope_op(core::OpKind::Cluster, "(every clustered table in this database)"));
		break;
	}
	case T_ReindexStmt: {
		auto *stmt = (ReindexStmt *) tree;
		bool concurrent = option_enabled(stmt->params, "concurrently");
		GuardedOp g;
		if (stmt->kind == REINDEX_OBJECT_INDEX) {
			Oid index = pg_call([&] { return RangeVarGetRelid(stmt->relation, NoLock, true); });
			Oid table = pg_call([&] { return OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid; });
			g.op.kind = core::OpKind::Reindex;
			g.relid = table;
			g.op.table = relation_facts(table, false);
			g.op.outcome = owner_outcome(g.op.kind, table);
		} else if (stmt->kind == REINDEX_OBJECT_TABLE) {
			g = table_op(core::OpKind::Reindex, stmt->relation);
		} else if (stmt->kind == REINDEX_OBJECT_SCHEMA) {
			g = whole_scope_op(core::OpKind::Reindex, "(every table in the schema)");
			g.op.table.name = std::string("(every table in schema ") + stmt->name + ")";
		} else if (stmt->kind == REINDEX_OBJECT_DATABASE) {
			g = whole_scope_op(core::OpKind::Reindex, "(every table in this database)");
		} else {
			break;  // REINDEX SYSTEM: catalogs only
		}
		g.op.concurrent = concurrent;
		ops.push_back(std::move(g));
		break;
	}
	default:
		break;
	}
	return ops;
}

void guard_utility(PlannedStmt *pstmt)
{
	Node *tree = pstmt->utilityStmt;
	if (tree == nullptr)
		return;
	NodeTag tag = nodeTag(tree);
	if (tag != T_VacuumStmt && tag != T_ClusterStmt && tag != T_ReindexStmt)
		return;  // everything else is judged by the event triggers
	if (!guard_active())
		return;
	std::vector<GuardedOp> ops = utility_operations(tree);  // empty for plain VACUUM and ANALYZE
	// A table the server refuses (CLUSTER, REINDEX of another's table) fails the statement first.
	for (const auto &g : ops)
		if (g.op.outcome == core::Outcome::Fails)
			return;
	if (ops.empty())
		return;
	// Preloaded, the hook runs in every database; only those with the extension are guarded.
	if (!pg_call([] { return OidIsValid(get_extension_oid("migration_helpers", true)); }))
		return;
	Assessment a = assess(std::move(ops));
	Enforcement e = act(a);
	if (e.guarded && (!e.allowed.empty() || !e.warned.empty())) {
		// Logged before it runs: VACUUM and CLUSTER commit transactions of their own.
		const char *tagname = tag == T_VacuumStmt ? "VACUUM" : tag == T_ClusterStmt ? "CLUSTER" : "REINDEX";
		std::string text = pg_call([] { return current_statement_text(); });
		guard_log(tagname, text, a.ops.front().relid, log_name(a.ops.front().op.table), e, 0, false);
	}
}

void process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	// Known before the guard judges it, so that a VACUUM FULL it logs is logged with its text.
	int depth = nesting;
	if (depth < kMaxNesting)
		statements[depth] = StatementText{queryString, pstmt->stmt_location, pstmt->stmt_len};
	nesting = depth + 1;
	// Outside any C++ scope: the command itself may error; the nesting is restored either way.
	PG_TRY();
	{
		guarded_void_entry([&] { guard_utility(pstmt); });
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
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
}

}  // namespace migration_helpers::pg
