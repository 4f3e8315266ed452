// catalog_facts.cpp — the proofs the catalog gives about what a DDL statement will do: NOT
// NULL and partition bounds implied by valid constraints, indexes that exist or are INVALID,
// constraints the partitions already have, what a type change re-checks or rebuilds, replica
// identities lost, the tables DROP SCHEMA / DROP OWNED / ALL IN TABLESPACE reach. Each reads
// the catalog without taking a lock on the relation (the statement takes its own right after);
// PostgreSQL calls only, declared in catalog_facts.hpp.
#include "pg/analysis/catalog_facts.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// any_constraint_c: whether match(tuple, descriptor) holds for some pg_constraint row of relid.
template <typename Match>
bool any_constraint_c(Oid relid, Match match)
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
			   (fk->pk_attrs == NIL ||
				column_names_match_c(tup, desc, Anum_pg_constraint_confkey, refid, fk->pk_attrs));
	});
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
// length coercion such as USING name::varchar(255) folds away as it does there). Where the server
// refuses the statement (a set-returning USING, no cast), its own error is raised here.
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
		expr =
			transformExpr(pstate, (Node *) copyObjectImpl(def->raw_default), EXPR_KIND_ALTER_COL_TRANSFORM);
		if (expression_returns_set(expr))
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("transform expression must not return a set")));
	} else {
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		expr = (Node *) makeVar(1, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	}
	expr = coerce_to_target_type(pstate, expr, exprType(expr), new_type, new_typmod, COERCION_ASSIGNMENT,
								 COERCE_IMPLICIT_CAST, -1);
	if (expr == nullptr) {
		// ATPrepAlterColumnType's own errors, which the statement raises next
		const char *col = NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname);
		if (def->raw_default != nullptr)
			ereport(
				ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("result of USING clause for column \"%s\" cannot be cast automatically to type %s",
						col, format_type_be(new_type)),
				 errhint("You might need to add an explicit cast.")));
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("column \"%s\" cannot be cast automatically to type %s", col,
							   format_type_be(new_type)),
						errhint("You might need to specify \"USING %s::%s\".", quote_identifier(col),
								format_type_with_typemod(new_type, new_typmod))));
	}
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

}  // namespace

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
		PartitionBoundSpec *cooked =
			transformPartitionBound(pstate, parent, (PartitionBoundSpec *) copyObjectImpl(bound));
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

// fk_pair_implementable_c: whether a foreign key can compare fktype with pktype through the
// operator family of opclass (the unique index's on the referenced side), as
// ATAddForeignKeyConstraint decides: an equality operator of the family between the types, or
// an implicit cast of both to the family's input type.
bool fk_pair_implementable_c(Oid opclass, Oid pktype, Oid fktype)
{
	HeapTuple tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	if (!HeapTupleIsValid(tup))
		return true;  // the server's own error, if any
	auto *cla = (Form_pg_opclass) GETSTRUCT(tup);
	Oid opfamily = cla->opcfamily, opcintype = cla->opcintype;
	ReleaseSysCache(tup);
	Oid fktyped = getBaseType(fktype);
	Oid pfeqop = get_opfamily_member(opfamily, opcintype, fktyped, BTEqualStrategyNumber);
	Oid ffeqop = OidIsValid(pfeqop) ? get_opfamily_member(opfamily, fktyped, fktyped, BTEqualStrategyNumber)
									: InvalidOid;
	if (OidIsValid(pfeqop) && OidIsValid(ffeqop))
		return true;
	Oid input[2] = {pktype, fktype};
	Oid target[2] = {opcintype, opcintype};
	return can_coerce_type(2, input, target, COERCION_IMPLICIT) &&
		   OidIsValid(get_opfamily_member(opfamily, opcintype, opcintype, BTEqualStrategyNumber));
}

// foreign_keys_still_implementable_c: ALTER COLUMN ... TYPE re-adds every foreign key on the
// column, on either side, and refuses the statement when one can no longer compare its columns'
// types (ATAddForeignKeyConstraint's "cannot be implemented"): raised here as the statement raises
// it, so that the guard and lint judge only what the server will run. On the referenced side the
// unique index is rebuilt with the new type's default operator class.
void foreign_keys_still_implementable_c(Oid relid, AttrNumber attnum, Oid new_type)
{
	Relation conrel = table_open(ConstraintRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(conrel, InvalidOid, false, nullptr, 0, nullptr);
	HeapTuple tup;
	while (HeapTupleIsValid(tup = systable_getnext(scan))) {
		auto *con = (Form_pg_constraint) GETSTRUCT(tup);
		if (con->contype != CONSTRAINT_FOREIGN || (con->conrelid != relid && con->confrelid != relid))
			continue;
		int16 *conkey, *confkey;
		int nkeys = 0;
		bool isnull;
		Datum ck = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
		if (isnull)
			continue;
		ArrayType *cka = DatumGetArrayTypeP(ck);
		Datum fk = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_confkey, &isnull);
		if (isnull)
			continue;
		ArrayType *fka = DatumGetArrayTypeP(fk);
		nkeys = ARR_DIMS(cka)[0];
		conkey = (int16 *) ARR_DATA_PTR(cka);
		confkey = (int16 *) ARR_DATA_PTR(fka);
		for (int i = 0; i < nkeys; i++) {
			bool fk_side = con->conrelid == relid && conkey[i] == attnum;
			bool pk_side = con->confrelid == relid && confkey[i] == attnum;
			if (!fk_side && !pk_side)
				continue;
			Oid fktype = fk_side ? new_type : get_atttype(con->conrelid, conkey[i]);
			Oid pktype = pk_side ? new_type : get_atttype(con->confrelid, confkey[i]);
			Oid opclass = InvalidOid;
			if (pk_side) {
				opclass = GetDefaultOpClass(new_type, BTREE_AM_OID);
			} else {
				// the referenced unique index's operator class of this key column
				HeapTuple itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(con->conindid));
				if (HeapTupleIsValid(itup)) {
					bool inull;
					Datum d = SysCacheGetAttr(INDEXRELID, itup, Anum_pg_index_indclass, &inull);
					auto *form = (Form_pg_index) GETSTRUCT(itup);
					if (!inull)
						for (int k = 0; k < form->indnkeyatts; k++)
							if (form->indkey.values[k] == confkey[i])
								opclass = ((oidvector *) DatumGetPointer(d))->values[k];
					ReleaseSysCache(itup);
				}
			}
			if (!OidIsValid(opclass) || fk_pair_implementable_c(opclass, pktype, fktype))
				continue;
			char *fkcol = get_attname(con->conrelid, conkey[i], false);
			char *pkcol = get_attname(con->confrelid, confkey[i], false);
			char *name = pstrdup(NameStr(con->conname));
			systable_endscan(scan);
			table_close(conrel, AccessShareLock);
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("foreign key constraint \"%s\" cannot be implemented", name),
							errdetail("Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.",
									  fkcol, pkcol, format_type_be(fktype), format_type_be(pktype))));
		}
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
}

// type_change_facts_c: what ALTER COLUMN ... TYPE does to an existing table. When it rewrites
// the table, the table_rewrite event judges it (the server's own verdict). When it does not,
// the server still re-checks every validated CHECK constraint that uses the column and builds
// again the indexes on it that cannot be kept, under its ACCESS EXCLUSIVE lock: both found as
// pg_depend lists them, as ATExecAlterColumnType finds them (an index behind a primary key,
// unique or exclusion constraint through its constraint). A missing column is left to the
// server; a missing type or collation, an inherited column, a value that cannot be cast error
// here as they would in the statement.
void type_change_facts_c(Oid relid, const char *colname, ColumnDef *def, const char *query_string,
						 TypeChangeC *out)
{
	out->same_type = false;
	out->rewrites = true;
	out->rechecks_constraint = false;
	out->rebuilds_index = false;
	AttrNumber attnum = get_attnum(relid, colname);
	if (attnum <= 0)
		return;
	// ATPrepAlterColumnType refuses an inherited column (a partition's, say) named directly
	HeapTuple atttup = SearchSysCacheAttNum(relid, attnum);
	int inherited = HeapTupleIsValid(atttup) ? ((Form_pg_attribute) GETSTRUCT(atttup))->attinhcount : 0;
	if (HeapTupleIsValid(atttup))
		ReleaseSysCache(atttup);
	if (inherited > 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						errmsg("cannot alter inherited column \"%s\"", colname)));
	// ... and a column of the partition key
	Relation keyrel = RelationIdGetRelation(relid);
	if (keyrel == nullptr)
		return;
	bool is_expr = false;
	bool in_key = has_partition_attrs(keyrel, bms_make_singleton(attnum - FirstLowInvalidHeapAttributeNumber),
									  &is_expr);
	char *relname = pstrdup(RelationGetRelationName(keyrel));
	RelationClose(keyrel);
	if (in_key)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("cannot alter column \"%s\" because it is part of the partition key of relation \"%s\"",
					colname, relname)));
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
	// The dependencies are read either way: a view on the column refuses the statement even when
	// the change rewrites the table.
	bool rewrites = expr == nullptr || change_requires_rewrite_c(expr, attnum);
	foreign_keys_still_implementable_c(relid, attnum, new_type);
	out->same_type = old_type == new_type && old_typmod == new_typmod && old_coll == new_coll;
	column_dependents_c(relid, attnum, colname, rewrites, old_type, new_type, old_coll, new_coll, out);
	// ALTER TABLE recurses to every partition and inheritor: an index of a partition's own (one the
	// parent does not have) is built again there just the same.
	if (!rewrites && !out->rebuilds_index && has_subclass(relid)) {
		List *children = find_all_inheritors(relid, NoLock, nullptr);
		ListCell *lc;
		foreach (lc, children) {
			Oid child = lfirst_oid(lc);
			AttrNumber child_attnum = child == relid ? InvalidAttrNumber : get_attnum(child, colname);
			if (child_attnum > 0 && !out->rebuilds_index)
				column_dependents_c(child, child_attnum, colname, rewrites, old_type, new_type, old_coll,
									new_coll, out);
		}
	}
	out->rewrites = rewrites;
	if (rewrites)
		out->rechecks_constraint = false;  // the rewrite is the verdict (table_rewrite)
}

// column_dependents_c: the CHECK constraints and indexes that use column attnum of relid, as
// type_change_facts_c judges them (PostgreSQL calls only); a view or rule on the column refuses
// the statement here as ATExecAlterColumnType does.
void column_dependents_c(Oid relid, AttrNumber attnum, const char *colname, bool rewrites, Oid old_type,
						 Oid new_type, Oid old_coll, Oid new_coll, TypeChangeC *out)
{
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
				out->rechecks_constraint =
					out->rechecks_constraint || (form->contype == CONSTRAINT_CHECK && form->convalidated);
				if (form->contype == CONSTRAINT_PRIMARY || form->contype == CONSTRAINT_UNIQUE ||
					form->contype == CONSTRAINT_EXCLUSION)
					index = form->conindid;
				ReleaseSysCache(con);
			}
		} else if (dep->classid == RewriteRelationId) {
			// ATExecAlterColumnType refuses a column a view or rule uses, before any rewrite
			ObjectAddress rule = {RewriteRelationId, dep->objid, 0};
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot alter type of a column used by a view or rule"),
					 errdetail("%s depends on column \"%s\"", getObjectDescription(&rule, false), colname)));
		} else if (dep->classid == RelationRelationId) {
			char kind = get_rel_relkind(dep->objid);
			if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX)
				index = dep->objid;
		}
		if (OidIsValid(index) && !out->rebuilds_index && !rewrites)
			out->rebuilds_index = index_rebuilt_c(index, attnum, old_type, new_type, old_coll, new_coll);
	}
	systable_endscan(scan);
	table_close(depend, AccessShareLock);
}

// type_facts_c: the named type, if it exists (whether this transaction created it is the
// TxnView's to say).
void type_facts_c(List *names, TypeFactsC *out)
{
	out->typid = LookupTypeNameOid(nullptr, makeTypeNameFromNameList(names), true);
	if (OidIsValid(out->typid))
		out->name = format_type_be_qualified(out->typid);  // the statement reports a missing one
}

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

// has_primary_key_c: relid has a primary key (ADD PRIMARY KEY is refused then).
bool has_primary_key_c(Oid relid)
{
	return any_constraint_c(relid, [](HeapTuple t, TupleDesc) {
		return ((Form_pg_constraint) GETSTRUCT(t))->contype == CONSTRAINT_PRIMARY;
	});
}

char *chosen_index_name_c(Oid relid, IndexStmt *stmt)
{
	// ChooseIndexColumnNames: each key and INCLUDE column's name, an expression's FigureIndexColname,
	// made unique within the list by appending 1, 2, ...
	List *names = NIL;
	List *params = list_concat_copy(stmt->indexParams, stmt->indexIncludingParams);
	ListCell *lc;
	foreach (lc, params) {
		auto *ie = (IndexElem *) lfirst(lc);
		const char *orig = ie->indexcolname ? ie->indexcolname
						   : ie->name       ? ie->name
											: FigureIndexColname(ie->expr);
		char buf[NAMEDATALEN];
		for (int i = 0;; i++) {
			if (i == 0)
				strlcpy(buf, orig, NAMEDATALEN);
			else {
				char nbuf[32];
				snprintf(nbuf, sizeof(nbuf), "%d", i);
				int nlen = pg_mbcliplen(orig, strlen(orig), NAMEDATALEN - 1 - int(strlen(nbuf)));
				memcpy(buf, orig, nlen);
				strcpy(buf + nlen, nbuf);
			}
			bool taken = false;
			ListCell *lc2;
			foreach (lc2, names)
				taken = taken || strcmp((const char *) lfirst(lc2), buf) == 0;
			if (!taken)
				break;
		}
		names = lappend(names, pstrdup(buf));
	}
	// ChooseIndexNameAddition: joined with underscores, cut once NAMEDATALEN is reached.
	char buf[NAMEDATALEN * 2];
	int buflen = 0;
	buf[0] = '\0';
	foreach (lc, names) {
		const char *name = (const char *) lfirst(lc);
		if (buflen > 0)
			buf[buflen++] = '_';
		strlcpy(buf + buflen, name, NAMEDATALEN);
		buflen += int(strlen(buf + buflen));
		if (buflen >= NAMEDATALEN)
			break;
	}
	const char *label = stmt->primary                 ? "pkey"
						: stmt->excludeOpNames != NIL ? "excl"
						: stmt->isconstraint          ? "key"
													  : "idx";
	return ChooseRelationName(get_rel_name(relid), buf, label, get_rel_namespace(relid), false);
}

// add_column_rewrite_c: whether ADD COLUMN def rewrites relid (catalog_facts.hpp). The default is
// cooked as AddRelationNewConstraints cooks it (EXPR_KIND_COLUMN_DEFAULT, coerced to the column's
// type); without one the domain's default counts, as build_column_default takes it.
bool add_column_rewrite_c(Oid relid, ColumnDef *def)
{
	char kind = get_rel_relkind(relid);
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		return false;                   // no storage of its own or below it
	if (get_rel_relispartition(relid))  // ATPrepAddColumn's own error, which the statement raises next
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("cannot add column to a partition")));
	if (def->generated == ATTRIBUTE_GENERATED_STORED || def->identity != '\0')
		return true;
	Node *raw = def->raw_default;
	ListCell *lc;
	foreach (lc, def->constraints) {
		auto *c = (Constraint *) lfirst(lc);
		if (c->contype == CONSTR_GENERATED || c->contype == CONSTR_IDENTITY)
			return true;
		if (c->contype == CONSTR_DEFAULT)
			raw = c->raw_expr;
	}
	// serial is no type: the server's transformation makes it an integer with a nextval() default
	if (def->typeName->names != NIL && list_length(def->typeName->names) == 1 && !def->typeName->pct_type) {
		const char *name = strVal(linitial(def->typeName->names));
		if (strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0 || strcmp(name, "bigserial") == 0 ||
			strcmp(name, "serial8") == 0 || strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0)
			return true;
	}
	Oid typid;
	int32 typmod;
	typenameTypeIdAndMod(nullptr, def->typeName, &typid, &typmod);
	if (DomainHasConstraints(typid))
		return true;
	if (raw == nullptr) {
		Node *typdefault = get_typdefault(typid);
		return typdefault != nullptr && contain_volatile_functions(typdefault);
	}
	ParseState *pstate = make_parsestate(nullptr);
	Node *expr = transformExpr(pstate, (Node *) copyObjectImpl(raw), EXPR_KIND_COLUMN_DEFAULT);
	expr = coerce_to_target_type(pstate, expr, exprType(expr), typid, typmod, COERCION_ASSIGNMENT,
								 COERCE_IMPLICIT_CAST, -1);
	if (expr == nullptr)
		return false;  // no cast: the server refuses the statement with its own error
	return contain_volatile_functions(expr);
}

}  // namespace migration_helpers::pg
