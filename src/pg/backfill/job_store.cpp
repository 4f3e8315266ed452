// job_store.cpp — the job table's statements shared by the SQL functions and
// the workers (see job_store.hpp). The worker's own batch statements live in
// worker.cpp next to the walk they record.
#include "pg/backfill/job_store.hpp"

namespace migration_helpers::pg {

Oid jobs_owner()
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

uint64 spi_owner(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls)
{
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	SetUserIdAndSecContext(jobs_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	// On error the (sub)transaction abort restores user and settings.
	int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	AtEOXact_GUC(true, nest);
	if (rc != expected_rc)
		elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
	return SPI_processed;
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

void set_status(int64 job, const char *status, bool reset_errors)
{
	Oid types[2] = {INT8OID, TEXTOID};
	Datum values[2] = {Int64GetDatum(job), CStringGetTextDatum(status)};
	spi_owner("update backfill job", SPI_OK_UPDATE,
			  reset_errors ? "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
							 "retries = 0, last_error = NULL, finished_at = NULL WHERE id = $1"
						   : "UPDATE migration_helpers._backfill_jobs SET status = $2, updated_at = pg_catalog.now(), "
							 "finished_at = CASE WHEN $2 = 'cancelled' THEN pg_catalog.now() END WHERE id = $1",
			  2, types, values, nullptr);
}

void fail_job(int64 job, const char *error)
{
	Oid types[2] = {INT8OID, TEXTOID};
	Datum values[2] = {Int64GetDatum(job), CStringGetTextDatum(error)};
	spi_owner("record the backfill job's failure", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._backfill_jobs SET status = 'failed', last_error = $2, worker_pid = NULL, "
			  "finished_at = pg_catalog.now(), updated_at = pg_catalog.now() WHERE id = $1",
			  2, types, values, nullptr);
}

}  // namespace migration_helpers::pg
