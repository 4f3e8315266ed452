// engine.hpp — the backfill engine: its C++ entry point (start_backfill), which
// the SQL function backfill() and the migration helpers both call, and the
// pieces shared by the SQL functions, the job store and the workers.
//
// Words used here:
//   job       a row of migration_helpers._backfill_jobs: one UPDATE to run
//             in batches over one table, as the role that asked for it.
//   key       the columns the walk orders by: the primary key, or else a unique
//             index on NOT NULL columns. A table with neither is refused: rows
//             that move while the walk runs would be updated twice or missed.
//   worker    the dynamic background worker running one job, connected as the
//             job's login role (bgw_type "migration_helpers backfill").
//   cap       migration_helpers.max_backfill_workers: jobs beyond it wait as
//             queued and start when a worker of the engine ends.
//   launcher  with shared_preload_libraries, the static worker that, at server
//             start and after a crash, starts a resumer per database.
//   resumer   a short-lived worker that starts workers for the unfinished jobs
//             of one database whose worker is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/backfill/batch_controller.hpp"
#include "core/backfill/wal_ahead.hpp"

namespace migration_helpers::pg {

// Request: everything a backfill needs, as plain values (what backfill()'s
// arguments mean). Intervals are in milliseconds.
struct Request {
	unsigned int relation = 0;  // Oid of the table
	std::string set_clause;
	std::optional<std::string> where_clause;
	core::BatchSettings batch;  // initial, min and max size, target duration
	double pause_ms = 0;
	double lock_timeout_ms = 1000;
	double statement_timeout_ms = 60000;
	std::optional<int64_t> max_replication_lag;  // bytes; none: no throttling
	bool force = false;                          // start a new job even if an equal one exists
	std::optional<int64_t> migration_id;         // the expand-contract migration the job belongs to
};

// Started: the job that runs the request; existing when an equal job (same
// table, role, SET and WHERE) was unfinished or had succeeded, and is returned
// instead of starting a second one.
struct Started {
	int64_t job = 0;
	bool existing = false;
};

// start_backfill: validates the request in the caller's session, with the
// caller's rights and settings, records the job and arranges for its worker
// to start when the caller's transaction commits. Bad input raises a
// PostgreSQL error (as PgError) and records nothing.
Started start_backfill(const Request &request);

// WorkerArgs: what a job worker needs before it can read its job (bgw_extra).
struct WorkerArgs {
	unsigned int database;
	unsigned int login_role;
};

// launch_at_commit: the job's worker is started when the current transaction
// commits (nothing starts if it rolls back). PostgreSQL calls only.
void launch_at_commit(int64_t job, unsigned int login_role);
// launch_now: registers the job's worker at once; false when no background
// worker slot is free (the job then stays queued). PostgreSQL calls only.
bool launch_now(int64_t job, const WorkerArgs &args);
// worker_is_live: pid is the live worker of this job (PostgreSQL calls only).
bool worker_is_live(int pid, int64_t job);
// wake_worker: sets the latch of the job's live worker, so that it sees a pause
// or a cancel within one batch or one pause interval.
void wake_worker(int pid);
// free_worker_slots: how many more engine workers the cap allows now.
int free_worker_slots();
// claim_allowed: this worker may own a job now, below the cap (the caller holds the claim lock).
bool claim_allowed();
// start_queued: starts workers for the queued jobs of this database that have
// none, oldest first, as far as the cap allows; with interrupted, running jobs
// whose worker is gone are queued again first (server start). Only the jobs
// the current role may control unless all_roles. Returns how many started.
int start_queued(bool all_roles, bool interrupted);

// note_jobs_waiting: this database has queued jobs that found no slot (a worker
// over the cap); wake_launcher: a worker ends, so the launcher may start them.
void note_jobs_waiting();
void wake_launcher();
// note_wal_demand: a backfill batch is about to run in this process (a job worker, or a shard
// batch on a Citus node): the launcher creates WAL segments ahead of the insert position for the
// next two seconds (migration_helpers.prepare_wal_segments). Cheap; PostgreSQL calls only.
void note_wal_demand();

// WalPreparer: the launcher's side of note_wal_demand() (wal_ahead.cpp): step() while batches
// run, idle() once they have stopped (logs what was created).
class WalPreparer {
public:
	WalPreparer();
	void step();
	void idle();

private:
	core::WalAhead ahead_;
	uint32_t timeline_ = 0;
	int64_t created_ = 0;         // segments created since batches started to run
	double paused_until_ms_ = 0;  // after an error: not before then
};

// ResumeHook: more work a capability resumes where the engine resumes its jobs
// (the resumer at server start and after a crash, in each database that has the
// extension, in a transaction with SPI connected; PostgreSQL calls only). Other
// capabilities register one at load time, so that the engine depends on none.
using ResumeHook = int (*)();
void add_resume_hook(ResumeHook hook);

// JobEndHook: called when a job has succeeded, in the transaction that records
// it (SPI connected; PostgreSQL calls only), with the job's id: a migration
// waiting for its backfill learns it in the same commit (a NOTIFY then goes out
// with it). Registered at load time, like ResumeHook.
using JobEndHook = void (*)(int64_t job);
void add_job_end_hook(JobEndHook hook);

void backfill_init();

}  // namespace migration_helpers::pg
