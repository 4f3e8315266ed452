// job_store.cpp — the job table's statements shared by the SQL functions and
// the workers (see job_store.hpp). The worker's own batch statements live in
// worker.cpp next to the walk they record.
#include "pg/backfill/job_store.hpp"
#include "pg/common/owner_spi.hpp"

#include <optional>

namespace migration_helpers::pg {

namespace {

// spi_owner_run: one statement as the job table's owner (see common/owner_spi.hpp).
uint64 spi_owner_run(SPIPlanPtr *kept, const char *what, int expected_rc, const char *sql, int nargs,
					 Oid *types, Datum *values, const char *nulls)
{
	return spi_as_owner(jobs_owner(), kept, what, expected_rc, sql, nargs, types, values, nulls);
}

// Kept plans of the statements of every batch.
SPIPlanPtr read_job_locked_plan = nullptr;
SPIPlanPtr read_job_plan = nullptr;
SPIPlanPtr record_progress_plan = nullptr;

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

core::JobStatus status_of(const char *name)
{
	std::optional<core::JobStatus> s = core::parse_status(name);
	if (!s)
		elog(ERROR, "backfill job has unknown status \"%s\"", name);
	return *s;
}

Datum text_array_datum(char **a, int n)
{
	Datum *e = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e[i] = CStringGetTextDatum(a[i]);
	return PointerGetDatum(construct_array(e, n, TEXTOID, -1, false, TYPALIGN_INT));
}

Datum status_datum(core::JobStatus s)
{
	return CStringGetTextDatum(core::status_name(s));
}

}  // namespace

void read_job(int64 job, JobRow *out, MemoryContext cxt, bool lock)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	uint64 n = spi_owner_run(
		lock ? &read_job_locked_plan : &read_job_plan, "read backfill job", SPI_OK_SELECT,
		psprintf(
			"SELECT status, relation_oid, owner_oid, login_oid, set_clause, where_clause, batch_size, "
			"min_batch_size, max_batch_size, target_batch_ms, pause_ms, batch_lock_timeout_ms, "
			"batch_statement_timeout_ms, max_replication_lag, key_columns::text[], position, upper_bound, "
			"tail_passes, rows_done, worker_pid, settings, origin FROM migration_helpers._backfill_jobs "
			"WHERE id = $1%s",
			lock ? " FOR UPDATE" : ""),
		1, types, values, nullptr);
	out->found = n == 1;
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
	auto oid = [&](int col) {
		Datum v = SPI_getbinval(t, d, col, &isnull);
		return isnull ? InvalidOid : DatumGetObjectId(v);
	};
	out->status = status_of(SPI_getvalue(t, d, 1));
	out->relid = oid(2);
	out->owner = oid(3);
	out->login = oid(4);
	out->set_clause = str(5);
	out->where_clause = str(6);
	out->batch_size = i32(7);
	out->min_size = i32(8);
	out->max_size = i32(9);
	out->target_ms = i32(10);
	out->pause_ms = i32(11);
	out->lock_ms = i32(12);
	out->stmt_ms = i32(13);
	Datum lag = SPI_getbinval(t, d, 14, &isnull);
	out->has_lag = !isnull;
	out->max_lag = isnull ? 0 : DatumGetInt64(lag);
	Datum keys = SPI_getbinval(t, d, 15, &isnull);
	out->nkeys = 0;
	if (!isnull)
		out->keys = text_array_c(keys, &out->nkeys, cxt);
	int n2;
	Datum pos = SPI_getbinval(t, d, 16, &isnull);
	out->has_position = !isnull;
	if (!isnull)
		out->position = text_array_c(pos, &n2, cxt);
	Datum up = SPI_getbinval(t, d, 17, &isnull);
	out->has_upper = !isnull;
	if (!isnull)
		out->upper = text_array_c(up, &n2, cxt);
	out->tail_passes = i32(18);
	out->rows_done = DatumGetInt64(SPI_getbinval(t, d, 19, &isnull));
	Datum pid = SPI_getbinval(t, d, 20, &isnull);
	out->worker_pid = isnull ? 0 : DatumGetInt32(pid);
	Datum settings = SPI_getbinval(t, d, 21, &isnull);
	out->nsettings = 0;
	if (!isnull)
		out->settings = text_array_c(settings, &out->nsettings, cxt);
	out->origin = str(22);
}

Oid jobs_owner()
{
	return state_table_owner("_backfill_jobs");
}

bool jobs_table_current()
{
	Oid nsp = get_namespace_oid("migration_helpers", true);
	Oid rel = OidIsValid(nsp) ? get_relname_relid("_backfill_jobs", nsp) : InvalidOid;
	return OidIsValid(rel) && get_attnum(rel, "relation_oid") != InvalidAttrNumber;
}

void require_current_schema()
{
	if (!jobs_table_current())
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the SQL objects of extension \"migration_helpers\" are older than its library"),
			 errdetail("The backfill engine of this library needs version 0.2 of the extension's objects."),
			 errhint("Run ALTER EXTENSION migration_helpers UPDATE;")));
}

uint64 spi_owner(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls)
{
	return spi_owner_run(nullptr, what, expected_rc, sql, nargs, types, values, nulls);
}

bool may_see_job(Oid owner)
{
	return has_privs_of_role(GetUserId(), owner) || has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
}

ControlRow read_control_row(int64 job, bool lock)
{
	ControlRow row{};
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	uint64 n = spi_owner("read backfill job", SPI_OK_SELECT,
						 lock ? "SELECT status, owner_oid, owner_role::text, login_oid, worker_pid, "
								"creator_xid = pg_catalog.pg_current_xact_id_if_assigned(), relation_oid "
								"FROM migration_helpers._backfill_jobs WHERE id = $1 FOR UPDATE"
							  : "SELECT status, owner_oid, owner_role::text, login_oid, worker_pid, "
								"creator_xid = pg_catalog.pg_current_xact_id_if_assigned(), relation_oid "
								"FROM migration_helpers._backfill_jobs WHERE id = $1",
						 1, types, values, nullptr);
	if (n == 0)
		return row;
	HeapTuple t = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool isnull;
	row.found = true;
	row.status = SPI_getvalue(t, d, 1);
	Datum owner = SPI_getbinval(t, d, 2, &isnull);
	row.owner = isnull ? InvalidOid : DatumGetObjectId(owner);
	// A role dropped since: its OID is no role now (never trust a role re-created under the same name).
	if (OidIsValid(row.owner) && !SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(row.owner)))
		row.owner = InvalidOid;
	row.owner_name = SPI_getvalue(t, d, 3);
	Datum login = SPI_getbinval(t, d, 4, &isnull);
	row.login = isnull ? InvalidOid : DatumGetObjectId(login);
	Datum pid = SPI_getbinval(t, d, 5, &isnull);
	row.worker_pid = isnull ? 0 : DatumGetInt32(pid);
	Datum here = SPI_getbinval(t, d, 6, &isnull);
	row.created_here = !isnull && DatumGetBool(here);
	Datum rel = SPI_getbinval(t, d, 7, &isnull);
	row.relation = isnull ? InvalidOid : DatumGetObjectId(rel);
	return row;
}

int64 latest_job_of(Oid relation)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relation)};
	uint64 n = spi_owner("read backfill jobs", SPI_OK_SELECT,
						 "SELECT id, owner_oid FROM migration_helpers._backfill_jobs WHERE relation_oid = $1 "
						 "ORDER BY id DESC",
						 1, types, values, nullptr);
	for (uint64 i = 0; i < n; i++) {
		bool isnull;
		Datum owner = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull && may_see_job(DatumGetObjectId(owner)))
			return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	return 0;
}

void set_status(int64 job, core::JobStatus status, bool reset_errors)
{
	Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum values[3] = {Int64GetDatum(job), status_datum(status), status_datum(core::JobStatus::Cancelled)};
	spi_owner("update backfill job", SPI_OK_UPDATE,
			  reset_errors
				  ? "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
					"retries = 0, last_error = NULL, finished_at = NULL WHERE id = $1"
				  : "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
					"finished_at = CASE WHEN $2 = $3 THEN pg_catalog.now() END WHERE id = $1",
			  3, types, values, nullptr);
}

void fail_job(int64 job, const char *error)
{
	Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum values[3] = {Int64GetDatum(job), CStringGetTextDatum(error), status_datum(core::JobStatus::Failed)};
	spi_owner("record the backfill job's failure", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET status = $3, last_error = $2, worker_pid = NULL, "
			  "finished_at = pg_catalog.now(), updated_at = pg_catalog.now() WHERE id = $1",
			  3, types, values, nullptr);
}

int64 insert_job(const NewJob &j)
{
	Oid types[21] = {NAMEOID, NAMEOID, TEXTOID, TEXTOID,      NAMEOID, INT4OID, INT4OID,
					 INT4OID, INT4OID, INT4OID, INT4OID,      INT4OID, INT8OID, NAMEARRAYOID,
					 OIDOID,  OIDOID,  OIDOID,  TEXTARRAYOID, TEXTOID, INT8OID, FLOAT8OID};
	Datum values[21] = {DirectFunctionCall1(namein, CStringGetDatum(j.schema)),
						DirectFunctionCall1(namein, CStringGetDatum(j.relname)),
						CStringGetTextDatum(j.set_clause),
						j.where_clause ? CStringGetTextDatum(j.where_clause) : (Datum) 0,
						DirectFunctionCall1(namein, CStringGetDatum(j.owner_name)),
						Int32GetDatum(j.batch_size),
						Int32GetDatum(j.min_size),
						Int32GetDatum(j.max_size),
						Int32GetDatum(j.target_ms),
						Int32GetDatum(j.pause_ms),
						Int32GetDatum(j.lock_ms),
						Int32GetDatum(j.stmt_ms),
						Int64GetDatum(j.max_lag),
						j.keys,
						ObjectIdGetDatum(j.relid),
						ObjectIdGetDatum(j.owner),
						ObjectIdGetDatum(j.login),
						j.settings,
						CStringGetTextDatum(j.origin),
						Int64GetDatum(j.migration_id),
						Float8GetDatum(j.rows_estimated)};
	char nulls[22];
	memset(nulls, ' ', 21);
	nulls[21] = '\0';
	nulls[3] = j.where_clause ? ' ' : 'n';
	nulls[12] = j.has_lag ? ' ' : 'n';
	nulls[19] = j.has_migration ? ' ' : 'n';
	nulls[20] = j.rows_estimated >= 0 ? ' ' : 'n';
	spi_owner(
		"record the backfill job", SPI_OK_INSERT_RETURNING,
		"INSERT INTO migration_helpers._backfill_jobs (relation_schema, relation_name, set_clause, where_clause, "
		"owner_role, batch_size, min_batch_size, max_batch_size, target_batch_ms, pause_ms, "
		"batch_lock_timeout_ms, batch_statement_timeout_ms, max_replication_lag, key_columns, relation_oid, "
		"owner_oid, login_oid, settings, origin, migration_id, rows_estimated) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
		"pg_catalog.round($21)::bigint) RETURNING id",
		21, types, values, nulls);
	bool isnull;
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

int64 find_equal_job(Oid relid, Oid owner, const char *set_clause, const char *where_clause, char **status)
{
	Oid types[5] = {OIDOID, OIDOID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[5] = {ObjectIdGetDatum(relid), ObjectIdGetDatum(owner), CStringGetTextDatum(set_clause),
					   where_clause ? CStringGetTextDatum(where_clause) : (Datum) 0,
					   status_datum(core::JobStatus::Cancelled)};
	char nulls[6] = {' ', ' ', ' ', where_clause ? ' ' : 'n', ' ', '\0'};
	uint64 n = spi_owner("read backfill jobs", SPI_OK_SELECT,
						 "SELECT id, status FROM migration_helpers._backfill_jobs WHERE relation_oid = $1 "
						 "AND owner_oid = $2 AND set_clause = $3 AND where_clause IS NOT DISTINCT FROM $4 "
						 "AND status <> $5 ORDER BY id DESC LIMIT 1",
						 5, types, values, nulls);
	if (n == 0)
		return 0;
	bool isnull;
	*status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

JobRef *jobs_with_status(core::JobStatus status, Oid login, int *count)
{
	Oid types[2] = {TEXTOID, OIDOID};
	Datum values[2] = {status_datum(status), ObjectIdGetDatum(login)};
	uint64 n =
		spi_owner("read backfill jobs", SPI_OK_SELECT,
				  "SELECT id, worker_pid, owner_oid, login_oid, owner_role::text "
				  "FROM migration_helpers._backfill_jobs WHERE status = $1 AND ($2 = 0 OR login_oid = $2) "
				  "ORDER BY id",
				  2, types, values, nullptr);
	JobRef *out = (JobRef *) palloc0(sizeof(JobRef) * Max(n, 1));
	for (uint64 i = 0; i < n; i++) {
		HeapTuple t = SPI_tuptable->vals[i];
		TupleDesc d = SPI_tuptable->tupdesc;
		bool isnull;
		out[i].id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
		Datum pid = SPI_getbinval(t, d, 2, &isnull);
		out[i].worker_pid = isnull ? 0 : DatumGetInt32(pid);
		Datum owner = SPI_getbinval(t, d, 3, &isnull);
		out[i].owner = isnull ? InvalidOid : DatumGetObjectId(owner);
		Datum l = SPI_getbinval(t, d, 4, &isnull);
		out[i].login = isnull ? InvalidOid : DatumGetObjectId(l);
		out[i].owner_name = SPI_getvalue(t, d, 5);
	}
	*count = int(n);
	return out;
}

void claim_job(int64 job, int pid, char **upper, int nkeys)
{
	bool empty = upper == nullptr;
	Oid types[4] = {INT8OID, INT4OID, TEXTARRAYOID, TEXTOID};
	Datum values[4] = {Int64GetDatum(job), Int32GetDatum(pid),
					   empty ? (Datum) 0 : text_array_datum(upper, nkeys),
					   status_datum(empty ? core::JobStatus::Succeeded : core::JobStatus::Running)};
	char nulls[5] = {' ', ' ', empty ? 'n' : ' ', ' ', '\0'};
	spi_owner("start backfill job", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET status = $4, "
			  "worker_pid = CASE WHEN $3 IS NULL THEN NULL ELSE $2 END, upper_bound = $3, "
			  "started_at = COALESCE(started_at, pg_catalog.now()), updated_at = pg_catalog.now(), "
			  "finished_at = CASE WHEN $3 IS NULL THEN pg_catalog.now() END WHERE id = $1",
			  4, types, values, nulls);
}

void release_job(int64 job)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	spi_owner("release the backfill job", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET worker_pid = NULL, updated_at = pg_catalog.now() "
			  "WHERE id = $1",
			  1, types, values, nullptr);
}

void record_progress(int64 job, const JobRow &row, int64 rows, int64 next_size, bool finished)
{
	Oid types[8] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID, INT8OID, INT4OID, INT4OID, BOOLOID, TEXTOID};
	Datum values[8] = {Int64GetDatum(job),
					   text_array_datum(row.position, row.nkeys),
					   text_array_datum(row.upper, row.nkeys),
					   Int64GetDatum(rows),
					   Int32GetDatum(int32(next_size)),
					   Int32GetDatum(row.tail_passes),
					   BoolGetDatum(finished),
					   status_datum(core::JobStatus::Succeeded)};
	spi_owner_run(
		&record_progress_plan, "record backfill progress", SPI_OK_UPDATE,
		"UPDATE migration_helpers._backfill_jobs SET position = $2, upper_bound = $3, rows_done = rows_done + $4, "
		"batches_done = batches_done + 1, batch_size = $5, tail_passes = $6, updated_at = pg_catalog.now(), "
		"status = CASE WHEN $7 THEN $8 ELSE status END, "
		"finished_at = CASE WHEN $7 THEN pg_catalog.now() END, "
		"worker_pid = CASE WHEN $7 THEN NULL ELSE worker_pid END WHERE id = $1",
		8, types, values, nullptr);
}

void record_batch_failure(int64 job, const char *error, bool gave_up, int32 next_size)
{
	Oid types[5] = {INT8OID, TEXTOID, BOOLOID, INT4OID, TEXTOID};
	Datum values[5] = {Int64GetDatum(job), CStringGetTextDatum(error), BoolGetDatum(gave_up),
					   Int32GetDatum(next_size), status_datum(core::JobStatus::Failed)};
	spi_owner("record the backfill batch's failure", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET retries = retries + 1, last_error = $2, "
			  "batch_size = $4, updated_at = pg_catalog.now(), "
			  "status = CASE WHEN $3 THEN $5 ELSE status END, "
			  "finished_at = CASE WHEN $3 THEN pg_catalog.now() END, "
			  "worker_pid = CASE WHEN $3 THEN NULL ELSE worker_pid END WHERE id = $1",
			  5, types, values, nullptr);
}

}  // namespace migration_helpers::pg

namespace migration_helpers::pg {

void record_shard_progress(int64 job, int64 rows_done, int64 next_size, bool finished)
{
	Oid types[5] = {INT8OID, INT8OID, INT4OID, BOOLOID, TEXTOID};
	Datum values[5] = {Int64GetDatum(job), Int64GetDatum(rows_done), Int32GetDatum(int32(next_size)),
					   BoolGetDatum(finished), status_datum(core::JobStatus::Succeeded)};
	spi_owner("record backfill progress", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET rows_done = $2, batches_done = batches_done + 1, "
			  "batch_size = $3, updated_at = pg_catalog.now(), "
			  "status = CASE WHEN $4 THEN $5 ELSE status END, "
			  "finished_at = CASE WHEN $4 THEN pg_catalog.now() END, "
			  "worker_pid = CASE WHEN $4 THEN NULL ELSE worker_pid END WHERE id = $1",
			  5, types, values, nullptr);
}

}  // namespace migration_helpers::pg
