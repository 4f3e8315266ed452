// object_operations.cpp — statements on objects other than tables that running code depends
// on: views, types and domains, functions, what DROP ... CASCADE takes with it, ALTER DOMAIN's
// scans of every column of the domain, and ALTER TYPE ... CASCADE on typed tables.
//
// Words used here:
//   taken      an object a DROP removes besides the ones it names, found as the server's
//              dependency walk (findDependentObjects) finds them: every object that depends on
//              a dropped one, and the view whose rule depends on one.
//   typed table  a table created OF a composite type (pg_class.reloftype), whose columns are
//              the type's attributes.
#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/catalog_facts.hpp"
#include "pg/analysis/internal.hpp"
#include "pg/analysis/txn_view.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

using core::OpKind;

namespace {

// ObjectC: an object named by a statement, in plain memory (PostgreSQL calls only).
struct ObjectC {
	Oid classid;  // InvalidOid: no such object (the statement reports it)
	Oid objid;
	char *name;         // palloc'd, schema-qualified ("public.f(integer)")
	char *description;  // palloc'd, as the server describes it ("function f(integer)")
};

// TakenC: one object a DROP ... CASCADE takes with it.
struct TakenC {
	char kind;  // 'c' column, 'd' column default, 't' table, 'v' view or materialized view, 'f' function
	Oid relid;  // the relation of a column, default, table or view
	AttrNumber attnum;
	Oid funcid;
};

// CascadeC: what dropping one object removes besides it.
struct CascadeC {
	List *taken;                 // of TakenC *
	bool has_normal_dependents;  // without CASCADE the server refuses the drop
};

void describe_object_c(Oid classid, Oid objid, ObjectC *out)
{
	out->classid = classid;
	out->objid = objid;
	ObjectAddress addr;
	ObjectAddressSet(addr, classid, objid);
	out->description = getObjectDescription(&addr, true);
	if (classid == ProcedureRelationId)
		out->name = format_procedure_qualified(objid);
	else if (classid == TypeRelationId)
		out->name = format_type_be_qualified(objid);
	else
		out->name =
			quote_qualified_identifier(get_namespace_name(get_rel_namespace(objid)), get_rel_name(objid));
}

// lookup_object_c: the type, domain or function a RenameStmt, AlterObjectSchemaStmt or DropStmt
// names (type_names: a List of names for ALTER, a TypeName for DROP); classid InvalidOid when it
// does not exist. A function named ambiguously errors here as it would in the statement.
void lookup_object_c(ObjectType type, Node *object, ObjectC *out)
{
	out->classid = InvalidOid;
	Oid classid = InvalidOid, objid = InvalidOid;
	switch (type) {
	case OBJECT_TYPE:
	case OBJECT_DOMAIN: {
		TypeName *tn =
			IsA(object, TypeName) ? (TypeName *) object : makeTypeNameFromNameList((List *) object);
		objid = LookupTypeNameOid(nullptr, tn, true);
		classid = TypeRelationId;
		break;
	}
	case OBJECT_FUNCTION:
	case OBJECT_PROCEDURE:
	case OBJECT_ROUTINE:
		objid = LookupFuncWithArgs(type, (ObjectWithArgs *) object, true);
		classid = ProcedureRelationId;
		break;
	default:
		return;
	}
	if (OidIsValid(objid))
		describe_object_c(classid, objid, out);
}

// address_seen: whether (classid, objid, subid) is in seen already; adds it if not.
bool address_seen(HTAB *seen, Oid classid, Oid objid, int32 subid)
{
	ObjectAddress key;
	memset(&key, 0, sizeof(key));
	key.classId = classid, key.objectId = objid, key.objectSubId = subid;
	bool found;
	(void) hash_search(seen, &key, HASH_ENTER, &found);
	return found;
}

// rule_view_c: the view or materialized view whose _RETURN rule ruleid is, or InvalidOid.
Oid rule_view_c(Oid ruleid)
{
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_rewrite_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ruleid));
	Relation rel = table_open(RewriteRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, RewriteOidIndexId, true, nullptr, 1, &key);
	Oid view = InvalidOid;
	HeapTuple tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup)) {
		auto *form = (Form_pg_rewrite) GETSTRUCT(tup);
		if (strcmp(NameStr(form->rulename), ViewSelectRuleName) == 0)
			view = form->ev_class;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return view;
}

// attrdef_column_c: the table and column of the default attrdefid.
void attrdef_column_c(Oid attrdefid, Oid *relid, AttrNumber *attnum)
{
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_attrdef_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(attrdefid));
	Relation rel = table_open(AttrDefaultRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, AttrDefaultOidIndexId, true, nullptr, 1, &key);
	*relid = InvalidOid;
	HeapTuple tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup)) {
		auto *form = (Form_pg_attrdef) GETSTRUCT(tup);
		*relid = form->adrelid;
		*attnum = form->adnum;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

TakenC *make_taken(char kind, Oid relid, AttrNumber attnum, Oid funcid)
{
	auto *t = (TakenC *) palloc0(sizeof(TakenC));
	t->kind = kind;
	t->relid = relid;
	t->attnum = attnum;
	t->funcid = funcid;
	return t;
}

// cascade_c: what dropping (classid, objid) takes with it, walking pg_depend breadth first as
// findDependentObjects does: a normal, automatic or internal dependent goes with what it depends on
// (a normal one only under CASCADE), and a view goes when its rule does. Extension membership is
// not followed. Bounded: a walk that reaches more than 10000 objects stops there.
void cascade_c(Oid classid, Oid objid, CascadeC *out)
{
	out->taken = NIL;
	out->has_normal_dependents = false;
	auto *start = (ObjectAddress *) palloc(sizeof(ObjectAddress));
	ObjectAddressSet(*start, classid, objid);
	List *queue = list_make1(start);
	// The objects reached so far, hashed: a walk may reach thousands.
	HASHCTL ctl;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ObjectAddress);
	ctl.entrysize = sizeof(ObjectAddress);
	ctl.hcxt = CurrentMemoryContext;
	HTAB *seen =
		hash_create("migration_helpers cascade walk", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	(void) address_seen(seen, start->classId, start->objectId, start->objectSubId);
	Relation depend = table_open(DependRelationId, AccessShareLock);
	for (int i = 0; i < list_length(queue) && i < 10000; i++) {
		auto *node = (ObjectAddress *) list_nth(queue, i);
		ScanKeyData key[3];
		int nkeys = node->objectSubId != 0 ? 3 : 2;
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(node->classId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(node->objectId));
		ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ,
					Int32GetDatum(node->objectSubId));
		SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, nkeys, key);
		HeapTuple tup;
		while (HeapTupleIsValid(tup = systable_getnext(scan))) {
			auto *dep = (Form_pg_depend) GETSTRUCT(tup);
			if (dep->deptype == DEPENDENCY_EXTENSION || dep->deptype == DEPENDENCY_AUTO_EXTENSION)
				continue;
			Oid dclass = dep->classid, did = dep->objid;
			int32 dsub = dep->objsubid;
			if (dclass == RewriteRelationId) {
				Oid view = rule_view_c(did);
				if (!OidIsValid(view))
					continue;  // an ordinary rule: dropped alone
				dclass = RelationRelationId, did = view, dsub = 0;
			}
			// the object's own parts (a view's rule, which also depends on the view normally) are seen
			if (address_seen(seen, dclass, did, dsub))
				continue;
			if (i == 0 && dep->deptype == DEPENDENCY_NORMAL)
				out->has_normal_dependents = true;
			auto *a = (ObjectAddress *) palloc(sizeof(ObjectAddress));
			a->classId = dclass, a->objectId = did, a->objectSubId = dsub;
			queue = lappend(queue, a);
			if (dclass == RelationRelationId) {
				char kind = get_rel_relkind(did);
				bool table = kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE;
				if (dsub > 0 && table)
					out->taken = lappend(out->taken, make_taken('c', did, AttrNumber(dsub), InvalidOid));
				else if (dsub == 0 && table)
					out->taken = lappend(out->taken, make_taken('t', did, 0, InvalidOid));
				else if (dsub == 0 && (kind == RELKIND_VIEW || kind == RELKIND_MATVIEW))
					out->taken = lappend(out->taken, make_taken('v', did, 0, InvalidOid));
			} else if (dclass == AttrDefaultRelationId) {
				Oid relid;
				AttrNumber attnum = 0;
				attrdef_column_c(did, &relid, &attnum);
				if (OidIsValid(relid))
					out->taken = lappend(out->taken, make_taken('d', relid, attnum, InvalidOid));
			} else if (dclass == ProcedureRelationId) {
				out->taken = lappend(out->taken, make_taken('f', InvalidOid, 0, did));
			}
		}
		systable_endscan(scan);
	}
	table_close(depend, AccessShareLock);
	hash_destroy(seen);
}

// function_op: an operation on a function, which stands in the table's place (no relation).
AnalyzedOp object_op(const AnalysisContext &cx, OpKind kind, const ObjectC &obj)
{
	AnalyzedOp g;
	g.op.kind = kind;
	g.op.table.name = obj.name;
	g.op.table.sql_name = obj.name;
	g.op.table.created_in_transaction = obj.classid == TypeRelationId ? cx.txn->type_created(obj.objid)
										: obj.classid == ProcedureRelationId
											? cx.txn->function_created(obj.objid)
											: cx.txn->relation_created(obj.objid);
	return g;
}

std::string column_name(Oid relid, AttrNumber attnum)
{
	return pg_call([&] { return get_attname(relid, attnum, true); }) ?: "";
}

// cascade_ops: the operations of what a DROP of (classid, objid) takes with it; false when the
// server refuses the drop (dependents without CASCADE).
// skip_relid: a table the statement drops and judges itself (DROP TABLE ... CASCADE): its own
// defaults and the tables dropped with it (partitions, inheritors) are not reported again.
bool cascade_ops(const AnalysisContext &cx, const ObjectC &obj, bool cascade, std::vector<AnalyzedOp> &ops,
				 Oid skip_relid = InvalidOid)
{
	CascadeC c{};
	pg_call([&] { cascade_c(obj.classid, obj.objid, &c); });
	if (c.has_normal_dependents && !cascade)
		return false;
	std::vector<TakenC *> taken;
	ListCell *lc;
	foreach (lc, c.taken)
		taken.push_back((TakenC *) lfirst(lc));
	auto relation_dropped = [&](Oid relid) {
		for (TakenC *t : taken)
			if ((t->kind == 't' || t->kind == 'v') && t->relid == relid)
				return true;
		return false;
	};
	auto column_dropped = [&](Oid relid, AttrNumber attnum) {
		for (TakenC *t : taken)
			if (t->kind == 'c' && t->relid == relid && t->attnum == attnum)
				return true;
		return false;
	};
	const std::string from = obj.description != nullptr ? obj.description : "";
	for (TakenC *t : taken) {
		if (OidIsValid(skip_relid) && (t->relid == skip_relid || t->kind == 't'))
			continue;
		AnalyzedOp g;
		if (t->kind == 'f') {
			ObjectC f{};
			pg_call([&] { describe_object_c(ProcedureRelationId, t->funcid, &f); });
			g = object_op(cx, OpKind::DropFunction, f);
		} else if (t->kind == 't' || t->kind == 'v') {
			g = make_op(cx, t->kind == 't' ? OpKind::DropTable : OpKind::DropView, t->relid, nullptr);
		} else {
			// a column or default of a relation the drop removes whole is reported with it
			if (relation_dropped(t->relid) || (t->kind == 'd' && column_dropped(t->relid, t->attnum)))
				continue;
			std::string col = column_name(t->relid, t->attnum);
			g = make_op(cx, t->kind == 'c' ? OpKind::DropColumn : OpKind::DropDefault, t->relid, col.c_str());
		}
		g.op.cascade_from = from;
		ops.push_back(std::move(g));
	}
	return true;
}

// drop_object_ops: DROP VIEW, TYPE, DOMAIN, FUNCTION, PROCEDURE, ROUTINE, SEQUENCE: the object
// itself (a sequence is judged only by what it takes) and what the drop takes with it.
void drop_object_ops(AnalysisContext &cx, DropStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	bool cascade = stmt->behavior == DROP_CASCADE;
	ListCell *lc;
	foreach (lc, stmt->objects) {
		auto *object = (Node *) lfirst(lc);
		ObjectC obj{};
		OpKind kind = OpKind::CatalogOnly;
		if (stmt->removeType == OBJECT_VIEW || stmt->removeType == OBJECT_SEQUENCE) {
			auto *names = (List *) object;
			Oid relid =
				pg_call([&] { return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true); });
			char want = stmt->removeType == OBJECT_VIEW ? RELKIND_VIEW : RELKIND_SEQUENCE;
			if (!OidIsValid(relid) || pg_call([&] { return get_rel_relkind(relid); }) != want)
				continue;  // the server reports what is missing or of another kind
			pg_call([&] { describe_object_c(RelationRelationId, relid, &obj); });
			if (stmt->removeType == OBJECT_VIEW)
				kind = OpKind::DropView;
		} else {
			pg_call([&] { lookup_object_c(stmt->removeType, object, &obj); });
			if (!OidIsValid(obj.classid))
				continue;
			kind = obj.classid == TypeRelationId ? OpKind::DropType : OpKind::DropFunction;
		}
		// What the cascade takes first: losing columns is worse than losing the object.
		if (!cascade_ops(cx, obj, cascade, ops)) {
			// The server refuses the drop: its error, not ours.
			AnalyzedOp refused;
			refused.op.outcome = core::Outcome::Fails;
			ops.push_back(std::move(refused));
			return;
		}
		if (kind == OpKind::DropView)
			ops.push_back(make_op(cx, kind, obj.objid, nullptr));
		else if (kind != OpKind::CatalogOnly)
			ops.push_back(object_op(cx, kind, obj));
	}
}

bool is_function_type(ObjectType t)
{
	return t == OBJECT_FUNCTION || t == OBJECT_PROCEDURE || t == OBJECT_ROUTINE;
}

// rename_object_ops: RENAME TO or SET SCHEMA of a view, type, domain or function; true when the
// statement is one of these (judged here), false to leave it to the table rules.
bool rename_object_ops(const AnalysisContext &cx, ObjectType type, RangeVar *relation, Node *object,
					   bool rename, std::vector<AnalyzedOp> &ops)
{
	if (relation != nullptr) {
		Oid relid = pg_call([&] { return RangeVarGetRelid(relation, NoLock, true); });
		if (!OidIsValid(relid) || pg_call([&] { return get_rel_relkind(relid); }) != RELKIND_VIEW)
			return false;
		// ALTER VIEW, and ALTER TABLE (or for a rename ALTER INDEX) naming a view
		if (type == OBJECT_VIEW || type == OBJECT_TABLE || (rename && type == OBJECT_INDEX))
			ops.push_back(make_op(cx, OpKind::RenameView, relid, nullptr));
		return true;
	}
	if (type != OBJECT_TYPE && type != OBJECT_DOMAIN && !is_function_type(type))
		return false;
	ObjectC obj{};
	pg_call([&] { lookup_object_c(type, object, &obj); });
	if (OidIsValid(obj.classid))
		ops.push_back(
			object_op(cx, obj.classid == TypeRelationId ? OpKind::RenameType : OpKind::RenameFunction, obj));
	return true;
}

// typed_tables: the tables created OF the composite type whose relation is typrelid.
List *typed_tables(Oid typrelid)
{
	return pg_call([&] {
		Oid typid = get_rel_type_id(typrelid);
		return OidIsValid(typid) ? tables_where_c(Anum_pg_class_reloftype, typid) : NIL;
	});
}

// attribute_ops: ALTER TYPE ... RENAME ATTRIBUTE / DROP ATTRIBUTE of a composite type: with
// CASCADE, the columns of every typed table are renamed or dropped; without it the server refuses
// when there is one (false).
bool attribute_ops(const AnalysisContext &cx, Oid typrelid, OpKind kind, const char *attname, bool cascade,
				   std::vector<AnalyzedOp> &ops)
{
	List *tables = typed_tables(typrelid);
	if (tables != NIL && !cascade)
		return false;
	ListCell *lc;
	foreach (lc, tables)
		ops.push_back(make_op(cx, kind, lfirst_oid(lc), attname, true));
	return true;
}

// domain_tables_c: the tables with storage whose columns are of the domain or of a domain over
// it, each once, as get_rels_with_domain finds (and SHARE-locks) them.
List *domain_tables_c(Oid typid)
{
	List *types = list_make1_oid(typid);
	List *tables = NIL;
	Relation depend = table_open(DependRelationId, AccessShareLock);
	for (int i = 0; i < list_length(types); i++) {
		ScanKeyData key[2];
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(TypeRelationId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(list_nth_oid(types, i)));
		SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 2, key);
		HeapTuple tup;
		while (HeapTupleIsValid(tup = systable_getnext(scan))) {
			auto *dep = (Form_pg_depend) GETSTRUCT(tup);
			if (dep->classid == TypeRelationId && get_typtype(dep->objid) == TYPTYPE_DOMAIN)
				types = list_append_unique_oid(types, dep->objid);
			else if (dep->classid == RelationRelationId && dep->objsubid > 0) {
				char kind = get_rel_relkind(dep->objid);
				if (kind == RELKIND_RELATION || kind == RELKIND_MATVIEW)
					tables = list_append_unique_oid(tables, dep->objid);
			}
		}
		systable_endscan(scan);
	}
	table_close(depend, AccessShareLock);
	list_sort(tables, list_oid_cmp);
	return tables;
}

// domain_ops: ALTER DOMAIN ... ADD CONSTRAINT (a CHECK without NOT VALID, or NOT NULL), VALIDATE
// CONSTRAINT and SET NOT NULL read every column of the domain under a SHARE lock on its table:
// one operation per table. A domain created in this transaction exempts them all.
void domain_ops(const AnalysisContext &cx, AlterDomainStmt *stmt, std::vector<AnalyzedOp> &ops)
{
	const char *constraint = nullptr;
	bool validate = false;
	switch (stmt->subtype) {
	case 'C': {
		auto *c = (Constraint *) stmt->def;
		if (c->contype == CONSTR_CHECK && c->skip_validation)
			return;  // NOT VALID: new values are checked, old ones are not read
		if (c->contype != CONSTR_CHECK && c->contype != CONSTR_NOTNULL)
			return;
		constraint = c->conname ? c->conname : "";
		break;
	}
	case 'V':
		constraint = stmt->name;
		validate = true;
		break;
	case 'O':
		break;
	default:
		return;
	}
	ObjectC obj{};
	List *names = stmt->typeName;
	pg_call([&] { lookup_object_c(OBJECT_DOMAIN, (Node *) names, &obj); });
	if (!OidIsValid(obj.classid) || cx.txn->type_created(obj.objid))
		return;
	Oid typid = obj.objid;
	if (stmt->subtype == 'O' && pg_call([&] {
			HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
			bool notnull = HeapTupleIsValid(tup) && ((Form_pg_type) GETSTRUCT(tup))->typnotnull;
			if (HeapTupleIsValid(tup))
				ReleaseSysCache(tup);
			return notnull;
		}))
		return;  // NOT NULL already: the server does nothing
	List *tables = pg_call([&] { return domain_tables_c(typid); });
	const std::string domain = obj.name;
	ListCell *lc;
	foreach (lc, tables) {
		AnalyzedOp g = make_op(cx, OpKind::DomainConstraintScan, lfirst_oid(lc), constraint);
		g.op.domain = domain;
		g.op.domain_validate = validate;
		ops.push_back(std::move(g));
	}
}

}  // namespace

void table_cascade_ops(const AnalysisContext &cx, unsigned int relid, std::vector<AnalyzedOp> &ops)
{
	ObjectC obj{};
	pg_call([&] { describe_object_c(RelationRelationId, relid, &obj); });
	cascade_ops(cx, obj, true, ops, relid);
}

bool object_operations(AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops)
{
	switch (nodeTag(tree)) {
	case T_AlterDomainStmt:
		domain_ops(cx, (AlterDomainStmt *) tree, ops);
		return true;
	case T_DropStmt: {
		auto *stmt = (DropStmt *) tree;
		ObjectType t = stmt->removeType;
		if (t != OBJECT_VIEW && t != OBJECT_SEQUENCE && t != OBJECT_TYPE && t != OBJECT_DOMAIN &&
			!is_function_type(t))
			return false;
		drop_object_ops(cx, stmt, ops);
		return true;
	}
	case T_RenameStmt: {
		auto *stmt = (RenameStmt *) tree;
		if (stmt->renameType == OBJECT_ATTRIBUTE) {
			Oid typrelid = pg_call([&] { return RangeVarGetRelid(stmt->relation, NoLock, true); });
			if (OidIsValid(typrelid) && !attribute_ops(cx, typrelid, OpKind::RenameColumn, stmt->subname,
													   stmt->behavior == DROP_CASCADE, ops)) {
				AnalyzedOp refused;
				refused.op.outcome = core::Outcome::Fails;
				ops.push_back(std::move(refused));
			}
			return true;
		}
		if (stmt->renameType == OBJECT_COLUMN || stmt->renameType == OBJECT_TABCONSTRAINT ||
			stmt->renameType == OBJECT_TRIGGER || stmt->renameType == OBJECT_RULE ||
			stmt->renameType == OBJECT_POLICY)
			return false;
		return rename_object_ops(cx, stmt->renameType, stmt->relation, stmt->object, true, ops);
	}
	case T_AlterObjectSchemaStmt: {
		auto *stmt = (AlterObjectSchemaStmt *) tree;
		return rename_object_ops(cx, stmt->objectType, stmt->relation, stmt->object, false, ops);
	}
	case T_AlterTableStmt: {
		// ALTER TYPE composite DROP ATTRIBUTE ... CASCADE drops the column of every typed table.
		auto *stmt = (AlterTableStmt *) tree;
		if (mh_alter_table_objtype(stmt) != OBJECT_TYPE)
			return false;
		Oid typrelid = pg_call([&] { return RangeVarGetRelid(stmt->relation, NoLock, true); });
		if (!OidIsValid(typrelid))
			return true;
		ListCell *lc;
		foreach (lc, stmt->cmds) {
			auto *cmd = (AlterTableCmd *) lfirst(lc);
			AlterTableType subtype = mh_at_subtype(cmd);
			bool ok = true;
			if (subtype == AT_DropColumn)
				ok = attribute_ops(cx, typrelid, OpKind::DropColumn, cmd->name, cmd->behavior == DROP_CASCADE,
								   ops);
			else if (subtype == AT_AlterColumnType && cmd->behavior != DROP_CASCADE)
				ok = typed_tables(typrelid) == NIL;  // rewrites of typed tables: the table_rewrite event
			if (!ok) {
				AnalyzedOp refused;
				refused.op.outcome = core::Outcome::Fails;
				ops.push_back(std::move(refused));
				return true;
			}
		}
		return true;
	}
	default:
		return false;
	}
}

}  // namespace migration_helpers::pg
