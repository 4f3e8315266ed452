// maintenance_operations.cpp — the operations of VACUUM FULL, CLUSTER and REINDEX, the commands
// that fire no event trigger (the guard judges them in its ProcessUtility hook). A table the
// user may not maintain gets the server's own answer: VACUUM skips it, CLUSTER and REINDEX
// refuse the statement.
#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/internal.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

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
AnalyzedOp whole_scope_op(core::OpKind kind, const char *scope)
{
	AnalyzedOp g;
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
		return mh_relation_ownercheck(relid, GetUserId()) ||
			   (mh_database_ownercheck(MyDatabaseId, GetUserId()) && !IsSharedRelation(relid));
	});
	if (may)
		return core::Outcome::Runs;
	return kind == core::OpKind::VacuumFull ? core::Outcome::Skipped : core::Outcome::Fails;
}

AnalyzedOp table_op(const AnalysisContext &cx, core::OpKind kind, RangeVar *rv)
{
	AnalyzedOp g;
	g.op.kind = kind;
	g.relid = pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
	g.op.table = relation_facts(*cx.txn, g.relid, false);
	g.op.outcome = owner_outcome(kind, g.relid);
	return g;
}

}  // namespace

void maintenance_operations(const AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops)
{
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
				ops.push_back(table_op(cx, core::OpKind::VacuumFull, vrel->relation));
		}
		break;
	}
	case T_ClusterStmt: {
		auto *stmt = (ClusterStmt *) tree;
		if (stmt->relation)
			ops.push_back(table_op(cx, core::OpKind::Cluster, stmt->relation));
		else
			ops.push_back(whole_scope_op(core::OpKind::Cluster, "(every clustered table in this database)"));
		break;
	}
	case T_ReindexStmt: {
		auto *stmt = (ReindexStmt *) tree;
		bool concurrent = option_enabled(stmt->params, "concurrently");
		AnalyzedOp g;
		if (stmt->kind == REINDEX_OBJECT_INDEX) {
			Oid index = pg_call([&] { return RangeVarGetRelid(stmt->relation, NoLock, true); });
			Oid table =
				pg_call([&] { return OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid; });
			g.op.kind = core::OpKind::Reindex;
			g.relid = table;
			g.op.table = relation_facts(*cx.txn, table, false);
			g.op.outcome = owner_outcome(g.op.kind, table);
		} else if (stmt->kind == REINDEX_OBJECT_TABLE) {
			g = table_op(cx, core::OpKind::Reindex, stmt->relation);
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
}

int maintenance_lock_mode(Node *tree)
{
	switch (nodeTag(tree)) {
	case T_VacuumStmt: {
		auto *stmt = (VacuumStmt *) tree;
		if (!stmt->is_vacuumcmd)
			return ShareUpdateExclusiveLock;  // ANALYZE
		return option_enabled(stmt->options, "full") ? AccessExclusiveLock : ShareUpdateExclusiveLock;
	}
	case T_ClusterStmt:
		return AccessExclusiveLock;
	case T_ReindexStmt:
		// on the table: SHARE (each index ACCESS EXCLUSIVE while it is rebuilt); CONCURRENTLY,
		// SHARE UPDATE EXCLUSIVE on both, in transactions of its own
		return option_enabled(((ReindexStmt *) tree)->params, "concurrently") ? ShareUpdateExclusiveLock
																			  : ShareLock;
	default:
		return NoLock;
	}
}

}  // namespace migration_helpers::pg
