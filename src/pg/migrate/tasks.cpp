// tasks.cpp — recording, launching and running the migration helpers' worker
// tasks (see tasks.hpp).
#include "pg/migrate/tasks.hpp"
#include "pg/common/origin.hpp"
#include "pg/common/workers.hpp"

#include "core/migrate/phase.hpp"
#include "pg/boundary.hpp"
#include "pg/migrate/store.hpp"

extern "C" {
PGDLLEXPORT void mh_migrate_task_main(Datum arg);
}

namespace migration_helpers::pg {

namespace {

constexpr const char *kWorkerType = "migration_helpers migrate";

struct TaskArgs {
	Oid database;
	Oid login;
};

// Advisory lock class of the worker serving one migration: at most one at a
// time, so no two concurrent index builds on one table wait for each other
// (CREATE INDEX CONCURRENTLY waits for older transactions: two on one table deadlock).
constexpr int kLockClassWorker = 0x4d54;

struct PendingTask {
	int64 migration;
	Oid login;
};
List *pending = NIL;  // of PendingTask *, in TopTransactionContext
bool callback_registered = false;

bool launch_now(int64 migration, Oid login)
{
	BackgroundWorker worker = worker_spec("mh_migrate_task_main", kWorkerType, BGW_NEVER_RESTART);
	snprintf(worker.bgw_name, BGW_MAXLEN, "migration_helpers migrate for migration %lld",
			 (long long) migration);
	worker.bgw_main_arg = Int64GetDatum(migration);
	TaskArgs args{MyDatabaseId, login};
	memcpy(worker.bgw_extra, &args, sizeof(args));
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

// task_xact_callback: at commit, start the workers of the tasks this
// transaction recorded; at abort, forget them (their rows are gone). Only
// shared-memory registration happens here: nothing that could raise an error
// after the commit record is written. No free slot: the task stays queued
// until complete_migration() or abort_migration() restarts it.
void task_xact_callback(XactEvent event, void *arg)
{
	if (pending == NIL)
		return;
	if (event == XACT_EVENT_COMMIT) {
		ListCell *lc;
		foreach (lc, pending) {
			auto *p = (PendingTask *) lfirst(lc);
			(void) launch_now(p->migration, p->login);
		}
		pending = NIL;
	} else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
			   event == XACT_EVENT_PARALLEL_ABORT) {
		pending = NIL;
	}
}

void launch_at_commit(int64 migration, Oid login)
{
	if (!callback_registered) {
		RegisterXactCallback(task_xact_callback, nullptr);
		callback_registered = true;
	}
	ListCell *lc;
	foreach (lc, pending)
		if (((PendingTask *) lfirst(lc))->migration == migration)
			return;  // one worker serves all of a migration's tasks
	auto *p = (PendingTask *) MemoryContextAlloc(TopTransactionContext, sizeof(PendingTask));
	p->migration = migration;
	p->login = login;
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	pending = lappend(pending, p);
	MemoryContextSwitchTo(old);
}

bool pid_is_live(int pid)
{
	return pid > 0 && BackendPidGetProc(pid) != nullptr;
}

// TaskRow: the worker's copy of its task, in TopMemoryContext.
struct TaskRow {
	bool found;
	char status[16];
	char *statement, *index_schema, *index_name;
	bool builds;
	Oid owner;
	int attempts, max_attempts, worker_pid;
};

// claim_c: the migration's oldest unfinished task, locked; it becomes this
// worker's, one attempt more. False: nothing (more) to do.
bool claim_c(int64 migration, int64 *task, TaskRow *t)
{
	Oid mtypes[1] = {INT8OID};
	Datum mvalues[1] = {Int64GetDatum(migration)};
	uint64 n = spi_state(
		"read the task", SPI_OK_SELECT,
		"SELECT status, statement, index_schema::text, index_name::text, builds, owner_oid, attempts, "
		"max_attempts, COALESCE(worker_pid, 0), id, origin FROM migration_helpers._migration_tasks "
		"WHERE migration_id = $1 AND status IN ('queued', 'running') ORDER BY id LIMIT 1 FOR UPDATE",
		1, mtypes, mvalues, nullptr);
	if (n == 0)
		return false;
	bool isnull0;
	*task = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 10, &isnull0));
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(*task)};
	HeapTuple tup = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool isnull;
	strlcpy(t->status, SPI_getvalue(tup, d, 1), sizeof(t->status));
	t->statement = MemoryContextStrdup(TopMemoryContext, SPI_getvalue(tup, d, 2));
	char *schema = SPI_getvalue(tup, d, 3), *index = SPI_getvalue(tup, d, 4);
	t->index_schema = schema ? MemoryContextStrdup(TopMemoryContext, schema) : nullptr;
	t->index_name = index ? MemoryContextStrdup(TopMemoryContext, index) : nullptr;
	t->builds = DatumGetBool(SPI_getbinval(tup, d, 5, &isnull));
	t->owner = DatumGetObjectId(SPI_getbinval(tup, d, 6, &isnull));
	t->attempts = DatumGetInt32(SPI_getbinval(tup, d, 7, &isnull));
	t->max_attempts = DatumGetInt32(SPI_getbinval(tup, d, 8, &isnull));
	t->worker_pid = DatumGetInt32(SPI_getbinval(tup, d, 9, &isnull));
	if (t->worker_pid != MyProcPid && t->worker_pid != 0 && strcmp(t->status, "running") == 0 &&
		pid_is_live(t->worker_pid))
		return false;
	// A task recorded in another cluster or database (a restored dump) names
	// its role by an OID that is another role's here: it never runs.
	char *origin = SPI_getvalue(tup, d, 11);
	if (origin == nullptr || strcmp(origin, cluster_origin()) != 0) {
		spi_state(
			"fail the task", SPI_OK_UPDATE,
			"UPDATE migration_helpers._migration_tasks SET status = 'failed', worker_pid = NULL, "
			"finished_at = pg_catalog.now(), last_error = 'the task was recorded in another cluster or "
			"database (restored from a dump?): its role OID means nothing here; abort the migration and "
			"start it again' WHERE id = $1",
			1, types, values, nullptr);
		t->attempts = t->max_attempts + 1;  // not to be run
		return true;
	}
	if (t->attempts >= t->max_attempts) {
		spi_state(
			"fail the task", SPI_OK_UPDATE,
			"UPDATE migration_helpers._migration_tasks SET status = 'failed', worker_pid = NULL, "
			"finished_at = pg_catalog.now(), last_error = COALESCE(last_error, 'interrupted') WHERE id = $1",
			1, types, values, nullptr);
		t->attempts = t->max_attempts + 1;  // not to be run: the caller goes on with the next task
		return true;
	}
	Oid types2[2] = {INT8OID, INT4OID};
	Datum values2[2] = {Int64GetDatum(*task), Int32GetDatum(MyProcPid)};
	spi_state("claim the task", SPI_OK_UPDATE,
			  "UPDATE migration_helpers._migration_tasks SET status = 'running', worker_pid = $2, "
			  "attempts = attempts + 1, started_at = COALESCE(started_at, pg_catalog.now()) WHERE id = $1",
			  2, types2, values2, nullptr);
	t->attempts++;
	return true;
}

// index_state_c: 0 no such index, 1 valid, -1 INVALID (a leftover).
int index_state_c(const char *schema, const char *name)
{
	Oid nsp = get_namespace_oid(schema, true);
	Oid idx = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
	if (!OidIsValid(idx))
		return 0;
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(idx));
	if (!HeapTupleIsValid(tup))
		return 0;
	bool valid = ((Form_pg_index) GETSTRUCT(tup))->indisvalid;
	ReleaseSysCache(tup);
	return valid ? 1 : -1;
}

// run_toplevel_c: one statement as a top-level command of this worker, as
// owner, in its own transaction (which CREATE/DROP INDEX CONCURRENTLY commit
// and restart themselves), the way exec_simple_query runs a utility statement.
void run_toplevel_c(const char *sql, Oid owner)
{
	// The parse tree outlives the transactions the statement commits (as in MessageContext).
	MemoryContext cxt =
		AllocSetContextCreate(TopMemoryContext, "migration task statement", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContextSwitchTo(cxt);
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PushActiveSnapshot(GetTransactionSnapshot());
	List *raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		elog(ERROR, "a migration task must be one statement");
	auto *rs = (RawStmt *) linitial(raw);
	PlannedStmt *stmt = makeNode(PlannedStmt);
	stmt->commandType = CMD_UTILITY;
	stmt->canSetTag = true;
	stmt->utilityStmt = rs->stmt;
	stmt->stmt_location = rs->stmt_location;
	stmt->stmt_len = rs->stmt_len;
	pgstat_report_activity(STATE_RUNNING, sql);
	ProcessUtility(stmt, sql, false, PROCESS_UTILITY_TOPLEVEL, nullptr, nullptr, None_Receiver, nullptr);
	if (ActiveSnapshotSet())
		PopActiveSnapshot();
	SetUserIdAndSecContext(save_user, save_sec);
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, nullptr);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

// in_transaction_c: fn inside a transaction with a snapshot and SPI.
template <typename Fn>
void in_transaction_c(Fn &&fn)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	fn();
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

// announce_if_ready_c: when the migration's last asynchronous work has ended
// well, its stored phase becomes ready and the change is announced (the
// phase the view derives is ready already; listeners learn it here). In the
// transaction that records the task's or job's end, so the two are seen
// together. A migration row locked by another transaction (a step, contract
// or abort of the same migration) is never waited for — a backfill batch must
// not hold its rows' locks waiting for it, nor fail on its lock_timeout —
// so then the stored phase is left to that transaction, and the readiness is
// announced all the same (a listener may hear "ready" twice, never not at all).
void announce_if_ready_c(int64 migration)
{
	static const char *const kReady =
		"SELECT m.name, m.phase FROM migration_helpers._migrations m WHERE m.id = $1 "
		"AND m.phase IN ('expanding', 'backfilling') AND NOT EXISTS (SELECT FROM "
		"migration_helpers._migration_tasks t WHERE t.migration_id = m.id AND t.builds "
		"AND t.status <> 'succeeded' AND t.status <> 'cancelled') AND NOT EXISTS (SELECT FROM "
		"migration_helpers._backfill_jobs b LEFT JOIN migration_helpers._migration_steps s "
		"ON s.migration_id = m.id AND s.backfill_job = b.id WHERE b.migration_id = m.id "
		"AND COALESCE(s.status, 'applied') = 'applied' AND b.status <> 'succeeded')";
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(migration)};
	const char *ready = core::phase_name(core::Phase::Ready);
	if (spi_state("read the migration", SPI_OK_SELECT, psprintf("%s FOR UPDATE OF m SKIP LOCKED", kReady), 1,
				  types, values, nullptr) > 0) {
		char *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char *previous = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		set_stored_phase(migration, ready);
		notify_phase(migration, name, ready, previous);
	} else if (spi_state("read the migration", SPI_OK_SELECT, kReady, 1, types, values, nullptr) > 0) {
		// Ready, but its row is another transaction's now.
		char *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char *previous = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		notify_phase(migration, name, ready, previous);
	}
}

void record_end_c(int64 migration, int64 task, const char *status, const char *error, bool announce)
{
	in_transaction_c([&] {
		Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
		Datum values[3] = {Int64GetDatum(task), CStringGetTextDatum(status),
						   error ? CStringGetTextDatum(error) : (Datum) 0};
		char nulls[4] = {' ', ' ', error ? ' ' : 'n', '\0'};
		spi_state(
			"record the task's end", SPI_OK_UPDATE,
			"UPDATE migration_helpers._migration_tasks SET status = $2, last_error = COALESCE($3, "
			"last_error), "
			"worker_pid = CASE WHEN $2 = 'queued' THEN worker_pid END, "
			"finished_at = CASE WHEN $2 IN ('succeeded', 'failed') THEN pg_catalog.now() END WHERE id = $1 "
			"AND status = 'running'",
			3, types, values, nulls);
		if (announce)
			announce_if_ready_c(migration);
	});
}

// run_tasks_c: the worker's loop over its migration's tasks, oldest first:
// claim, drop a leftover, run, record; a failed attempt is retried after a
// second, up to max_attempts. Ends when none is left, or when another worker
// serves the migration.
void run_tasks_c(int64 migration)
{
	bool mine = false;
	in_transaction_c([&] {
		// Session-level: held across the transactions the statements commit, until the worker exits.
		mine = DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4, Int32GetDatum(kLockClassWorker),
												Int32GetDatum(int32(migration))));
	});
	if (!mine)
		return;
	for (;;) {
		TaskRow t{};
		int64 task = 0;
		bool claimed = false;
		in_transaction_c([&] { claimed = claim_c(migration, &task, &t); });
		if (!claimed)
			return;
		if (t.attempts > t.max_attempts)
			continue;  // failed just now by claim_c
		char *volatile error = nullptr;
		MemoryContext cxt = CurrentMemoryContext;
		PG_TRY();
		{
			if (t.index_name == nullptr) {
				// No index: a statement that may run again (VALIDATE CONSTRAINT).
				run_toplevel_c(t.statement, t.owner);
			} else {
				int state = 0;
				in_transaction_c([&] { state = index_state_c(t.index_schema, t.index_name); });
				if (t.builds && state < 0)
					run_toplevel_c(psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
											quote_qualified_identifier(t.index_schema, t.index_name)),
								   t.owner);
				// A build whose end was not recorded (the worker died after it) is not repeated.
				if (!(t.builds && state > 0) && !(!t.builds && state == 0))
					run_toplevel_c(t.statement, t.owner);
			}
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(TopMemoryContext);
			ErrorData *e = CopyErrorData();
			FlushErrorState();
			AbortCurrentTransaction();
			error = e->message ? e->message : pstrdup("unknown error");
			MemoryContextSwitchTo(cxt);
		}
		PG_END_TRY();
		if (error == nullptr) {
			record_end_c(migration, task, "succeeded", nullptr, t.builds);
			continue;
		}
		ereport(LOG, (errmsg("migration_helpers task %lld, attempt %d of %d, failed: %s", (long long) task,
							 t.attempts, t.max_attempts, error)));
		record_end_c(migration, task, t.attempts >= t.max_attempts ? "failed" : "queued", error, false);
		if (t.attempts >= t.max_attempts)
			continue;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

}  // namespace

int64 queue_task_c(int64 migration_id, int step_no, const char *statement, const char *index_schema,
				   const char *index_name, bool builds)
{
	Oid owner = GetUserId();
	Oid login = worker_login_role(owner, "An index is built concurrently", "Call the helper");
	Oid types[8] = {INT8OID, INT4OID, TEXTOID, NAMEOID, NAMEOID, BOOLOID, OIDOID, OIDOID};
	bool no_index = index_schema == nullptr || index_name == nullptr;
	Datum values[8] = {Int64GetDatum(migration_id),
					   Int32GetDatum(step_no),
					   CStringGetTextDatum(statement),
					   no_index ? (Datum) 0 : DirectFunctionCall1(namein, CStringGetDatum(index_schema)),
					   no_index ? (Datum) 0 : DirectFunctionCall1(namein, CStringGetDatum(index_name)),
					   BoolGetDatum(builds),
					   ObjectIdGetDatum(owner),
					   ObjectIdGetDatum(login)};
	spi_state(
		"record the task", SPI_OK_INSERT_RETURNING,
		"INSERT INTO migration_helpers._migration_tasks (migration_id, step_no, statement, index_schema, "
		"index_name, builds, owner_oid, login_oid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
		8, types, values, no_index ? "   nn   " : nullptr);
	bool isnull;
	int64 task = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	launch_at_commit(migration_id, login);
	return task;
}

void stop_tasks_c(int64 migration_id, int step_no)
{
	Oid types[2] = {INT8OID, INT4OID};
	Datum values[2] = {Int64GetDatum(migration_id), Int32GetDatum(step_no)};
	uint64 n = spi_state("cancel the step's tasks", SPI_OK_UPDATE_RETURNING,
						 "UPDATE migration_helpers._migration_tasks SET status = 'cancelled', "
						 "finished_at = pg_catalog.now() WHERE migration_id = $1 AND step_no = $2 "
						 "AND status IN ('queued', 'running') RETURNING COALESCE(worker_pid, 0)",
						 2, types, values, nullptr);
	List *pids = NIL;
	for (uint64 i = 0; i < n; i++) {
		bool isnull;
		pids = lappend_int(
			pids, DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)));
	}
	ListCell *lc;
	foreach (lc, pids) {
		int pid = lfirst_int(lc);
		if (!pid_is_live(pid) || pid == MyProcPid)
			continue;
		// As the caller: pg_terminate_backend's own checks decide whether it may end that worker.
		Oid t[1] = {INT4OID};
		Datum v[1] = {Int32GetDatum(pid)};
		if (SPI_execute_with_args("SELECT pg_catalog.pg_terminate_backend($1, 10000)", 1, t, v, nullptr,
								  false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not end the worker of a migration task");
	}
}

int restart_tasks_c(int64 migration_id)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(migration_id)};
	uint64 n = spi_state(
		"read the migration's tasks", SPI_OK_SELECT,
		"SELECT login_oid FROM migration_helpers._migration_tasks "
		"WHERE migration_id = $1 AND status IN ('queued', 'running') "
		"AND creator_xid IS DISTINCT FROM pg_catalog.pg_current_xact_id_if_assigned() ORDER BY id LIMIT 1",
		1, types, values, nullptr);
	if (n == 0)
		return 0;
	bool isnull;
	Oid login = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	// The worker that serves the migration holds this lock; without it, none does.
	bool held = false;
	uint64 locks =
		spi_state("look for the migration's worker", SPI_OK_SELECT,
				  psprintf("SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
						   "AND classid = %u AND objid = %u AND objsubid = 2 "
						   "AND database = (SELECT oid FROM pg_catalog.pg_database "
						   "WHERE datname = pg_catalog.current_database())",
						   (unsigned) kLockClassWorker, (unsigned) (uint32) int32(migration_id)),
				  0, nullptr, nullptr, nullptr);
	held = locks > 0;
	if (held)
		return 0;
	return launch_now(migration_id, login) ? 1 : 0;
}

int restart_unfinished_tasks_c()
{
	uint64 n = spi_state("read unfinished tasks", SPI_OK_SELECT,
						 "SELECT DISTINCT migration_id FROM migration_helpers._migration_tasks "
						 "WHERE status IN ('queued', 'running')",
						 0, nullptr, nullptr, nullptr);
	List *ids = NIL;
	for (uint64 i = 0; i < n; i++) {
		bool isnull;
		int64 *id = (int64 *) palloc(sizeof(int64));
		*id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		ids = lappend(ids, id);
	}
	int started = 0;
	ListCell *lc;
	foreach (lc, ids)
		started += restart_tasks_c(*(int64 *) lfirst(lc));
	return started;
}

void announce_after_backfill_c(int64_t job)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	uint64 n = spi_state("read the backfill's migration", SPI_OK_SELECT,
						 "SELECT migration_id FROM migration_helpers._backfill_jobs WHERE id = $1 "
						 "AND migration_id IS NOT NULL",
						 1, types, values, nullptr);
	if (n == 0)
		return;
	bool isnull;
	int64 migration = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	announce_if_ready_c(migration);
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

// mh_migrate_task_main: the worker of one migration's tasks. The guard is off for this
// process: it runs only the helpers' own statements (the same exemption as
// run_exempt_c, for a process that runs nothing else). lock_timeout and
// statement_timeout are 0: CREATE INDEX CONCURRENTLY waits for older
// transactions without blocking the application, for as long as they last.
void mh_migrate_task_main(Datum arg)
{
	int64 migration = DatumGetInt64(arg);
	pg::TaskArgs args;
	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.database, args.login, 0);
	pg::guarded_void_entry([&] {
		pg::pg_call([&] {
			pgstat_report_appname(
				psprintf("migration_helpers migrate for migration %lld", (long long) migration));
			SetConfigOption("migration_helpers.guard", "off", PGC_SUSET, PGC_S_OVERRIDE);
			SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
			SetConfigOption("statement_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
			pg::run_tasks_c(migration);
		});
	});
}
