// engine.cpp — start_backfill(), the engine's C++ entry point: a request is
// validated in the caller's session, with the caller's rights and settings,
// so bad input is an error now and records nothing, and the job records
// everything its worker needs to run the statement with the same meaning:
//   - the table and the roles by OID (a rename of the table, or a role dropped
//     and re-created under the same name, never moves the job),
//   - the key it walks (primary key, or a unique index on NOT NULL columns),
//   - the validated settings (search_path resolved to the schemas it named,
//     standard_conforming_strings, DateStyle, ...; core::validated_settings()).
// The SET and WHERE texts must each parse on their own (so that neither can
// change the meaning of the statement they are put into), must not assign a
// key column (the walk would meet the row again), and type-check against the
// table with the caller's column privileges.
#include <stdexcept>
#include <string>

#include "core/backfill/job.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/backfill/shard_round.hpp"
#include "pg/common/origin.hpp"
#include "pg/common/citus.hpp"
#include "pg/common/workers.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// Advisory lock class of backfill() on one table: two equal calls at once start one job.
constexpr int kLockClassStart = 0x4d48;

struct FragmentContext {
	const char *sql;
	const char *what;
};

// fragment_error_callback: a syntax error points into the statement built
// around the fragment, not into the caller's query (as SPI does).
void fragment_error_callback(void *arg)
{
	auto *f = (FragmentContext *) arg;
	int pos = geterrposition();
	if (pos > 0) {
		errposition(0);
		internalerrposition(pos);
		internalerrquery(f->sql);
	}
	errcontext("checking %s of migration_helpers.backfill()", f->what);
}

// check_fragment: the fragment, put into sql, parses as exactly one statement
// of the expected shape; returns the parse tree.
Node *check_fragment(const char *sql, const char *fragment, bool is_set)
{
	FragmentContext f{sql, is_set ? "set_clause" : "where_clause"};
	ErrorContextCallback cb;
	cb.callback = fragment_error_callback;
	cb.arg = &f;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	List *stmts = mh_raw_parse(sql);
	error_context_stack = cb.previous;
	bool ok = list_length(stmts) == 1;
	Node *stmt = ok ? ((RawStmt *) linitial(stmts))->stmt : nullptr;
	if (ok) {
		if (is_set) {
			auto *u = (UpdateStmt *) stmt;
			ok = IsA(stmt, UpdateStmt) && u->whereClause == nullptr && u->fromClause == NIL &&
				 u->returningList == NIL && u->withClause == nullptr;
		} else {
			auto *s = (SelectStmt *) stmt;
			ok = IsA(stmt, SelectStmt) && s->whereClause != nullptr && s->fromClause == NIL &&
				 s->groupClause == NIL && s->havingClause == nullptr && s->windowClause == NIL &&
				 s->sortClause == NIL && s->limitCount == nullptr && s->limitOffset == nullptr &&
				 s->lockingClause == NIL && s->withClause == nullptr && s->op == SETOP_NONE &&
				 s->distinctClause == NIL && s->intoClause == nullptr;
		}
	}
	if (!ok)
		ereport(
			ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s must be a single %s", is_set ? "set_clause" : "where_clause",
					is_set ? "list of column assignments" : "boolean expression"),
			 errdetail("Got: %s", fragment),
			 errhint(
				 is_set
					 ? "Write it as in UPDATE ... SET, e.g. 'full_name = first_name || '' '' || last_name'."
					 : "Write it as in a WHERE clause, e.g. 'full_name IS NULL'.")));
	return stmt;
}

// usable_key_index: the index orders the table the way the walk's ROW()
// comparisons and ORDER BY do (default btree operator classes and the
// columns' collations), covers every row (not partial, no expression) and
// every key value is present (NOT NULL columns) and unique.
bool usable_key_index(Relation rel, Oid index, int *nkeys, AttrNumber *keys)
{
	HeapTuple itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(itup))
		return false;
	auto *idx = (Form_pg_index) GETSTRUCT(itup);
	bool ok = idx->indisunique && idx->indimmediate && idx->indisvalid &&
			  heap_attisnull(itup, Anum_pg_index_indpred, nullptr) &&
			  heap_attisnull(itup, Anum_pg_index_indexprs, nullptr);
	bool isnull;
	Datum classes = SysCacheGetAttr(INDEXRELID, itup, Anum_pg_index_indclass, &isnull);
	auto *indclass = (oidvector *) DatumGetPointer(classes);
	Datum colls = SysCacheGetAttr(INDEXRELID, itup, Anum_pg_index_indcollation, &isnull);
	auto *indcoll = (oidvector *) DatumGetPointer(colls);
	int n = idx->indnkeyatts;
	for (int i = 0; ok && i < n; i++) {
		AttrNumber att = idx->indkey.values[i];
		if (att <= 0) {
			ok = false;
			break;
		}
		Form_pg_attribute a = TupleDescAttr(RelationGetDescr(rel), att - 1);
		ok = a->attnotnull && indclass->values[i] == GetDefaultOpClass(a->atttypid, BTREE_AM_OID) &&
			 indcoll->values[i] == a->attcollation;
		keys[i] = att;
	}
	*nkeys = n;
	ReleaseSysCache(itup);
	return ok;
}

// choose_key: the primary key if usable, else the usable unique index with the
// fewest columns (lowest OID among equals); false when there is none.
bool choose_key(Relation rel, int *nkeys, AttrNumber *keys)
{
	Oid pk = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pk) && usable_key_index(rel, pk, nkeys, keys))
		return true;
	List *indexes = RelationGetIndexList(rel);
	int best_n = INDEX_MAX_KEYS + 1;
	AttrNumber best[INDEX_MAX_KEYS];
	ListCell *lc;
	foreach (lc, indexes) {
		int n;
		AttrNumber k[INDEX_MAX_KEYS];
		if (usable_key_index(rel, lfirst_oid(lc), &n, k) && n < best_n) {
			best_n = n;
			memcpy(best, k, sizeof(AttrNumber) * n);
		}
	}
	if (best_n > INDEX_MAX_KEYS)
		return false;
	*nkeys = best_n;
	memcpy(keys, best, sizeof(AttrNumber) * best_n);
	return true;
}

// validated_search_path: the schemas the caller's search_path resolves to now,
// quoted, with the caller's temporary schema as pg_temp (the worker has its
// own, empty one), so that a schema created later under a name the path
// mentions changes nothing.
char *validated_search_path()
{
	StringInfoData b;
	initStringInfo(&b);
	List *path = fetch_search_path(false);
	ListCell *lc;
	foreach (lc, path) {
		Oid nsp = lfirst_oid(lc);
		char *name = isTempNamespace(nsp) ? pstrdup("pg_temp") : get_namespace_name(nsp);
		if (name == nullptr)
			continue;
		appendStringInfo(&b, "%s%s", b.len ? ", " : "", quote_identifier(name));
	}
	return b.data;
}

// validated_settings_datum: name, value, name, value, ... of core::validated_settings().
Datum validated_settings_datum()
{
	const auto &names = core::validated_settings();
	int n = int(names.size());
	Datum *elems = (Datum *) palloc(sizeof(Datum) * 2 * n);
	for (int i = 0; i < n; i++) {
		// The names are string literals: data() is NUL-terminated.
		const char *name = names[i].data();
		const char *value = strcmp(name, "search_path") == 0 ? validated_search_path()
															 : GetConfigOptionByName(name, nullptr, false);
		elems[2 * i] = CStringGetTextDatum(name);
		elems[2 * i + 1] = CStringGetTextDatum(value ? value : "");
	}
	return PointerGetDatum(construct_array(elems, 2 * n, TEXTOID, -1, false, TYPALIGN_INT));
}

// estimate_rows: the planner's row count over the table and every partition or
// inheritance child (a partitioned parent holds none itself); -1 when unknown.
double estimate_rows(Oid relid)
{
	List *all = find_all_inheritors(relid, NoLock, nullptr);
	double total = 0;
	bool known = false;
	ListCell *lc;
	foreach (lc, all) {
		HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (!HeapTupleIsValid(tup))
			continue;
		auto *c = (Form_pg_class) GETSTRUCT(tup);
		if (c->reltuples >= 0 && c->relkind != RELKIND_PARTITIONED_TABLE) {
			total += c->reltuples;
			known = true;
		}
		ReleaseSysCache(tup);
	}
	return known ? total : -1;
}

// start_backfill_c: everything start_backfill() does, PostgreSQL calls only; the
// request's settings are already in j, which gets the rest of the job row here.
void start_backfill_c(NewJob &j, bool force, Started *out)
{
	Relation rel = try_relation_open(j.relid, AccessShareLock);
	if (rel == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", j.relid)));
	char relkind = rel->rd_rel->relkind;
	char *schema = get_namespace_name(RelationGetNamespace(rel));
	char *relname = pstrdup(RelationGetRelationName(rel));
	char *qualified = quote_qualified_identifier(schema, relname);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a table", relname),
						errdetail("Backfills update tables; views and foreign tables are not supported.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("cannot backfill temporary table \"%s\"", relname),
						errdetail("A backfill runs in a background worker, which cannot see this session's "
								  "temporary tables."),
						errhint("Update a temporary table directly with UPDATE.")));
	// UPDATE on the table or on some of its columns; EXPLAIN below checks the exact columns.
	if (pg_class_aclcheck(j.relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(j.relid, GetUserId(), ACL_UPDATE, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for table %s", relname),
				 errhint("The job runs as the role that starts it, which needs UPDATE on the table.")));
	int nkeys = 0;
	AttrNumber keys[INDEX_MAX_KEYS];
	if (!choose_key(rel, &nkeys, keys))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key and no unique index on NOT NULL columns", relname),
				 errdetail("A backfill walks the table in key order so that it updates every row exactly "
						   "once; without a key, rows that move while the walk runs (its own updates "
						   "included) would be updated twice or missed."),
				 errhint("Give the table a key without blocking writes: CREATE UNIQUE INDEX CONCURRENTLY on "
						 "NOT NULL columns (then ALTER TABLE ... ADD PRIMARY KEY USING INDEX), or "
						 "migration_helpers.add_unique(); a small table can be updated with one UPDATE.")));
	Datum *names = (Datum *) palloc(sizeof(Datum) * nkeys);
	StringInfoData keylist;
	initStringInfo(&keylist);
	for (int i = 0; i < nkeys; i++) {
		const char *att = NameStr(TupleDescAttr(RelationGetDescr(rel), keys[i] - 1)->attname);
		names[i] = DirectFunctionCall1(namein, CStringGetDatum(att));
		appendStringInfo(&keylist, "%s%s", i ? ", " : "", quote_identifier(att));
	}
	Datum key_array =
		PointerGetDatum(construct_array(names, nkeys, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR));
	relation_close(rel, AccessShareLock);

	// The fragments: each parses alone, assigns no key column, then the whole
	// type-checks with the caller's column privileges, without running (EXPLAIN).
	char *set_sql = psprintf("UPDATE %s SET\n%s", qualified, j.set_clause);
	auto *update = (UpdateStmt *) check_fragment(set_sql, j.set_clause, true);
	ListCell *lc;
	foreach (lc, update->targetList) {
		auto *target = (ResTarget *) lfirst(lc);
		for (int i = 0; i < nkeys; i++)
			if (strcmp(target->name, NameStr(*DatumGetName(names[i]))) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("set_clause must not assign key column \"%s\"", target->name),
						 errdetail("The backfill walks \"%s\" in the order of (%s); a row whose key changes "
								   "would be met again or missed.",
								   relname, keylist.data),
						 errhint("Change key columns with an expand-contract migration instead.")));
	}
	if (j.where_clause)
		check_fragment(psprintf("SELECT 1 WHERE\n%s\n", j.where_clause), j.where_clause, false);
	Oid owner = GetUserId();
	Oid login = worker_login_role(owner, "A backfill runs", "Start the backfill");

	SPI_connect();
	char *probe = psprintf("EXPLAIN (COSTS OFF) UPDATE %s SET\n%s\nWHERE (\n%s\n)", qualified, j.set_clause,
						   j.where_clause ? j.where_clause : "true");
	if (SPI_execute(probe, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not check the backfill statement");
	if (SPI_execute(psprintf("EXPLAIN (COSTS OFF) SELECT %s FROM %s ORDER BY %s", keylist.data, qualified,
							 keylist.data),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not check the backfill key columns");

	// The same request again (a re-run migration) returns the job already there.
	DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(kLockClassStart),
						Int32GetDatum(int32(j.relid)));
	if (!force) {
		char *status = nullptr;
		int64 existing = find_equal_job(j.relid, owner, j.set_clause, j.where_clause, &status);
		if (existing != 0) {
			Started s;
			s.job = existing;
			s.existing = true;
			ereport(
				NOTICE,
				(errmsg("backfill job %lld with the same table, set_clause and where_clause exists (%s): "
						"returning it",
						(long long) s.job, status),
				 strcmp(status, "failed") == 0
					 ? errhint("Resume it with migration_helpers.backfill_resume(%lld).", (long long) s.job)
					 : errhint("To run the statement again, call backfill() with force => true.")));
			SPI_finish();
			*out = s;
			return;
		}
	}

	// Record the job, as the owner of the job table.
	j.schema = schema;
	j.relname = relname;
	j.owner_name = GetUserNameFromId(owner, false);
	j.keys = key_array;
	j.owner = owner;
	j.login = login;
	j.settings = validated_settings_datum();
	j.origin = cluster_origin();
	// A Citus table's rows are in its shards (the shell here is empty): their planner counts.
	j.rows_estimated = citus_table_c(j.relid).distribution != core::Distribution::Local
						   ? shard_row_estimate(j.relid)
						   : estimate_rows(j.relid);
	Started s;
	s.job = insert_job(j);
	SPI_finish();
	launch_at_commit(s.job, login);
	*out = s;
}

// raise_invalid: a bad argument as a PostgreSQL error.
[[noreturn]] void raise_invalid(const std::string &message)
{
	const char *m = message.c_str();
	pg_call([&] { ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", m))); });
	throw std::logic_error("unreachable");
}

}  // namespace

Started start_backfill(const Request &r)
{
	std::string error = core::validate(r.batch);
	if (error.empty())
		error = core::validate_interval_ms("target_batch_time", r.batch.target_ms, false);
	if (error.empty())
		error = core::validate_interval_ms("pause", r.pause_ms, true);
	if (error.empty())
		error = core::validate_interval_ms("batch_lock_timeout", r.lock_timeout_ms, false);
	if (error.empty())
		error = core::validate_interval_ms("batch_statement_timeout", r.statement_timeout_ms, false);
	if (error.empty() && r.batch.max_size > INT32_MAX)
		error = "max_batch_size must be at most 2147483647";
	if (error.empty() && r.max_replication_lag && *r.max_replication_lag < 0)
		error = "max_replication_lag must not be negative";
	if (!error.empty())
		raise_invalid(error);
	// The request's part of the job row; start_backfill_c adds what it learns from the catalog.
	NewJob j{};
	j.relid = r.relation;
	j.set_clause = r.set_clause.c_str();
	j.where_clause = r.where_clause ? r.where_clause->c_str() : nullptr;
	j.batch_size = int(r.batch.initial_size);
	j.min_size = int(r.batch.min_size);
	j.max_size = int(r.batch.max_size);
	j.target_ms = int(r.batch.target_ms);
	j.pause_ms = int(r.pause_ms);
	j.lock_ms = int(r.lock_timeout_ms);
	j.stmt_ms = int(r.statement_timeout_ms);
	j.has_lag = r.max_replication_lag.has_value();
	j.max_lag = r.max_replication_lag.value_or(0);
	j.has_migration = r.migration_id.has_value();
	j.migration_id = r.migration_id.value_or(0);
	// Written only on success, when no longjmp happened: no volatile needed.
	Started started;
	pg_call([&] { start_backfill_c(j, r.force, &started); });
	return started;
}

}  // namespace migration_helpers::pg
