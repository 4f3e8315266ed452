// deferred.cpp — verdicts that wait for COMMIT (core/ddl/policy.hpp: waits_for_commit): inside a
// transaction block, or run by a function, DO block or procedure, a drop or rename of a table, view
// or column that enforce mode would block runs, and the transaction's pre-commit callback checks the
// catalog: the verdict passes when the old name exists again in a compatible shape
// (shape_restored), and is raised otherwise, which aborts the transaction and everything it did,
// its ddl_log rows included.
//
// Words used here:
//   waiting verdict  a blocked verdict recorded here until COMMIT, with the shape (kind and
//                    columns) its relation had when the statement ran.
//
// The check reads the catalog at COMMIT, not what the statements said: a SAVEPOINT rolled back
// (the re-creating statement's, or the drop's own) is seen as the catalog then shows it.
#include <optional>
#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/policy.hpp"
#include "pg/boundary.hpp"
#include "pg/errcodes.hpp"
#include "pg/guard/internal.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

struct Waiting {
	core::Operation op;
	core::Report report;
	std::string statement;
	core::Shape before;
	Oid relid = InvalidOid;  // the table of a column, or the relation dropped or renamed
	Oid namespace_id = InvalidOid;
	std::string relname;  // the old name, unqualified
	core::WaitedBecause why = core::WaitedBecause::TransactionBlock;
};
std::vector<Waiting> waiting;
// explicit_block: this transaction was opened by BEGIN or START TRANSACTION (seen by the utility
// hook); what tells a transaction block from a subtransaction at any nesting level.
bool explicit_block = false;

// ShapeC: a relation's kind and columns in plain memory (PostgreSQL calls only).
struct ShapeC {
	char relkind;  // '\0': no such relation
	int ncols;
	char **names;
	Oid *types;
	Oid namespace_id;
	char *relname;
};

void shape_of_c(Oid relid, ShapeC *out)
{
	out->relkind = '\0';
	out->ncols = 0;
	if (!OidIsValid(relid))
		return;
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return;
	auto *form = (Form_pg_class) GETSTRUCT(tup);
	out->relkind = form->relkind;
	out->namespace_id = form->relnamespace;
	out->relname = pstrdup(NameStr(form->relname));
	ReleaseSysCache(tup);
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return;
	TupleDesc desc = RelationGetDescr(rel);
	out->names = (char **) palloc0(sizeof(char *) * (desc->natts + 1));
	out->types = (Oid *) palloc0(sizeof(Oid) * (desc->natts + 1));
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped)
			continue;
		out->names[out->ncols] = pstrdup(NameStr(att->attname));
		out->types[out->ncols] = att->atttypid;
		out->ncols++;
	}
	RelationClose(rel);
}

core::Shape shape_of(Oid relid, Oid *namespace_id = nullptr, std::string *relname = nullptr)
{
	ShapeC c{};
	pg_call([&] { shape_of_c(relid, &c); });
	core::Shape s;
	switch (c.relkind) {
	case '\0':
		s.kind = core::ShapeKind::Missing;
		return s;
	case RELKIND_RELATION:
	case RELKIND_PARTITIONED_TABLE:
		s.kind = core::ShapeKind::Table;
		break;
	case RELKIND_VIEW:
	case RELKIND_MATVIEW:
		s.kind = core::ShapeKind::View;
		break;
	default:
		s.kind = core::ShapeKind::Other;
	}
	for (int i = 0; i < c.ncols; i++)
		s.columns.push_back(core::ShapeColumn{c.names[i], c.types[i]});
	if (namespace_id != nullptr)
		*namespace_id = c.namespace_id;
	if (relname != nullptr)
		*relname = c.relname;
	return s;
}

bool is_column_op(const core::Operation &op)
{
	return op.kind == core::OpKind::DropColumn || op.kind == core::OpKind::RenameColumn;
}

// check_waiting: raises the first waiting verdict whose name the transaction has not restored.
void check_waiting()
{
	for (const Waiting &w : waiting) {
		Oid now_relid = w.relid;
		if (!is_column_op(w.op)) {
			const char *name = w.relname.c_str();
			Oid nsp = w.namespace_id;
			now_relid = pg_call([&] { return get_relname_relid(name, nsp); });
		}
		if (core::shape_restored(w.op, w.before, shape_of(now_relid)))
			continue;
		core::Report r = core::commit_report(w.report, w.op, w.statement, w.why);
		const char *msg = r.message.c_str();
		const char *detail = r.detail.c_str();
		const char *hint = r.hint.c_str();
		pg_call([&] {
			ereport(ERROR, (errcode(ERRCODE_MH_UNSAFE_DDL), errmsg("%s", msg), errdetail("%s", detail),
							errhint("%s", hint)));
		});
	}
}

void waiting_xact_callback(XactEvent event, void *)
{
	switch (event) {
	case XACT_EVENT_PRE_COMMIT:
	case XACT_EVENT_PRE_PREPARE:
		if (!waiting.empty())
			guarded_void_entry([] { check_waiting(); });
		break;
	case XACT_EVENT_COMMIT:
	case XACT_EVENT_ABORT:
	case XACT_EVENT_PREPARE:
	case XACT_EVENT_PARALLEL_ABORT:
		waiting.clear();
		explicit_block = false;
		break;
	default:
		break;
	}
}

// in_transaction_block: the statement runs in a transaction block, not as an autocommit statement.
// IsTransactionBlock() tells at the top level (an implicit block of several statements sent in one
// query string included), but in any subtransaction it says yes, also in one a PL/pgSQL EXCEPTION
// block starts inside an autocommit statement: there only a BEGIN seen by the utility hook tells
// (without the library preloaded it is not seen, and the statement is judged at once, the safe side).
bool in_transaction_block()
{
	if (GetCurrentTransactionNestLevel() <= 1)
		return IsTransactionBlock();
	return explicit_block;
}

// waits_because: whether the transaction may still run statements after this one that create the
// name again, and why: it is a transaction block (block), or this statement is not the client's own
// but one that a function, DO block or procedure runs in the statement's own transaction (enclosed),
// which may go on (Citus's alter_distributed_table() drops the old table, then renames the new one
// to its name, all inside one SELECT). Inside a subtransaction of an autocommit statement (a
// PL/pgSQL EXCEPTION block) the verdict is raised at once, where that block can catch it.
std::optional<core::WaitedBecause> waits_because(bool block, bool enclosed)
{
	if (block)
		return core::WaitedBecause::TransactionBlock;
	if (enclosed)
		return core::WaitedBecause::EnclosingStatement;
	return std::nullopt;
}

}  // namespace

void note_transaction_statement(Node *tree)
{
	if (tree != nullptr && IsA(tree, TransactionStmt)) {
		TransactionStmtKind kind = ((TransactionStmt *) tree)->kind;
		if ((kind == TRANS_STMT_BEGIN || kind == TRANS_STMT_START) && IsTransactionBlock())
			explicit_block = true;
	}
}

bool wait_for_commit(const Finding &f, const core::Report &report)
{
	if (!core::waits_for_commit(f.verdict, f.op))
		return false;
	bool block = pg_call([] { return in_transaction_block(); });
	bool enclosed =
		!block && pg_call([] { return GetCurrentTransactionNestLevel() <= 1 && !statement_is_toplevel(); });
	std::optional<core::WaitedBecause> why = waits_because(block, enclosed);
	if (!why)
		return false;
	Waiting w;
	w.why = *why;
	w.op = f.op;
	w.report = report;
	w.statement = pg_call([] { return current_statement_text(); });
	w.relid = f.relid;
	w.before = shape_of(f.relid, &w.namespace_id, &w.relname);
	if (w.before.kind == core::ShapeKind::Missing)
		return false;
	waiting.push_back(std::move(w));
	return true;
}

void guard_deferred_init()
{
	RegisterXactCallback(waiting_xact_callback, nullptr);
}

}  // namespace migration_helpers::pg
