// backfill.hpp — the backfill engine's glue, shared by the SQL functions
// (backfill.cpp) and the background workers (backfill_worker.cpp).
//
// Words used here:
//   job       a row of migration_helpers._backfill_jobs: one UPDATE to run
//             in batches over one table, as the role that asked for it.
//   worker    the dynamic background worker running one job, connected as
//             the job's role (bgw_type "migration_helpers backfill").
//   launcher  with shared_preload_libraries, the static worker that, at
//             server start and after a crash, starts a resumer per database.
//   resumer   a short-lived worker that starts workers for the unfinished
//             jobs of one database whose worker is gone.
#pragma once

#include <cstdint>

namespace migration_helpers::pg {

// WorkerArgs: what a job worker needs before it can read its job (bgw_extra).
struct WorkerArgs {
	unsigned int database;
	unsigned int role;
	unsigned int creator_xid;  // the transaction that launched the worker and records its pid
};

// launch_backfill_worker: starts the worker of a job and waits until it is
// visible in pg_stat_activity (its pid in *pid_out); false when no background
// worker slot is free (max_worker_processes).
bool launch_backfill_worker(int64_t job, const WorkerArgs &args, int *pid_out);

// resume_backfills: starts workers for the queued or running jobs of this
// database whose worker is gone; only the jobs the current role may control
// unless all_roles. Returns how many were started; an error names the first
// job that could not get a worker.
int resume_backfills(bool all_roles);

void backfill_init();

// jobs_owner: the owner of migration_helpers._backfill_jobs, whose rights write job rows.
unsigned int jobs_owner();
// spi_as_owner: one SPI statement (fixed text, values as parameters) run with
// the rights of the job table's owner and search_path pinned to pg_catalog,
// so that no object of the caller's can be picked up with those rights. On
// error the (sub)transaction abort restores user and settings.
int spi_as_owner(const char *sql, int nargs, unsigned int *types, uintptr_t *values, const char *nulls);

}  // namespace migration_helpers::pg
