// sync_trigger.cpp — migration_helpers._sync_columns(), the C++ trigger that
// keeps an old column and its new column in step while a rename or a type
// change runs (see core/migrate/sync.hpp for the words and the semantics).
//
//   CREATE TRIGGER ... BEFORE INSERT OR UPDATE ON t FOR EACH ROW
//   EXECUTE FUNCTION migration_helpers._sync_columns(migration, old_column, new_column
//                                                    [, forward_expression [, backward_expression]]);
//
// forward_expression computes the new column from the row (default: the old
// column, cast to the new type); backward_expression the old column from the
// row (default: the new column, cast to the old type). Both are parsed,
// type-checked and compiled once per trigger and kept (the per-trigger entry
// is dropped by a relcache callback when the table changes), so a row costs
// no catalog lookup: a hash probe, reading two columns, at most two
// expression evaluations and one comparison, all in the trigger's memory.
#include "core/migrate/sync.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// SyncEntry: one trigger's compiled state (in its own memory context under CacheMemoryContext).
struct SyncEntry {
	Oid tgoid;  // hash key
	bool valid;
	Oid relid;
	MemoryContext cxt;
	AttrNumber old_att, new_att;
	Oid old_type, new_type, new_collation;
	char *migration, *old_col, *new_col, *old_type_name, *relname;
	ExprState *forward, *backward;
	ExprContext *econtext;
	TupleTableSlot *slot;
	FmgrInfo new_eq;  // equality of the new type (fn_oid InvalidOid: compare images)
	bool has_new_eq;
};

HTAB *entries = nullptr;

void invalidate_entries(Datum arg, Oid relid)
{
	if (entries == nullptr)
		return;
	HASH_SEQ_STATUS seq;
	hash_seq_init(&seq, entries);
	SyncEntry *e;
	while ((e = (SyncEntry *) hash_seq_search(&seq)) != nullptr)
		if (e->valid && (relid == InvalidOid || e->relid == relid)) {
			// The memory goes with the context; the ExprContext's callbacks have nothing registered.
			MemoryContextDelete(e->cxt);
			e->valid = false;
		}
}

struct SyncContext {
	const SyncEntry *entry;
};

void sync_error_callback(void *arg)
{
	auto *c = (SyncContext *) arg;
	errcontext("keeping columns \"%s\" and \"%s\" of table \"%s\" in sync for migration \"%s\"",
			   c->entry->old_col, c->entry->new_col, c->entry->relname, c->entry->migration);
}

// compile_c: expression text over the row -> ExprState yielding type/typmod (in the current context).
ExprState *compile_c(Relation rel, const char *text, Oid type, int32 typmod, const char *what)
{
	List *raw = mh_raw_parse(psprintf("SELECT %s", text));
	Node *stmt = list_length(raw) == 1 ? ((RawStmt *) linitial(raw))->stmt : nullptr;
	if (stmt == nullptr || !IsA(stmt, SelectStmt) || list_length(((SelectStmt *) stmt)->targetList) != 1 ||
		((SelectStmt *) stmt)->fromClause != NIL || ((SelectStmt *) stmt)->whereClause != nullptr)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("%s must be a single expression", what),
						errdetail("Got: %s", text)));
	Node *val = ((ResTarget *) linitial(((SelectStmt *) stmt)->targetList))->val;
	ParseState *pstate = make_parsestate(nullptr);
	ParseNamespaceItem *nsitem =
		addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, false);
	addNSItemToQuery(pstate, nsitem, false, true, true);
	// The kind of ALTER COLUMN ... TYPE ... USING: no subqueries, aggregates or set-returning functions.
	Node *e = transformExpr(pstate, val, EXPR_KIND_ALTER_COL_TRANSFORM);
	assign_expr_collations(pstate, e);
	Oid from = exprType(e);
	Node *coerced =
		coerce_to_target_type(pstate, e, from, type, typmod, COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (coerced == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s of type %s cannot be cast to type %s", what,
															format_type_be(from), format_type_be(type))));
	free_parsestate(pstate);
	return ExecInitExpr(expression_planner((Expr *) coerced), nullptr);
}

// entry_for_c: the trigger's compiled state, built at its first row after a change of the table.
SyncEntry *entry_for_c(TriggerData *td)
{
	if (entries == nullptr) {
		HASHCTL ctl;
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(SyncEntry);
		ctl.hcxt = CacheMemoryContext;
		entries =
			hash_create("migration_helpers sync triggers", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(invalidate_entries, (Datum) 0);
	}
	Trigger *tg = td->tg_trigger;
	bool found;
	auto *e = (SyncEntry *) hash_search(entries, &tg->tgoid, HASH_ENTER, &found);
	if (found && e->valid)
		return e;
	e->valid = false;
	if (tg->tgnargs < 3 || tg->tgnargs > 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trigger \"%s\" needs the migration, the old and the new column", tg->tgname),
				 errhint("EXECUTE FUNCTION migration_helpers._sync_columns(migration, old_column, new_column "
						 "[, forward_expression [, backward_expression]])")));
	Relation rel = td->tg_relation;
	TupleDesc desc = RelationGetDescr(rel);
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migration_helpers._sync_columns() must fire BEFORE INSERT OR UPDATE FOR EACH ROW")));
	MemoryContext cxt =
		AllocSetContextCreate(CacheMemoryContext, "migration_helpers sync trigger", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SyncEntry built{};
	built.tgoid = tg->tgoid;
	built.relid = RelationGetRelid(rel);
	built.cxt = cxt;
	built.migration = pstrdup(tg->tgargs[0]);
	built.old_col = pstrdup(tg->tgargs[1]);
	built.new_col = pstrdup(tg->tgargs[2]);
	built.relname = pstrdup(RelationGetRelationName(rel));
	built.old_att = attnameAttNum(rel, built.old_col, false);
	built.new_att = attnameAttNum(rel, built.new_col, false);
	if (built.old_att <= 0 || built.new_att <= 0 || built.old_att == built.new_att)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("columns \"%s\" and \"%s\" of table \"%s\" cannot be kept in sync",
							   built.old_col, built.new_col, built.relname),
						errdetail("Both must be distinct columns of the table.")));
	Form_pg_attribute oa = TupleDescAttr(desc, built.old_att - 1);
	Form_pg_attribute na = TupleDescAttr(desc, built.new_att - 1);
	built.old_type = oa->atttypid;
	built.new_type = na->atttypid;
	built.new_collation = na->attcollation;
	built.old_type_name = format_type_with_typemod(oa->atttypid, oa->atttypmod);
	const char *forward = tg->tgnargs > 3 ? tg->tgargs[3] : quote_identifier(built.old_col);
	const char *backward = tg->tgnargs > 4 ? tg->tgargs[4] : quote_identifier(built.new_col);
	built.forward = compile_c(rel, forward, na->atttypid, na->atttypmod, "the forward expression");
	built.backward = compile_c(rel, backward, oa->atttypid, oa->atttypmod, "the backward expression");
	built.econtext = CreateStandaloneExprContext();
	built.slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(desc), &TTSOpsHeapTuple);
	TypeCacheEntry *tc = lookup_type_cache(built.new_type, TYPECACHE_EQ_OPR_FINFO);
	built.has_new_eq = OidIsValid(tc->eq_opr_finfo.fn_oid);
	if (built.has_new_eq)
		fmgr_info_copy(&built.new_eq, &tc->eq_opr_finfo, cxt);
	MemoryContextSwitchTo(old);
	built.valid = true;
	*e = built;
	return e;
}

// eval_c: an expression over tuple, its result copied into the caller's context.
Datum eval_c(SyncEntry *e, ExprState *state, HeapTuple tuple, Oid type, bool *isnull)
{
	ExecStoreHeapTuple(tuple, e->slot, false);
	e->econtext->ecxt_scantuple = e->slot;
	Datum v = ExecEvalExprSwitchContext(state, e->econtext, isnull);
	int16 len;
	bool byval;
	get_typlenbyval(type, &len, &byval);
	Datum out = *isnull ? (Datum) 0 : datumCopy(v, byval, len);
	ExecClearTuple(e->slot);
	ResetExprContext(e->econtext);
	return out;
}

// same_new_value_c: two values of the new column are equal (NULLs equal each other).
bool same_new_value_c(SyncEntry *e, Datum a, bool anull, Datum b, bool bnull)
{
	if (anull || bnull)
		return anull && bnull;
	if (e->has_new_eq)
		return DatumGetBool(FunctionCall2Coll(&e->new_eq, e->new_collation, a, b));
	Form_pg_attribute att = TupleDescAttr(e->slot->tts_tupleDescriptor, e->new_att - 1);
	return datum_image_eq(a, b, att->attbyval, att->attlen);
}

bool changed_c(HeapTuple before, HeapTuple after, TupleDesc desc, AttrNumber att)
{
	bool n1, n2;
	Datum a = heap_getattr(before, att, desc, &n1);
	Datum b = heap_getattr(after, att, desc, &n2);
	if (n1 || n2)
		return n1 != n2;
	Form_pg_attribute fa = TupleDescAttr(desc, att - 1);
	return !datum_image_eq(a, b, fa->attbyval, fa->attlen);
}

HeapTuple with_value_c(HeapTuple tuple, TupleDesc desc, AttrNumber att, Datum v, bool isnull)
{
	int col = att;
	return heap_modify_tuple_by_cols(tuple, desc, 1, &col, &v, &isnull);
}

// sync_row_c: the row to store (PostgreSQL calls only).
HeapTuple sync_row_c(TriggerData *td)
{
	SyncEntry *e = entry_for_c(td);
	Relation rel = td->tg_relation;
	TupleDesc desc = RelationGetDescr(rel);
	bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple row = is_update ? td->tg_newtuple : td->tg_trigtuple;
	core::SyncFacts facts;
	facts.write = is_update ? core::RowWrite::Update : core::RowWrite::Insert;
	(void) heap_getattr(row, e->old_att, desc, &facts.old_null);
	bool new_null;
	Datum new_value = heap_getattr(row, e->new_att, desc, &new_null);
	facts.new_null = new_null;
	if (is_update) {
		facts.old_changed = changed_c(td->tg_trigtuple, row, desc, e->old_att);
		facts.new_changed = changed_c(td->tg_trigtuple, row, desc, e->new_att);
	}
	core::SyncAction action = core::plan_sync(facts);
	if (action == core::SyncAction::Nothing)
		return row;
	SyncContext sc{e};
	ErrorContextCallback cb;
	cb.callback = sync_error_callback;
	cb.arg = &sc;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	HeapTuple out = row;
	bool fnull;
	Datum forward = (Datum) 0;
	if (action != core::SyncAction::FillOld)
		forward = eval_c(e, e->forward, row, e->new_type, &fnull);
	switch (action) {
	case core::SyncAction::FillNew:
		out = with_value_c(row, desc, e->new_att, forward, fnull);
		break;
	case core::SyncAction::CheckAgree:
		if (!same_new_value_c(e, forward, fnull, new_value, new_null)) {
			char msg[512];
			core::format_sync_conflict(msg, sizeof(msg), e->migration, e->old_col, e->new_col);
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", msg),
							errhint("Write one of the two columns; the trigger fills the other.")));
		}
		break;
	case core::SyncAction::FillOldUnlessEqual:
		if (same_new_value_c(e, forward, fnull, new_value, new_null))
			break;
		[[fallthrough]];
	case core::SyncAction::FillOld: {
		// The old type may refuse the value outright (integer out of range) or take it
		// changed (rounded, cut): both are the same error, naming the columns.
		bool bnull = false, rnull = false;
		Datum back = (Datum) 0, again = (Datum) 0;
		ErrorData *cast_error = nullptr;
		MemoryContext here = CurrentMemoryContext;
		PG_TRY();
		{
			back = eval_c(e, e->backward, row, e->old_type, &bnull);
		}
		PG_CATCH();
		{
			// Only to raise a clearer error at once (the transaction aborts): nothing goes on.
			MemoryContextSwitchTo(here);
			cast_error = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		if (cast_error == nullptr) {
			out = with_value_c(row, desc, e->old_att, back, bnull);
			// Round trip: the old column must give back the value written into the new one.
			again = eval_c(e, e->forward, out, e->new_type, &rnull);
		}
		if (cast_error != nullptr || !same_new_value_c(e, again, rnull, new_value, new_null)) {
			char msg[512];
			core::format_sync_not_fit(msg, sizeof(msg), e->new_col, e->old_col, e->old_type_name);
			ereport(ERROR,
					(errcode(cast_error ? cast_error->sqlerrcode : ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s", msg),
					 cast_error ? errdetail("%s", cast_error->message)
								: errdetail("The application version that still uses \"%s\" would read a "
											"different value.",
											e->old_col),
					 errhint("Write only values that both types can hold until the migration is complete.")));
		}
		break;
	}
	case core::SyncAction::Nothing:
		break;
	}
	error_context_stack = cb.previous;
	return out;
}

}  // namespace

// check_sync_expression_c: text compiles over relid's row to type/typmod as
// the trigger will compile it (change_column_type checks its using_expr with
// it before it adds anything). PostgreSQL calls only.
void check_sync_expression_c(Oid relid, const char *text, Oid type, int32 typmod, const char *what)
{
	Relation rel = relation_open(relid, AccessShareLock);
	MemoryContext cxt =
		AllocSetContextCreate(CurrentMemoryContext, "migration_helpers sync check", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	(void) compile_c(rel, text, type, typmod, what);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	relation_close(rel, NoLock);
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_sync_columns);
}

// mh_sync_columns: the trigger (its work is sync_row_c, PostgreSQL calls only).
extern "C" Datum mh_sync_columns(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("migration_helpers._sync_columns() can only be called as a trigger")));
	auto *td = (TriggerData *) fcinfo->context;
	return pg::guarded_entry(
		[&]() -> Datum { return PointerGetDatum(pg::pg_call([&] { return pg::sync_row_c(td); })); });
}
