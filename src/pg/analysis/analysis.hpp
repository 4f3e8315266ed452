// analysis.hpp — what a statement is about to do: a parse tree becomes
// operations (core/ddl/operation.hpp), one per relation touched, with the facts
// the rules need and the lock the statement takes. Every statement kind the
// guard handles goes through operations_of(): ALTER TABLE, CREATE/DROP INDEX,
// renames, drops, REFRESH, ATTACH/DETACH, ALTER TYPE ... RENAME VALUE (the
// event triggers' statements) and VACUUM FULL, CLUSTER, REINDEX (which fire no
// event trigger). The guard, lint and the migration checklist all use it;
// it includes nothing from them.
//
// Words used here:
//   analysed operation  an operation with the relation it locks (AnalyzedOp).
//   context             what the analysis reads besides the tree: transaction
//                       facts (TxnView), the query text, and whether an error
//                       while gathering facts is raised or becomes a result.
#pragma once

#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "pg/analysis/txn_view.hpp"

struct Node;  // PostgreSQL's parse node (nodes/nodes.h); pg_headers.hpp is not included here

namespace migration_helpers::pg {

// AnalyzedOp: one operation, with the relation it will lock and the one whose
// size its messages report (0: none).
struct AnalyzedOp {
	core::Operation op;
	unsigned int relid = 0;
	unsigned int size_relid = 0;  // 0: relid
	// the kRewrite* bits of the table rewrite the server will make for this operation, as its
	// table_rewrite event will report them (assess.hpp: predicted_rewrites); 0: none predicted
	int predicted_rewrite = 0;
};

// AnalysisContext: what operations_of() reads besides the parse tree, and the error it met.
struct AnalysisContext {
	const TxnView *txn = nullptr;
	// the whole query string the tree came in, which parse locations (error cursors) are
	// relative to; nullptr when not known
	const char *query_string = nullptr;
	// false (the guard): a PostgreSQL error while gathering facts is raised, as the statement
	// itself would raise it. true (lint): it is caught in a subtransaction, the statement
	// counts as one the server rejects (no operations), and the error is kept below.
	bool errors_as_results = false;
	// true (lint): also predict what the table_rewrite event would report where that costs a
	// parse analysis of its own (a volatile default of ADD COLUMN); the guard waits for the event
	bool predict_rewrites = false;
	int error_code = 0;  // the SQLSTATE of that error (ERRCODE_*), 0 when none
	std::string error_message;
};

// operations_of: the operations of one statement, from its raw parse tree; empty for
// statements no rule is about, and for statements the server will reject (its error is
// what the user gets).
std::vector<AnalyzedOp> operations_of(Node *tree, AnalysisContext &cx);

// statement_lock_mode: the lock (a LOCKMODE) the statement will request on its table, as the
// server decides it (AlterTableGetLockLevel is what ProcessUtility uses), or NoLock for
// statements that take weak locks or commit on their own.
int statement_lock_mode(Node *tree);

// is_maintenance_statement: VACUUM, CLUSTER or REINDEX, which fire no event trigger on 15 (REINDEX
// does from 17 on); the guard judges them in its ProcessUtility hook.
bool is_maintenance_statement(Node *tree);

// make_op: one operation on relid, with its relation facts (publications only when asked).
AnalyzedOp make_op(const AnalysisContext &cx, core::OpKind kind, unsigned int relid, const char *object,
				   bool want_publication = false);
// relation_facts: what the rules need to know of one relation, but its size.
core::RelationFacts relation_facts(const TxnView &txn, unsigned int relid, bool want_publication);
// measure_relation: fills facts.size_bytes (in bytes, summed over partitions and inheritors) and
// facts.contents from the relation g's work reads (size_relid, else relid).
void measure_relation(const TxnView &txn, const AnalyzedOp &g, core::RelationFacts &facts);
// migration_facts: fills op.table.migration (the unfinished migration with steps on g's
// relation) and, for a DROP COLUMN, op.retired_by (the one whose drop_column step retires it).
void migration_facts(const AnalyzedOp &g, core::Operation &op);

}  // namespace migration_helpers::pg
