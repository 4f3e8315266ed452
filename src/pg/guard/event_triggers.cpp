// event_triggers.cpp — the guard's event triggers.
//
//   ddl_command_start  turns the raw parse tree into operations (one per
//                      relation touched) with their facts (pg/analysis/), assesses
//                      and acts on them (enforce.cpp) before the statement takes
//                      its lock; applies migration_helpers.ddl_lock_timeout to
//                      guarded DDL.
//   table_rewrite      the backstop: the server itself says the table is about
//                      to be rewritten (type changes, volatile defaults, ...).
//   ddl_command_end    records the pending statement in ddl_log with its
//                      duration and the lock it held, and restores lock_timeout.
#include <string>
#include <vector>

#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/boundary.hpp"
#include "pg/compat.hpp"
#include "pg/guard/internal.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// Pending: a guarded statement between its ddl_command_start and its ddl_command_end. A guarded
// statement run by a function that another guarded statement called is pending inside it:
// pendings holds them innermost last, each with the depth of utility statements it runs at
// (the utility hook's count), so that an inner statement's ddl_command_end never takes the
// outer one's record. Without the library preloaded the depth is unknown (always 0): an inner
// statement then replaces the outer one's record, as a statement left by a failure is.
struct Pending {
	int depth = 0;
	int nest_level = 0;
	Oid relid = InvalidOid;
	std::string relname;
	TimestampTz started = 0;
	bool lock_timeout_applied = false;
	Enforcement enforcement;
	std::string statement;        // its own text, as ddl_log records it
	std::string retyped_columns;  // named in the table_rewrite verdict
	std::string added_columns;
};
std::vector<Pending> pendings;

// current_pending: the pending record of the utility statement being run now, or nullptr.
Pending *current_pending()
{
	if (pendings.empty() || pendings.back().depth != utility_depth())
		return nullptr;
	return &pendings.back();
}

// describe_blockers_c: one sentence per session holding a lock on relid that
// conflicts with mode; query texts only where pg_stat_activity would show them.
char *describe_blockers_c(Oid relid, LOCKMODE mode)
{
	LOCKTAG tag;
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	int count = 0;
	VirtualTransactionId *vxids = GetLockConflicts(&tag, mode, &count);
	StringInfoData buf;
	initStringInfo(&buf);
	TimestampTz now = GetCurrentTimestamp();
	int nbackends = pgstat_fetch_stat_numbackends();
	for (int i = 0; VirtualTransactionIdIsValid(vxids[i]); i++) {
		PGPROC *proc = mh_vxid_proc(vxids[i]);
		if (proc == nullptr)
			continue;
		int pid = proc->pid;
		PgBackendStatus *st = nullptr;
		for (int b = 1; b <= nbackends; b++) {
			LocalPgBackendStatus *local = mh_local_backend_status(b);
			if (local && local->backendStatus.st_procpid == pid)
				st = &local->backendStatus;
		}
		appendStringInfo(&buf, "%sProcess %d", buf.len > 0 ? " " : "", pid);
		if (st != nullptr) {
			char *role = GetUserNameFromId(st->st_userid, true);
			appendStringInfo(&buf, " (role \"%s\"", role ? role : "?");
			if (st->st_xact_start_timestamp != 0)
				appendStringInfo(&buf, ", transaction open for %.1f s",
								 double(now - st->st_xact_start_timestamp) / 1000000.0);
			bool may_see = has_privs_of_role(GetUserId(), st->st_userid) ||
						   has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
			if (may_see && st->st_activity_raw && st->st_activity_raw[0])
				appendStringInfo(&buf, ", running \"%s\"", pgstat_clip_activity(st->st_activity_raw));
			appendStringInfoChar(&buf, ')');
		}
		appendStringInfoString(&buf, " holds a conflicting lock.");
	}
	return buf.len > 0 ? buf.data : nullptr;
}

// lock_or_explain: takes the statement's lock now, under the applied lock
// timeout, so that a timeout can name the sessions that held the lock while
// they still hold it. Only for a table the user owns: locking before the
// server's permission check would let anyone lock anyone's table.
void lock_or_explain(Oid relid, const std::string &relname, LOCKMODE mode)
{
	if (mode == NoLock || !OidIsValid(relid) ||
		!pg_call([&] { return mh_relation_ownercheck(relid, GetUserId()); }))
		return;
	try {
		pg_call([&] { LockRelationOid(relid, mode); });
	} catch (const PgError &e) {
		if (e.edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			throw;
		const char *name = relname.c_str();
		const char *msg = e.edata->message;
		pg_call([&] {
			char *blockers = describe_blockers_c(relid, mode);
			ereport(ERROR, (errcode(ERRCODE_LOCK_NOT_AVAILABLE), errmsg("%s", msg),
							blockers ? errdetail("Waiting for %s on \"%s\": %s",
												 GetLockmodeName(DEFAULT_LOCKMETHOD, mode), name, blockers)
									 : errdetail("Waiting for %s on \"%s\".",
												 GetLockmodeName(DEFAULT_LOCKMETHOD, mode), name),
							errhint("Retry when the blocking transaction has ended, or end it with "
									"pg_cancel_backend() or pg_terminate_backend().")));
		});
	}
}

// apply_ddl_lock_timeout: bounds the lock wait of a guarded statement when the session has no lock_timeout.
bool apply_ddl_lock_timeout()
{
	if (LockTimeout != 0 || guc_ddl_lock_timeout_ms <= 0)
		return false;
	std::string value = std::to_string(guc_ddl_lock_timeout_ms);
	const char *v = value.c_str();
	pg_call([&] {
		(void) set_config_option("lock_timeout", v, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
								 false);
	});
	return true;
}

void restore_lock_timeout()
{
	pg_call([] {
		(void) set_config_option("lock_timeout", "0", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
								 false);
	});
}

// forget_pending: a statement that failed never reaches ddl_command_end.
void forget_pending_on_abort(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		pendings.clear();
}

void forget_pending_on_subabort(SubXactEvent event, SubTransactionId, SubTransactionId, void *)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (!pendings.empty() && pendings.back().nest_level >= GetCurrentTransactionNestLevel())
		pendings.pop_back();
}

const char *command_tag_of(EventTriggerData *trigdata)
{
	return GetCommandTagName(trigdata->tag);
}

}  // namespace

void guard_event_triggers_init()
{
	RegisterXactCallback(forget_pending_on_abort, nullptr);
	RegisterSubXactCallback(forget_pending_on_subabort, nullptr);
}

}  // namespace migration_helpers::pg

extern "C" {
PG_FUNCTION_INFO_V1(mh_guard_ddl_command_start);
PG_FUNCTION_INFO_V1(mh_guard_table_rewrite);
PG_FUNCTION_INFO_V1(mh_guard_ddl_command_end);
}

using namespace migration_helpers;

extern "C" Datum mh_guard_ddl_command_start(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be called as an event trigger", "_guard_ddl_command_start")));
	auto *trigdata = (EventTriggerData *) fcinfo->context;
	return pg::guarded_entry([&]() -> Datum {
		// VACUUM, CLUSTER and REINDEX are the utility hook's (REINDEX fires this event from 17 on).
		if (!pg::guard_active() || pg::is_maintenance_statement(trigdata->parsetree))
			return (Datum) 0;
		pg::AnalysisContext cx = pg::live_context();
		pg::Assessment a = pg::assess(pg::operations_of(trigdata->parsetree, cx));
		if (a.ops.empty())
			return (Datum) 0;
		pg::Enforcement e = pg::act(a);
		const std::vector<pg::AnalyzedOp> &ops = a.ops;
		if (!e.guarded)
			return (Datum) 0;
		int depth = pg::utility_depth();
		while (!pg::pendings.empty() && pg::pendings.back().depth >= depth)
			pg::pendings.pop_back();  // whatever an earlier failed statement at this depth left
		pg::pendings.emplace_back();
		pg::Pending &pending = pg::pendings.back();
		pending.depth = depth;
		pending.nest_level = GetCurrentTransactionNestLevel();
		pending.relid = ops.front().relid;
		// The name as it is now (a rename changes it), quoted as SQL writes it.
		pending.relname = pg::log_name(ops.front().op.table);
		pending.started = GetCurrentTimestamp();
		pending.enforcement = std::move(e);
		pending.statement = pg::pg_call([] { return pg::current_statement_text(); });
		for (const auto &g : ops) {
			std::string *names = g.op.kind == core::OpKind::AlterColumnType ? &pending.retyped_columns
								 : g.op.kind == core::OpKind::AddColumn     ? &pending.added_columns
																			: nullptr;
			if (names != nullptr)
				*names += (names->empty() ? "" : "\", \"") + g.op.object;
		}
		pending.lock_timeout_applied = pg::apply_ddl_lock_timeout();
		bool one_relation = true;
		for (const auto &g : ops)
			one_relation = one_relation && g.relid == ops.front().relid;
		if (one_relation && !ops.front().op.table.created_in_transaction)
			pg::lock_or_explain(ops.front().relid, ops.front().op.table.name,
								LOCKMODE(pg::statement_lock_mode(trigdata->parsetree)));
		return (Datum) 0;
	});
}

extern "C" Datum mh_guard_table_rewrite(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be called as an event trigger", "_guard_table_rewrite")));
	return pg::guarded_entry([&]() -> Datum {
		if (!pg::guard_active())
			return (Datum) 0;
		// The event's relation and reason are only reachable through their SQL functions.
		Oid relid = pg::pg_call(
			[] { return DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID)); });
		int reason = pg::pg_call(
			[] { return DatumGetInt32(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON)); });
		std::vector<pg::AnalyzedOp> ops;
		pg::AnalyzedOp g = pg::make_op(pg::live_context(), core::OpKind::TableRewrite, relid, nullptr);
		g.op.rewrite_reason = reason;
		// Name the columns the pending ALTER changes (quoted by the message as one "a", "b" list).
		pg::Pending *pending = pg::current_pending();
		if (pending != nullptr && pending->relid == relid)
			g.op.object =
				(reason & core::kRewriteColumnType) ? pending->retyped_columns : pending->added_columns;
		ops.push_back(std::move(g));
		// What ddl_command_start reported for this statement is not reported twice.
		pg::Enforcement e =
			pg::act(pg::assess(std::move(ops)), pending != nullptr ? &pending->enforcement : nullptr);
		if (pending != nullptr) {
			for (auto &id : e.allowed)
				pending->enforcement.allowed.push_back(id);
			for (auto &id : e.warned)
				pending->enforcement.warned.push_back(id);
			for (auto &r : e.reported)
				pending->enforcement.reported.push_back(r);
		}
		return (Datum) 0;
	});
}

extern "C" Datum mh_guard_ddl_command_end(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be called as an event trigger", "_guard_ddl_command_end")));
	auto *trigdata = (EventTriggerData *) fcinfo->context;
	return pg::guarded_entry([&]() -> Datum {
		if (pg::current_pending() == nullptr)
			return (Datum) 0;
		pg::Pending p = std::move(pg::pendings.back());
		pg::pendings.pop_back();
		if (p.lock_timeout_applied)
			pg::restore_lock_timeout();
		double ms = double(GetCurrentTimestamp() - p.started) / 1000.0;
		pg::guard_log(pg::command_tag_of(trigdata), p.statement, p.relid, p.relname, p.enforcement, ms, true);
		return (Datum) 0;
	});
}
