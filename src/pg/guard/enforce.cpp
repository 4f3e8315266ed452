// enforce.cpp — what the event triggers and the utility hook share:
// relation facts from the catalog, acting on verdicts, the ddl_log and rules().
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/ddl/policy.hpp"
#include "core/ddl/rules.hpp"
#include "pg/boundary.hpp"
#include "pg/errcodes.hpp"
#include "pg/guard/guard.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// RelFactsC: relation facts in plain memory, filled by PostgreSQL calls only.
struct RelFactsC {
	bool exists;
	bool local;
	bool published;
	bool publishes_updates;
	bool partitioned;
	char *name;      // palloc'd "schema.table"
	char *sql_name;  // palloc'd, quoted as SQL writes it
};

// created_here_c: whether a relation whose pg_class row this transaction wrote was created in
// it (or is a temporary table of this session), as the relcache's creation subtransaction says.
bool created_here_c(Oid relid)
{
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return false;
	bool local = RELATION_IS_LOCAL(rel);
	RelationClose(rel);
	return local;
}

// descendants_created_here_c: every table that inherits from relid, or is a partition of it at
// any depth, was created in this transaction too. A new parent is no exemption for old tables
// reached through it: ATTACH PARTITION or INHERIT an existing table, and an index, CHECK or SET
// NOT NULL on the new parent builds on or scans the old one.
bool descendants_created_here_c(Oid relid)
{
	ListCell *lc;
	foreach (lc, find_all_inheritors(relid, NoLock, nullptr)) {
		Oid child = lfirst_oid(lc);
		if (child != relid && !created_here_c(child))
			return false;
	}
	return true;
}

int64 relation_bytes(Relation rel)
{
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return 0;
	return int64(RelationGetNumberOfBlocks(rel)) * BLCKSZ;
}

// collect_relation_facts: reads the catalog without taking a lock on the
// relation (the DDL being judged takes its own right after); PostgreSQL
// calls only. The relcache is consulted only for a pg_class row written by
// this transaction: a row from an earlier transaction proves the relation is
// not new, while a row of ours may come from any ALTER, so only the
// relcache's creation subtransaction tells.
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
	out->local = form->relpersistence == RELPERSISTENCE_TEMP;
	// Messages put names in double quotes unescaped, as PostgreSQL's own do.
	char *nsp = get_namespace_name(form->relnamespace);
	out->name = psprintf("%s.%s", nsp, NameStr(form->relname));
	out->sql_name = quote_qualified_identifier(nsp, NameStr(form->relname));
	out->partitioned =
		form->relkind == RELKIND_PARTITIONED_TABLE || form->relkind == RELKIND_PARTITIONED_INDEX;
	if (!out->local && TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)))
		out->local = created_here_c(relid);
	if (out->local && form->relhassubclass)
		out->local = descendants_created_here_c(relid);
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
		rows += mine->t_counts.t_tuples_inserted;
		for (PgStat_TableXactStatus *trans = mine->trans; trans != nullptr; trans = trans->upper)
			rows += trans->tuples_inserted + trans->inserted_pre_truncdrop;
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

// strongest_lock_held: the name of the strongest lock this backend holds on relid, or NULL.
const char *strongest_lock_held(Oid relid)
{
	if (!OidIsValid(relid))
		return nullptr;
	for (LOCKMODE mode = AccessExclusiveLock; mode > NoLock; --mode)
		if (CheckRelationOidLockedByMe(relid, mode, false))
			return GetLockmodeName(DEFAULT_LOCKMETHOD, mode);
	return nullptr;
}

// report: raises or warns with a disposed verdict's texts (ERROR does not return).
void report(int elevel, const core::Report &r)
{
	const char *msg = r.message.c_str();
	const char *detail = r.detail.c_str();
	const char *hint = r.hint.c_str();
	pg_call([&] {
		ereport(elevel, (errcode(ERRCODE_MH_UNSAFE_DDL), errmsg("%s", msg), errdetail("%s", detail),
						 errhint("%s", hint)));
	});
}

// report_allowed: a verdict migration_helpers.allow let through, as a NOTICE.
void report_allowed(const core::Report &r)
{
	const char *msg = r.message.c_str();
	const char *detail = r.detail.c_str();
	pg_call([&] { ereport(NOTICE, (errmsg("%s", msg), errdetail("%s", detail))); });
}

// LogRowC: one ddl_log row in plain memory.
struct LogRowC {
	const char *command_tag;
	const char *statement;
	Oid relid;
	const char *relname;
	double duration_ms;
	bool duration_known;
	const char *const *allowed;
	int n_allowed;
	const char *const *warned;
	int n_warned;
	const char *guard_mode;
};

// The columns of migration_helpers._ddl_log that insert_ddl_log_c fills, in order.
constexpr int kLogColumns = 13;
const char *const kLogNames[kLogColumns] = {"id", "logged_at", "role_name", "backend_pid", "command_tag", "statement",
											"relation", "lock_mode", "duration", "rules_allowed", "rules_warned",
											"guard_mode", "session_role"};
const Oid kLogTypes[kLogColumns] = {INT8OID,	  TIMESTAMPTZOID, NAMEOID,		INT4OID, TEXTOID,
									TEXTOID,	  TEXTOID,		  TEXTOID,		INTERVALOID, TEXTARRAYOID,
									TEXTARRAYOID, TEXTOID,		  NAMEOID};

bool log_shape_matches(TupleDesc desc)
{
	if (desc->natts != kLogColumns)
		return false;
	for (int i = 0; i < kLogColumns; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped || att->atttypid != kLogTypes[i] || strcmp(NameStr(att->attname), kLogNames[i]) != 0)
			return false;
	}
	return true;
}

Datum text_array(const char *const *items, int n, bool *isnull)
{
	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// insert_ddl_log_c: appends one row to migration_helpers._ddl_log. DDL
// statements are frequent in migrations, so this is a direct heap and index
// insert, not an executor run: the table has no triggers, rules or CHECKs,
// and every NOT NULL column is filled here. Written without permission
// checks on purpose: the role running the DDL may read the log, never write
// it. If the table's shape is not the one this library knows (the SQL
// objects were not updated with it), nothing is written but a WARNING.
void insert_ddl_log_c(const LogRowC *row)
{
	Oid nsp = get_namespace_oid("migration_helpers", true);
	Oid log_rel = OidIsValid(nsp) ? get_relname_relid("_ddl_log", nsp) : InvalidOid;
	Oid seq = OidIsValid(nsp) ? get_relname_relid("_ddl_log_id_seq", nsp) : InvalidOid;
	if (!OidIsValid(log_rel) || !OidIsValid(seq))
		return;  // the extension is being created or dropped
	Relation rel = table_open(log_rel, RowExclusiveLock);
	if (!log_shape_matches(RelationGetDescr(rel))) {
		table_close(rel, RowExclusiveLock);
		ereport(WARNING, (errmsg("migration_helpers._ddl_log does not have the columns this library writes"),
						  errhint("Run ALTER EXTENSION migration_helpers UPDATE.")));
		return;
	}
	Datum values[kLogColumns];
	bool nulls[kLogColumns] = {};
	const char *lock = strongest_lock_held(row->relid);
	values[0] = Int64GetDatum(nextval_internal(seq, false));
	values[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[3] = Int32GetDatum(MyProcPid);
	values[4] = CStringGetTextDatum(row->command_tag);
	values[5] = CStringGetTextDatum(row->statement);
	values[6] = row->relname ? CStringGetTextDatum(row->relname) : (Datum) 0;
	nulls[6] = row->relname == nullptr;
	values[7] = lock ? CStringGetTextDatum(lock) : (Datum) 0;
	nulls[7] = lock == nullptr;
	auto *duration = (Interval *) palloc0(sizeof(Interval));
	duration->time = int64(row->duration_ms * 1000.0);
	values[8] = IntervalPGetDatum(duration);
	nulls[8] = !row->duration_known;
	values[9] = text_array(row->allowed, row->n_allowed, &nulls[9]);
	values[10] = text_array(row->warned, row->n_warned, &nulls[10]);
	values[11] = CStringGetTextDatum(row->guard_mode);
	// The session's role as well: in a SECURITY DEFINER function the current one is its owner.
	Oid session_role = GetSessionUserId();
	values[12] = session_role == GetUserId()
					 ? values[2]
					 : DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(session_role, false)));
	HeapTuple tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	CatalogTupleInsert(rel, tup);  // heap insert plus its indexes
	heap_freetuple(tup);
	table_close(rel, NoLock);
}

}  // namespace

core::RelationFacts relation_facts(unsigned int relid, bool want_publication)
{
	RelFactsC c{};
	pg_call([&] { collect_relation_facts(relid, want_publication, &c); });
	core::RelationFacts f;
	f.exists = c.exists;
	if (!c.exists)
		return f;
	f.created_in_transaction = c.local;
	f.published = c.published;
	f.publishes_updates = c.publishes_updates;
	f.partitioned = c.partitioned;
	f.name = c.name;
	f.sql_name = c.sql_name;
	return f;
}

void measure_relation(const GuardedOp &g, core::RelationFacts &facts)
{
	Oid relid = g.size_relid ? g.size_relid : g.relid;
	if (relid == InvalidOid)
		return;  // no relation (an enum type, every table of a database): as if it held rows
	ExtentC c{};
	pg_call([&] { collect_relation_extent(relid, &c); });
	facts.size_bytes = c.size;
	facts.contents = c.contents;
	if (relid != g.relid)
		facts.data_name = relation_facts(relid, false).name;
}


bool guard_active()
{
	if (guc_guard_mode == GUARD_OFF)
		return false;
	// Our own install and upgrade scripts are trusted; other extensions' scripts are guarded.
	if (creating_extension)
		return pg_call([] { return CurrentExtensionObject != get_extension_oid("migration_helpers", true); });
	return true;
}

Assessment assess(std::vector<GuardedOp> ops)
{
	Assessment a;
	core::GuardSettings settings;
	settings.large_table_threshold_bytes = int64_t(guc_large_table_threshold_kb) * 1024;
	for (const auto &g : ops) {
		if (!g.op.table.exists || g.op.table.created_in_transaction)
			continue;
		a.guarded = a.guarded || g.op.outcome == core::Outcome::Runs;  // a skipped one does nothing to log
		// Measuring a relation reads its files and statistics: only when the threshold needs it
		// or a verdict reports it (its size) or depends on it (rows or none).
		core::Operation op = g.op;
		bool measured = false;
		if (settings.large_table_threshold_bytes > 0) {
			measure_relation(g, op.table);
			measured = true;
		}
		std::vector<core::Verdict> verdicts = core::judge(op, settings);
		if (!verdicts.empty() && !measured) {
			measure_relation(g, op.table);
			verdicts = core::judge(op, settings);
		}
		for (auto &v : verdicts)
			a.findings.push_back(Finding{g.relid, op, std::move(v)});
	}
	a.ops = std::move(ops);
	return a;
}

core::GuardMode guard_mode()
{
	return guc_guard_mode == GUARD_ENFORCE ? core::GuardMode::Enforce
		   : guc_guard_mode == GUARD_WARN  ? core::GuardMode::Warn
										   : core::GuardMode::Off;
}

Enforcement act(const Assessment &a, const Enforcement *earlier)
{
	Enforcement e;
	e.guarded = a.guarded;
	if (a.findings.empty())
		return e;
	// The check hook already refused unknown ids, so this parse cannot fail.
	std::optional<core::AllowList> allow = core::parse_allow_list(guc_allow ? guc_allow : "", nullptr);
	core::Policy policy;
	policy.mode = guard_mode();
	policy.allow = allow ? &*allow : nullptr;
	policy.exempt_empty_tables = guc_exempt_empty_tables;
	for (const Finding &f : a.findings) {
		std::string id(f.verdict.rule->id);
		std::pair<unsigned int, std::string> key(f.relid, id);
		if (earlier != nullptr &&
			std::find(earlier->reported.begin(), earlier->reported.end(), key) != earlier->reported.end())
			continue;  // e.g. ADD COLUMN ... serial: judged at the start, then its rewrite
		core::Disposition d = core::dispose(f.verdict, f.op, policy);
		if (d.why == core::Why::GuardOff)
			continue;  // not reached: guard_active() is false then
		core::Report r = core::report_texts(f.verdict, f.op, d);
		switch (d.decision) {
		case core::Decision::Warned:
			report(WARNING, r);
			e.warned.push_back(id);
			break;
		case core::Decision::Allowed:
			report_allowed(r);
			e.allowed.push_back(id);
			break;
		case core::Decision::Blocked:
			report(ERROR, r);
			break;
		}
		e.reported.push_back(std::move(key));
	}
	return e;
}

void guard_log(const char *command_tag, const std::string &statement, unsigned int relid,
			   const std::string &relname, const Enforcement &e, double duration_ms, bool duration_known)
{
	std::vector<const char *> allowed, warned;
	for (const auto &id : e.allowed)
		allowed.push_back(id.c_str());
	for (const auto &id : e.warned)
		warned.push_back(id.c_str());
	LogRowC row{};
	row.command_tag = command_tag;
	row.statement = statement.c_str();
	row.relid = relid;
	row.relname = relname.empty() ? nullptr : relname.c_str();
	row.duration_ms = duration_ms;
	row.duration_known = duration_known;
	row.allowed = allowed.data();
	row.n_allowed = int(allowed.size());
	row.warned = warned.data();
	row.n_warned = int(warned.size());
	row.guard_mode = guc_guard_mode == GUARD_ENFORCE ? "enforce" : guc_guard_mode == GUARD_WARN ? "warn" : "off";
	pg_call([&] { insert_ddl_log_c(&row); });
}

}  // namespace migration_helpers::pg

extern "C" {
PG_FUNCTION_INFO_V1(mh_rules);
}

// mh_rules: migration_helpers.rules(), one row per rule of the core catalogue.
extern "C" Datum mh_rules(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	return pg::guarded_entry([&]() -> Datum {
		pg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
		auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		for (const core::Rule &r : core::rules()) {
			const std::string recipe = core::full_recipe(r);  // built outside: pg_call holds PG calls only
			pg::pg_call([&] {
				Datum values[8];
				bool nulls[8] = {false, false, false, false, false, false, false, false};
				auto txt = [](std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size()))); };
				values[0] = txt(r.id);
				values[1] = txt(r.severity == core::Severity::Error ? "error" : "warning");
				values[2] = txt(core::lock_name(r.lock));
				values[3] = txt(core::lock_blocks(r.lock));
				values[4] = txt(r.effect == core::Effect::BlocksTraffic	  ? "blocks traffic"
								: r.effect == core::Effect::BreaksCode	  ? "breaks running code"
								: r.effect == core::Effect::SilentNoOp ? "silently does nothing"
																		  : "breaks replication");
				values[5] = txt(r.catches);
				values[6] = txt(recipe);
				values[7] = BoolGetDatum(r.needs_preload);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum) 0;
	});
}
