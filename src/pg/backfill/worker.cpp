// backfill_worker.cpp — the background workers of the backfill engine: the
// job worker, the launcher and the resumer (see backfill.hpp for the words).
//
// A job worker connects as the job's role and walks the table's primary key
// in keyset order (or ctid page ranges when it has none). Each batch is one
// transaction that updates its rows AND records the new position, so a crash
// neither loses nor repeats a batch. The statement runs in an internal
// subtransaction under a per-batch lock_timeout and statement_timeout: a lock
// conflict rolls the batch back, halves the batch size and backs off; any
// other error is retried a bounded number of times before the job fails with
// the error kept. The walk ends at the last key present when it started, then
// re-checks the tail a bounded number of times for rows inserted meanwhile.
#include <cstring>
#include <string>
#include <vector>

#include "core/backfill/batch_controller.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PGDLLEXPORT void mh_backfill_worker_main(Datum arg);
PGDLLEXPORT void mh_backfill_launcher_main(Datum arg);
PGDLLEXPORT void mh_backfill_resumer_main(Datum arg);
}

namespace migration_helpers::pg {

namespace {

constexpr int kMaxTailPasses = 3;

// Job: the worker's copy of its job row, as plain C strings (palloc'd in TopMemoryContext by copy_job).
struct JobC {
	bool found;
	char status[16];
	char *schema, *relname, *set_clause, *where_clause;
	int batch_size, min_size, max_size, target_ms, pause_ms, lock_ms, stmt_ms;
	bool has_lag;
	int64 max_lag;
	int nkeys;             // 0: ctid mode
	char **keys;           // key column names
	char **key_types;      // their types, as format_type_be prints them
	bool has_position, has_upper;
	char **position;       // nkeys values (ctid mode: 1 value, a page number)
	char **upper;
	int tail_passes;
	int64 rows_done;
	int worker_pid;  // the worker that owns the job now; any other one stops
};

char **text_array_c(Datum d, int *n, MemoryContext cxt)
{
	Datum *elems;
	bool *nulls;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	char **out = (char **) MemoryContextAlloc(cxt, sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		out[i] = MemoryContextStrdup(cxt, TextDatumGetCString(elems[i]));
	return out;
}

// read_job_c: the job row, copied into cxt so it outlives the transaction
// (key_types, resolved once, are left as they are).
void read_job_c(int64 job, JobC *out, MemoryContext cxt, bool lock)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	// Locked, the row also serializes this batch with backfill_pause/resume/cancel and with any other worker.
	int rc = spi_as_owner(
		psprintf("SELECT status, relation_schema::text, relation_name::text, set_clause, where_clause, batch_size, "
				 "min_batch_size, max_batch_size, target_batch_ms, pause_ms, batch_lock_timeout_ms, "
				 "batch_statement_timeout_ms, max_replication_lag, key_columns::text[], position, upper_bound, "
				 "tail_passes, rows_done, worker_pid FROM migration_helpers._backfill_jobs WHERE id = $1%s",
				 lock ? " FOR UPDATE" : ""),
		1, types, values, nullptr);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read backfill job: %s", SPI_result_code_string(rc));
	out->found = SPI_processed == 1;
	if (!out->found)
		return;
	HeapTuple t = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool isnull;
	auto str = [&](int col) -> char * {
		char *v = SPI_getvalue(t, d, col);
		return v ? MemoryContextStrdup(cxt, v) : nullptr;
	};
	auto i32 = [&](int col) { return DatumGetInt32(SPI_getbinval(t, d, col, &isnull)); };
	strlcpy(out->status, SPI_getvalue(t, d, 1), sizeof(out->status));
	out->schema = str(2);
	out->relname = str(3);
	out->set_clause = str(4);
	out->where_clause = str(5);
	out->batch_size = i32(6);
	out->min_size = i32(7);
	out->max_size = i32(8);
	out->target_ms = i32(9);
	out->pause_ms = i32(10);
	out->lock_ms = i32(11);
	out->stmt_ms = i32(12);
	Datum lag = SPI_getbinval(t, d, 13, &isnull);
	out->has_lag = !isnull;
	out->max_lag = isnull ? 0 : DatumGetInt64(lag);
	Datum keys = SPI_getbinval(t, d, 14, &isnull);
	out->nkeys = 0;
	if (!isnull)
		out->keys = text_array_c(keys, &out->nkeys, cxt);
	Datum pos = SPI_getbinval(t, d, 15, &isnull);
	out->has_position = !isnull;
	int n;
	if (!isnull)
		out->position = text_array_c(pos, &n, cxt);
	Datum up = SPI_getbinval(t, d, 16, &isnull);
	out->has_upper = !isnull;
	if (!isnull)
		out->upper = text_array_c(up, &n, cxt);
	out->tail_passes = i32(17);
	out->rows_done = DatumGetInt64(SPI_getbinval(t, d, 18, &isnull));
	Datum pid = SPI_getbinval(t, d, 19, &isnull);
	out->worker_pid = isnull ? 0 : DatumGetInt32(pid);
}

// key_types_c: the types of the key columns, resolved now (they cannot change: the guard
// refuses type changes that rewrite, and a key column's type change would).
void key_types_c(JobC *job, Oid relid)
{
	job->key_types = (char **) MemoryContextAlloc(TopMemoryContext, sizeof(char *) * Max(job->nkeys, 1));
	for (int i = 0; i < job->nkeys; i++) {
		AttrNumber att = get_attnum(relid, job->keys[i]);
		if (att == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
							errmsg("key column \"%s\" of the backfill no longer exists", job->keys[i])));
		job->key_types[i] = MemoryContextStrdup(TopMemoryContext,
												format_type_be(get_atttype(relid, att)));
	}
}

// The keyset SQL texts, built once per job.
struct Statements {
	char *upper;     // last key now present
	char *batch_end; // key ending the next batch: $1..$n lower, $n+1..$2n upper, $2n+1 offset
	char *update;    // the batch: $1..$n lower (exclusive), $n+1..$2n end (inclusive)
	char *update_first;      // the first batch: no lower bound, $1..$n end
	char *batch_end_first;   // $1..$n upper, $n+1 offset
};

char *row_of(const JobC *job, int first_param, bool params)
{
	StringInfoData b;
	initStringInfo(&b);
	appendStringInfoString(&b, "ROW(");
	for (int i = 0; i < job->nkeys; i++) {
		if (i)
			appendStringInfoString(&b, ", ");
		if (params)
			appendStringInfo(&b, "$%d::text::%s", first_param + i, job->key_types[i]);
		else
			appendStringInfoString(&b, quote_identifier(job->keys[i]));
	}
	appendStringInfoChar(&b, ')');
	return b.data;
}

char *key_list(const JobC *job, const char *suffix, bool as_text)
{
	StringInfoData b;
	initStringInfo(&b);
	// Output columns get their own names: ORDER BY id would otherwise sort by the text form (999 > 1000).
	for (int i = 0; i < job->nkeys; i++) {
		if (as_text)
			appendStringInfo(&b, "%s%s::text AS _mh_key%d", i ? ", " : "", quote_identifier(job->keys[i]), i);
		else
			appendStringInfo(&b, "%s%s%s", i ? ", " : "", quote_identifier(job->keys[i]), suffix);
	}
	return b.data;
}

Statements build_statements_c(const JobC *job)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	Statements s{};
	char *rel = quote_qualified_identifier(job->schema, job->relname);
	const char *where = job->where_clause ? job->where_clause : "true";
	int n = job->nkeys;
	char *keys = row_of(job, 0, false);
	s.upper = psprintf("SELECT %s FROM %s ORDER BY %s LIMIT 1", key_list(job, "", true), rel,
					   key_list(job, " DESC", false));
	s.batch_end = psprintf("SELECT %s FROM %s WHERE %s > %s AND %s <= %s ORDER BY %s OFFSET $%d LIMIT 1",
						   key_list(job, "", true), rel, keys, row_of(job, 1, true), keys, row_of(job, n + 1, true),
						   key_list(job, "", false), 2 * n + 1);
	s.batch_end_first = psprintf("SELECT %s FROM %s WHERE %s <= %s ORDER BY %s OFFSET $%d LIMIT 1",
								 key_list(job, "", true), rel, keys, row_of(job, 1, true), key_list(job, "", false),
								 n + 1);
	// Newlines around the user's fragments: a trailing -- comment cannot swallow what follows.
	s.update = psprintf("UPDATE %s SET\n%s\nWHERE %s > %s AND %s <= %s AND (\n%s\n)", rel, job->set_clause, keys,
						row_of(job, 1, true), keys, row_of(job, n + 1, true), where);
	s.update_first = psprintf("UPDATE %s SET\n%s\nWHERE %s <= %s AND (\n%s\n)", rel, job->set_clause, keys,
							  row_of(job, 1, true), where);
	MemoryContextSwitchTo(old);
	return s;
}

// run_keys_c: runs a key query; true and the keys (current memory context) when it found a row.
bool run_keys_c(const char *sql, int nargs, Datum *values, int nkeys, char ***out)
{
	Oid *types = (Oid *) palloc(sizeof(Oid) * Max(nargs, 1));
	for (int i = 0; i < nargs; i++)
		types[i] = TEXTOID;
	if (nargs > 0 && strstr(sql, "OFFSET") != nullptr)
		types[nargs - 1] = INT8OID;
	int rc = SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "backfill key query failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	*out = (char **) palloc(sizeof(char *) * nkeys);
	for (int i = 0; i < nkeys; i++)
		(*out)[i] = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);
	return true;
}

Datum *text_datums(char **a, int n, char **b, int m, bool with_offset, int64 offset)
{
	Datum *v = (Datum *) palloc(sizeof(Datum) * (n + m + 1));
	for (int i = 0; i < n; i++)
		v[i] = CStringGetTextDatum(a[i]);
	for (int i = 0; i < m; i++)
		v[n + i] = CStringGetTextDatum(b[i]);
	if (with_offset)
		v[n + m] = Int64GetDatum(offset);
	return v;
}

Datum text_array_datum(char **a, int n)
{
	Datum *e = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e[i] = CStringGetTextDatum(a[i]);
	return PointerGetDatum(construct_array(e, n, TEXTOID, -1, false, TYPALIGN_INT));
}

void set_batch_timeouts_c(int lock_ms, int stmt_ms)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", lock_ms);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	snprintf(buf, sizeof(buf), "%d", stmt_ms);
	(void) set_config_option("statement_timeout", buf, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
}

int64 replication_lag_c()
{
	int rc = spi_as_owner("SELECT pg_catalog.max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
						  "COALESCE(replay_lsn, '0/0')))::bigint FROM pg_catalog.pg_stat_replication",
						  0, nullptr, nullptr, nullptr);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		return 0;
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

void finish_job_c(int64 job, const char *status, const char *error)
{
	Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum values[3] = {Int64GetDatum(job), CStringGetTextDatum(status), error ? CStringGetTextDatum(error) : (Datum) 0};
	char nulls[4] = {' ', ' ', error ? ' ' : 'n', '\0'};
	spi_as_owner("UPDATE migration_helpers._backfill_jobs SET status = $2, last_error = COALESCE($3, "
				 "last_error), worker_pid = NULL, finished_at = CASE WHEN $2 IN ('succeeded', 'failed', 'cancelled') "
				 "THEN COALESCE(finished_at, pg_catalog.now()) END, updated_at = pg_catalog.now() WHERE id = $1",
				 3, types, values, nulls);
}

void begin_c()
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
}

void commit_c()
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
}

void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

bool is_conflict(int sqlstate)
{
	return sqlstate == ERRCODE_LOCK_NOT_AVAILABLE || sqlstate == ERRCODE_T_R_DEADLOCK_DETECTED ||
		   sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE || sqlstate == ERRCODE_QUERY_CANCELED;
}

// BatchResult: what one batch did, in plain memory.
struct BatchResult {
	int64 rows;
	bool reached_upper;
	bool finished;  // the tail re-check found nothing new: the job is done
};

// run_batch_c: one batch inside the current subtransaction (PostgreSQL calls only).
BatchResult run_batch_c(int64 jobid, JobC *job, const Statements *st, int64 size, Oid relid)
{
	BatchResult r{};
	int n = job->nkeys;
	char **end = nullptr;
	set_batch_timeouts_c(job->lock_ms, job->stmt_ms);
	Oid *types = (Oid *) palloc(sizeof(Oid) * (2 * n + 2));
	for (int i = 0; i < 2 * n + 2; i++)
		types[i] = TEXTOID;
	char **new_position;
	// statement_timeout is armed only for client statements; a worker arms it itself.
	enable_timeout_after(STATEMENT_TIMEOUT, job->stmt_ms);
	if (n > 0) {
		bool found;
		if (job->has_position)
			found = run_keys_c(st->batch_end, 2 * n + 1, text_datums(job->position, n, job->upper, n, true, size - 1),
							   n, &end);
		else
			found = run_keys_c(st->batch_end_first, n + 1, text_datums(job->upper, n, nullptr, 0, true, size - 1), n,
							   &end);
		if (!found)
			end = job->upper;
		r.reached_upper = !found;
		int rc = job->has_position
					 ? SPI_execute_with_args(st->update, 2 * n, types, text_datums(job->position, n, end, n, false, 0),
											 nullptr, false, 0)
					 : SPI_execute_with_args(st->update_first, n, types, text_datums(end, n, nullptr, 0, false, 0),
											 nullptr, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "backfill batch failed: %s", SPI_result_code_string(rc));
		r.rows = int64(SPI_processed);
		new_position = end;
	} else {
		// ctid page ranges: [position, position + pages)
		int64 from = job->has_position ? strtoll(job->position[0], nullptr, 10) : 0;
		int64 upper = strtoll(job->upper[0], nullptr, 10);
		Relation rel = RelationIdGetRelation(relid);
		double per_page = (rel && rel->rd_rel->relpages > 0 && rel->rd_rel->reltuples > 0)
							  ? double(rel->rd_rel->reltuples) / double(rel->rd_rel->relpages)
							  : 50.0;
		if (rel)
			RelationClose(rel);
		int64 pages = Max(int64(1), int64(double(size) / Max(per_page, 1.0)));
		int64 to = Min(from + pages, upper);
		char *rel_name = quote_qualified_identifier(job->schema, job->relname);
		char *sql = psprintf("UPDATE %s SET\n%s\nWHERE ctid >= '(%lld,0)'::tid AND ctid < '(%lld,0)'::tid AND (\n%s\n)",
							 rel_name, job->set_clause, (long long) from, (long long) to,
							 job->where_clause ? job->where_clause : "true");
		int rc = SPI_execute(sql, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "backfill batch failed: %s", SPI_result_code_string(rc));
		r.rows = int64(SPI_processed);
		r.reached_upper = to >= upper;
		new_position = (char **) palloc(sizeof(char *));
		new_position[0] = psprintf("%lld", (long long) to);
	}
	disable_timeout(STATEMENT_TIMEOUT, false);
	// The tail: rows inserted after the walk started, checked a bounded number of times.
	char **new_upper = job->upper;
	int tail = job->tail_passes;
	if (r.reached_upper) {
		char **now_upper = nullptr;
		if (n > 0 && tail < kMaxTailPasses && run_keys_c(st->upper, 0, nullptr, n, &now_upper)) {
			// compare as keys: is the current last key beyond the bound?
			Datum *v = text_datums(now_upper, n, job->upper, n, false, 0);
			char *cmp = psprintf("SELECT %s > %s", row_of(job, 1, true), row_of(job, n + 1, true));
			if (SPI_execute_with_args(cmp, 2 * n, types, v, nullptr, true, 1) == SPI_OK_SELECT && SPI_processed == 1) {
				bool isnull;
				if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) {
					new_upper = now_upper;
					tail++;
					r.reached_upper = false;
				}
			}
		}
		r.finished = r.reached_upper;
	}
	// Progress, in the same transaction as the rows.
	Oid ptypes[7] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID, INT8OID, INT4OID, INT4OID, BOOLOID};
	Datum pvalues[7] = {Int64GetDatum(jobid),
						text_array_datum(new_position, n > 0 ? n : 1),
						text_array_datum(new_upper, n > 0 ? n : 1),
						Int64GetDatum(r.rows),
						Int32GetDatum(int32(size)),
						Int32GetDatum(tail),
						BoolGetDatum(r.finished)};
	int rc = spi_as_owner(
		"UPDATE migration_helpers._backfill_jobs SET position = $2, upper_bound = $3, rows_done = rows_done + $4, "
		"batches_done = batches_done + 1, batch_size = $5, tail_passes = $6, updated_at = pg_catalog.now(), "
		"status = CASE WHEN $7 THEN 'succeeded' ELSE status END, "
		"finished_at = CASE WHEN $7 THEN pg_catalog.now() END, "
		"worker_pid = CASE WHEN $7 THEN NULL ELSE worker_pid END WHERE id = $1",
		7, ptypes, pvalues, nullptr);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not record backfill progress: %s", SPI_result_code_string(rc));
	return r;
}

// start_job_c: marks the job running in this worker and fixes the walk's upper bound.
// Returns false when there is nothing to walk (the job is then done).
bool start_job_c(int64 jobid, JobC *job, const Statements *st, Oid relid)
{
	bool empty = false;
	char **upper = job->upper;
	if (!job->has_upper) {
		if (job->nkeys > 0) {
			empty = !run_keys_c(st->upper, 0, nullptr, job->nkeys, &upper);
		} else {
			Relation rel = RelationIdGetRelation(relid);
			BlockNumber pages = rel ? RelationGetNumberOfBlocks(rel) : 0;
			if (rel)
				RelationClose(rel);
			upper = (char **) palloc(sizeof(char *));
			upper[0] = psprintf("%u", pages);
			empty = pages == 0;
		}
	}
	Oid types[4] = {INT8OID, INT4OID, TEXTARRAYOID, BOOLOID};
	Datum values[4] = {Int64GetDatum(jobid), Int32GetDatum(MyProcPid),
					   upper ? text_array_datum(upper, Max(job->nkeys, 1)) : (Datum) 0, BoolGetDatum(empty)};
	char nulls[5] = {' ', ' ', upper ? ' ' : 'n', ' ', '\0'};
	int rc = spi_as_owner(
		"UPDATE migration_helpers._backfill_jobs SET status = CASE WHEN $4 THEN 'succeeded' ELSE 'running' END, "
		"worker_pid = CASE WHEN $4 THEN NULL ELSE $2 END, upper_bound = $3, "
		"started_at = COALESCE(started_at, pg_catalog.now()), updated_at = pg_catalog.now(), "
		"finished_at = CASE WHEN $4 THEN pg_catalog.now() END WHERE id = $1 AND worker_pid = $2",
		4, types, values, nulls);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not start backfill job: %s", SPI_result_code_string(rc));
	return !empty && SPI_processed == 1;
}

void report_activity(int64 job, const char *what)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "backfill job %lld: %s", (long long) job, what);
	pgstat_report_activity(STATE_RUNNING, buf);
}

// run_job: the worker's life. C++ objects here hold no PostgreSQL memory; every call into the server is a pg_call.
void run_job(int64 jobid, const WorkerArgs &args)
{
	JobC job{};
	// The job row is read again before every batch into job_cxt, reset each time: memory stays flat.
	MemoryContext job_cxt = pg_call([] {
		return AllocSetContextCreate(TopMemoryContext, "migration_helpers backfill job", ALLOCSET_SMALL_SIZES);
	});
	// Wait until the transaction that launched this worker ends: it records this worker's
	// pid in the job row (and created the row, for a new job); if it aborted, nothing to do.
	while (args.creator_xid != 0 && pg_call([&] { return TransactionIdIsInProgress(args.creator_xid); }))
		pg_call([] { sleep_ms(20); });
	pg_call([&] {
		begin_c();
		read_job_c(jobid, &job, job_cxt, true);
		commit_c();
	});
	if (!job.found || job.worker_pid != MyProcPid)
		return;  // the launch was rolled back, or another worker owns the job now
	if (strcmp(job.status, "queued") != 0 && strcmp(job.status, "running") != 0)
		return;  // paused or ended meanwhile
	pg_call([&] {
		report_activity(jobid, "starting");
		// A batch's commit need not wait for its WAL to reach disk: its rows and its progress
		// record are one transaction, so a crash that loses the commit loses both, and the
		// batch runs again on resume (nothing lost, nothing done twice). Any later durable
		// commit, such as the migration's next DDL, flushes the WAL up to it anyway.
		(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0,
								 false);
	});

	core::BatchSettings settings;
	settings.initial_size = job.batch_size;
	settings.min_size = job.min_size;
	settings.max_size = job.max_size;
	settings.target_ms = job.target_ms;
	core::BatchController controller(settings);
	Oid relid = InvalidOid;
	Statements st{};
	bool walking = pg_call([&] {
		begin_c();
		relid = get_relname_relid(job.relname, get_namespace_oid(job.schema, false));
		if (!OidIsValid(relid))
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
							errmsg("table \"%s.%s\" of backfill job %lld no longer exists", job.schema, job.relname,
								   (long long) jobid)));
		if (job.nkeys > 0) {
			key_types_c(&job, relid);
			st = build_statements_c(&job);
		}
		bool more = start_job_c(jobid, &job, &st, relid);
		commit_c();
		return more;
	});
	if (!walking)
		return;

	MemoryContext batch_cxt = pg_call([] {
		return AllocSetContextCreate(TopMemoryContext, "migration_helpers backfill batch", ALLOCSET_DEFAULT_SIZES);
	});
	std::string last_error;
	for (;;) {
		double wait_ms = job.pause_ms;
		bool done = false;
		// Each batch's allocations live in batch_cxt, reset every time: memory stays flat.
		if (job.has_lag) {
			int64 lag = pg_call([&] { begin_c(); int64 l = replication_lag_c(); commit_c(); return l; });
			if (lag > job.max_lag) {
				pg_call([&] {
					char what[128];
					snprintf(what, sizeof(what), "throttled: replication lag %lld bytes > %lld", (long long) lag,
							 (long long) job.max_lag);
					report_activity(jobid, what);
					sleep_ms(100);  // re-checked often: replicas usually catch up in milliseconds
				});
				continue;
			}
		}
		// The batch's transaction starts by locking the job row and checking it is still ours to run.
		pg_call([&] {
			MemoryContextReset(batch_cxt);
			MemoryContextReset(job_cxt);
			CHECK_FOR_INTERRUPTS();
			begin_c();
			read_job_c(jobid, &job, job_cxt, true);
			if (!job.found || job.worker_pid != MyProcPid) {
				done = true;  // removed, or another worker owns it now
			} else if (strcmp(job.status, "running") != 0 && strcmp(job.status, "queued") != 0) {
				done = true;  // paused or cancelled: stop here, the job row says why
				finish_job_c(jobid, job.status, nullptr);
			}
			if (done)
				commit_c();
		});
		if (done)
			break;
		int64 size = controller.size();
		pg_call([&] {
			char what[128];
			snprintf(what, sizeof(what), "batch of %lld rows, %lld done", (long long) size, (long long) job.rows_done);
			report_activity(jobid, what);
		});
		TimestampTz started = pg_call([] { return GetCurrentTimestamp(); });
		BatchResult result{};
		int sqlstate = 0;
		bool failed = false;
		// The batch: a subtransaction inside the batch's transaction, so that its failure
		// can be recorded in the job row by the same transaction.
		MemoryContext outer = pg_call([] { return CurrentMemoryContext; });
		ResourceOwner owner = pg_call([] { return CurrentResourceOwner; });
		try {
			pg_call([&] {
				BeginInternalSubTransaction(nullptr);
				MemoryContextSwitchTo(batch_cxt);
				result = run_batch_c(jobid, &job, &st, size, relid);
				ReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(outer);
				CurrentResourceOwner = owner;
			});
		} catch (const PgError &e) {
			failed = true;
			pg_call([] { disable_timeout(STATEMENT_TIMEOUT, false); });
			sqlstate = e.edata->sqlerrcode;
			last_error = e.edata->message ? e.edata->message : "unknown error";
			pg_call([&] {
				RollbackAndReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(outer);
				CurrentResourceOwner = owner;
			});
		}
		double elapsed_ms = pg_call([&] { return double(GetCurrentTimestamp() - started) / 1000.0; });
		if (!failed) {
			controller.after_batch(elapsed_ms, result.rows);
			pg_call([&] { commit_c(); });
			if (result.finished)
				break;
		} else {
			bool conflict = is_conflict(sqlstate);
			wait_ms = conflict ? controller.after_conflict() : controller.after_failure();
			bool gave_up = controller.gave_up();
			char msg[512];
			snprintf(msg, sizeof(msg), "%s%s", conflict ? "lock conflict: " : "", last_error.c_str());
			int32 next_size = int32(controller.size());
			pg_call([&] {
				Oid types[4] = {INT8OID, TEXTOID, BOOLOID, INT4OID};
				Datum values[4] = {Int64GetDatum(jobid), CStringGetTextDatum(msg), BoolGetDatum(gave_up),
								   Int32GetDatum(next_size)};
				spi_as_owner("UPDATE migration_helpers._backfill_jobs SET retries = retries + 1, last_error = $2, "
							 "batch_size = $4, updated_at = pg_catalog.now(), "
							 "status = CASE WHEN $3 THEN 'failed' ELSE status END, "
							 "finished_at = CASE WHEN $3 THEN pg_catalog.now() END, "
							 "worker_pid = CASE WHEN $3 THEN NULL ELSE worker_pid END WHERE id = $1",
							 4, types, values, nullptr);
				commit_c();
			});
			if (gave_up)
				break;
		}
		pg_call([&] { sleep_ms(long(wait_ms)); });
	}
	pg_call([&] {
		MemoryContextDelete(batch_cxt);
		MemoryContextDelete(job_cxt);
	});
}


// worker_spec: a background worker of this library, connected to a database, started after recovery.
BackgroundWorker worker_spec(const char *function, const char *type, int restart_seconds)
{
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = restart_seconds;
	strlcpy(worker.bgw_library_name, "migration_helpers", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	strlcpy(worker.bgw_name, type, BGW_MAXLEN);
	return worker;
}

}  // namespace

bool launch_backfill_worker(int64_t job, const WorkerArgs &args, int *pid_out)
{
	BackgroundWorker worker = worker_spec("mh_backfill_worker_main", "migration_helpers backfill", BGW_NEVER_RESTART);
	snprintf(worker.bgw_name, BGW_MAXLEN, "migration_helpers backfill job %lld", (long long) job);
	worker.bgw_main_arg = Int64GetDatum(job);
	memcpy(worker.bgw_extra, &args, sizeof(args));
	worker.bgw_notify_pid = MyProcPid;
	return pg_call([&] {
		BackgroundWorkerHandle *handle;
		*pid_out = 0;
		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
			return false;
		pid_t pid;
		if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
			return true;  // it stopped already: the job shows as interrupted, with the reason in the server log
		// Wait until the worker shows in pg_stat_activity, so that the job is never
		// seen without a live worker in between (the backfills view checks there).
		for (int i = 0; i < 2000; i++) {
			const char *activity = pgstat_get_backend_current_activity(pid, false);
			if (strcmp(activity, "<backend information not available>") != 0)
				break;
			pid_t now;
			if (GetBackgroundWorkerPid(handle, &now) == BGWH_STOPPED)
				break;
			pg_usleep(5000);
			CHECK_FOR_INTERRUPTS();
		}
		*pid_out = pid;
		return true;
	});
}

namespace {

bool launch_resumer(Oid database)
{
	BackgroundWorker worker = worker_spec("mh_backfill_resumer_main", "migration_helpers resumer", BGW_NEVER_RESTART);
	snprintf(worker.bgw_name, BGW_MAXLEN, "migration_helpers resumer for database %u", database);
	worker.bgw_main_arg = ObjectIdGetDatum(database);
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

}  // namespace

void backfill_init()
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	// Restarted after a crash (10 s), and with it the resuming of interrupted jobs.
	BackgroundWorker worker = worker_spec("mh_backfill_launcher_main", "migration_helpers launcher", 10);
	RegisterBackgroundWorker(&worker);
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

void mh_backfill_worker_main(Datum arg)
{
	int64 job = DatumGetInt64(arg);
	pg::WorkerArgs args;
	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.database, args.role, 0);
	pg::guarded_void_entry([&] { pg::run_job(job, args); });
}

// mh_backfill_launcher_main: once per server start (and after each crash), one resumer per database.
void mh_backfill_launcher_main(Datum arg)
{
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
	pg::guarded_void_entry([&] {
		pg::pg_call([] {
			List *dbs = NIL;
			StartTransactionCommand();
			Relation rel = table_open(DatabaseRelationId, AccessShareLock);
			TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
			HeapTuple tup;
			while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
				auto *db = (Form_pg_database) GETSTRUCT(tup);
				if (db->datallowconn && !db->datistemplate)
					dbs = lappend_oid(dbs, db->oid);
			}
			table_endscan(scan);
			table_close(rel, AccessShareLock);
			MemoryContext keep = MemoryContextSwitchTo(TopMemoryContext);
			dbs = list_copy(dbs);
			MemoryContextSwitchTo(keep);
			CommitTransactionCommand();
			ListCell *lc;
			foreach (lc, dbs)
				if (!pg::launch_resumer(lfirst_oid(lc)))
					ereport(WARNING, (errmsg("could not start a backfill resumer for database %u: no background "
											 "worker slot is free",
											 lfirst_oid(lc))));
			// Stay, idle: a crash restarts this worker, and with it the resuming.
			for (;;) {
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1, PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();
			}
		});
	});
}

// mh_backfill_resumer_main: resumes the interrupted jobs of one database, if it has the extension.
void mh_backfill_resumer_main(Datum arg)
{
	Oid database = DatumGetObjectId(arg);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
	pg::guarded_void_entry([&] {
		bool installed = pg::pg_call([] {
			StartTransactionCommand();
			bool ok = OidIsValid(get_extension_oid("migration_helpers", true));
			CommitTransactionCommand();
			return ok;
		});
		if (!installed)
			return;
		int started = 0;
		pg::pg_call([] {
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			PushActiveSnapshot(GetTransactionSnapshot());
		});
		started = pg::resume_backfills(true);
		pg::pg_call([&] {
			// Names are looked up while the transaction is open: the catalog is not readable outside one.
			char *dbname = get_database_name(MyDatabaseId);
			if (started > 0)
				ereport(LOG, (errmsg("migration_helpers resumed %d backfill job(s) in database \"%s\"", started,
									 dbname)));
			PopActiveSnapshot();
			CommitTransactionCommand();
		});
	});
}
