// relation_facts.cpp — what the rules need to know of one relation: its name, whether this
// transaction created it (TxnView), publications, partitioning; and, only when a verdict needs
// it, its size and whether it holds rows.
#include <string>

#include "core/ddl/citus.hpp"
#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/common/citus.hpp"
#include "pg/analysis/txn_view.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// RelFactsC: relation facts in plain memory, filled by PostgreSQL calls only.
struct RelFactsC {
	bool exists;
	bool temp;  // a temporary table: exempt, whichever transaction made it
	bool has_subclass;
	bool published;
	bool publishes_updates;
	bool partitioned;
	bool view;
	CitusTableC citus;  // Local unless Citus is installed and knows the table
	char *name;         // palloc'd "schema.table"
	char *sql_name;     // palloc'd, quoted as SQL writes it
};

int64 relation_bytes(Relation rel)
{
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return 0;
	return int64(RelationGetNumberOfBlocks(rel)) * BLCKSZ;
}

// collect_relation_facts: reads the catalog without taking a lock on the
// relation (the DDL being judged takes its own right after); PostgreSQL
// calls only. Whether this transaction created it is the TxnView's to say.
void collect_relation_facts(Oid relid, bool want_publication, RelFactsC *out)
{
	out->exists = false;
	if (!OidIsValid(relid) || relid < FirstNormalObjectId)
		return;  // missing (the DDL will report it) or a system catalog
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return;
	auto *form = (Form_pg_class) GETSTRUCT(tup);
	out->exists = true;
	out->temp = form->relpersistence == RELPERSISTENCE_TEMP;
	// Messages put names in double quotes unescaped, as PostgreSQL's own do.
	char *nsp = get_namespace_name(form->relnamespace);
	out->name = psprintf("%s.%s", nsp, NameStr(form->relname));
	out->sql_name = quote_qualified_identifier(nsp, NameStr(form->relname));
	out->partitioned =
		form->relkind == RELKIND_PARTITIONED_TABLE || form->relkind == RELKIND_PARTITIONED_INDEX;
	out->has_subclass = form->relhassubclass;
	out->view = form->relkind == RELKIND_VIEW;
	out->citus = form->relkind == RELKIND_RELATION || form->relkind == RELKIND_PARTITIONED_TABLE
					 ? citus_table_c(relid)
					 : CitusTableC{core::Distribution::Local, 0};
	out->published = false;
	out->publishes_updates = false;
	if (want_publication && form->relkind != RELKIND_INDEX) {
		// The relcache's publication summary: every publication of the table, its schema, its
		// partition ancestors and FOR ALL TABLES, built once and kept until a publication changes.
		Relation rel = RelationIdGetRelation(relid);
		if (rel != nullptr) {
			PublicationDesc desc;
			RelationBuildPublicationDesc(rel, &desc);
			const PublicationActions &a = desc.pubactions;
			out->published = a.pubinsert || a.pubupdate || a.pubdelete || a.pubtruncate;
			out->publishes_updates = a.pubupdate || a.pubdelete;
			RelationClose(rel);
		}
	}
	ReleaseSysCache(tup);
}

// rows_ever_inserted_c: rows ever written to relid as the cumulative statistics count them
// (pg_stat_all_tables.n_tup_ins: aborted inserts included, DELETE, VACUUM and TRUNCATE do not
// lower it), plus this transaction's own that are not reported yet, those of subtransactions and
// those a TRUNCATE in this transaction set aside included.
int64 rows_ever_inserted_c(Oid relid)
{
	int64 rows = 0;
	PgStat_StatTabEntry *shared = pgstat_fetch_stat_tabentry(relid);
	if (shared != nullptr)
		rows += shared->tuples_inserted;
	PgStat_TableStatus *mine = find_tabstat_entry(relid);
	if (mine != nullptr) {
		rows += mh_tabstat_tuples_inserted(mine);
		for (PgStat_TableXactStatus *trans = mine->trans; trans != nullptr; trans = trans->upper)
			rows += trans->tuples_inserted + mh_xact_inserted_pre_truncdrop(trans);
	}
	return rows;
}

// Extent: the size of a relation and what it holds.
struct ExtentC {
	int64 size;
	core::TableContents contents;
};

// collect_relation_extent: the main-fork size of a relation (summed over every table that
// inherits from it or is a partition of it, which the statements on a parent reach too), and
// whether it holds rows.
//
// Why these facts tell "never held a row": a table holds no data when its main fork has no
// block. That is the file's length, which already counts the pages that transactions still in
// progress are inserting into, so a row being written now is seen. Whether it ever held a row is
// the statistics' count of inserted rows: nothing else the server keeps says so (TRUNCATE resets
// reltuples to -1 and the relfilenode changes with any rewrite, as does the pg_class row's xmin
// with any ALTER). What fools it: statistics that were reset (pg_stat_reset()), lost (after a crash
// or an immediate shutdown, pg_upgrade, on a promoted standby) or not yet flushed by another
// session (up to a second after its commit), for a table emptied since; with track_counts off
// nothing is counted, so an empty table then counts as emptied, never as never filled. A
// materialized view's refresh fills a new heap whose rows are counted elsewhere: an empty one
// counts as emptied too.
void collect_relation_extent(Oid relid, ExtentC *out)
{
	out->size = 0;
	out->contents = core::TableContents::Rows;
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return;
	bool inherited = rel->rd_rel->relhassubclass;
	RelationClose(rel);
	List *rels = inherited ? find_all_inheritors(relid, NoLock, nullptr) : list_make1_oid(relid);
	bool never_filled = pgstat_track_counts;
	ListCell *lc;
	foreach (lc, rels) {
		Relation r = RelationIdGetRelation(lfirst_oid(lc));
		if (r == nullptr)
			continue;
		out->size += relation_bytes(r);
		char kind = r->rd_rel->relkind;
		never_filled = never_filled && kind != RELKIND_MATVIEW && kind != RELKIND_INDEX &&
					   rows_ever_inserted_c(RelationGetRelid(r)) == 0;
		RelationClose(r);
	}
	if (out->size == 0)
		out->contents = never_filled ? core::TableContents::NeverFilled : core::TableContents::Emptied;
}

// descendants_created: every table that inherits from relid, or is a partition of it at any
// depth, was created in this transaction too. A new parent is no exemption for old tables
// reached through it: ATTACH PARTITION or INHERIT an existing table, and an index, CHECK or SET
// NOT NULL on the new parent builds on or scans the old one.
bool descendants_created(const TxnView &txn, Oid relid)
{
	List *children = pg_call([&] { return find_all_inheritors(relid, NoLock, nullptr); });
	ListCell *lc;
	foreach (lc, children) {
		Oid child = lfirst_oid(lc);
		if (child != relid && !txn.relation_created(child))
			return false;
	}
	return true;
}

}  // namespace

core::RelationFacts relation_facts(const TxnView &txn, unsigned int relid, bool want_publication)
{
	RelFactsC c{};
	pg_call([&] { collect_relation_facts(relid, want_publication, &c); });
	core::RelationFacts f;
	f.exists = c.exists;
	if (!c.exists)
		return f;
	f.created_in_transaction = c.temp || txn.relation_created(relid);
	// A Citus shard with no placement on this node (being copied here by a shard move, or left
	// behind by one for cleanup) serves no query: exempt as a new table is, in the sessions Citus
	// opens for a role that could turn the guard off (a table of any role can be named like a
	// shard: the name alone proves nothing).
	if (!f.created_in_transaction && c.citus.distribution == core::Distribution::Local)
		f.created_in_transaction =
			pg_call([&] { return citus_trusted_session_c() && citus_idle_shard_c(relid); });
	if (f.created_in_transaction && c.has_subclass)
		f.created_in_transaction = descendants_created(txn, relid);
	f.published = c.published;
	f.publishes_updates = c.publishes_updates;
	f.partitioned = c.partitioned;
	f.view = c.view;
	f.distribution = c.citus.distribution;
	f.shard_count = c.citus.shard_count;
	f.name = c.name;
	f.sql_name = c.sql_name;
	return f;
}

void measure_relation(const TxnView &txn, const AnalyzedOp &g, core::RelationFacts &facts)
{
	Oid relid = g.size_relid ? g.size_relid : g.relid;
	if (relid == InvalidOid)
		return;  // no relation (an enum type, every table of a database): as if it held rows
	ExtentC c{};
	// Not in a session Citus opened (a worker running its part of a statement): citus_table_size()
	// opens new connections, outside the distributed transaction, to shards that transaction
	// already locks, and would wait for ever. There the shell is judged as this node sees it.
	if (relid == g.relid && facts.distribution != core::Distribution::Local &&
		!core::citus_internal_application_name(application_name ? application_name : "")) {
		// A Citus table's rows are in its shards (on the workers; a Citus-local table's in its
		// shard on the coordinator): the shell here is empty. Whether its shards ever held a row
		// is not known from here, so an empty one counts as emptied, never as never filled.
		int64 size = citus_table_size(relid);
		// Not measurable (Citus refuses after this transaction changed several shards): judged
		// as a large table with rows.
		facts.size_known = size >= 0;
		facts.size_bytes = size >= 0 ? size : 0;
		facts.contents = size > 0 || size < 0 ? core::TableContents::Rows : core::TableContents::Emptied;
		return;
	}
	pg_call([&] { collect_relation_extent(relid, &c); });
	facts.size_bytes = c.size;
	facts.contents = c.contents;
	if (relid != g.relid)
		facts.data_name = relation_facts(txn, relid, false).name;
}

AnalyzedOp make_op(const AnalysisContext &cx, core::OpKind kind, unsigned int relid, const char *object,
				   bool want_publication)
{
	AnalyzedOp g;
	g.op.kind = kind;
	g.relid = relid;
	g.op.table = relation_facts(*cx.txn, relid, want_publication);
	if (object)
		g.op.object = object;
	return g;
}

}  // namespace migration_helpers::pg
