// backfill.cpp — the SQL functions of the backfill engine: backfill()
// validates and records a job and starts its worker; backfill_pause(),
// backfill_resume(), backfill_cancel(), backfill_wait() and
// backfill_resume_all() control it. See backfill.hpp for the words.
//
// Validation happens here, in the caller's session and with the caller's
// rights, so bad input is an error now and records nothing: the relation
// must be a table the caller may UPDATE, and the SET and WHERE texts must
// each parse on their own (so that neither can change the meaning of the
// statement they are put into) and type-check against the table.
#include <string>

#include "core/backfill/batch_controller.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// interval_to_ms: an interval in milliseconds, months counted as 30 days (cannot error).
double interval_to_ms(const Interval *iv)
{
	return double(iv->time) / 1000.0 + double(iv->day) * 86400000.0 + double(iv->month) * 30.0 * 86400000.0;
}

int interval_ms(Interval *iv, const char *what)
{
	double ms = interval_to_ms(iv);
	if (ms < 0 || ms > double(INT_MAX))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must be between 0 and 24 days", what)));
	return int(ms);
}

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

void check_fragment(const char *sql, const char *fragment, bool is_set)
{
	FragmentContext f{sql, is_set ? "set_clause" : "where_clause"};
	ErrorContextCallback cb;
	cb.callback = fragment_error_callback;
	cb.arg = &f;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	List *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;
	bool ok = list_length(stmts) == 1;
	if (ok) {
		Node *stmt = ((RawStmt *) linitial(stmts))->stmt;
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
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("%s must be a single %s", is_set ? "set_clause" : "where_clause",
							   is_set ? "list of column assignments" : "boolean expression"),
						errdetail("Got: %s", fragment),
						errhint(is_set ? "Write it as in UPDATE ... SET, e.g. 'full_name = first_name || '' '' || last_name'."
									   : "Write it as in a WHERE clause, e.g. 'full_name IS NULL'.")));
}

struct JobRowC {
	bool found;
	char *owner_role;
	char *status;
	int worker_pid;
	bool worker_alive;
};

JobRowC read_job_c(int64 job)
{
	JobRowC row{};
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	int rc = spi_as_owner("SELECT j.owner_role::text, j.status, j.worker_pid, "
						  "EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.pid = j.worker_pid "
						  "AND a.backend_type = 'migration_helpers backfill') "
						  "FROM migration_helpers._backfill_jobs j WHERE j.id = $1 FOR UPDATE OF j",
						  1, types, values, nullptr);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read backfill job: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return row;
	row.found = true;
	HeapTuple tup = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	bool isnull;
	row.owner_role = SPI_getvalue(tup, desc, 1);
	row.status = SPI_getvalue(tup, desc, 2);
	Datum pid = SPI_getbinval(tup, desc, 3, &isnull);
	row.worker_pid = isnull ? 0 : DatumGetInt32(pid);
	row.worker_alive = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	return row;
}

// require_control: the job exists and the current role may control it (it is, or is a member of, the job's role).
JobRowC require_control(int64 job)
{
	JobRowC row = read_job_c(job);
	if (!row.found)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("backfill job %lld does not exist", (long long) job)));
	Oid owner = get_role_oid(row.owner_role, true);
	if (!OidIsValid(owner) || !has_privs_of_role(GetUserId(), owner))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("permission denied for backfill job %lld", (long long) job),
						errdetail("The job belongs to role \"%s\".", row.owner_role),
						errhint("Only that role, its members and superusers can control it.")));
	return row;
}

void set_status_c(int64 job, const char *status, bool reset_errors)
{
	Oid types[2] = {INT8OID, TEXTOID};
	Datum values[2] = {Int64GetDatum(job), CStringGetTextDatum(status)};
	const char *sql = reset_errors
						  ? "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
							"retries = 0, last_error = NULL, finished_at = NULL WHERE id = $1"
						  : "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
							"finished_at = CASE WHEN $2 IN ('cancelled') THEN pg_catalog.now() END WHERE id = $1";
	int rc = spi_as_owner(sql, 2, types, values, nullptr);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not update backfill job: %s", SPI_result_code_string(rc));
}

void record_worker_c(int64 job, int pid)
{
	Oid types[2] = {INT8OID, INT4OID};
	Datum values[2] = {Int64GetDatum(job), Int32GetDatum(pid)};
	int rc = spi_as_owner("UPDATE migration_helpers._backfill_jobs SET worker_pid = $2 WHERE id = $1", 2, types,
						  values, nullptr);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not record the backfill worker: %s", SPI_result_code_string(rc));
}

// launch_or_error: starts the job's worker as role and records its pid, or fails with SQLSTATE 53400.
void launch_or_error(int64 job, Oid role)
{
	// The worker waits for this transaction, which records its pid in the job row.
	WorkerArgs args{MyDatabaseId, role, GetTopTransactionId()};
	int pid = 0;
	// launch_backfill_worker holds no C++ object, and only reports failure by its result.
	bool ok = launch_backfill_worker(job, args, &pid);
	if (ok)
		record_worker_c(job, pid);
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						errmsg("could not start a worker for backfill job %lld", (long long) job),
						errdetail("Every background worker slot (max_worker_processes = %d) is in use.",
								  max_worker_processes),
						errhint("Wait for a running backfill to finish, or raise max_worker_processes (needs a "
								"restart).")));
}

// backfill_c: everything backfill() does, PostgreSQL calls only; the batch
// settings were read and checked by the core before (settings_error).
int64 backfill_c(FunctionCallInfo fcinfo, const core::BatchSettings &settings, const char *settings_error)
{
	for (int i = 0; i < 11; i++)
		if (i != 2 && i != 8 && PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("argument %d of migration_helpers.backfill() must not be NULL", i + 1)));
	if (settings_error[0])
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", settings_error)));
	Oid relid = PG_GETARG_OID(0);
	char *set_clause = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char *where_clause = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
	int pause_ms = interval_ms(PG_GETARG_INTERVAL_P(4), "pause");
	bool has_lag = !PG_ARGISNULL(8);
	int64 max_lag = has_lag ? PG_GETARG_INT64(8) : 0;
	int lock_ms = interval_ms(PG_GETARG_INTERVAL_P(9), "batch_lock_timeout");
	int stmt_ms = interval_ms(PG_GETARG_INTERVAL_P(10), "batch_statement_timeout");
	if (settings.target_ms <= 0 || lock_ms <= 0 || stmt_ms <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target_batch_time, batch_lock_timeout and batch_statement_timeout must be positive")));
	if (has_lag && max_lag < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_replication_lag must not be negative")));

	// The relation: a table (or partitioned table) the caller may update.
	Relation rel = relation_open(relid, AccessShareLock);
	char relkind = rel->rd_rel->relkind;
	char *schema = get_namespace_name(RelationGetNamespace(rel));
	char *relname = pstrdup(RelationGetRelationName(rel));
	char *qualified = quote_qualified_identifier(schema, relname);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a table", relname),
						errdetail("Backfills update tables; views and foreign tables are not supported.")));
	// UPDATE on the table or on some of its columns; EXPLAIN below checks the exact columns.
	if (pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_UPDATE, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for table %s", relname),
						errhint("The job runs as the role that starts it, which needs UPDATE on the table.")));
	// Key columns of the primary key, in index order; none: ctid page ranges.
	Datum keys = (Datum) 0;
	bool has_keys = false;
	StringInfoData keylist;
	initStringInfo(&keylist);
	Oid pk = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pk)) {
		HeapTuple itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
		auto *idx = (Form_pg_index) GETSTRUCT(itup);
		int n = idx->indnkeyatts;
		Datum *names = (Datum *) palloc(sizeof(Datum) * n);
		for (int i = 0; i < n; i++) {
			char *att = get_attname(relid, idx->indkey.values[i], false);
			names[i] = DirectFunctionCall1(namein, CStringGetDatum(att));
			appendStringInfo(&keylist, "%s%s", i ? ", " : "", quote_identifier(att));
		}
		ReleaseSysCache(itup);
		keys = PointerGetDatum(construct_array(names, n, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR));
		has_keys = true;
	}
	float4 reltuples = rel->rd_rel->reltuples;
	relation_close(rel, AccessShareLock);

	// The fragments: each parses alone, then the whole type-checks, with the
	// caller's column privileges, without running (EXPLAIN checks them).
	check_fragment(psprintf("UPDATE %s SET\n%s", qualified, set_clause), set_clause, true);
	if (where_clause)
		check_fragment(psprintf("SELECT 1 WHERE\n%s\n", where_clause), where_clause, false);
	SPI_connect();
	char *probe = psprintf("EXPLAIN (COSTS OFF) UPDATE %s SET\n%s\nWHERE (\n%s\n)", qualified, set_clause,
						   where_clause ? where_clause : "true");
	if (SPI_execute(probe, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not check the backfill statement");
	if (has_keys && SPI_execute(psprintf("EXPLAIN (COSTS OFF) SELECT %s FROM %s", keylist.data, qualified), false, 0) !=
						SPI_OK_UTILITY)
		elog(ERROR, "could not check the backfill key columns");

	// Record the job, as the owner of the job table.
	Oid types[14] = {NAMEOID, NAMEOID, TEXTOID, TEXTOID, NAMEOID, INT4OID, INT4OID, INT4OID, INT4OID,
					 INT4OID, INT4OID, INT4OID, INT8OID, NAMEARRAYOID};
	Datum values[14];
	char nulls[15] = "              ";
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(relname));
	values[2] = CStringGetTextDatum(set_clause);
	values[3] = where_clause ? CStringGetTextDatum(where_clause) : (Datum) 0;
	nulls[3] = where_clause ? ' ' : 'n';
	values[4] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[5] = Int32GetDatum(int32(settings.initial_size));
	values[6] = Int32GetDatum(int32(settings.min_size));
	values[7] = Int32GetDatum(int32(settings.max_size));
	values[8] = Int32GetDatum(int32(settings.target_ms));
	values[9] = Int32GetDatum(pause_ms);
	values[10] = Int32GetDatum(lock_ms);
	values[11] = Int32GetDatum(stmt_ms);
	values[12] = Int64GetDatum(max_lag);
	nulls[12] = has_lag ? ' ' : 'n';
	values[13] = keys;
	nulls[13] = has_keys ? ' ' : 'n';
	// reltuples is -1 for a table never vacuumed or analyzed: the estimate is then unknown.
	char *estimate = reltuples >= 0 ? psprintf("%lld", (long long) reltuples) : pstrdup("NULL");
	int rc = spi_as_owner(
		psprintf("INSERT INTO migration_helpers._backfill_jobs (relation_schema, relation_name, set_clause, "
				 "where_clause, owner_role, batch_size, min_batch_size, max_batch_size, target_batch_ms, pause_ms, "
				 "batch_lock_timeout_ms, batch_statement_timeout_ms, max_replication_lag, key_columns, rows_estimated) "
				 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, %s) RETURNING id",
				 estimate),
		14, types, values, nulls);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not record the backfill job: %s", SPI_result_code_string(rc));
	bool isnull;
	int64 job = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	launch_or_error(job, GetUserId());
	SPI_finish();
	return job;
}

}  // namespace

unsigned int jobs_owner()
{
	Oid nsp = get_namespace_oid("migration_helpers", false);
	Oid rel = get_relname_relid("_backfill_jobs", nsp);
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "migration_helpers._backfill_jobs is missing");
	Oid owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

int spi_as_owner(const char *sql, int nargs, unsigned int *types, uintptr_t *values, const char *nulls)
{
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	SetUserIdAndSecContext(jobs_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	AtEOXact_GUC(true, nest);
	return rc;
}

int resume_backfills(bool all_roles)
{
	return pg_call([&] {
		SPI_connect();
		int rc = spi_as_owner(
			"SELECT j.id, j.owner_role::text FROM migration_helpers._backfill_jobs j "
			"WHERE j.status IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a "
			"WHERE a.pid = j.worker_pid AND a.backend_type = 'migration_helpers backfill') ORDER BY j.id FOR UPDATE OF j",
			0, nullptr, nullptr, nullptr);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read backfill jobs: %s", SPI_result_code_string(rc));
		SPITupleTable *jobs = SPI_tuptable;
		uint64 n = SPI_processed;
		int started = 0;
		for (uint64 i = 0; i < n; i++) {
			bool isnull;
			int64 job = DatumGetInt64(SPI_getbinval(jobs->vals[i], jobs->tupdesc, 1, &isnull));
			char *role = SPI_getvalue(jobs->vals[i], jobs->tupdesc, 2);
			Oid roleid = get_role_oid(role, true);
			if (!all_roles && (!OidIsValid(roleid) || !has_privs_of_role(GetUserId(), roleid)))
				continue;
			if (!OidIsValid(roleid)) {
				Oid t[2] = {INT8OID, TEXTOID};
				Datum v[2] = {Int64GetDatum(job), CStringGetTextDatum(psprintf("role \"%s\" no longer exists", role))};
				spi_as_owner("UPDATE migration_helpers._backfill_jobs SET status = 'failed', last_error = $2, "
							 "finished_at = pg_catalog.now(), updated_at = pg_catalog.now() WHERE id = $1",
							 2, t, v, nullptr);
				continue;
			}
			launch_or_error(job, roleid);
			started++;
		}
		SPI_finish();
		return started;
	});
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_backfill);
PG_FUNCTION_INFO_V1(mh_backfill_pause);
PG_FUNCTION_INFO_V1(mh_backfill_resume);
PG_FUNCTION_INFO_V1(mh_backfill_cancel);
PG_FUNCTION_INFO_V1(mh_backfill_wait);
PG_FUNCTION_INFO_V1(mh_backfill_resume_all);
}

extern "C" Datum mh_backfill(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		core::BatchSettings settings;
		settings.initial_size = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
		settings.min_size = PG_ARGISNULL(6) ? 0 : PG_GETARG_INT32(6);
		settings.max_size = PG_ARGISNULL(7) ? 0 : PG_GETARG_INT32(7);
		if (!PG_ARGISNULL(5)) {
			settings.target_ms = pg::interval_to_ms(PG_GETARG_INTERVAL_P(5));
		}
		char error[200];
		strlcpy(error, core::validate(settings).c_str(), sizeof(error));
		return Int64GetDatum(pg::pg_call([&] { return pg::backfill_c(fcinfo, settings, error); }));
	});
}

namespace migration_helpers::pg {
namespace {

// control_entry: the body of backfill_pause/resume/cancel: the job locked and
// checked to be the caller's to control, then act (PostgreSQL calls only).
template <typename Act>
Datum control_entry(FunctionCallInfo fcinfo, Act &&act)
{
	int64 job = PG_GETARG_INT64(0);
	return guarded_entry([&]() -> Datum {
		pg_call([&] {
			SPI_connect();
			JobRowC row = require_control(job);
			act(job, row);
			SPI_finish();
		});
		PG_RETURN_VOID();
	});
}

bool has_ended(const JobRowC &row)
{
	return strcmp(row.status, "succeeded") == 0 || strcmp(row.status, "cancelled") == 0 ||
		   strcmp(row.status, "failed") == 0;
}

}  // namespace
}  // namespace migration_helpers::pg

extern "C" Datum mh_backfill_pause(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, [](int64 job, pg::JobRowC &row) {
		if (strcmp(row.status, "queued") != 0 && strcmp(row.status, "running") != 0)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("backfill job %lld is %s, not running", (long long) job, row.status)));
		pg::set_status_c(job, "paused", false);
	});
}

extern "C" Datum mh_backfill_cancel(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, [](int64 job, pg::JobRowC &row) {
		if (pg::has_ended(row))
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("backfill job %lld has already ended (%s)", (long long) job, row.status)));
		pg::set_status_c(job, "cancelled", false);
	});
}

extern "C" Datum mh_backfill_resume(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, [](int64 job, pg::JobRowC &row) {
		bool running = strcmp(row.status, "queued") == 0 || strcmp(row.status, "running") == 0;
		if (running && row.worker_alive)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("backfill job %lld is already running", (long long) job)));
		if (strcmp(row.status, "succeeded") == 0 || strcmp(row.status, "cancelled") == 0)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("backfill job %lld has ended (%s) and cannot be resumed", (long long) job,
								   row.status),
							errhint("Start a new job with migration_helpers.backfill().")));
		// paused, failed (retried from where it stopped), or interrupted (its worker is gone)
		pg::set_status_c(job, "queued", strcmp(row.status, "failed") == 0);
		pg::launch_or_error(job, get_role_oid(row.owner_role, false));
	});
}

extern "C" Datum mh_backfill_resume_all(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum { return Int32GetDatum(pg::resume_backfills(superuser())); });
}

// mh_backfill_wait: blocks until the job ends, paused or not, reporting
// progress as NOTICE lines; returns the final status ('succeeded', 'paused',
// or the current one on timeout) and raises an error when the job failed or
// was cancelled, so that a migration script stops there.
extern "C" Datum mh_backfill_wait(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("job must not be NULL")));
	int64 job = PG_GETARG_INT64(0);
	double timeout_ms = -1;
	if (!PG_ARGISNULL(1)) {
		timeout_ms = pg::interval_to_ms(PG_GETARG_INTERVAL_P(1));
		if (timeout_ms < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("timeout must not be negative")));
	}
	if (IsolationUsesXactSnapshot())
		ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
						errmsg("backfill_wait() cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
						errdetail("Its snapshot would never see the job progress.")));
	return pg::guarded_entry([&]() -> Datum {
		pg::pg_call([&] {
			SPI_connect();
			Oid types[1] = {INT8OID};
			Datum values[1] = {Int64GetDatum(job)};
			int rc = pg::spi_as_owner("SELECT 1 FROM migration_helpers._backfill_jobs WHERE id = $1 AND "
									  "creator_xid = pg_catalog.pg_current_xact_id_if_assigned()",
									  1, types, values, nullptr);
			if (rc == SPI_OK_SELECT && SPI_processed > 0)
				ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
								errmsg("backfill job %lld was started in this transaction", (long long) job),
								errdetail("Its worker waits for this transaction to commit before it begins."),
								errhint("Commit first, then call backfill_wait().")));
			SPI_finish();
		});
		TimestampTz start = GetCurrentTimestamp();
		TimestampTz last_report = 0;
		std::string last_line;
		for (;;) {
			struct {
				bool found;
				char status[16];
				int64 done, estimated;
				double elapsed;
				bool alive;
				char error[512];
			} r{};
			pg::pg_call([&] {
				SPI_connect();
				Oid types[1] = {INT8OID};
				Datum values[1] = {Int64GetDatum(job)};
				int rc = pg::spi_as_owner(
					"SELECT status, rows_done, COALESCE(rows_estimated, -1), "
					"COALESCE(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - started_at), 0)::float8, "
					"worker_pid IS NOT NULL, COALESCE(last_error, '') FROM migration_helpers.backfills "
					"WHERE id = $1",
					1, types, values, nullptr);
				if (rc != SPI_OK_SELECT)
					elog(ERROR, "could not read backfill job: %s", SPI_result_code_string(rc));
				if (SPI_processed == 1) {
					HeapTuple t = SPI_tuptable->vals[0];
					TupleDesc d = SPI_tuptable->tupdesc;
					bool n;
					r.found = true;
					strlcpy(r.status, SPI_getvalue(t, d, 1), sizeof(r.status));
					r.done = DatumGetInt64(SPI_getbinval(t, d, 2, &n));
					r.estimated = DatumGetInt64(SPI_getbinval(t, d, 3, &n));
					r.elapsed = DatumGetFloat8(SPI_getbinval(t, d, 4, &n));
					r.alive = DatumGetBool(SPI_getbinval(t, d, 5, &n));
					strlcpy(r.error, SPI_getvalue(t, d, 6), sizeof(r.error));
				}
				SPI_finish();
			});
			if (!r.found)
				pg::pg_call([&] {
					ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
									errmsg("backfill job %lld does not exist", (long long) job)));
				});
			core::Progress p;
			p.rows_done = r.done;
			p.rows_estimated = r.estimated;
			p.elapsed_s = r.elapsed;
			std::string line = core::progress_line(p);
			std::string status = r.status;
			bool ended = status != "queued" && status != "running";
			TimestampTz now = GetCurrentTimestamp();
			if (line != last_line && (ended || now - last_report >= 1000000)) {
				const char *l = line.c_str();
				pg::pg_call([&] { ereport(NOTICE, (errmsg("backfill job %lld: %s", (long long) job, l))); });
				last_line = line;
				last_report = now;
			}
			if (status == "failed" || status == "cancelled" || status == "interrupted") {
				const char *st = r.status;
				const char *err = r.error;
				pg::pg_call([&] {
					ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
									errmsg("backfill job %lld %s", (long long) job,
										   strcmp(st, "failed") == 0	  ? "failed"
										   : strcmp(st, "cancelled") == 0 ? "was cancelled"
																		  : "was interrupted: its worker is gone"),
									err[0] ? errdetail("Last error: %s", err) : 0,
									strcmp(st, "cancelled") == 0
										? 0
										: errhint("Fix the cause, then SELECT migration_helpers.backfill_resume(%lld);",
												  (long long) job)));
				});
			}
			if (ended)
				return pg::pg_call([&] { return CStringGetTextDatum(r.status); });
			if (timeout_ms >= 0 && double(now - start) / 1000.0 >= timeout_ms)
				return pg::pg_call([&] { return CStringGetTextDatum(r.status); });
			// 50 ms: a migration script waiting on a small table goes on almost at once; one
			// indexed read of the job row each time costs nothing next to the batches.
			pg::pg_call([&] {
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50, PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();
			});
		}
	});
}
