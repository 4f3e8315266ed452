// ddl_operations.cpp — what a DDL statement is about to do: its raw parse
// tree becomes operations (one per relation touched, see core/ddl/operation.hpp),
// each with the facts the rules need: whether the relation existed before this
// transaction (TxnView), and the proofs the catalog gives (catalog_facts.cpp):
// NOT NULL and partition bounds from valid constraints, publications and
// replica identity, CHECK constraints that a type change re-checks. PostgreSQL
// is called only inside pg_call.
#include <algorithm>
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

void add_column_ops(AnalysisContext &cx, Oid relid, ColumnDef *def, core::Outcome outcome,
					std::vector<AnalyzedOp> &ops)
{
	AnalyzedOp col = make_op(cx, OpKind::AddColumn, relid, def->colname, true);
	// A default that does not parse, a missing type: the server refuses the statement, but only
	// after ddl_command_start, whose verdicts the guard still raises; lint keeps the error too.
	if (cx.predict_rewrites && col.op.table.exists && !col.op.table.created_in_transaction)
		(void) gather(cx, [&] {
			col.predicted_rewrite = add_column_rewrite_c(relid, def) ? core::kRewriteDefault : 0;
		});
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
		g.op.validation_skipped =
			c->contype == CONSTR_FOREIGN && !col.op.has_default && !col.op.rewrite_default;
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
		if (subtype == AT_AddConstraint && ((Constraint *) cmd->def)->contype == CONSTR_PRIMARY)
			identity.adds_primary_key = true;
		if (subtype == AT_ReplicaIdentity) {
			char t = ((ReplicaIdentityStmt *) cmd->def)->identity_type;
			identity.sets_identity =
				identity.sets_identity || t == REPLICA_IDENTITY_FULL || t == REPLICA_IDENTITY_INDEX;
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
					g.op.type_unchanged = change.same_type;
					// a materialized view refuses ALTER COLUMN ... TYPE (the server's error)
					g.predicted_rewrite =
						change.rewrites && kind != RELKIND_MATVIEW ? core::kRewriteColumnType : 0;
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
								 c->contype == CONSTR_EXCLUSION) &&
								c->indexname == nullptr;
			if (!drops_anything && builds_index) {
				const char *name = c->conname;
				bool refused = pg_call([&] {
					return (name != nullptr && name_taken_c(relid, name)) ||
						   (c->contype == CONSTR_PRIMARY && has_primary_key_c(relid));
				});
				if (refused)
					g.op.outcome = core::Outcome::Fails;
			}
			if (c->contype == CONSTR_PRIMARY && c->indexname) {
				const char *idx = c->indexname;
				g.op.proven_not_null =
					pg_call([&] { return index_columns_proven_c(relid, idx, !drops_check); });
				// The primary key swap under REPLICA IDENTITY DEFAULT: the new key is the identity.
				if (drops_check && relation_facts(*cx.txn, relid, true).publishes_updates) {
					g.op.table.published = g.op.table.publishes_updates = true;
					g.op.identity_narrowed = pg_call([&] {
						Oid index = get_relname_relid(idx, get_rel_namespace(relid));
						Relation rel = RelationIdGetRelation(relid);
						bool by_default =
							rel != nullptr && rel->rd_rel->relreplident == REPLICA_IDENTITY_DEFAULT;
						if (rel != nullptr)
							RelationClose(rel);
						return by_default && OidIsValid(index) &&
							   identity_narrowed_c(relid, REPLICA_IDENTITY_DEFAULT, nullptr, index);
					});
					if (g.op.identity_narrowed)
						g.op.has_subscribers = pg_call([] { return has_logical_slot_c(); });
				}
			}
			if (c->contype == CONSTR_FOREIGN && !c->skip_validation && kind == RELKIND_PARTITIONED_TABLE)
				g.op.validation_skipped = pg_call([&] { return partitions_have_foreign_key_c(relid, c); });
			if ((c->contype == CONSTR_UNIQUE || c->contype == CONSTR_PRIMARY) &&
				kind == RELKIND_PARTITIONED_TABLE)
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
			// DROP COLUMN x, ADD COLUMN x: queries that name x keep working (the values are new)
			g.op.name_recreated = !not_added(cmd->name);
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
			const char *index = ((ReplicaIdentityStmt *) cmd->def)->name;
			if (g.op.table.publishes_updates)
				g.op.removes_replica_identity =
					pg_call([&] { return replica_identity_removed_c(relid, type); });
			// Another identity that leaves out a column of this one: subscribers that find rows by it stop.
			if (g.op.table.publishes_updates && !g.op.removes_replica_identity)
				g.op.identity_narrowed =
					pg_call([&] { return identity_narrowed_c(relid, type, index, InvalidOid); });
			if (g.op.identity_narrowed)
				g.op.has_subscribers = pg_call([] { return has_logical_slot_c(); });
			ops.push_back(std::move(g));
			break;
		}
		default:  // defaults, statistics, storage parameters, ...
			ops.push_back(make_op(cx, OpKind::CatalogOnly, relid, cmd->name));
			break;
		}
	}
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
								return OidIsValid(nsp) ? tables_where_c(Anum_pg_class_relnamespace, nsp)
													   : NIL;
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
				g.op.removes_replica_identity =
					pg_call([&] { return replica_index_dropped_c(table, relid, IdentityChange{}); });
			ops.push_back(std::move(g));
		} else if (drop_keyword_reaches(stmt->removeType, rel_kind(relid))) {
			if (stmt->behavior == DROP_CASCADE)
				table_cascade_ops(cx, relid, ops);  // the views and columns it takes with it
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
	// Views, types, domains, functions and what their drops take with them: object_operations.cpp.
	bool on_other_objects = object_operations(cx, tree, ops) || publication_operations(cx, tree, ops);
	switch (on_other_objects ? T_Invalid : nodeTag(tree)) {
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
			if (stmt->idxname == nullptr && g.op.table.exists && !g.op.table.created_in_transaction) {
				// Named in the message as the server will name it.
				g.op.object = pg_call([&] { return chosen_index_name_c(relid, stmt); });
				g.op.name_chosen = true;
			}
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
		// a view's columns are named by running code as a table's are
		if (!is_table_kind(kind) && !(kind == RELKIND_VIEW && stmt->renameType == OBJECT_COLUMN))
			break;
		if (stmt->renameType == OBJECT_COLUMN) {  // ALTER VIEW, ALTER INDEX ... RENAME COLUMN too
			AnalyzedOp g = make_op(cx, OpKind::RenameColumn, relid, stmt->subname, true);
			// A missing column, or a new name that is taken: the server refuses the rename.
			g.op.outcome = column_outcome(relid, stmt->subname, true, false, true);
			if (g.op.outcome == core::Outcome::Runs)
				g.op.outcome = column_outcome(relid, stmt->newname, false, false, true);
			ops.push_back(std::move(g));
		} else if (alter_keyword_reaches(stmt->renameType, kind, true))
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
		if (((DropStmt *) tree)->removeType == OBJECT_PUBLICATION)
			return ShareUpdateExclusiveLock;  // on each table it publishes
		return ((DropStmt *) tree)->concurrent ? NoLock : AccessExclusiveLock;
	case T_CreatePublicationStmt:
	case T_AlterPublicationStmt:
		return ShareUpdateExclusiveLock;
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
