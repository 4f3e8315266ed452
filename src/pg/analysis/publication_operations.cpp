// publication_operations.cpp — statements that change what a publication replicates: CREATE
// PUBLICATION, ALTER PUBLICATION ... ADD / SET / DROP and SET (publish = ...), DROP PUBLICATION;
// and the facts about replica identities and logical replication slots that they and ALTER TABLE
// ... REPLICA IDENTITY are judged on.
//
// Words used here:
//   usable identity  a replica identity that lets the server send UPDATE and DELETE to
//                    subscribers, so that it does not refuse them (CheckCmdReplicaIdentity): FULL,
//                    or an index (the primary key under DEFAULT), that the publication's column
//                    list covers and whose columns are the only ones its row filter uses.
//   subscribers      what may read a publication: only through a logical replication slot of this
//                    database, so that without one nobody can (a subscription's slot lives on the
//                    publisher).
//
// Column lists, row filters and TABLES IN SCHEMA are PostgreSQL 15's; before 15 these
// statements are not judged here.
#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/internal.hpp"
#include "pg/analysis/txn_view.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

using core::IdentityGap;
using core::OpKind;

bool has_logical_slot_c()
{
	bool found = false;
	if (ReplicationSlotCtl == nullptr)
		return false;
	LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
	for (int i = 0; i < max_replication_slots && !found; i++) {
		ReplicationSlot *s = &ReplicationSlotCtl->replication_slots[i];
		found = s->in_use && SlotIsLogical(s) && s->data.database == MyDatabaseId;
	}
	LWLockRelease(ReplicationSlotControlLock);
	return found;
}

Bitmapset *identity_columns_c(Oid relid)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return nullptr;
	Bitmapset *out = nullptr;
	if (rel->rd_rel->relreplident == REPLICA_IDENTITY_FULL) {
		TupleDesc desc = RelationGetDescr(rel);
		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				out = bms_add_member(out, TupleDescAttr(desc, i)->attnum);
	} else if (OidIsValid(RelationGetReplicaIndex(rel))) {
		Bitmapset *key = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_IDENTITY_KEY);
		int x = -1;
		while ((x = bms_next_member(key, x)) >= 0)
			out = bms_add_member(out, x + FirstLowInvalidHeapAttributeNumber);
	}
	RelationClose(rel);
	return out;
}

Bitmapset *index_columns_c(Oid indexid)
{
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (!HeapTupleIsValid(tup))
		return nullptr;
	auto *form = (Form_pg_index) GETSTRUCT(tup);
	Bitmapset *out = nullptr;
	for (int i = 0; i < form->indnkeyatts; i++)
		if (form->indkey.values[i] > 0)
			out = bms_add_member(out, form->indkey.values[i]);
	ReleaseSysCache(tup);
	return out;
}

bool identity_narrowed_c(Oid relid, char new_type, const char *index_name, Oid new_key_index)
{
	Bitmapset *old_columns = identity_columns_c(relid);
	if (old_columns == nullptr || new_type == REPLICA_IDENTITY_FULL || new_type == REPLICA_IDENTITY_NOTHING)
		return false;  // none to narrow; FULL sends every column; NOTHING: replica_identity_loss
	Oid index = new_key_index;
	if (!OidIsValid(index) && new_type == REPLICA_IDENTITY_INDEX && index_name != nullptr)
		index = get_relname_relid(index_name, get_rel_namespace(relid));
	if (!OidIsValid(index) && new_type == REPLICA_IDENTITY_DEFAULT) {
		Relation rel = RelationIdGetRelation(relid);
		if (rel != nullptr) {
			index = RelationGetPrimaryKeyIndex(rel);
			RelationClose(rel);
		}
	}
	if (!OidIsValid(index))
		return false;  // the server refuses the statement, or replica_identity_loss judges it
	return !bms_is_subset(old_columns, index_columns_c(index));
}

#if PG_VERSION_NUM >= 150000

namespace {

// PubTableC: one table a statement publishes, with the column list and row filter it gives
// (attribute numbers; nullptr: none), in plain memory.
struct PubTableC {
	Oid relid;
	Bitmapset *columns;
	Bitmapset *filter_columns;
};

bool collect_columnrefs(Node *node, void *context)
{
	if (node == nullptr)
		return false;
	if (IsA(node, ColumnRef)) {
		auto *names = (List **) context;
		auto *ref = (ColumnRef *) node;
		Node *last = (Node *) llast(ref->fields);
		if (IsA(last, String))
			*names = lappend(*names, last);
		return false;
	}
	return raw_expression_tree_walker(node, mh_walker(&collect_columnrefs), context);
}

// names_to_attnums: the attribute numbers of the named columns (a List of String) of relid (a missing one is the
// statement's own error, raised by the server).
Bitmapset *names_to_attnums(Oid relid, List *names)
{
	Bitmapset *out = nullptr;
	ListCell *lc;
	foreach (lc, names) {
		AttrNumber n = get_attnum(relid, strVal(lfirst(lc)));
		if (n > 0)
			out = bms_add_member(out, n);
	}
	return out;
}

// identity_gap_c: why relid has no usable identity under this column list and row filter.
IdentityGap identity_gap_c(Oid relid, Bitmapset *columns, Bitmapset *filter_columns)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return IdentityGap::None;
	bool full = rel->rd_rel->relreplident == REPLICA_IDENTITY_FULL;
	bool has_index = OidIsValid(RelationGetReplicaIndex(rel));
	RelationClose(rel);
	if (!full && !has_index)
		return IdentityGap::NoIdentity;
	Bitmapset *identity = identity_columns_c(relid);
	if (columns != nullptr && !bms_is_subset(identity, columns))
		return IdentityGap::ColumnList;
	if (!full && filter_columns != nullptr && !bms_is_subset(filter_columns, identity))
		return IdentityGap::RowFilter;
	return IdentityGap::None;
}

// leaf_tables_c: relid, or the leaf partitions of a partitioned table (each is updated on its own).
List *leaf_tables_c(Oid relid)
{
	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return list_make1_oid(relid);
	List *out = NIL;
	ListCell *lc;
	foreach (lc, find_all_inheritors(relid, NoLock, nullptr))
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_RELATION)
			out = lappend_oid(out, lfirst_oid(lc));
	return out;
}

// publish_actions_c: whether WITH (publish = ...) options replicate UPDATE or DELETE; *given false
// when they do not say (then the default, or the publication's own, holds).
bool publish_actions_c(List *options, bool *given)
{
	*given = false;
	bool updates = false;
	ListCell *lc;
	foreach (lc, options) {
		auto *d = (DefElem *) lfirst(lc);
		if (strcmp(d->defname, "publish") != 0)
			continue;
		*given = true;
		updates = false;
		List *actions = NIL;
		if (!SplitIdentifierString(pstrdup(defGetString(d)), ',', &actions))
			return true;  // the server refuses it: the safe side
		ListCell *a;
		foreach (a, actions) {
			const char *action = (const char *) lfirst(a);
			updates = updates || strcmp(action, "update") == 0 || strcmp(action, "delete") == 0;
		}
	}
	return updates;
}

bool rel_in_list(List *tables, Oid relid)
{
	ListCell *lc;
	foreach (lc, tables)
		if (((PubTableC *) lfirst(lc))->relid == relid)
			return true;
	return false;
}

// named_tables_c: the tables (leaf partitions) a publication object list names, with their column
// lists and row filters; schemas' tables without either. Missing names: the server's error.
List *named_tables_c(List *pubobjects)
{
	List *out = NIL;
	ListCell *lc;
	foreach (lc, pubobjects) {
		auto *obj = (PublicationObjSpec *) lfirst(lc);
		List *rels = NIL;
		Bitmapset *columns = nullptr, *filter = nullptr;
		if (obj->pubobjtype == PUBLICATIONOBJ_TABLE && obj->pubtable != nullptr) {
			Oid relid = RangeVarGetRelid(obj->pubtable->relation, NoLock, true);
			if (!OidIsValid(relid))
				continue;
			columns = names_to_attnums(relid, obj->pubtable->columns);
			if (obj->pubtable->whereClause != nullptr) {
				List *names = NIL;
				collect_columnrefs(obj->pubtable->whereClause, &names);
				filter = names_to_attnums(relid, names);  // none: a filter on constants uses no column
			}
			rels = leaf_tables_c(relid);
		} else if (obj->pubobjtype == PUBLICATIONOBJ_TABLES_IN_SCHEMA ||
				   obj->pubobjtype == PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA) {
			Oid nsp = InvalidOid;
			if (obj->pubobjtype == PUBLICATIONOBJ_TABLES_IN_SCHEMA) {
				nsp = get_namespace_oid(obj->name, true);
			} else {
				List *path = fetch_search_path(false);  // CURRENT_SCHEMA, as the server resolves it
				nsp = path != NIL ? linitial_oid(path) : InvalidOid;
			}
			if (OidIsValid(nsp))
				rels = GetSchemaPublicationRelations(nsp, PUBLICATION_PART_LEAF);
		}
		ListCell *r;
		foreach (r, rels) {
			auto *t = (PubTableC *) palloc0(sizeof(PubTableC));
			t->relid = lfirst_oid(r);
			t->columns = columns;
			t->filter_columns = filter;
			out = lappend(out, t);
		}
	}
	return out;
}

// member_tables_c: every table (leaf partition) publication pubid replicates now, with the column
// list and row filter its pg_publication_rel row gives.
List *member_tables_c(Publication *pub)
{
	List *rels = pub->alltables
					 ? GetAllTablesPublicationRelations(false)
					 : list_concat(GetPublicationRelations(pub->oid, PUBLICATION_PART_LEAF),
								   GetAllSchemaPublicationRelations(pub->oid, PUBLICATION_PART_LEAF));
	List *out = NIL;
	ListCell *lc;
	foreach (lc, rels) {
		Oid relid = lfirst_oid(lc);
		auto *t = (PubTableC *) palloc0(sizeof(PubTableC));
		t->relid = relid;
		// The column list and row filter of the table's own row (a partition's: its root's).
		List *ancestors = get_partition_ancestors(relid);
		Oid listed = relid;
		Oid top = GetTopMostAncestorInPublication(pub->oid, ancestors, nullptr);
		if (OidIsValid(top))
			listed = top;
		HeapTuple tup =
			SearchSysCache2(PUBLICATIONRELMAP, ObjectIdGetDatum(listed), ObjectIdGetDatum(pub->oid));
		if (HeapTupleIsValid(tup)) {
			bool isnull;
			Datum attrs = SysCacheGetAttr(PUBLICATIONRELMAP, tup, Anum_pg_publication_rel_prattrs, &isnull);
			if (!isnull)
				t->columns = pub_collist_to_bitmapset(nullptr, attrs, CurrentMemoryContext);
			Datum qual = SysCacheGetAttr(PUBLICATIONRELMAP, tup, Anum_pg_publication_rel_prqual, &isnull);
			if (!isnull) {
				Bitmapset *vars = nullptr;
				pull_varattnos((Node *) stringToNode(TextDatumGetCString(qual)), 1, &vars);
				int x = -1;
				while ((x = bms_next_member(vars, x)) >= 0)
					t->filter_columns =
						bms_add_member(t->filter_columns, x + FirstLowInvalidHeapAttributeNumber);
			}
			ReleaseSysCache(tup);
		}
		out = lappend(out, t);
	}
	return out;
}

// PubStatementC: what one publication statement does, in plain memory.
struct PubStatementC {
	List *published;    // of PubTableC *: tables that start being replicated for UPDATE or DELETE
	List *unpublished;  // of Oid: tables whose changes stop reaching the publication's subscribers
	const char *pubname;
	bool dropped;  // DROP PUBLICATION
	bool refused;  // the server refuses the statement (a missing publication): its error
};

void create_publication_c(CreatePublicationStmt *stmt, PubStatementC *out)
{
	bool given;
	bool updates = publish_actions_c(stmt->options, &given);
	if (!given)
		updates = true;  // the default publishes every action
	if (OidIsValid(get_publication_oid(stmt->pubname, true))) {
		out->refused = true;
		return;
	}
	if (!updates)
		return;
	if (stmt->for_all_tables) {
		ListCell *lc;
		foreach (lc, GetAllTablesPublicationRelations(false)) {
			auto *t = (PubTableC *) palloc0(sizeof(PubTableC));
			t->relid = lfirst_oid(lc);
			out->published = lappend(out->published, t);
		}
	} else {
		out->published = named_tables_c(stmt->pubobjects);
	}
}

void alter_publication_c(AlterPublicationStmt *stmt, PubStatementC *out)
{
	Publication *pub = GetPublicationByName(stmt->pubname, true);
	if (pub == nullptr) {
		out->refused = true;
		return;
	}
	bool had_updates = pub->pubactions.pubupdate || pub->pubactions.pubdelete;
	if (stmt->options != NIL) {  // SET (publish = ...)
		bool given;
		bool updates = publish_actions_c(stmt->options, &given);
		if (given && updates && !had_updates)
			out->published = member_tables_c(pub);
		return;
	}
	List *named = named_tables_c(stmt->pubobjects);
	List *members = member_tables_c(pub);
	if (stmt->action == AP_AddObjects || stmt->action == AP_SetObjects) {
		if (had_updates)
			out->published = named;
	}
	ListCell *lc;
	if (stmt->action == AP_DropObjects) {
		foreach (lc, named) {
			Oid relid = ((PubTableC *) lfirst(lc))->relid;
			if (rel_in_list(members, relid))
				out->unpublished = lappend_oid(out->unpublished, relid);
		}
	} else if (stmt->action == AP_SetObjects) {
		foreach (lc, members) {
			Oid relid = ((PubTableC *) lfirst(lc))->relid;
			if (!rel_in_list(named, relid))
				out->unpublished = lappend_oid(out->unpublished, relid);
		}
	}
}

void drop_publications_c(DropStmt *stmt, List **tables, List **names)
{
	ListCell *lc;
	foreach (lc, stmt->objects) {
		const char *name = strVal(lfirst(lc));
		Publication *pub = GetPublicationByName(name, true);
		if (pub == nullptr)
			continue;  // IF EXISTS skips it, or the server refuses the statement
		ListCell *t;
		foreach (t, member_tables_c(pub)) {
			*tables = lappend_oid(*tables, ((PubTableC *) lfirst(t))->relid);
			*names = lappend(*names, pstrdup(name));
		}
	}
}

}  // namespace

bool publication_operations(AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops)
{
	PubStatementC st{};
	List *drop_names = NIL;
	switch (nodeTag(tree)) {
	case T_CreatePublicationStmt: {
		auto *stmt = (CreatePublicationStmt *) tree;
		st.pubname = stmt->pubname;
		pg_call([&] { create_publication_c(stmt, &st); });
		break;
	}
	case T_AlterPublicationStmt: {
		auto *stmt = (AlterPublicationStmt *) tree;
		st.pubname = stmt->pubname;
		pg_call([&] { alter_publication_c(stmt, &st); });
		break;
	}
	case T_DropStmt: {
		auto *stmt = (DropStmt *) tree;
		if (stmt->removeType != OBJECT_PUBLICATION)
			return false;
		pg_call([&] { drop_publications_c(stmt, &st.unpublished, &drop_names); });
		st.dropped = true;
		break;
	}
	default:
		return false;
	}
	if (st.refused) {
		AnalyzedOp refused;
		refused.op.outcome = core::Outcome::Fails;
		ops.push_back(std::move(refused));
		return true;
	}
	ListCell *lc;
	foreach (lc, st.published) {
		auto *t = (PubTableC *) lfirst(lc);
		AnalyzedOp g = make_op(cx, OpKind::PublishTable, t->relid, st.pubname, true);
		if (!g.op.table.exists || g.op.table.created_in_transaction)
			continue;
		IdentityGap gap = pg_call([&] { return identity_gap_c(t->relid, t->columns, t->filter_columns); });
		// Published for UPDATE or DELETE already without an identity: they fail today, nothing new.
		if (gap == IdentityGap::NoIdentity && g.op.table.publishes_updates)
			gap = IdentityGap::None;
		g.op.identity_gap = gap;
		ops.push_back(std::move(g));
	}
	if (st.unpublished != NIL) {
		bool subscribers = pg_call([] { return has_logical_slot_c(); });
		int i = 0;
		foreach (lc, st.unpublished) {
			const char *pubname = st.dropped ? (const char *) list_nth(drop_names, i) : st.pubname;
			AnalyzedOp g = make_op(cx, OpKind::UnpublishTable, lfirst_oid(lc), pubname);
			g.op.has_subscribers = subscribers;
			g.op.publication_dropped = st.dropped;
			ops.push_back(std::move(g));
			i++;
		}
	}
	return true;
}

#else

bool publication_operations(AnalysisContext &, Node *, std::vector<AnalyzedOp> &)
{
	return false;
}

#endif

}  // namespace migration_helpers::pg
