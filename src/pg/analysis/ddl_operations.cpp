// ddl_operations.cpp — what a DDL statement is about to do: its raw parse
// tree becomes operations (one per relation touched, see core/ddl/rules.hpp),
// each with the catalog facts the rules need: whether the relation existed
// before this transaction, NOT NULL and partition-bound proofs from valid
// constraints, publications and replica identity, CHECK constraints that a
// type change re-checks. PostgreSQL is called only inside pg_call.
#include <algorithm>
#include <string>
#include <vector>

#include "core/ddl/rules.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/internal.hpp"
#include "pg/analysis/txn_view.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

using core::ConstraintKind;
using core::OpKind;

namespace {

Oid rangevar_relid(RangeVar *rv)
{
	return pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
}

char rel_kind(Oid relid)
{
	return pg_call([&] { return OidIsValid(relid) ? get_rel_relkind(relid) : '\0'; });
}

// gather: runs fn (PostgreSQL calls only), which may raise the statement's own error by design
// (a missing type or a set-returning USING in ALTER COLUMN ... TYPE, a bound that does not
// parse). For the guard the error is raised, as the statement would raise it; with
// cx.errors_as_results (lint) it is caught in a subtransaction and kept in cx, and false tells
// the caller that the server rejects the statement.
template <typename Fn>
bool gather(AnalysisContext &cx, Fn &&fn)
{
	if (!cx.errors_as_results) {
		pg_call(fn);
		return true;
	}
	PgError error(nullptr);
	if (in_subtransaction(fn, &error))
		return true;
	if (cx.error_code == 0) {
		cx.error_code = error.edata->sqlerrcode;
		cx.error_message = error.edata->message ? error.edata->message : "";
	}
	return false;
}

bool is_table_kind(char k)
{
	return k == RELKIND_RELATION || k == RELKIND_PARTITIONED_TABLE || k == RELKIND_MATVIEW;
}

// alter_keyword_reaches: whether a rename (or SET SCHEMA) written with this object keyword is
// carried out on a table of this kind, as RangeVarCallbackForAlterRelation decides: ALTER TABLE
// takes any relation, ALTER INDEX too for a rename, ALTER MATERIALIZED VIEW only its own kind, and
// the other keywords never a table. Where the server refuses, its own error is what the user gets.
bool alter_keyword_reaches(ObjectType type, char kind, bool rename)
{
	if (!is_table_kind(kind))
		return false;
	return type == OBJECT_TABLE || (rename && type == OBJECT_INDEX) ||
		   (type == OBJECT_MATVIEW && kind == RELKIND_MATVIEW);
}

// drop_keyword_reaches: whether DROP with this keyword drops a table of this kind; RemoveRelations
// refuses any other kind ("is not a table").
bool drop_keyword_reaches(ObjectType type, char kind)
{
	return (type == OBJECT_TABLE && (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE)) ||
		   (type == OBJECT_MATVIEW && kind == RELKIND_MATVIEW);
}


// not_null_proven_c: whether the server would skip the SET NOT NULL scan:
// the column is NOT NULL already, or (when use_checks) valid CHECK constraints
// weakly imply "col IS NOT NULL" (PostgreSQL's own test,
// NotNullImpliedByRelConstraints). A statement that also drops a constraint
// cannot rely on CHECKs; NOT NULL itself survives a dropped primary key on 15.
bool not_null_proven_c(Oid relid, const char *colname, bool use_checks)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return false;
	AttrNumber attnum = get_attnum(relid, colname);
	bool proven = false;
	if (attnum > 0) {
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		if (att->attnotnull)
			proven = true;
		else if (use_checks) {
			NullTest *nt = makeNode(NullTest);
			nt->arg = (Expr *) makeVar(1, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
			nt->nulltesttype = IS_NOT_NULL;
			nt->argisrow = false;
			nt->location = -1;
			proven = PartConstraintImpliedByRelConstraint(rel, list_make1(nt));
		}
	}
	RelationClose(rel);
	return proven;
}

// index_columns_proven_c: every column of the named index of relid is proven NOT NULL.
bool index_columns_proven_c(Oid relid, const char *indexname, bool use_checks)
{
	Oid indexid = get_relname_relid(indexname, get_rel_namespace(relid));
	if (!OidIsValid(indexid))
		return false;
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		return false;
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
	bool proven = idx->indrelid == relid;
	for (int i = 0; proven && i < idx->indnkeyatts; i++) {
		AttrNumber attnum = idx->indkey.values[i];
		if (attnum <= 0) {
			proven = false;
			break;
		}
		char *colname = get_attname(relid, attnum, false);
		proven = not_null_proven_c(relid, colname, use_checks);
	}
	ReleaseSysCache(tup);
	return proven;
}

// attach_proven_c: whether ATTACH PARTITION would skip scanning the new
// partition: its constraints imply the bound, as ATExecAttachPartition tests.
bool attach_proven_c(Oid parentid, Oid childid, PartitionBoundSpec *bound)
{
	Relation parent = RelationIdGetRelation(parentid);
	Relation child = RelationIdGetRelation(childid);
	bool proven = false;
	if (parent != nullptr && child != nullptr && parent->rd_rel->relkind == RELKIND_PARTITIONED_TABLE) {
		ParseState *pstate = make_parsestate(nullptr);
		PartitionBoundSpec *cooked = transformPartitionBound(pstate, parent, (PartitionBoundSpec *) copyObjectImpl(bound));
		List *pc = list_concat(get_qual_from_partbound(parent, cooked), RelationGetPartitionQual(parent));
		if (pc == NIL)
			proven = true;
		else {
			pc = (List *) eval_const_expressions(nullptr, (Node *) pc);
			pc = list_make1(make_ands_explicit(pc));
			pc = map_partition_varattnos(pc, 1, child, parent);
			proven = PartConstraintImpliedByRelConstraint(child, pc);
		}
	}
	if (child)
		RelationClose(child);
	if (parent)
		RelationClose(parent);
	return proven;
}

// index_invalid_c: an index of this name exists in relid's schema (where CREATE INDEX
// would put it) and is marked INVALID. Indexes of partitioned tables are left out: one
// created ON ONLY the parent is INVALID by design until its partitions are attached.
bool index_invalid_c(Oid relid, const char *name)
{
	Oid index = get_relname_relid(name, get_rel_namespace(relid));
	if (!OidIsValid(index) || get_rel_relkind(index) != RELKIND_INDEX)
		return false;
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tup))
		return false;
	bool invalid = !((Form_pg_index) GETSTRUCT(tup))->indisvalid;
	ReleaseSysCache(tup);
	return invalid;
}

// name_taken_c: a relation of this name exists in relid's schema, where an index of relid
// (CREATE INDEX, or the one behind ADD CONSTRAINT ... UNIQUE) would be created.
bool name_taken_c(Oid relid, const char *name)
{
	return OidIsValid(get_relname_relid(name, get_rel_namespace(relid)));
}

// column_exists_c: relid has a column of this name, a system column included (which ADD COLUMN
// refuses as well).
bool column_exists_c(Oid relid, const char *name)
{
	return get_attnum(relid, name) != InvalidAttrNumber;
}

// any_constraint_c: whether match(tuple, descriptor) holds for some pg_constraint row of relid.
template <typename Match> bool any_constraint_c(Oid relid, Match match)
{
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	Relation conrel = table_open(ConstraintRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true, nullptr, 1, &key);
	bool found = false;
	HeapTuple tup;
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
		found = match(tup, RelationGetDescr(conrel));
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return found;
}

// column_names_match_c: the attnums array column of a pg_constraint row names, on relid,
// exactly the columns in names (a List of String), in order.
bool column_names_match_c(HeapTuple tup, TupleDesc desc, AttrNumber column, Oid relid, List *names)
{
	bool isnull;
	Datum d = heap_getattr(tup, column, desc, &isnull);
	if (isnull)
		return false;
	ArrayType *arr = DatumGetArrayTypeP(d);
	if (ARR_DIMS(arr)[0] != list_length(names))
		return false;
	const int16 *attnums = (const int16 *) ARR_DATA_PTR(arr);
	for (int i = 0; i < list_length(names); i++) {
		char *name = get_attname(relid, attnums[i], true);
		if (name == nullptr || strcmp(name, strVal(list_nth(names, i))) != 0)
			return false;
	}
	return true;
}

// has_matching_foreign_key_c: partid has a validated foreign key that the parent's new one
// would adopt instead of creating and validating its own (as tryAttachPartitionForeignKey
// decides): same columns, same referenced table and columns, same actions, match type and
// deferrability.
bool has_matching_foreign_key_c(Oid partid, Oid refid, Constraint *fk)
{
	return any_constraint_c(partid, [&](HeapTuple tup, TupleDesc desc) {
		auto *con = (Form_pg_constraint) GETSTRUCT(tup);
		return con->contype == CONSTRAINT_FOREIGN && con->convalidated && con->confrelid == refid &&
			   con->confupdtype == fk->fk_upd_action && con->confdeltype == fk->fk_del_action &&
			   con->confmatchtype == fk->fk_matchtype && con->condeferrable == fk->deferrable &&
			   con->condeferred == fk->initdeferred &&
			   column_names_match_c(tup, desc, Anum_pg_constraint_conkey, partid, fk->fk_attrs) &&
			   (fk->pk_attrs == NIL || column_names_match_c(tup, desc, Anum_pg_constraint_confkey, refid, fk->pk_attrs));
	});
}

// partitions_have_foreign_key_c: every leaf partition of a partitioned table already has the
// foreign key, validated: adding it to the parent adopts them and scans nothing. This is the
// recipe on PostgreSQL 15, which refuses NOT VALID foreign keys on partitioned tables.
bool partitions_have_foreign_key_c(Oid parentid, Constraint *fk)
{
	Oid refid = RangeVarGetRelid(fk->pktable, NoLock, true);
	if (!OidIsValid(refid))
		return false;  // the statement reports it
	ListCell *lc;
	foreach (lc, find_all_inheritors(parentid, NoLock, nullptr)) {
		Oid part = lfirst_oid(lc);
		if (get_rel_relkind(part) == RELKIND_PARTITIONED_TABLE)
			continue;  // no rows of its own
		if (!has_matching_foreign_key_c(part, refid, fk))
			return false;
	}
	return true;
}

// has_matching_key_c: partid has a UNIQUE or PRIMARY KEY constraint (as key asks) on exactly
// the key's columns, backed by a valid index, with the same NULLS [NOT] DISTINCT and no INCLUDE
// columns or deferrability: the parent's new constraint adopts it instead of building one.
bool has_matching_key_c(Oid partid, Constraint *key)
{
	char contype = key->contype == CONSTR_PRIMARY ? CONSTRAINT_PRIMARY : CONSTRAINT_UNIQUE;
	return any_constraint_c(partid, [&](HeapTuple tup, TupleDesc desc) {
		auto *con = (Form_pg_constraint) GETSTRUCT(tup);
		if (con->contype != contype || con->condeferrable ||
			!column_names_match_c(tup, desc, Anum_pg_constraint_conkey, partid, key->keys))
			return false;
		HeapTuple idx = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(con->conindid));
		if (!HeapTupleIsValid(idx))
			return false;
		auto *form = (Form_pg_index) GETSTRUCT(idx);
		bool adoptable = form->indisvalid && form->indnatts == form->indnkeyatts &&
						 form->indnullsnotdistinct == key->nulls_not_distinct;
		ReleaseSysCache(idx);
		return adoptable;
	});
}

// partitions_have_key_c: every leaf partition of a partitioned table already has the UNIQUE
// or PRIMARY KEY constraint being added, so adding it to the parent builds nothing (checked
// on 15: the parent's index is catalog only, each partition's constraint is adopted).
bool partitions_have_key_c(Oid parentid, Constraint *key)
{
	if (key->indexname != nullptr || key->including != NIL || key->deferrable || key->keys == NIL)
		return false;
	ListCell *lc;
	foreach (lc, find_all_inheritors(parentid, NoLock, nullptr)) {
		Oid part = lfirst_oid(lc);
		if (get_rel_relkind(part) == RELKIND_PARTITIONED_TABLE)
			continue;
		if (!has_matching_key_c(part, key))
			return false;
	}
	return true;
}

// TypeChangeC: what ALTER COLUMN ... TYPE does under its ACCESS EXCLUSIVE lock.
struct TypeChangeC {
	bool rewrites;             // the table is rewritten: the table_rewrite event judges it
	bool rechecks_constraint;  // no rewrite, but a validated CHECK constraint uses the column
	bool rebuilds_index;       // no rewrite, but an index on the column is built again
};

// change_requires_rewrite_c: whether the planned expression that turns the old value of
// column attnum into the new one needs a rewrite. A copy of ATColumnChangeRequiresRewrite
// (tablecmds.c, PostgreSQL 15), which is static: only a plain reference to the column, through
// binary-coercible relabels, domains without constraints and timestamp <-> timestamptz when
// the session TimeZone makes them the same, is kept in place.
bool change_requires_rewrite_c(Node *expr, AttrNumber attnum)
{
	for (;;) {
		if (IsA(expr, Var) && ((Var *) expr)->varattno == attnum)
			return false;
		if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain)) {
			auto *d = (CoerceToDomain *) expr;
			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		} else if (IsA(expr, FuncExpr)) {
			auto *f = (FuncExpr *) expr;
			if ((f->funcid != F_TIMESTAMPTZ_TIMESTAMP && f->funcid != F_TIMESTAMP_TIMESTAMPTZ) ||
				TimestampTimestampTzRequiresRewrite())
				return true;
			expr = (Node *) linitial(f->args);
		} else
			return true;
	}
}

// new_value_expression_c: the expression ALTER COLUMN ... TYPE computes the new value with,
// built as transformAlterTableStmt and ATPrepAlterColumnType build it (the USING expression or
// the column, coerced to the new type, collations assigned, then planned, so that a widening
// length coercion such as USING name::varchar(255) folds away as it does there), or NULL
// where the server refuses the statement (a set-returning USING, no cast): its own error comes.
// The relation is read without a lock, like every fact here; the statement locks it next.
Node *new_value_expression_c(Relation rel, AttrNumber attnum, ColumnDef *def, Oid new_type, int32 new_typmod,
							  const char *query_string)
{
	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_sourcetext = query_string;  // errors point into the statement, as the server's do
	Node *expr;
	if (def->raw_default != nullptr) {
		ParseNamespaceItem *nsitem =
			addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
		addNSItemToQuery(pstate, nsitem, false, true, true);
		expr = transformExpr(pstate, (Node *) copyObjectImpl(def->raw_default),
							 EXPR_KIND_ALTER_COL_TRANSFORM);
		if (expression_returns_set(expr))
			return nullptr;
	} else {
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		expr = (Node *) makeVar(1, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	}
	expr = coerce_to_target_type(pstate, expr, exprType(expr), new_type, new_typmod, COERCION_ASSIGNMENT,
								 COERCE_IMPLICIT_CAST, -1);
	if (expr == nullptr)
		return nullptr;
	assign_expr_collations(pstate, expr);
	return (Node *) expression_planner((Expr *) expr);
}

// index_rebuilt_c: whether an index that uses column attnum is built again when the column
// changes type without a rewrite, as CheckIndexCompatible decides (TryReuseIndex keeps the old
// one only when it is compatible): expression and partial indexes and invalid ones always are;
// otherwise when a key column on attnum gets another operator class (the old one was the
// default of the old type, so the rebuilt definition takes the new type's default:
// timestamp_ops -> timestamptz_ops) or another collation (the old one was the column's), or its
// operator class takes a polymorphic type (array_ops) and the type changes. An exclusion
// constraint's operators are looked up again by name: counted as rebuilt whenever the type changes.
bool index_rebuilt_c(Oid indexid, AttrNumber attnum, Oid old_type, Oid new_type, Oid old_coll, Oid new_coll)
{
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		return false;
	auto *idx = (Form_pg_index) GETSTRUCT(tup);
	bool rebuilt = !heap_attisnull(tup, Anum_pg_index_indpred, nullptr) ||
				   !heap_attisnull(tup, Anum_pg_index_indexprs, nullptr) || !idx->indisvalid ||
				   (idx->indisexclusion && new_type != old_type);
	bool isnull;
	auto *indclass =
		(oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull));
	auto *indcoll =
		(oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &isnull));
	Relation irel = RelationIdGetRelation(indexid);
	Oid am = irel != nullptr ? irel->rd_rel->relam : InvalidOid;
	if (irel != nullptr)
		RelationClose(irel);
	for (int i = 0; !rebuilt && i < idx->indnkeyatts; i++) {
		if (idx->indkey.values[i] != attnum)
			continue;
		Oid opclass = indclass->values[i];
		Oid new_opclass =
			opclass == GetDefaultOpClass(old_type, am) ? GetDefaultOpClass(new_type, am) : opclass;
		Oid coll = indcoll->values[i];
		Oid new_index_coll = coll == old_coll ? new_coll : coll;
		rebuilt = new_opclass != opclass || new_index_coll != coll ||
				  (IsPolymorphicType(get_opclass_input_type(opclass)) && new_type != old_type);
	}
	ReleaseSysCache(tup);
	return rebuilt;
}

// type_change_facts_c: what ALTER COLUMN ... TYPE does to an existing table. When it rewrites
// the table, the table_rewrite event judges it (the server's own verdict). When it does not,
// the server still re-checks every validated CHECK constraint that uses the column and builds
// again the indexes on it that cannot be kept, under its ACCESS EXCLUSIVE lock: both found as
// pg_depend lists them, as ATExecAlterColumnType finds them (an index behind a primary key,
// unique or exclusion constraint through its constraint). A missing column is left to the
// server; a missing type or collation errors here as it would in the statement.
void type_change_facts_c(Oid relid, const char *colname, ColumnDef *def, const char *query_string, TypeChangeC *out)
{
	out->rewrites = true;
	out->rechecks_constraint = false;
	out->rebuilds_index = false;
	AttrNumber attnum = get_attnum(relid, colname);
	if (attnum <= 0)
		return;
	Oid old_type, old_coll;
	int32 old_typmod;
	get_atttypetypmodcoll(relid, attnum, &old_type, &old_typmod, &old_coll);
	Oid new_type;
	int32 new_typmod;
	typenameTypeIdAndMod(nullptr, def->typeName, &new_type, &new_typmod);
	Oid new_coll = GetColumnDefCollation(nullptr, def, new_type);
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return;
	Node *expr = new_value_expression_c(rel, attnum, def, new_type, new_typmod, query_string);
	RelationClose(rel);
	if (expr == nullptr || change_requires_rewrite_c(expr, attnum))
		return;
	out->rewrites = false;
	ScanKeyData key[3];
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(attnum));
	Relation depend = table_open(DependRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 3, key);
	HeapTuple tup;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		auto *dep = (Form_pg_depend) GETSTRUCT(tup);
		Oid index = InvalidOid;
		if (dep->classid == ConstraintRelationId) {
			HeapTuple con = SearchSysCache1(CONSTROID, ObjectIdGetDatum(dep->objid));
			if (HeapTupleIsValid(con)) {
				auto *form = (Form_pg_constraint) GETSTRUCT(con);
				out->rechecks_constraint = out->rechecks_constraint ||
										   (form->contype == CONSTRAINT_CHECK && form->convalidated);
				if (form->contype == CONSTRAINT_PRIMARY || form->contype == CONSTRAINT_UNIQUE ||
					form->contype == CONSTRAINT_EXCLUSION)
					index = form->conindid;
				ReleaseSysCache(con);
			}
		} else if (dep->classid == RelationRelationId) {
			char kind = get_rel_relkind(dep->objid);
			if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX)
				index = dep->objid;
		}
		if (OidIsValid(index) && !out->rebuilds_index)
			out->rebuilds_index = index_rebuilt_c(index, attnum, old_type, new_type, old_coll, new_coll);
	}
	systable_endscan(scan);
	table_close(depend, AccessShareLock);
}

// TypeFactsC: an enum type's facts in plain memory (PostgreSQL calls only).
struct TypeFactsC {
	Oid typid;   // InvalidOid: no such type
	char *name;  // palloc'd, schema-qualified
};

// type_facts_c: the named type, if it exists (whether this transaction created it is the
// TxnView's to say).
void type_facts_c(List *names, TypeFactsC *out)
{
	out->typid = LookupTypeNameOid(nullptr, makeTypeNameFromNameList(names), true);
	if (OidIsValid(out->typid))
		out->name = format_type_be_qualified(out->typid);  // the statement reports a missing one
}

// IdentityChange: what one ALTER TABLE statement does besides dropping a replica identity index.
struct IdentityChange {
	bool sets_identity = false;     // REPLICA IDENTITY FULL or USING INDEX
	bool adds_primary_key = false;  // under REPLICA IDENTITY DEFAULT, the new key is the identity
};

// replica_index_dropped_c: dropping indexid leaves relid without its replica identity
// (the index is the primary key under REPLICA IDENTITY DEFAULT, or the USING INDEX one),
// unless the same statement gives it another one (the primary key swap).
bool replica_index_dropped_c(Oid relid, Oid indexid, IdentityChange change)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return false;
	bool restored = change.sets_identity ||
					(change.adds_primary_key && rel->rd_rel->relreplident == REPLICA_IDENTITY_DEFAULT);
	bool lost = OidIsValid(indexid) && RelationGetReplicaIndex(rel) == indexid && !restored;
	RelationClose(rel);
	return lost;
}

// replica_identity_removed_c: REPLICA IDENTITY new_type takes away the identity relid has.
bool replica_identity_removed_c(Oid relid, char new_type)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return false;
	bool had = rel->rd_rel->relreplident == REPLICA_IDENTITY_FULL || OidIsValid(RelationGetReplicaIndex(rel));
	bool has = new_type == REPLICA_IDENTITY_FULL || new_type == REPLICA_IDENTITY_INDEX ||
			   (new_type == REPLICA_IDENTITY_DEFAULT && OidIsValid(RelationGetPrimaryKeyIndex(rel)));
	RelationClose(rel);
	return had && !has;
}

// default_partition_scanned: the parent has a default partition that existed
// before this transaction, which adding a partition scans.
bool default_partition_scanned(const AnalysisContext &cx, Oid parentid)
{
	Oid def = pg_call([&] { return get_default_partition_oid(parentid); });
	if (!OidIsValid(def))
		return false;
	return !relation_facts(*cx.txn, def, false).created_in_transaction;
}

bool is_serial_type(TypeName *tn)
{
	if (tn == nullptr || tn->names == NIL || list_length(tn->names) != 1 || tn->pct_type)
		return false;
	std::string name = strVal(linitial(tn->names));
	return name == "smallserial" || name == "serial2" || name == "serial" || name == "serial4" ||
		   name == "bigserial" || name == "serial8";
}

ConstraintKind constraint_kind(ConstrType t)
{
	switch (t) {
	case CONSTR_CHECK:
		return ConstraintKind::Check;
	case CONSTR_FOREIGN:
		return ConstraintKind::ForeignKey;
	case CONSTR_UNIQUE:
		return ConstraintKind::Unique;
	case CONSTR_PRIMARY:
		return ConstraintKind::PrimaryKey;
	case CONSTR_EXCLUSION:
		return ConstraintKind::Exclusion;
	default:
		return ConstraintKind::None;
	}
}

// column_outcome: what the server does with a subcommand on an existing or missing column:
// ADD COLUMN of one that exists, DROP COLUMN, RENAME or ALTER of one that does not, fail, or do
// nothing under IF [NOT] EXISTS. Exact only when no earlier pass of the same ALTER TABLE frees
// or takes the name: drops run first, so the caller passes may_decide = false when the
// statement drops anything before an ADD.
core::Outcome column_outcome(Oid relid, const char *name, bool must_exist, bool missing_ok, bool may_decide)
{
	if (name == nullptr || !may_decide)
		return core::Outcome::Runs;
	bool exists = pg_call([&] { return column_exists_c(relid, name); });
	if (exists == must_exist)
		return core::Outcome::Runs;
	return missing_ok ? core::Outcome::Skipped : core::Outcome::Fails;
}

void add_column_ops(const AnalysisContext &cx, Oid relid, ColumnDef *def, core::Outcome outcome, std::vector<AnalyzedOp> &ops)
{
	AnalyzedOp col = make_op(cx, OpKind::AddColumn, relid, def->colname, true);
	col.op.outcome = outcome;  // a skipped column skips its inline constraints with it
	col.op.not_null = def->is_not_null;
	col.op.has_default = def->raw_default != nullptr;
	col.op.rewrite_default = is_serial_type(def->typeName) || def->identity != '\0' || def->generated != '\0';
	std::vector<Constraint *> inline_constraints;
	ListCell *lc;
	foreach (lc, def->constraints) {
		auto *c = (Constraint *) lfirst(lc);
		switch (c->contype) {
		case CONSTR_NOTNULL:
			col.op.not_null = true;
			break;
		case CONSTR_DEFAULT:
			col.op.has_default = true;
			break;
		case CONSTR_IDENTITY:
		case CONSTR_GENERATED:
			col.op.rewrite_default = true;
			break;
		default:
			if (constraint_kind(c->contype) != ConstraintKind::None)
				inline_constraints.push_back(c);
		}
	}
	for (Constraint *c : inline_constraints) {
		AnalyzedOp g = col;
		g.op.kind = OpKind::AddConstraint;
		g.op.table.published = false;  // warned once, on the column
		g.op.constraint = constraint_kind(c->contype);
		g.op.object = c->conname ? c->conname : "";
		// A new column without a default is all NULL: the server skips the foreign key check.
		g.op.validation_skipped = c->contype == CONSTR_FOREIGN && !col.op.has_default && !col.op.rewrite_default;
		ops.push_back(std::move(g));
	}
	ops.insert(ops.end() - long(inline_constraints.size()), std::move(col));
}

void alter_table_ops(AnalysisContext &cx, AlterTableStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	Oid relid = rangevar_relid(stmt->relation);
	char kind = rel_kind(relid);
	if (!OidIsValid(relid))
		return;
	bool drops_check = false;
	bool drops_anything = false;  // then names taken now may be free when the later passes run
	// Columns the statement adds: a later pass may alter them (ADD COLUMN x, ALTER COLUMN x SET
	// NOT NULL runs), so that they are missing now decides nothing.
	std::vector<std::string> added;
	// The primary key swap (DROP CONSTRAINT pkey, ADD PRIMARY KEY USING INDEX ...) or a new
	// REPLICA IDENTITY in the same statement keeps the table writable under a publication.
	IdentityChange identity;
	ListCell *lc;
	foreach (lc, stmt->cmds) {
		auto *cmd = (AlterTableCmd *) lfirst(lc);
		AlterTableType subtype = mh_at_subtype(cmd);
		if (subtype == AT_DropConstraint)
			drops_check = true;  // a constraint dropped in the same statement proves nothing
		drops_anything = drops_anything || drops_check || subtype == AT_DropColumn;
		bool adds = subtype == AT_AddColumn;
		if (adds && ((ColumnDef *) cmd->def)->colname)
			added.emplace_back(((ColumnDef *) cmd->def)->colname);
		if (subtype == AT_AddConstraint &&
			((Constraint *) cmd->def)->contype == CONSTR_PRIMARY)
			identity.adds_primary_key = true;
		if (subtype == AT_ReplicaIdentity) {
			char t = ((ReplicaIdentityStmt *) cmd->def)->identity_type;
			identity.sets_identity = identity.sets_identity || t == REPLICA_IDENTITY_FULL || t == REPLICA_IDENTITY_INDEX;
		}
	}
	auto not_added = [&](const char *name) {
		return name == nullptr || std::find(added.begin(), added.end(), name) == added.end();
	};
	foreach (lc, stmt->cmds) {
		auto *cmd = (AlterTableCmd *) lfirst(lc);
		if (mh_at_subtype(cmd) == AT_SetTableSpace) {
			ops.push_back(make_op(cx, OpKind::SetTablespace, relid, nullptr));
			continue;
		}
		if (!is_table_kind(kind))
			continue;  // views, foreign tables, sequences, composite types: no data to lock up
		switch (mh_at_subtype(cmd)) {
		case AT_AddColumn: {
			auto *def = (ColumnDef *) cmd->def;
			core::Outcome outcome =
				column_outcome(relid, def->colname, false, cmd->missing_ok, !drops_anything);
			add_column_ops(cx, relid, def, outcome, ops);
			break;
		}
		case AT_AlterColumnType: {
			AnalyzedOp g = make_op(cx, OpKind::AlterColumnType, relid, cmd->name, true);
			g.op.outcome = column_outcome(relid, cmd->name, true, false, not_added(cmd->name));
			auto *def = (ColumnDef *) cmd->def;
			const char *col = cmd->name;
			// With or without USING: a change that rewrites is judged by the table_rewrite event.
			if (g.op.table.exists && !g.op.table.created_in_transaction) {
				TypeChangeC change{};
				const char *query = cx.query_string;
				if (gather(cx, [&] { type_change_facts_c(relid, col, def, query, &change); })) {
					g.op.rechecks_constraint = change.rechecks_constraint;
					g.op.rebuilds_index = change.rebuilds_index;
				} else {
					g.op.outcome = core::Outcome::Fails;
				}
			}
			ops.push_back(std::move(g));
			break;
		}
		case AT_SetNotNull: {
			AnalyzedOp g = make_op(cx, OpKind::SetNotNull, relid, cmd->name);
			g.op.outcome = column_outcome(relid, cmd->name, true, false, not_added(cmd->name));
			const char *col = cmd->name;
			g.op.proven_not_null = pg_call([&] { return not_null_proven_c(relid, col, !drops_check); });
			ops.push_back(std::move(g));
			break;
		}
		case AT_AddConstraint: {
			auto *c = (Constraint *) cmd->def;
			AnalyzedOp g = make_op(cx, OpKind::AddConstraint, relid, c->conname);
			g.op.constraint = constraint_kind(c->contype);
			g.op.not_valid = c->skip_validation;
			g.op.using_index = c->indexname != nullptr;
			// The server refuses an index-backed constraint whose name a relation has (duplicate_table)
			// and a second primary key, before building anything.
			bool builds_index = (c->contype == CONSTR_UNIQUE || c->contype == CONSTR_PRIMARY ||
								 c->contype == CONSTR_EXCLUSION) && c->indexname == nullptr;
			if (!drops_anything && builds_index) {
				const char *name = c->conname;
				auto is_primary = [](HeapTuple t, TupleDesc) {
					return ((Form_pg_constraint) GETSTRUCT(t))->contype == CONSTRAINT_PRIMARY;
				};
				bool refused = pg_call([&] {
					return (name != nullptr && name_taken_c(relid, name)) ||
						   (c->contype == CONSTR_PRIMARY && any_constraint_c(relid, is_primary));
				});
				if (refused)
					g.op.outcome = core::Outcome::Fails;
			}
			if (c->contype == CONSTR_PRIMARY && c->indexname) {
				const char *idx = c->indexname;
				g.op.proven_not_null = pg_call([&] { return index_columns_proven_c(relid, idx, !drops_check); });
			}
			if (c->contype == CONSTR_FOREIGN && !c->skip_validation && kind == RELKIND_PARTITIONED_TABLE)
				g.op.validation_skipped = pg_call([&] { return partitions_have_foreign_key_c(relid, c); });
			if ((c->contype == CONSTR_UNIQUE || c->contype == CONSTR_PRIMARY) && kind == RELKIND_PARTITIONED_TABLE)
				g.op.partitions_have_it = pg_call([&] { return partitions_have_key_c(relid, c); });
			if (g.op.constraint != ConstraintKind::None)
				ops.push_back(std::move(g));
			break;
		}
		case AT_ValidateConstraint: {
			AnalyzedOp g = make_op(cx, OpKind::ValidateConstraint, relid, cmd->name);
			g.op.strong_lock_held = cx.txn->holds_lock(relid, ShareLock);
			ops.push_back(std::move(g));
			break;
		}
		case AT_DropColumn: {
			AnalyzedOp g = make_op(cx, OpKind::DropColumn, relid, cmd->name, true);
			// Drops run before any ADD of the same statement: a missing column is missing then too.
			g.op.outcome = column_outcome(relid, cmd->name, true, cmd->missing_ok, not_added(cmd->name));
			ops.push_back(std::move(g));
			break;
		}
		case AT_SetLogged:
		case AT_SetUnLogged:
			ops.push_back(make_op(cx, OpKind::SetPersistence, relid, nullptr));
			break;
		case AT_SetAccessMethod:
			ops.push_back(make_op(cx, OpKind::SetAccessMethod, relid, nullptr));
			break;
		case AT_AttachPartition: {
			auto *pc = (PartitionCmd *) cmd->def;
			if (kind != RELKIND_PARTITIONED_TABLE)
				break;  // ALTER INDEX ... ATTACH PARTITION: catalog only
			Oid child = rangevar_relid(pc->name);
			if (!OidIsValid(child))
				break;
			AnalyzedOp g = make_op(cx, OpKind::AttachPartition, relid, pc->name->relname);
			core::RelationFacts cf = relation_facts(*cx.txn, child, false);
			g.size_relid = child;  // the scan reads the partition
			// ... under its lock: exempt when the partition is new, not when the parent is
			g.op.table.created_in_transaction = cf.created_in_transaction;
			PartitionBoundSpec *bound = pc->bound;
			// A new (empty) partition costs nothing to scan; the default partition still does.
			bool proven = cf.created_in_transaction;
			if (!proven && !gather(cx, [&] { proven = attach_proven_c(relid, child, bound); }))
				g.op.outcome = core::Outcome::Fails;
			g.op.partition_bound_proven = proven;
			ops.push_back(std::move(g));
			// The default partition is scanned too: an operation of its own, sized by its rows.
			if (default_partition_scanned(cx, relid)) {
				AnalyzedOp d = make_op(cx, OpKind::CreatePartition, relid, pc->name->relname);
				d.size_relid = pg_call([&] { return get_default_partition_oid(relid); });
				d.op.default_partition = true;
				ops.push_back(std::move(d));
			}
			break;
		}
		case AT_DetachPartition: {
			auto *pc = (PartitionCmd *) cmd->def;
			AnalyzedOp g = make_op(cx, OpKind::DetachPartition, relid, pc->name->relname);
			g.op.concurrent = pc->concurrent;
			ops.push_back(std::move(g));
			break;
		}
		case AT_DropConstraint: {
			AnalyzedOp g = make_op(cx, OpKind::CatalogOnly, relid, cmd->name, true);
			const char *con = cmd->name;
			if (g.op.table.publishes_updates) {
				g.op.removes_replica_identity = pg_call([&] {
					Oid conid = get_relation_constraint_oid(relid, con, true);
					Oid index = OidIsValid(conid) ? get_constraint_index(conid) : InvalidOid;
					return replica_index_dropped_c(relid, index, identity);
				});
			}
			ops.push_back(std::move(g));
			break;
		}
		case AT_ReplicaIdentity: {
			AnalyzedOp g = make_op(cx, OpKind::CatalogOnly, relid, nullptr, true);
			char type = ((ReplicaIdentityStmt *) cmd->def)->identity_type;
			if (g.op.table.publishes_updates)
				g.op.removes_replica_identity = pg_call([&] { return replica_identity_removed_c(relid, type); });
			ops.push_back(std::move(g));
			break;
		}
		default:  // defaults, statistics, storage parameters, ...
			ops.push_back(make_op(cx, OpKind::CatalogOnly, relid, cmd->name));
			break;
		}
	}
}

// tables_where_c: the tables and materialized views whose pg_class column (relnamespace
// or relowner) is value, as a List of Oids. A scan of pg_class: only for DROP SCHEMA
// ... CASCADE and DROP OWNED, which are rare.
List *tables_where_c(AttrNumber column, Oid value)
{
	List *out = NIL;
	ScanKeyData key;
	ScanKeyInit(&key, column, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(value));
	Relation pg_class_rel = table_open(RelationRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(pg_class_rel, InvalidOid, false, nullptr, 1, &key);
	HeapTuple tup;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		auto *form = (Form_pg_class) GETSTRUCT(tup);
		if (form->relkind == RELKIND_RELATION || form->relkind == RELKIND_PARTITIONED_TABLE ||
			form->relkind == RELKIND_MATVIEW)
			out = lappend_oid(out, form->oid);
	}
	systable_endscan(scan);
	table_close(pg_class_rel, AccessShareLock);
	list_sort(out, list_oid_cmp);  // judged in creation order, not in the heap's physical order
	return out;
}

// move_all_relations_c: the relations ALTER ... ALL IN TABLESPACE moves, in OID order, chosen as
// AlterTableMoveAll chooses them: the database's default tablespace is stored as 0; catalogs,
// shared, temporary and TOAST relations are skipped; only the kind the statement names (a
// partitioned table or index, which has no storage, moves nothing), owned by the roles given.
// Nothing when the statement is a no-op (the same tablespace) or names a missing one (the
// statement reports it).
List *move_all_relations_c(AlterTableMoveAllStmt *stmt)
{
	Oid from = get_tablespace_oid(stmt->orig_tablespacename, true);
	Oid to = get_tablespace_oid(stmt->new_tablespacename, true);
	if (!OidIsValid(from) || !OidIsValid(to))
		return NIL;
	if (from == MyDatabaseTableSpace)
		from = InvalidOid;
	if (to == MyDatabaseTableSpace)
		to = InvalidOid;
	if (from == to)
		return NIL;
	List *roles = NIL;
	ListCell *lc;
	foreach (lc, stmt->roles)
		roles = lappend_oid(roles, get_rolespec_oid((RoleSpec *) lfirst(lc), false));
	List *out = NIL;
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_class_reltablespace, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(from));
	Relation pg_class_rel = table_open(RelationRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(pg_class_rel, InvalidOid, false, nullptr, 1, &key);
	HeapTuple tup;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		auto *form = (Form_pg_class) GETSTRUCT(tup);
		if (IsCatalogNamespace(form->relnamespace) || form->relisshared ||
			isAnyTempNamespace(form->relnamespace) || IsToastNamespace(form->relnamespace))
			continue;
		bool wanted = (stmt->objtype == OBJECT_TABLE && form->relkind == RELKIND_RELATION) ||
					  (stmt->objtype == OBJECT_INDEX && form->relkind == RELKIND_INDEX) ||
					  (stmt->objtype == OBJECT_MATVIEW && form->relkind == RELKIND_MATVIEW);
		if (wanted && (roles == NIL || list_member_oid(roles, form->relowner)))
			out = lappend_oid(out, form->oid);
	}
	systable_endscan(scan);
	table_close(pg_class_rel, AccessShareLock);
	list_sort(out, list_oid_cmp);
	return out;
}

// drop_each_table: one DROP TABLE operation per table of a List of Oids.
void drop_each_table(const AnalysisContext &cx, List *tables, std::vector<AnalyzedOp> &ops)
{
	ListCell *lc;
	foreach (lc, tables)
		ops.push_back(make_op(cx, OpKind::DropTable, lfirst_oid(lc), nullptr));
}

void drop_ops(const AnalysisContext &cx, DropStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	if (stmt->removeType == OBJECT_SCHEMA && stmt->behavior == DROP_CASCADE) {
		// DROP SCHEMA ... CASCADE drops every table in it: judge each as a DROP TABLE.
		ListCell *lc;
		foreach (lc, stmt->objects) {
			const char *schema = strVal(lfirst(lc));
			drop_each_table(cx, pg_call([&] {
								Oid nsp = get_namespace_oid(schema, true);
								return OidIsValid(nsp) ? tables_where_c(Anum_pg_class_relnamespace, nsp) : NIL;
							}),
							ops);
		}
		return;
	}
	if (stmt->removeType != OBJECT_INDEX && stmt->removeType != OBJECT_TABLE &&
		stmt->removeType != OBJECT_MATVIEW)
		return;
	ListCell *lc;
	foreach (lc, stmt->objects) {
		auto *names = (List *) lfirst(lc);
		RangeVar *rv = pg_call([&] { return makeRangeVarFromNameList(names); });
		Oid relid = rangevar_relid(rv);
		if (!OidIsValid(relid))
			continue;
		if (stmt->removeType == OBJECT_INDEX) {
			Oid table = pg_call([&] { return IndexGetRelation(relid, true); });
			if (!OidIsValid(table))
				continue;
			AnalyzedOp g = make_op(cx, OpKind::DropIndex, table, rv->relname, true);
			g.op.concurrent = stmt->concurrent;
			if (g.op.table.publishes_updates)
				g.op.removes_replica_identity = pg_call([&] { return replica_index_dropped_c(table, relid, IdentityChange{}); });
			ops.push_back(std::move(g));
		} else if (drop_keyword_reaches(stmt->removeType, rel_kind(relid))) {
			ops.push_back(make_op(cx, OpKind::DropTable, relid, nullptr));
		}
	}
}

// move_all_ops: ALTER TABLE/INDEX/MATERIALIZED VIEW ALL IN TABLESPACE ... SET TABLESPACE moves
// every relation of that kind it finds in the tablespace, each under ACCESS EXCLUSIVE: one
// SET TABLESPACE operation per relation, found as AlterTableMoveAll finds them.
void move_all_ops(const AnalysisContext &cx, AlterTableMoveAllStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	List *rels = pg_call([&] { return move_all_relations_c(stmt); });
	ListCell *lc;
	foreach (lc, rels)
		ops.push_back(make_op(cx, OpKind::SetTablespace, lfirst_oid(lc), nullptr));
}

// drop_owned_ops: DROP OWNED BY drops every table the roles own in this database: each is judged as a DROP TABLE.
void drop_owned_ops(const AnalysisContext &cx, DropOwnedStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	ListCell *lc;
	foreach (lc, stmt->roles) {
		auto *role = (RoleSpec *) lfirst(lc);
		drop_each_table(cx, pg_call([&] {
							Oid roleid = get_rolespec_oid(role, true);
							return OidIsValid(roleid) ? tables_where_c(Anum_pg_class_relowner, roleid) : NIL;
						}),
						ops);
	}
}

}  // namespace

std::vector<AnalyzedOp> operations_of(Node *tree, AnalysisContext &cx)
{
	std::vector<AnalyzedOp> ops;
	switch (nodeTag(tree)) {
	case T_IndexStmt: {
		auto *stmt = (IndexStmt *) tree;
		Oid relid = rangevar_relid(stmt->relation);
		char kind = rel_kind(relid);
		// CREATE INDEX ... ON ONLY a partitioned table builds nothing.
		if (kind == RELKIND_PARTITIONED_TABLE && !stmt->relation->inh)
			break;
		if (is_table_kind(kind)) {
			AnalyzedOp g = make_op(cx, OpKind::CreateIndex, relid, stmt->idxname);
			g.op.concurrent = stmt->concurrent;
			const char *name = stmt->idxname;
			// A taken name: IF NOT EXISTS skips the statement, without it the server refuses it.
			if (name != nullptr && pg_call([&] { return name_taken_c(relid, name); })) {
				g.op.outcome = stmt->if_not_exists ? core::Outcome::Skipped : core::Outcome::Fails;
				if (stmt->if_not_exists)
					g.op.existing_index_invalid = pg_call([&] { return index_invalid_c(relid, name); });
			}
			ops.push_back(std::move(g));
		}
		break;
	}
	case T_AlterTableStmt:
		alter_table_ops(cx, (AlterTableStmt *) tree, ops);
		break;
	case T_CreateStmt: {
		auto *stmt = (CreateStmt *) tree;
		if (stmt->partbound == nullptr || list_length(stmt->inhRelations) != 1)
			break;
		Oid parent = rangevar_relid((RangeVar *) linitial(stmt->inhRelations));
		if (rel_kind(parent) != RELKIND_PARTITIONED_TABLE || !default_partition_scanned(cx, parent))
			break;
		Oid def = pg_call([&] { return get_default_partition_oid(parent); });
		AnalyzedOp g = make_op(cx, OpKind::CreatePartition, parent, stmt->relation->relname);
		g.size_relid = def;
		g.op.default_partition = true;
		ops.push_back(std::move(g));
		break;
	}
	case T_DropStmt:
		drop_ops(cx, (DropStmt *) tree, ops);
		break;
	case T_DropOwnedStmt:
		drop_owned_ops(cx, (DropOwnedStmt *) tree, ops);
		break;
	case T_RenameStmt: {
		// Judged on the relation the server resolves: ALTER INDEX t RENAME renames a table t.
		auto *stmt = (RenameStmt *) tree;
		if (stmt->relation == nullptr)
			break;  // objects that are not relations
		Oid relid = rangevar_relid(stmt->relation);
		char kind = rel_kind(relid);
		if (!is_table_kind(kind))
			break;
		if (stmt->renameType == OBJECT_COLUMN) {  // ALTER VIEW, ALTER INDEX ... RENAME COLUMN too
			AnalyzedOp g = make_op(cx, OpKind::RenameColumn, relid, stmt->subname, true);
			// A missing column, or a new name that is taken: the server refuses the rename.
			g.op.outcome = column_outcome(relid, stmt->subname, true, false, true);
			if (g.op.outcome == core::Outcome::Runs)
				g.op.outcome = column_outcome(relid, stmt->newname, false, false, true);
			ops.push_back(std::move(g));
		}
		else if (alter_keyword_reaches(stmt->renameType, kind, true))
			ops.push_back(make_op(cx, OpKind::RenameTable, relid, nullptr, true));
		break;
	}
	case T_AlterObjectSchemaStmt: {
		auto *stmt = (AlterObjectSchemaStmt *) tree;
		if (stmt->relation == nullptr)
			break;
		Oid relid = rangevar_relid(stmt->relation);
		if (alter_keyword_reaches(stmt->objectType, rel_kind(relid), false))
			ops.push_back(make_op(cx, OpKind::SetSchema, relid, nullptr));
		break;
	}
	case T_AlterTableMoveAllStmt:
		move_all_ops(cx, (AlterTableMoveAllStmt *) tree, ops);
		break;
	case T_AlterEnumStmt: {
		auto *stmt = (AlterEnumStmt *) tree;
		if (stmt->oldVal == nullptr)
			break;  // ADD VALUE: nothing that exists changes
		TypeFactsC t{};
		pg_call([&] { type_facts_c(stmt->typeName, &t); });
		if (!OidIsValid(t.typid))
			break;
		AnalyzedOp g;  // no relation: relid stays 0, the type stands in the table's place
		g.op.kind = OpKind::RenameEnumValue;
		g.op.table.name = t.name;
		g.op.table.created_in_transaction = cx.txn->type_created(t.typid);
		g.op.object = stmt->oldVal;
		ops.push_back(std::move(g));
		break;
	}
	case T_VacuumStmt:
	case T_ClusterStmt:
	case T_ReindexStmt:
		maintenance_operations(cx, tree, ops);
		break;
	case T_RefreshMatViewStmt: {
		auto *stmt = (RefreshMatViewStmt *) tree;
		Oid relid = rangevar_relid(stmt->relation);
		if (rel_kind(relid) != RELKIND_MATVIEW || stmt->skipData)
			break;
		AnalyzedOp g = make_op(cx, OpKind::RefreshMatView, relid, nullptr);
		g.op.concurrent = stmt->concurrent;
		g.op.populated = pg_call([&] {
			Relation rel = RelationIdGetRelation(relid);
			bool populated = rel == nullptr || RelationIsPopulated(rel);
			if (rel)
				RelationClose(rel);
			return populated;
		});
		ops.push_back(std::move(g));
		break;
	}
	default:
		break;
	}
	// One operation the server refuses makes it refuse the whole statement, before any work:
	// nothing else of it is judged, so the user gets the server's own error.
	for (const auto &g : ops)
		if (g.op.outcome == core::Outcome::Fails)
			return {};
	return ops;
}

bool is_maintenance_statement(Node *tree)
{
	NodeTag tag = nodeTag(tree);
	return tag == T_VacuumStmt || tag == T_ClusterStmt || tag == T_ReindexStmt;
}

int statement_lock_mode(Node *tree)
{
	switch (nodeTag(tree)) {
	case T_IndexStmt:
		return ((IndexStmt *) tree)->concurrent ? NoLock : ShareLock;
	case T_AlterTableStmt: {
		auto *stmt = (AlterTableStmt *) tree;
		return pg_call([&] { return AlterTableGetLockLevel(stmt->cmds); });
	}
	case T_DropStmt:
		return ((DropStmt *) tree)->concurrent ? NoLock : AccessExclusiveLock;
	case T_RefreshMatViewStmt:
		return ((RefreshMatViewStmt *) tree)->concurrent ? ExclusiveLock : AccessExclusiveLock;
	case T_VacuumStmt:
	case T_ClusterStmt:
	case T_ReindexStmt:
		return maintenance_lock_mode(tree);
	default:
		return AccessExclusiveLock;
	}
}

}  // namespace migration_helpers::pg
