// launcher.cpp — starting the engine's workers: at the commit of the
// transaction that asked for a job, when a worker ends (the next queued job of
// its database), and at server start (the launcher and its resumers). The cap
// (migration_helpers.max_backfill_workers) bounds how many workers own a job
// at once across the cluster; a worker claims its job only below the cap, so
// jobs beyond it wait as queued instead of failing, and never take the
// background worker slots that parallel query and other backfills need.
//
// Jobs left queued for want of a slot in one database are started by the next
// worker of that database that ends, by a session waiting in backfill_wait(),
// and — with shared_preload_libraries — through the launcher: the database is
// noted in shared memory, and a worker that ends anywhere wakes the launcher,
// which starts a resumer there.
//
// While batches run (in a job worker or a shard batch on a Citus node) the
// launcher also creates the WAL segment files the WAL is about to reach
// (wal_ahead.cpp), so that no committing session has to: batches note their
// demand in shared memory and wake the launcher, which polls until two seconds
// after the last one.
//
// A worker's state shows in its application_name, which the server reports
// whatever track_activities says: "migration_helpers backfill starting",
// "migration_helpers backfill job N" once it owns job N, "migration_helpers
// backfill exiting" once it has let go of it.
#include <cstring>

#include "pg/backfill/engine.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/common/workers.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PGDLLEXPORT void mh_backfill_launcher_main(Datum arg);
PGDLLEXPORT void mh_backfill_resumer_main(Datum arg);
}

namespace migration_helpers::pg {

namespace {

constexpr const char *kWorkerType = "migration_helpers backfill";
constexpr const char *kOwnsPrefix = "migration_helpers backfill job ";

constexpr int kMaxResumeHooks = 4;
ResumeHook resume_hooks[kMaxResumeHooks];
int nresume_hooks = 0;

// PendingLaunch: a job whose worker starts when this transaction commits.
struct PendingLaunch {
	int64 job;
	Oid login;
};
List *pending = NIL;  // of PendingLaunch *, in TopTransactionContext
bool callback_registered = false;

// EngineShared: with shared_preload_libraries, the databases that have jobs
// waiting for a slot, and the launcher's latch.
constexpr int kMaxWaitingDatabases = 64;
struct EngineShared {
	slock_t mutex;
	Latch *launcher_latch;
	int nwaiting;
	Oid waiting[kMaxWaitingDatabases];
	TimestampTz wal_demand_at;  // when a backfill batch last ran (0: never)
	bool preparing_wal;         // the launcher is creating WAL segments ahead (it polls)
	bool wal_enabled;           // prepare_wal_segments as the launcher last read it (it reloads)
	bool resume_due;            // a worker ended with jobs waiting: start resumers (wake_launcher)
};
EngineShared *shared = nullptr;
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void engine_shmem_request()
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(EngineShared)));
}

void engine_shmem_startup()
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	bool found;
	shared = (EngineShared *) ShmemInitStruct("migration_helpers backfill", sizeof(EngineShared), &found);
	if (!found) {
		SpinLockInit(&shared->mutex);
		shared->launcher_latch = nullptr;
		shared->nwaiting = 0;
		shared->wal_demand_at = 0;
		shared->preparing_wal = false;
		shared->wal_enabled = false;
		shared->resume_due = false;
	}
	LWLockRelease(AddinShmemInitLock);
}

// note_waiting: this database has queued jobs that found no slot (cannot error).
void note_waiting(Oid database)
{
	if (shared == nullptr)
		return;
	SpinLockAcquire(&shared->mutex);
	bool known = false;
	for (int i = 0; i < shared->nwaiting; i++)
		known |= shared->waiting[i] == database;
	if (!known && shared->nwaiting < kMaxWaitingDatabases)
		shared->waiting[shared->nwaiting++] = database;
	SpinLockRelease(&shared->mutex);
}

// backfill_xact_callback: at commit, start the workers of the jobs this
// transaction recorded or resumed; at abort, forget them (their rows are gone
// or unchanged). Only shared-memory registration happens here: nothing that
// could raise an error after the commit record is written, and no C++ code
// (so there is nothing for guarded_void_entry to catch).
void backfill_xact_callback(XactEvent event, void *arg)
{
	if (pending == NIL)
		return;
	if (event == XACT_EVENT_COMMIT) {
		ListCell *lc;
		foreach (lc, pending) {
			auto *p = (PendingLaunch *) lfirst(lc);
			WorkerArgs args{MyDatabaseId, p->login};
			// No free slot: the job stays queued and starts when a worker ends.
			if (!launch_now(p->job, args))
				note_waiting(MyDatabaseId);
		}
		pending = NIL;
	} else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
			   event == XACT_EVENT_PARALLEL_ABORT) {
		// A prepared transaction's jobs stay queued: backfill_resume_all() or the next ending worker starts them.
		pending = NIL;
	}
}

// EngineWorkers: the engine's live workers, from the server's backend status.
struct EngineWorkers {
	int owning;    // workers that own a job (excluding this process)
	int starting;  // workers that do not own one yet (excluding this process)
};

// for_each_engine_worker: fn(pid, appname) for every live engine worker but this process.
template <typename Fn>
void for_each_engine_worker(Fn &&fn)
{
	mh_clear_backend_status_snapshot();
	int n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++) {
		LocalPgBackendStatus *local = mh_local_backend_status(i);
		if (local == nullptr)
			continue;
		PgBackendStatus *be = &local->backendStatus;
		if (be->st_backendType != B_BG_WORKER || be->st_procpid == MyProcPid || be->st_procpid <= 0)
			continue;
		const char *type = GetBackgroundWorkerTypeByPid(be->st_procpid);
		if (type == nullptr || strcmp(type, kWorkerType) != 0)
			continue;
		fn(be->st_procpid, be->st_appname ? be->st_appname : "");
	}
}

EngineWorkers count_engine_workers()
{
	EngineWorkers w{0, 0};
	for_each_engine_worker([&](int, const char *appname) {
		if (strncmp(appname, kOwnsPrefix, strlen(kOwnsPrefix)) == 0)
			w.owning++;
		else if (strstr(appname, "exiting") == nullptr)
			w.starting++;
	});
	return w;
}

}  // namespace

void add_resume_hook(ResumeHook hook)
{
	if (nresume_hooks < kMaxResumeHooks)
		resume_hooks[nresume_hooks++] = hook;
}

void launch_at_commit(int64_t job, unsigned int login_role)
{
	if (!callback_registered) {
		RegisterXactCallback(backfill_xact_callback, nullptr);
		callback_registered = true;
	}
	auto *p = (PendingLaunch *) MemoryContextAlloc(TopTransactionContext, sizeof(PendingLaunch));
	p->job = job;
	p->login = login_role;
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	pending = lappend(pending, p);
	MemoryContextSwitchTo(old);
}

bool launch_now(int64_t job, const WorkerArgs &args)
{
	BackgroundWorker worker = worker_spec("mh_backfill_worker_main", kWorkerType, BGW_NEVER_RESTART);
	snprintf(worker.bgw_name, BGW_MAXLEN, "migration_helpers backfill job %lld", (long long) job);
	worker.bgw_main_arg = Int64GetDatum(job);
	memcpy(worker.bgw_extra, &args, sizeof(args));
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

bool worker_is_live(int pid, int64_t job)
{
	if (pid <= 0)
		return false;
	char want[64];
	snprintf(want, sizeof(want), "%s%lld", kOwnsPrefix, (long long) job);
	bool live = pid == MyProcPid;
	for_each_engine_worker(
		[&](int p, const char *appname) { live |= p == pid && strcmp(appname, want) == 0; });
	return live;
}

void wake_worker(int pid)
{
	PGPROC *proc = BackendPidGetProc(pid);
	if (proc != nullptr)
		SetLatch(&proc->procLatch);
}

int free_worker_slots()
{
	EngineWorkers w = count_engine_workers();
	return Max(0, guc_max_backfill_workers - w.owning - w.starting);
}

// claim_allowed: this worker may own a job now (the caller holds the claim lock).
bool claim_allowed()
{
	return count_engine_workers().owning < guc_max_backfill_workers;
}

int start_queued(bool all_roles, bool interrupted)
{
	int n;
	// Running jobs whose worker is gone (a crash, a restart) queue up again first.
	if (interrupted) {
		JobRef *running = jobs_with_status(core::JobStatus::Running, InvalidOid, &n);
		for (int i = 0; i < n; i++) {
			if (worker_is_live(running[i].worker_pid, running[i].id))
				continue;
			if (!all_roles &&
				(!OidIsValid(running[i].owner) || !has_privs_of_role(GetUserId(), running[i].owner)))
				continue;
			set_status(running[i].id, core::JobStatus::Queued, false);
		}
	}
	JobRef *queued = jobs_with_status(core::JobStatus::Queued, InvalidOid, &n);
	int free = free_worker_slots();
	int started = 0;
	bool left_waiting = false;
	for (int i = 0; i < n; i++) {
		const JobRef &j = queued[i];
		if (worker_is_live(j.worker_pid, j.id))
			continue;
		bool owner_exists = OidIsValid(j.owner) && SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(j.owner));
		if (!all_roles && (!owner_exists || !has_privs_of_role(GetUserId(), j.owner)))
			continue;
		// Checked here, before a worker is started that could only die at connection time.
		HeapTuple role = SearchSysCache1(AUTHOID, ObjectIdGetDatum(j.login));
		bool can_login = HeapTupleIsValid(role) && ((Form_pg_authid) GETSTRUCT(role))->rolcanlogin;
		if (HeapTupleIsValid(role))
			ReleaseSysCache(role);
		if (!owner_exists || !can_login) {
			fail_job(j.id, !owner_exists
							   ? psprintf("role \"%s\" of the job no longer exists", j.owner_name)
							   : psprintf("the role the job's worker connects as (OID %u) no longer exists "
										  "or cannot log in",
										  j.login));
			continue;
		}
		WorkerArgs args{MyDatabaseId, j.login};
		if (started >= free || !launch_now(j.id, args)) {
			left_waiting = true;  // over the cap or no background worker slot: they stay queued
			break;
		}
		started++;
	}
	// Some are left without a slot: the launcher starts them when one frees anywhere.
	if (left_waiting)
		note_waiting(MyDatabaseId);
	return started;
}

void note_jobs_waiting()
{
	note_waiting(MyDatabaseId);
}

void wake_launcher()
{
	if (shared == nullptr)
		return;
	SpinLockAcquire(&shared->mutex);
	Latch *latch = shared->nwaiting > 0 ? shared->launcher_latch : nullptr;
	shared->resume_due = shared->resume_due || latch != nullptr;
	SpinLockRelease(&shared->mutex);
	if (latch != nullptr)
		SetLatch(latch);
}

void note_wal_demand()
{
	if (shared == nullptr)
		return;
	TimestampTz now = GetCurrentTimestamp();
	SpinLockAcquire(&shared->mutex);
	// The launcher's reading of the setting: job workers do not reload the configuration.
	Latch *latch = nullptr;
	if (shared->wal_enabled) {
		shared->wal_demand_at = now;
		latch = shared->preparing_wal ? nullptr : shared->launcher_latch;
	}
	SpinLockRelease(&shared->mutex);
	if (latch != nullptr)
		SetLatch(latch);
}

namespace {

// How long after the last batch the launcher goes on creating WAL segments ahead, and how
// often it looks at the WAL insert position meanwhile.
constexpr long kWalDemandMs = 2000;
constexpr long kWalPollMs = 10;

// wal_demand_c: whether batches ran lately (and the setting is on); records in shared
// memory whether the launcher polls, so that batches wake it only when it does not.
bool wal_demand_c()
{
	if (shared == nullptr)
		return false;
	TimestampTz now = GetCurrentTimestamp();
	SpinLockAcquire(&shared->mutex);
	shared->wal_enabled = guc_prepare_wal_segments;
	bool active = guc_prepare_wal_segments && shared->wal_demand_at != 0 &&
				  !TimestampDifferenceExceeds(shared->wal_demand_at, now, kWalDemandMs);
	shared->preparing_wal = active;
	SpinLockRelease(&shared->mutex);
	return active;
}

// launcher_wait_c: the launcher's wait for work: for its latch, and every few ms while
// batches run; reloads the configuration on SIGHUP. Returns whether to prepare WAL now.
bool launcher_wait_c()
{
	bool active = wal_demand_c();
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (active ? WL_TIMEOUT : 0),
					 active ? kWalPollMs : -1, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending) {
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
	return wal_demand_c();
}

bool launch_resumer(Oid database, bool interrupted);

// start_waiting_resumers_c: once a worker has ended (wake_launcher), a resumer in each database
// whose jobs are waiting for a slot. Not at every poll of the WAL preparation: a job waiting
// behind the cap would get a resumer every 10 ms, each finding the cap still full.
void start_waiting_resumers_c()
{
	Oid waiting[kMaxWaitingDatabases];
	int n = 0;
	if (shared != nullptr) {
		SpinLockAcquire(&shared->mutex);
		if (shared->resume_due) {
			n = shared->nwaiting;
			memcpy(waiting, shared->waiting, sizeof(Oid) * n);
			shared->nwaiting = 0;
			shared->resume_due = false;
		}
		SpinLockRelease(&shared->mutex);
	}
	for (int i = 0; i < n; i++)
		if (!launch_resumer(waiting[i], false))
			note_waiting(waiting[i]);  // no slot now: the next ending worker wakes us again
}

// launch_resumer: a resumer for the database; interrupted: also queue again the
// running jobs whose worker is gone (at server start), else start queued ones only.
bool launch_resumer(Oid database, bool interrupted)
{
	BackgroundWorker worker =
		worker_spec("mh_backfill_resumer_main", "migration_helpers resumer", BGW_NEVER_RESTART);
	snprintf(worker.bgw_name, BGW_MAXLEN, "migration_helpers resumer for database %u", database);
	worker.bgw_main_arg = ObjectIdGetDatum(database);
	memcpy(worker.bgw_extra, &interrupted, sizeof(interrupted));
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
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = engine_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = engine_shmem_startup;
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

// mh_backfill_launcher_main: once per server start (and after each crash), one resumer per database.
void mh_backfill_launcher_main(Datum arg)
{
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	// It runs no statement to cancel: a cancel would end it as an error (and it would start again
	// 10 s later, queueing every database's unfinished jobs again).
	pqsignal(SIGINT, SIG_IGN);
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
				if (!pg::launch_resumer(lfirst_oid(lc), true))
					ereport(WARNING,
							(errmsg("could not start a backfill resumer for database %u: no background "
									"worker slot is free",
									lfirst_oid(lc))));
			if (pg::shared != nullptr) {
				SpinLockAcquire(&pg::shared->mutex);
				pg::shared->launcher_latch = MyLatch;
				SpinLockRelease(&pg::shared->mutex);
			}
		});
		// Stay: a crash restarts this worker, and with it the resuming. When a worker ends, start
		// a resumer in each database whose jobs are waiting for a slot; while batches run, create
		// the WAL segments their writes will reach (core/backfill/wal_ahead.hpp).
		pg::WalPreparer preparer;
		for (;;) {
			bool prepare = pg::pg_call([] { return pg::launcher_wait_c(); });
			pg::pg_call([] { pg::start_waiting_resumers_c(); });
			if (prepare)
				preparer.step();
			else
				preparer.idle();
		}
	});
}

// mh_backfill_resumer_main: queues the interrupted jobs of one database again and
// starts as many as the cap allows, if the database has the extension.
void mh_backfill_resumer_main(Datum arg)
{
	Oid database = DatumGetObjectId(arg);
	bool interrupted;
	memcpy(&interrupted, MyBgworkerEntry->bgw_extra, sizeof(interrupted));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
	pg::guarded_void_entry([&] {
		pg::pg_call([&] {
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			PushActiveSnapshot(GetTransactionSnapshot());
			// Not yet updated from 0.1: its jobs were failed by the update anyway, nothing to resume.
			if (OidIsValid(get_extension_oid("migration_helpers", true)) && pg::jobs_table_current()) {
				SPI_connect();
				int started = pg::start_queued(true, interrupted);
				// At server start, the other capabilities' interrupted work too (index builds of migrations).
				for (int i = 0; interrupted && i < pg::nresume_hooks; i++)
					started += pg::resume_hooks[i]();
				SPI_finish();
				// Names are looked up while the transaction is open: the catalog is not readable outside one.
				if (started > 0)
					ereport(
						LOG,
						(errmsg("migration_helpers resumed %d backfill job(s) and task(s) in database \"%s\"",
								started, get_database_name(MyDatabaseId))));
			}
			PopActiveSnapshot();
			CommitTransactionCommand();
		});
	});
}
