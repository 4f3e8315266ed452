// job_store.hpp — every statement on migration_helpers._backfill_jobs, and the
// row as the glue sees it. Each statement runs with the rights of the job
// table's owner and search_path pinned to pg_catalog (spi_owner), so that no
// object of the caller's is ever picked up with those rights; callers hold an
// SPI connection. Statuses are core::JobStatus, written by their names.
// PostgreSQL calls only.
#pragma once

#include <cstdint>

#include "core/backfill/job.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// spi_owner: one statement (fixed text, values as parameters) as the job
// table's owner; a result other than expected_rc is an internal error naming
// what failed. Returns SPI_processed.
uint64 spi_owner(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls);
Oid jobs_owner();
// jobs_table_current: the job table has this library's columns (false while the
// database's SQL objects are still at version 0.1, before ALTER EXTENSION UPDATE).
bool jobs_table_current();
// require_current_schema: a clear error, naming the fix, when they are not.
void require_current_schema();

// JobRow: a job as its worker needs it (palloc'd in the context given to read_job).
struct JobRow {
	bool found;
	core::JobStatus status;
	Oid relid, owner, login;
	char *set_clause, *where_clause;
	int batch_size, min_size, max_size, target_ms, pause_ms, lock_ms, stmt_ms;
	bool has_lag;
	int64 max_lag;
	int nkeys;
	char **keys;  // key column names
	bool has_position, has_upper;
	char **position;  // nkeys canonical texts: the last key done
	char **upper;     // the last key present when the walk started
	int tail_passes;
	int64 rows_done;
	int worker_pid;
	int nsettings;  // 2 per setting: name, value
	char **settings;
	char *origin;
};
// read_job: the job, copied into cxt; FOR UPDATE when lock (which also
// serializes a batch with the control functions and with any other worker).
void read_job(int64 job, JobRow *out, MemoryContext cxt, bool lock);

// NewJob: what start_backfill records.
struct NewJob {
	const char *schema, *relname, *set_clause, *where_clause, *owner_name;
	int batch_size, min_size, max_size, target_ms, pause_ms, lock_ms, stmt_ms;
	bool has_lag;
	int64 max_lag;
	Datum keys;  // name[]
	Oid relid, owner, login;
	Datum settings;  // text[]
	const char *origin;
	bool has_migration;
	int64 migration_id;
	double rows_estimated;  // < 0: unknown
};
int64 insert_job(const NewJob &j);
// find_equal_job: the newest job with the same table, role, SET and WHERE that
// was not cancelled; 0 if none (*status names its status).
int64 find_equal_job(Oid relid, Oid owner, const char *set_clause, const char *where_clause, char **status);

// ControlRow: what the control functions and backfill_wait() read of a job.
struct ControlRow {
	bool found;
	char *status;
	Oid owner;  // InvalidOid for a job whose role is gone
	char *owner_name;
	Oid login;
	int worker_pid;
	Oid relation;       // the job's table (may be gone)
	bool created_here;  // recorded by the current transaction
};
ControlRow read_control_row(int64 job, bool lock);
// latest_job_of: the newest job on the table that the current role may see; 0 if none.
int64 latest_job_of(Oid relation);
// may_see_job: the current role may see jobs of owner (as pg_stat_activity would show them).
bool may_see_job(Oid owner);

// JobRef: a job in a list of jobs to start.
struct JobRef {
	int64 id;
	int worker_pid;
	Oid owner, login;
	char *owner_name;
};
// jobs_with_status: the jobs in status, oldest first (*n of them, palloc'd);
// with a valid login, only the jobs whose worker connects as that role.
JobRef *jobs_with_status(core::JobStatus status, Oid login, int *n);

void set_status(int64 job, core::JobStatus status, bool reset_errors);
void fail_job(int64 job, const char *error);
// claim_job: the worker pid owns the job now, running, with its walk's upper
// bound (nullptr: the table is empty, and the job has succeeded).
void claim_job(int64 job, int pid, char **upper, int nkeys);
// release_job: the worker lets go of the job (paused or cancelled meanwhile).
void release_job(int64 job);
// record_progress: a batch's new position, bound and counts, in the batch's transaction.
void record_progress(int64 job, const JobRow &row, int64 rows, int64 next_size, bool finished);
// record_shard_progress: a round of shard batches on a distributed table: the job's rows done
// (over every shard, as their nodes count them) and its next batch size, in the round's transaction.
void record_shard_progress(int64 job, int64 rows_done, int64 next_size, bool finished);
// record_batch_failure: a failed batch's error; gave_up fails the job.
void record_batch_failure(int64 job, const char *error, bool gave_up, int32 next_size);

}  // namespace migration_helpers::pg
