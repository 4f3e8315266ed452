// sql_api.cpp — the SQL functions of the backfill engine: backfill() turns its
// arguments into a Request for start_backfill(); backfill_pause(),
// backfill_resume(), backfill_cancel() decide with the core's status machine
// (core::decide_control); backfill_wait() and backfill_resume_all(). See
// engine.hpp for the words.
#include <string>

#include "core/backfill/batch_controller.hpp"
#include "core/backfill/job.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// interval_to_ms: an interval in milliseconds, months counted as 30 days (cannot error).
double interval_to_ms(const Interval *iv)
{
	return double(iv->time) / 1000.0 + double(iv->day) * 86400000.0 + double(iv->month) * 30.0 * 86400000.0;
}

// check_backfill_args: NULL where NULL is not allowed is an error (PostgreSQL
// calls only, before C++ objects exist).
void check_backfill_args(FunctionCallInfo fcinfo)
{
	for (int i = 0; i < PG_NARGS(); i++)
		if (i != 2 && i != 8 && PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("argument %d of migration_helpers.backfill() must not be NULL", i + 1)));
}

Datum backfill_entry(FunctionCallInfo fcinfo)
{
	require_current_schema();
	check_backfill_args(fcinfo);
	// Arguments are read (and detoasted, which can raise an error) before any C++ object exists.
	text *set_clause = PG_GETARG_TEXT_PP(1);
	text *where_clause = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
	return guarded_entry([&]() -> Datum {
		Request r;
		r.relation = PG_GETARG_OID(0);
		r.set_clause = text_to_string(set_clause);
		if (where_clause)
			r.where_clause = text_to_string(where_clause);
		r.batch.initial_size = PG_GETARG_INT32(3);
		r.pause_ms = interval_to_ms(PG_GETARG_INTERVAL_P(4));
		r.batch.target_ms = interval_to_ms(PG_GETARG_INTERVAL_P(5));
		r.batch.min_size = PG_GETARG_INT32(6);
		r.batch.max_size = PG_GETARG_INT32(7);
		if (!PG_ARGISNULL(8))
			r.max_replication_lag = PG_GETARG_INT64(8);
		r.lock_timeout_ms = interval_to_ms(PG_GETARG_INTERVAL_P(9));
		r.statement_timeout_ms = interval_to_ms(PG_GETARG_INTERVAL_P(10));
		r.force = PG_NARGS() > 11 && PG_GETARG_BOOL(11);
		Started s = start_backfill(r);
		return Int64GetDatum(s.job);
	});
}

// control_entry: the body of backfill_pause/resume/cancel: the job locked and
// checked to be the caller's to control, the core decides, then act.
Datum control_entry(FunctionCallInfo fcinfo, core::Control op)
{
	require_current_schema();
	int64 job = PG_GETARG_INT64(0);
	return guarded_entry([&]() -> Datum {
		struct {
			bool found, allowed, live, role_gone;
			char status[16];
			char owner[NAMEDATALEN];
			Oid login;
			int pid;
		} row{};
		pg_call([&] {
			SPI_connect();
			ControlRow r = read_control_row(job, true);
			row.found = r.found;
			if (r.found) {
				strlcpy(row.status, r.status, sizeof(row.status));
				strlcpy(row.owner, r.owner_name, sizeof(row.owner));
				row.allowed = superuser() || (OidIsValid(r.owner) && has_privs_of_role(GetUserId(), r.owner));
				row.role_gone = !OidIsValid(r.owner);
				row.live = worker_is_live(r.worker_pid, job);
				row.login = r.login;
				row.pid = r.worker_pid;
			}
		});
		if (!row.found)
			pg_call([&] {
				ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
								errmsg("backfill job %lld does not exist", (long long) job)));
			});
		if (!row.allowed)
			pg_call([&] {
				ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
								errmsg("permission denied for backfill job %lld", (long long) job),
								errdetail("The job belongs to role \"%s\".", row.owner),
								errhint("Only that role, its members and superusers can control it.")));
			});
		if (op == core::Control::Resume && row.role_gone)
			pg_call([&] {
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("the role of backfill job %lld no longer exists", (long long) job),
						 errdetail("Role \"%s\" was dropped; a role created since under that name is another "
								   "role and does not inherit its jobs.",
								   row.owner),
						 errhint("Cancel the job and start a new one as the role that should run it.")));
			});
		std::optional<core::JobStatus> status = core::parse_status(row.status);
		core::ControlVerdict v = core::decide_control(op, status.value_or(core::JobStatus::Failed), row.live);
		if (!v.error.empty()) {
			const char *e = v.error.c_str();
			bool resume_ended = op == core::Control::Resume && status && core::has_ended(*status);
			pg_call([&] {
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("backfill job %lld %s", (long long) job, e),
						 resume_ended ? errhint("Start a new job with migration_helpers.backfill().") : 0));
			});
		}
		pg_call([&] {
			set_status(job, v.next, v.reset_errors);
			if (v.wake)
				wake_worker(row.pid);
			if (v.launch)
				launch_at_commit(job, row.login);
			SPI_finish();
		});
		PG_RETURN_VOID();
	});
}

struct WaitRow {
	bool found;
	char status[16];
	int64 done, estimated;
	double elapsed;
	char error[512];
	bool queued_without_worker;
};

// read_wait_row_c: the job's progress as the backfills view shows it.
void read_wait_row_c(int64 job, WaitRow *out)
{
	WaitRow &r = *out;
	r = WaitRow{};
	// pg_stat_activity is read from a copy kept for the transaction: refresh it, or a
	// worker that started after the first look would never be seen.
	mh_clear_backend_status_snapshot();
	SPI_connect();
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(job)};
	uint64 n = spi_owner(
		"read backfill job", SPI_OK_SELECT,
		"SELECT status, rows_done, COALESCE(rows_estimated, -1), "
		"COALESCE(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - started_at), 0)::float8, "
		"COALESCE(last_error, ''), worker_pid IS NULL FROM migration_helpers.backfills WHERE id = $1",
		1, types, values, nullptr);
	if (n == 1) {
		HeapTuple t = SPI_tuptable->vals[0];
		TupleDesc d = SPI_tuptable->tupdesc;
		bool isnull;
		r.found = true;
		strlcpy(r.status, SPI_getvalue(t, d, 1), sizeof(r.status));
		r.done = DatumGetInt64(SPI_getbinval(t, d, 2, &isnull));
		r.estimated = DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
		r.elapsed = DatumGetFloat8(SPI_getbinval(t, d, 4, &isnull));
		strlcpy(r.error, SPI_getvalue(t, d, 5), sizeof(r.error));
		r.queued_without_worker = core::parse_status(r.status) == core::JobStatus::Queued &&
								  DatumGetBool(SPI_getbinval(t, d, 6, &isnull));
	}
	SPI_finish();
}

// resolve_wait_target_c: the job to wait for (by id, or the newest one on the
// table), checked to be visible to the caller and not started by this
// transaction (its worker starts only when this transaction commits).
int64 resolve_wait_target_c(bool has_job, int64 job, bool has_rel, Oid rel)
{
	require_current_schema();
	if (has_job == has_rel)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("backfill_wait() needs either a job or a relation"),
						errhint("Call backfill_wait(job) with the id backfill() returned, or "
								"backfill_wait(relation => 'schema.table') for the newest job on a table.")));
	SPI_connect();
	if (has_rel) {
		job = latest_job_of(rel);
		if (job == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("table \"%s\" has no backfill job",
															   get_rel_name(rel) ? get_rel_name(rel) : "?")));
	}
	ControlRow r = read_control_row(job, false);
	if (!r.found || (OidIsValid(r.owner) ? !may_see_job(r.owner) : !superuser()))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
						errmsg("backfill job %lld does not exist", (long long) job),
						r.found ? errdetail("The job belongs to another role; only its members, roles with "
											"pg_read_all_stats and superusers can see it.")
								: 0));
	rel = r.relation;
	if (r.created_here)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("backfill job %lld was started in this transaction", (long long) job),
				 errdetail("Its worker starts when this transaction commits, so waiting here would wait "
						   "forever."),
				 errhint("Start the backfill in one migration and wait in the next one: "
						 "SELECT migration_helpers.backfill_wait(relation => '%s');",
						 get_rel_name(rel)
							 ? quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)),
														  get_rel_name(rel))
							 : "schema.table")));
	SPI_finish();
	return job;
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_backfill);
PG_FUNCTION_INFO_V1(mh_backfill_v2);
PG_FUNCTION_INFO_V1(mh_backfill_pause);
PG_FUNCTION_INFO_V1(mh_backfill_resume);
PG_FUNCTION_INFO_V1(mh_backfill_cancel);
PG_FUNCTION_INFO_V1(mh_backfill_wait);
PG_FUNCTION_INFO_V1(mh_backfill_wait_v2);
PG_FUNCTION_INFO_V1(mh_backfill_resume_all);
}

// mh_backfill: the 0.1 signature (no force argument); mh_backfill_v2: 0.2.
extern "C" Datum mh_backfill(PG_FUNCTION_ARGS)
{
	return pg::backfill_entry(fcinfo);
}

extern "C" Datum mh_backfill_v2(PG_FUNCTION_ARGS)
{
	return pg::backfill_entry(fcinfo);
}

extern "C" Datum mh_backfill_pause(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, core::Control::Pause);
}

extern "C" Datum mh_backfill_cancel(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, core::Control::Cancel);
}

extern "C" Datum mh_backfill_resume(PG_FUNCTION_ARGS)
{
	return pg::control_entry(fcinfo, core::Control::Resume);
}

extern "C" Datum mh_backfill_resume_all(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		int started = pg::pg_call([] {
			pg::require_current_schema();
			SPI_connect();
			int n = pg::start_queued(superuser(), true);
			SPI_finish();
			return n;
		});
		return Int32GetDatum(started);
	});
}

// mh_backfill_wait: blocks until the job ends, paused or not, reporting
// progress as NOTICE lines; returns the final status ('succeeded', 'paused',
// or the current one on timeout) and raises an error when the job failed or
// was cancelled, so that a migration script stops there. 0.1: (job, timeout);
// 0.2 (mh_backfill_wait_v2): (job, timeout, relation), job or relation given.
extern "C" Datum mh_backfill_wait(PG_FUNCTION_ARGS)
{
	bool has_job = !PG_ARGISNULL(0);
	int64 job = has_job ? PG_GETARG_INT64(0) : 0;
	bool has_rel = PG_NARGS() > 2 && !PG_ARGISNULL(2);
	Oid rel = has_rel ? PG_GETARG_OID(2) : InvalidOid;
	if (PG_NARGS() <= 2 && !has_job)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("job must not be NULL")));
	double timeout_ms = -1;
	if (!PG_ARGISNULL(1)) {
		timeout_ms = pg::interval_to_ms(PG_GETARG_INTERVAL_P(1));
		if (timeout_ms < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("timeout must not be negative")));
	}
	if (IsolationUsesXactSnapshot())
		ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
						errmsg("backfill_wait() cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
						errdetail("Its snapshot would never see the job progress.")));
	return pg::guarded_entry([&]() -> Datum {
		job = pg::pg_call([&] { return pg::resolve_wait_target_c(has_job, job, has_rel, rel); });
		TimestampTz start = pg::pg_call([] { return GetCurrentTimestamp(); });
		TimestampTz last_report = 0, last_kick = start;
		std::string last_line;
		for (;;) {
			pg::WaitRow r{};  // written only when no error is raised
			pg::pg_call([&] { pg::read_wait_row_c(job, &r); });
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
			// The view's statuses are the job's, or "interrupted" (running, its worker gone).
			std::optional<core::JobStatus> status = core::parse_status(r.status);
			bool ended =
				!status || (*status != core::JobStatus::Queued && *status != core::JobStatus::Running);
			TimestampTz now = pg::pg_call([] { return GetCurrentTimestamp(); });
			if (line != last_line && (ended || now - last_report >= 1000000)) {
				const char *l = line.c_str();
				pg::pg_call([&] { ereport(NOTICE, (errmsg("backfill job %lld: %s", (long long) job, l))); });
				last_line = line;
				last_report = now;
			}
			bool failed = status == core::JobStatus::Failed, cancelled = status == core::JobStatus::Cancelled;
			if (!status || failed || cancelled) {
				const char *err = r.error;
				pg::pg_call([&] {
					ereport(
						ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("backfill job %lld %s", (long long) job,
								failed      ? "failed"
								: cancelled ? "was cancelled"
											: "was interrupted: its worker is gone"),
						 err[0] ? errdetail("Last error: %s", err) : 0,
						 cancelled
							 ? 0
							 : errhint("Fix the cause, then SELECT migration_helpers.backfill_resume(%lld);",
									   (long long) job)));
				});
			}
			if (ended)
				return pg::pg_call([&] { return CStringGetTextDatum(r.status); });
			if (timeout_ms >= 0 && double(now - start) / 1000.0 >= timeout_ms)
				return pg::pg_call([&] { return CStringGetTextDatum(r.status); });
			// A job queued behind the cap, with no worker to start it (its slot was taken when
			// it was recorded): a waiting session starts it once a slot frees.
			if (r.queued_without_worker && now - last_kick >= 1000000) {
				last_kick = now;
				pg::pg_call([] {
					SPI_connect();
					(void) pg::start_queued(true, false);
					SPI_finish();
				});
			}
			// 50 ms: a migration script waiting on a small table goes on almost at once; one
			// indexed read of the job row each time costs nothing next to the batches.
			pg::pg_call([&] {
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50,
								 PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();
			});
		}
	});
}

extern "C" Datum mh_backfill_wait_v2(PG_FUNCTION_ARGS)
{
	return mh_backfill_wait(fcinfo);
}
