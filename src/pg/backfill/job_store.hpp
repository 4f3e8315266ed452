// job_store.hpp — every statement on migration_helpers._backfill_jobs. Each
// runs with the rights of the job table's owner and search_path pinned to
// pg_catalog (spi_owner), so that no object of the caller's is ever picked up
// with those rights; callers hold an SPI connection. PostgreSQL calls only.
#pragma once

#include <cstdint>

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// spi_owner: one statement (fixed text, values as parameters) as the job
// table's owner; a result other than expected_rc is an internal error naming
// what failed. Returns SPI_processed.
uint64 spi_owner(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls);
Oid jobs_owner();

// ControlRow: what the control functions and backfill_wait() read of a job.
struct ControlRow {
	bool found;
	char *status;
	Oid owner;        // InvalidOid for a job whose role is gone
	char *owner_name;
	Oid login;
	int worker_pid;
	Oid relation;       // the job's table (may be gone)
	bool created_here;  // recorded by the current transaction
};
// read_control_row: the job, locked FOR UPDATE when lock.
ControlRow read_control_row(int64 job, bool lock);
// latest_job_of: the newest job on the table that the current role may see; 0 if none.
int64 latest_job_of(Oid relation);
// may_see_job: the current role may see jobs of owner (as pg_stat_activity would show them).
bool may_see_job(Oid owner);

void set_status(int64 job, const char *status, bool reset_errors);
void fail_job(int64 job, const char *error);

}  // namespace migration_helpers::pg
