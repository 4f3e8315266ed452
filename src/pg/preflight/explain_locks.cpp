// explain_locks.cpp — migration_helpers.explain_locks(script, lock_timeout): runs a migration
// script statement by statement and reports what each one did: the locks it took (from the lock
// manager's table of this backend), whether it gave a relation new files (a rewrite), its time,
// and the rules the guard would have blocked it for.
//
// It really runs the statements, with the caller's rights (the function is not SECURITY
// DEFINER), in one internal subtransaction that is always rolled back, under a short
// lock_timeout; each statement runs in a subtransaction of its own inside it, so that a failed
// one (a lock timeout, a missing table) is reported and the next ones still run. The guard
// observes instead of blocking (pg/analysis/observer.hpp: a mark set here in C++, nothing a
// user can set). Statements that cannot run inside a transaction block (CONCURRENTLY, VACUUM,
// transaction control) are reported as not run.
//
// Words used here:
//   outcome  "ran", "failed" (the server's error in message) or "not run" (why, in message).
//   rewrite  a relation whose relfilenode the statement changed: its rows were copied into new
//            files (ALTER TABLE ... TYPE, VACUUM FULL, CLUSTER), or it was emptied (TRUNCATE).
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/preflight/json.hpp"
#include "core/preflight/locks.hpp"
#include "pg/analysis/observer.hpp"
#include "pg/guc.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(mh_explain_locks);
}

static_assert(int(migration_helpers::core::LockMode::AccessShare) == AccessShareLock);
static_assert(int(migration_helpers::core::LockMode::RowShare) == RowShareLock);
static_assert(int(migration_helpers::core::LockMode::RowExclusive) == RowExclusiveLock);
static_assert(int(migration_helpers::core::LockMode::ShareUpdateExclusive) == ShareUpdateExclusiveLock);
static_assert(int(migration_helpers::core::LockMode::Share) == ShareLock);
static_assert(int(migration_helpers::core::LockMode::ShareRowExclusive) == ShareRowExclusiveLock);
static_assert(int(migration_helpers::core::LockMode::Exclusive) == ExclusiveLock);
static_assert(int(migration_helpers::core::LockMode::AccessExclusive) == AccessExclusiveLock);

namespace migration_helpers::pg {

namespace {

// ---------------------------------------------------------------------------
// PostgreSQL calls only (palloc'd results, read into C++ objects by the callers)
// ---------------------------------------------------------------------------

// RawStatement: one statement of the script, as the parser split it.
struct RawStatement {
	int location;         // byte offset in the script (with the space and comments before it)
	int length;           // 0: to the end of the script
	const char *not_run;  // why it is not run (a literal), or nullptr
};

// not_run_reason_c: why a statement cannot be traced inside a transaction block, or nullptr.
const char *not_run_reason_c(Node *tree)
{
	switch (nodeTag(tree)) {
	case T_TransactionStmt:
		return "transaction control is not run: explain_locks runs the whole script in one "
			   "subtransaction and rolls it back";
	case T_VacuumStmt:
		if (castNode(VacuumStmt, tree)->is_vacuumcmd)
			return "VACUUM cannot run inside a transaction block";
		return nullptr;
	case T_IndexStmt:
		if (castNode(IndexStmt, tree)->concurrent)
			return "CREATE INDEX CONCURRENTLY cannot run inside a transaction block";
		return nullptr;
	case T_DropStmt:
		if (castNode(DropStmt, tree)->concurrent)
			return "DROP INDEX CONCURRENTLY cannot run inside a transaction block";
		return nullptr;
	case T_ReindexStmt: {
		auto *r = castNode(ReindexStmt, tree);
		if (r->kind == REINDEX_OBJECT_DATABASE || r->kind == REINDEX_OBJECT_SYSTEM)
			return "REINDEX DATABASE and REINDEX SYSTEM cannot run inside a transaction block";
		ListCell *lc;
		foreach (lc, r->params) {
			auto *opt = (DefElem *) lfirst(lc);
			if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
				return "REINDEX CONCURRENTLY cannot run inside a transaction block";
		}
		return nullptr;
	}
	case T_ClusterStmt:
		if (castNode(ClusterStmt, tree)->relation == nullptr)
			return "CLUSTER without a table cannot run inside a transaction block";
		return nullptr;
	case T_AlterTableStmt: {
		ListCell *lc;
		foreach (lc, castNode(AlterTableStmt, tree)->cmds) {
			auto *cmd = (AlterTableCmd *) lfirst(lc);
			if (cmd->subtype == AT_DetachPartition && cmd->def != nullptr &&
				castNode(PartitionCmd, cmd->def)->concurrent)
				return "DETACH PARTITION CONCURRENTLY cannot run inside a transaction block";
		}
		return nullptr;
	}
	case T_CreatedbStmt:
	case T_DropdbStmt:
	case T_CreateTableSpaceStmt:
	case T_DropTableSpaceStmt:
	case T_AlterSystemStmt:
		return "this statement cannot run inside a transaction block";
	default:
		return nullptr;
	}
}

// split_script_c: the statements of script (a syntax error raises the parser's error), as a
// palloc'd array; *n their number.
RawStatement *split_script_c(const char *script, int *n)
{
	List *trees = mh_raw_parse(script);
	*n = list_length(trees);
	auto *out = (RawStatement *) palloc0(sizeof(RawStatement) * Max(*n, 1));
	int i = 0;
	ListCell *lc;
	foreach (lc, trees) {
		RawStmt *raw = lfirst_node(RawStmt, lc);
		out[i].location = raw->stmt_location;
		out[i].length = raw->stmt_len;
		out[i].not_run = not_run_reason_c(raw->stmt);
		i++;
	}
	return out;
}

// ClassRow: what explain_locks remembers of a relation before a statement.
struct ClassRow {
	Oid oid;
	Oid filenode;
	Oid nsp;
	NameData name;
};

// skipped_namespace_c: relations explain_locks leaves out of its report besides the system
// catalogs: TOAST tables and their indexes (they follow their table) and the extension's own
// state tables (the guard writes ddl_log while it observes: that is not the statement's work).
bool skipped_namespace_c(Oid nsp)
{
	return IsToastNamespace(nsp) || nsp == get_namespace_oid("migration_helpers", true);
}

// scan_pg_class_c: every user relation's relfilenode and name (see skipped_namespace_c), as a
// palloc'd array; *n their number.
ClassRow *scan_pg_class_c(int *n)
{
	Relation rel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
	int cap = 256;
	int count = 0;
	auto *rows = (ClassRow *) palloc(sizeof(ClassRow) * cap);
	HeapTuple tup;
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
		auto *c = (Form_pg_class) GETSTRUCT(tup);
		if (c->oid < FirstNormalObjectId || skipped_namespace_c(c->relnamespace))
			continue;
		if (count == cap) {
			cap *= 2;
			rows = (ClassRow *) repalloc(rows, sizeof(ClassRow) * cap);
		}
		rows[count++] = ClassRow{c->oid, c->relfilenode, c->relnamespace, c->relname};
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	*n = count;
	return rows;
}

// current_filenode_c: a relation's relfilenode now (InvalidOid: it is gone).
Oid current_filenode_c(Oid relid)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	Oid filenode = ((Form_pg_class) GETSTRUCT(tup))->relfilenode;
	ReleaseSysCache(tup);
	return filenode;
}

// relation_name_c: "schema.name" of a relation, palloc'd, or nullptr when it is gone.
char *relation_name_c(Oid relid)
{
	char *name = get_rel_name(relid);
	if (name == nullptr)
		return nullptr;
	char *nsp = get_namespace_name(get_rel_namespace(relid));
	return psprintf("%s.%s", nsp ? nsp : "?", name);
}

// held_locks_c: the relation locks of this backend in this database (system catalogs left
// out), one (relid, mode) per held mode, as a palloc'd array; *n their number.
core::HeldLock *held_locks_c(int *n)
{
	LockData *ld = GetLockStatusData();
	auto *out = (core::HeldLock *) palloc(sizeof(core::HeldLock) * (ld->nelements * MAX_LOCKMODES + 1));
	int count = 0;
	for (int i = 0; i < ld->nelements; i++) {
		LockInstanceData *inst = &ld->locks[i];
		if (inst->pid != MyProcPid || inst->locktag.locktag_type != LOCKTAG_RELATION ||
			inst->locktag.locktag_field1 != MyDatabaseId ||
			inst->locktag.locktag_field2 < FirstNormalObjectId)
			continue;
		Oid nsp = get_rel_namespace(inst->locktag.locktag_field2);
		if (OidIsValid(nsp) && skipped_namespace_c(nsp))
			continue;
		for (int mode = AccessShareLock; mode <= AccessExclusiveLock; mode++)
			if (inst->holdMask & LOCKBIT_ON(mode)) {
				out[count].relid = inst->locktag.locktag_field2;
				out[count].mode = core::LockMode(mode);
				count++;
			}
	}
	*n = count;
	return out;
}

// set_lock_timeout_c: lock_timeout for the rest of the current (sub)transaction.
void set_lock_timeout_c(int64 ms)
{
	char value[32];
	snprintf(value, sizeof(value), INT64_FORMAT, ms);
	(void) set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
							 false);
}

// run_statement_c: runs one statement through SPI (errors raise).
void run_statement_c(const char *sql)
{
	int rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("could not run the statement: %s", SPI_result_code_string(rc))));
}

// ---------------------------------------------------------------------------
// C++
// ---------------------------------------------------------------------------

struct LockRow {
	std::string relation;
	core::LockMode mode;
	bool created;  // the statement created the relation
};

// Traced: what explain_locks reports of one statement.
struct Traced {
	int statement_no = 0;
	core::TextPosition pos;
	std::string statement;
	std::string outcome;
	std::vector<LockRow> locks;
	std::vector<std::string> rewritten;
	ArrayType *guard_rules = nullptr;  // palloc'd in the function's context; nullptr: none
	int64 elapsed_us = 0;
	std::string message;
};

// name_of: "schema.name" of a relation, from the catalog, or from before the statement when
// the statement dropped it; nullopt for one that exists neither before nor after (a transient
// heap of a rewrite).
std::optional<std::string> name_of(Oid relid, const std::map<Oid, ClassRow> &before)
{
	char *name = pg_call([&] { return relation_name_c(relid); });
	if (name != nullptr)
		return std::string(name);
	auto it = before.find(relid);
	if (it == before.end())
		return std::nullopt;
	const ClassRow &row = it->second;
	char *nsp = pg_call([&] { return get_namespace_name(row.nsp); });
	return std::string(nsp ? nsp : "?") + "." + NameStr(row.name);
}

std::vector<core::HeldLock> held_locks()
{
	int n = 0;
	core::HeldLock *locks = pg_call([&] { return held_locks_c(&n); });
	return std::vector<core::HeldLock>(locks, locks + n);
}

// trace: runs one statement (in a subtransaction of its own) and observes it.
void trace(const char *sql, Traced *t)
{
	int nrel = 0;
	ClassRow *before_rels = pg_call([&] { return scan_pg_class_c(&nrel); });
	std::map<Oid, ClassRow> before_files;
	for (int i = 0; i < nrel; i++)
		before_files[before_rels[i].oid] = before_rels[i];
	std::vector<core::HeldLock> before = held_locks();
	(void) pg_call([] { return take_observed_rules(); });  // nothing left over from before
	TimestampTz start = pg_call([] { return GetCurrentTimestamp(); });
	PgError error(nullptr);
	bool ok = in_subtransaction([&] { run_statement_c(sql); }, &error);
	TimestampTz end = pg_call([] { return GetCurrentTimestamp(); });
	t->elapsed_us = end - start;
	t->guard_rules = pg_call([] { return take_observed_rules(); });
	// A cancel or statement_timeout ends the whole call, as it would end the script: it is not
	// the statement's failure (the caller's catch rolls the script's subtransaction back).
	if (!ok && error.edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		throw error;
	if (ok) {
		t->outcome = "ran";
	} else {
		bool in_block = error.edata->sqlerrcode == ERRCODE_ACTIVE_SQL_TRANSACTION;
		t->outcome = in_block ? "not run" : "failed";
		t->message = error.edata->message ? error.edata->message : "unknown error";
		char code[6];
		const char *state = pg_call([&] { return unpack_sql_state(error.edata->sqlerrcode); });
		strlcpy(code, state, sizeof(code));
		t->message += std::string(" (SQLSTATE ") + code + ")";
	}
	std::vector<core::HeldLock> after = held_locks();
	// new_locks() lists them strongest first; the relations the statement works on (that existed
	// before it) come before those it created
	std::vector<LockRow> created;
	for (const core::HeldLock &l : core::new_locks(before, after)) {
		std::optional<std::string> name = name_of(l.relid, before_files);
		if (!name)
			continue;
		bool is_new = before_files.find(l.relid) == before_files.end();
		(is_new ? created : t->locks).push_back(LockRow{*name, l.mode, is_new});
	}
	t->locks.insert(t->locks.end(), created.begin(), created.end());
	// A rewrite needs the relation locked: only those held now are looked at.
	std::vector<Oid> seen;
	for (const core::HeldLock &l : after) {
		if (std::find(seen.begin(), seen.end(), l.relid) != seen.end())
			continue;
		seen.push_back(l.relid);
		auto it = before_files.find(l.relid);
		if (it == before_files.end() || it->second.filenode == InvalidOid)
			continue;  // created by this statement, or without files of its own (a partitioned table)
		Oid now = pg_call([&] { return current_filenode_c(l.relid); });
		if (now != InvalidOid && now != it->second.filenode)
			t->rewritten.push_back(name_of(l.relid, before_files).value_or("?"));
	}
	std::sort(t->rewritten.begin(), t->rewritten.end());
}

// trim: s without the white space at its end.
std::string trim_end(std::string s)
{
	while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
		s.pop_back();
	return s;
}

std::string locks_json(const std::vector<LockRow> &locks)
{
	core::JsonWriter w;
	w.begin_array();
	for (const LockRow &l : locks) {
		w.begin_object();
		w.member("relation", l.relation);
		w.member("mode", core::lock_mode_name(l.mode));
		w.member("blocks", core::lock_mode_blocks(l.mode));
		w.member_bool("created", l.created);
		w.end_object();
	}
	w.end_array();
	return w.str();
}

// syntax_error: re-raises the parser's error with the line and column of the script.
[[noreturn]] void syntax_error(const PgError &e, const std::string &script)
{
	// cursorpos counts characters from 1
	size_t offset = 0;
	int chars = 0;
	while (offset < script.size() && chars < e.edata->cursorpos - 1) {
		offset++;
		while (offset < script.size() && (static_cast<unsigned char>(script[offset]) & 0xC0) == 0x80)
			offset++;
		chars++;
	}
	core::TextPosition p = core::position_of(script, offset);
	const char *msg = e.edata->message;
	int code = e.edata->sqlerrcode;
	pg_call([&] {
		ereport(ERROR, (errcode(code), errmsg("%s", msg),
						errdetail("At line %d, column %d of the script; explain_locks ran nothing.", p.line,
								  p.col)));
	});
	pg_unreachable();
}

Datum explain_locks(FunctionCallInfo fcinfo, const std::string &script, int64 timeout_ms)
{
	int n = 0;
	RawStatement *raw = nullptr;
	try {
		raw = pg_call([&] { return split_script_c(script.c_str(), &n); });
	} catch (const PgError &e) {
		if (e.edata->sqlerrcode == ERRCODE_SYNTAX_ERROR && e.edata->cursorpos > 0)
			syntax_error(e, script);
		throw;
	}
	if (n == 0)
		pg_call([] {
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the script holds no statement"),
					 errhint("Pass the migration script's text, statements separated by semicolons.")));
		});

	std::vector<Traced> traced;
	MemoryContext fn_cxt = CurrentMemoryContext;
	ResourceOwner fn_owner = CurrentResourceOwner;
	pg_call([] {
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
	});
	// The script's subtransaction: always rolled back, whatever happens in it.
	pg_call([&] {
		BeginInternalSubTransaction(nullptr);
		MemoryContextSwitchTo(fn_cxt);
		// The guard observes only for a role that could turn it off itself: for any other, what
		// enforce mode blocks is still blocked (reported as the statement's error), so that
		// explain_locks is no way around the guard for a role the guard holds.
		if (role_may_set_guard())
			begin_observing();
		set_lock_timeout_c(timeout_ms);
	});
	try {
		for (int i = 0; i < n; i++) {
			size_t loc = size_t(Max(raw[i].location, 0));
			size_t start = core::statement_start(script, loc);
			size_t stop = raw[i].length > 0 ? loc + size_t(raw[i].length) : script.size();
			Traced t;
			t.statement_no = i + 1;
			t.pos = core::position_of(script, start);
			t.statement = trim_end(script.substr(start, stop > start ? stop - start : 0));
			if (raw[i].not_run != nullptr) {
				t.outcome = "not run";
				t.message = raw[i].not_run;
			} else {
				char *sql = pg_call([&] { return pnstrdup(t.statement.data(), t.statement.size()); });
				trace(sql, &t);
			}
			traced.push_back(std::move(t));
		}
	} catch (...) {
		pg_call([&] {
			end_observing();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(fn_cxt);
			CurrentResourceOwner = fn_owner;
		});
		throw;
	}
	pg_call([&] {
		end_observing();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(fn_cxt);
		CurrentResourceOwner = fn_owner;
		SPI_finish();
	});

	pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	for (const Traced &t : traced) {
		// the strongest lock on a relation the statement did not create (see trace())
		const LockRow *top = t.locks.empty() ? nullptr : &t.locks.front();
		const std::string json = locks_json(t.locks);
		const std::string mode = top ? std::string(core::lock_mode_name(top->mode)) : "";
		const std::string blocks = top ? std::string(core::lock_mode_blocks(top->mode)) : "";
		const bool not_run = t.outcome == "not run";
		pg_call([&] {
			constexpr int kCols = 13;
			Datum v[kCols];
			bool nulls[kCols];
			memset(nulls, 0, sizeof(nulls));
			auto txt = [](const std::string &s) {
				return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size())));
			};
			v[0] = Int32GetDatum(t.statement_no);
			v[1] = Int32GetDatum(t.pos.line);
			v[2] = txt(t.statement);
			v[3] = txt(t.outcome);
			if (top != nullptr) {
				v[4] = txt(top->relation);
				v[5] = txt(mode);
				v[6] = txt(blocks);
			} else {
				nulls[4] = nulls[5] = nulls[6] = true;
			}
			v[7] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str()));
			v[8] = BoolGetDatum(!t.rewritten.empty());
			{
				int nr = int(t.rewritten.size());
				Datum *elems = (Datum *) palloc(sizeof(Datum) * Max(nr, 1));
				for (int i = 0; i < nr; i++)
					elems[i] = txt(t.rewritten[i]);
				v[9] = PointerGetDatum(construct_array(elems, nr, TEXTOID, -1, false, TYPALIGN_INT));
			}
			if (t.guard_rules != nullptr)
				v[10] = PointerGetDatum(t.guard_rules);
			else
				v[10] = PointerGetDatum(construct_empty_array(TEXTOID));
			if (not_run) {
				nulls[11] = true;
			} else {
				auto *iv = (Interval *) palloc0(sizeof(Interval));
				iv->time = t.elapsed_us;
				v[11] = IntervalPGetDatum(iv);
			}
			if (t.message.empty())
				nulls[12] = true;
			else
				v[12] = txt(t.message);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
		});
	}
	return (Datum) 0;
}

}  // namespace

}  // namespace migration_helpers::pg

// mh_explain_locks: migration_helpers.explain_locks(script text, lock_timeout interval).
extern "C" Datum mh_explain_locks(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	return pg::guarded_entry([&]() -> Datum {
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			pg::pg_call([] {
				ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
								errmsg("the script and lock_timeout of explain_locks cannot be null")));
			});
		text *script_text = pg::pg_call([&] { return PG_GETARG_TEXT_PP(0); });
		Interval *iv = pg::pg_call([&] { return PG_GETARG_INTERVAL_P(1); });
		int64 us =
			iv->time + int64(iv->day) * USECS_PER_DAY + int64(iv->month) * DAYS_PER_MONTH * USECS_PER_DAY;
		int64 ms = us / 1000;
		if (ms <= 0 || ms > INT_MAX)
			pg::pg_call([] {
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("lock_timeout of explain_locks must be between 1 millisecond and 24 days"),
						 errdetail("explain_locks never waits for a lock without a bound: it runs on a live "
								   "database.")));
			});
		return pg::explain_locks(fcinfo, pg::text_to_string(script_text), ms);
	});
}
