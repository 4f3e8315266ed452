// actions.cpp — the guard exemption of the helpers' own statements and the
// lock retries of their strong-lock actions (see actions.hpp).
#include "pg/migrate/actions.hpp"
#include "pg/analysis/helper_statement.hpp"

#include <random>

#include "pg/boundary.hpp"
#include "pg/common/citus.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

double now_ms()
{
	return double(GetCurrentTimestamp()) / 1000.0;
}

// describe_holders_c: the sessions holding a lock on any of the tables now, as
// "pid 123 (role app, AccessShareLock on public.t, idle in transaction for
// 00:00:05: SELECT ...)", or nullptr when none does. Run as the caller: the
// query texts shown are those pg_stat_activity shows the caller.
char *describe_holders_c(const Oid *rels, int nrels)
{
	Datum *elems = (Datum *) palloc(sizeof(Datum) * Max(nrels, 1));
	for (int i = 0; i < nrels; i++)
		elems[i] = ObjectIdGetDatum(rels[i]);
	Oid types[1] = {OIDARRAYOID};
	Datum values[1] = {
		PointerGetDatum(construct_array(elems, nrels, OIDOID, sizeof(Oid), true, TYPALIGN_INT))};
	int rc = SPI_execute_with_args(
		"SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (role %s, %s on %s, %s for %s s: %s)', "
		"a.pid, "
		"COALESCE(a.usename::text, '?'), l.mode, l.relation::pg_catalog.regclass, COALESCE(a.state, '?'), "
		"pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - COALESCE(a.xact_start, "
		"a.backend_start)), 1), "
		"COALESCE(pg_catalog.left(a.query, 60), '?')), '; ' ORDER BY a.pid) "
		"FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
		"AND l.relation OPERATOR(pg_catalog.=) ANY ($1) "
		"AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()",
		1, types, values, nullptr, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		return nullptr;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

// attempt_c: one try of sql in an internal subtransaction under timeout_ms;
// false when it timed out waiting for a lock (rolled back, *holders says who
// held the tables); any other error is re-raised.
bool attempt_c(const char *sql, int timeout_ms, const char *migration, const Oid *rels, int nrels,
			   char **holders)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData *volatile err = nullptr;
	BeginInternalSubTransaction(nullptr);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		run_exempt_c(sql, timeout_ms, migration);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		err = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();
	if (err == nullptr)
		return true;
	if (err->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
		ReThrowError(err);
	FreeErrorData(err);
	*holders = describe_holders_c(rels, nrels);
	return false;
}

void sleep_c(double ms)
{
	if (ms >= 1) {
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, long(ms),
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	CHECK_FOR_INTERRUPTS();
}

}  // namespace

// run_exempt_c: the one place where the helpers' statements are exempted from
// the guard: the statement is marked as this migration's helper's own (in C++:
// no role can set the mark), the guard lets exactly that statement through and
// records it in ddl_log with the migration's name. The mark is dropped when
// the statement ends, or by the (sub)transaction's end on error.
void run_exempt_c(const char *sql, int lock_timeout_ms, const char *migration)
{
	int nest = NewGUCNestLevel();
	if (lock_timeout_ms > 0)
		(void) set_config_option("lock_timeout", psprintf("%d", lock_timeout_ms), PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	if (citus_installed_c()) {
		// On a Citus cluster, for this statement only: its shard commands over one connection per
		// node, so that a later statement of the helper's transaction that Citus sends that way
		// (the CREATE FUNCTION of a sync trigger) is not refused after it ("cannot run function
		// command because there was a parallel operation"); and triggers on a distributed table,
		// which Citus calls unsafe because a trigger on a shard may read other shards: the
		// helpers' triggers read and write only the row they fire for.
		(void) set_config_option("citus.multi_shard_modify_mode", "sequential", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("citus.enable_unsafe_triggers", "on", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	begin_helper_statement(migration, sql);
	int rc = SPI_execute(sql, false, 0);
	end_helper_statement();
	AtEOXact_GUC(true, nest);
	if (rc < 0)
		elog(ERROR, "could not run migration action \"%s\": %s", sql, SPI_result_code_string(rc));
}

int run_action(const std::string &sql, const std::string &lock, const ActionTarget &target,
			   const core::LockRetryPolicy &policy)
{
	const char *stmt = sql.c_str();
	const char *name = target.migration.c_str();
	if (lock.empty()) {
		pg_call([&] { run_exempt_c(stmt, 0, name); });
		return 1;
	}
	std::vector<Oid> rels(target.relations.begin(), target.relations.end());
	const Oid *rel_data = rels.data();
	int nrels = int(rels.size());
	static std::mt19937_64 random_source{std::random_device{}()};
	std::uniform_real_distribution<double> unit(0.0, 1.0);
	core::LockRetrySchedule schedule(policy, pg_call([] { return now_ms(); }));
	std::string holders;
	for (;;) {
		double now = pg_call([] { return now_ms(); });
		std::optional<double> timeout = schedule.next_timeout(now);
		if (!timeout)
			break;
		int timeout_ms = std::max(1, int(*timeout));
		char *who = nullptr;
		bool done = pg_call([&] { return attempt_c(stmt, timeout_ms, name, rel_data, nrels, &who); });
		if (done)
			return schedule.attempts();
		holders = who ? who : "";
		double pause = schedule.sleep_after_failure(pg_call([] { return now_ms(); }), unit(random_source));
		pg_call([&] { sleep_c(pause); });
	}
	int attempts = schedule.attempts();
	double seconds = schedule.elapsed_ms(pg_call([] { return now_ms(); })) / 1000.0;
	const char *table = target.table.c_str();
	const char *migration = target.migration.c_str();
	const char *held = holders.empty() ? nullptr : holders.c_str();
	const char *lock_name = lock.c_str();
	pg_call([&] {
		ereport(
			ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("could not lock table \"%s\" for migration \"%s\" within its lock retry budget", table,
					migration),
			 held ? errdetail("%d attempts over %.1f s to take %s for \"%s\" timed out. Held by: %s.",
							  attempts, seconds, lock_name, stmt, held)
				  : errdetail(
						"%d attempts over %.1f s to take %s for \"%s\" timed out; the sessions that held "
						"the lock have ended since.",
						attempts, seconds, lock_name, stmt),
			 errhint("Each attempt waits briefly so that queries queued behind it are not blocked; nothing "
					 "was changed. Call the helper again once that session has finished, or give the "
					 "migration a larger lock_retry_budget.")));
	});
	return attempts;
}

}  // namespace migration_helpers::pg
