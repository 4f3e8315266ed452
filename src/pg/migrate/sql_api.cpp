// sql_api.cpp — start_migration(), complete_migration(), abort_migration()
// and the phase derivation the migrations view calls. The phase machine and
// the contract / undo order are core's (src/core/migrate/); this file loads
// facts, asks core, runs the actions and records the cursor after each one in
// the same transaction as the action.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/migrate/phase.hpp"
#include "core/migrate/plan.hpp"
#include "pg/boundary.hpp"
#include "pg/migrate/actions.hpp"
#include "pg/migrate/common.hpp"
#include "pg/migrate/store.hpp"
#include "pg/migrate/tasks.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// Advisory lock class of start_migration() on one name: two equal calls at once record one migration.
constexpr int kLockClassName = 0x4d4e;

// name_hash: FNV-1a of a migration name, the key of its advisory lock.
int32_t name_hash(const std::string &name)
{
	uint32_t h = 2166136261u;
	for (unsigned char c : name)
		h = (h ^ c) * 16777619u;
	return int32_t(h);
}

double interval_ms(const Interval *iv)
{
	return double(iv->time) / 1000.0 + double(iv->day) * 86400000.0 + double(iv->month) * 30.0 * 86400000.0;
}

// ContractStep: a recorded step as C++ values.
struct ContractStep {
	int step_no;
	unsigned int relid, ref_relid;
	std::string table;
	std::vector<std::string> contract, undo;
	std::vector<int> passes;
	std::vector<std::string> contract_locks, undo_locks;
	std::optional<std::string> index_schema, index_name;
};

std::vector<ContractStep> load_steps(int64 id)
{
	List *rows = pg_call([&] { return read_steps(id); });
	std::vector<ContractStep> steps;
	ListCell *lc;
	foreach (lc, rows) {
		auto *r = (StepRow *) lfirst(lc);
		ContractStep s;
		s.step_no = r->step_no;
		s.relid = r->relid;
		s.ref_relid = r->ref_relid;
		s.table = r->table;
		if (r->index_schema && r->index_name) {
			s.index_schema = r->index_schema;
			s.index_name = r->index_name;
		}
		for (int i = 0; i < r->ncontract; i++) {
			s.contract.emplace_back(r->contract[i]);
			s.passes.push_back(r->passes[i]);
		}
		for (int i = 0; i < r->nundo; i++)
			s.undo.emplace_back(r->undo[i]);
		// action_locks: forward, then undo, then contract.
		for (int i = 0; i < r->nundo; i++)
			s.undo_locks.emplace_back(r->nforward + i < r->nlocks ? r->locks[r->nforward + i] : "");
		for (int i = 0; i < r->ncontract; i++) {
			int at = r->nforward + r->nundo + i;
			s.contract_locks.emplace_back(at < r->nlocks ? r->locks[at] : "");
		}
		steps.push_back(std::move(s));
	}
	return steps;
}

// run_ordered: runs the actions of order not yet done, advancing the cursor after each.
void run_ordered(const MigrationRow &m, const std::vector<ContractStep> &steps,
				 const std::vector<core::ActionRef> &todo, bool contract)
{
	core::LockRetryPolicy policy = policy_of(m);
	for (const auto &ref : todo) {
		const ContractStep *step = nullptr;
		for (const auto &s : steps)
			if (s.step_no == ref.step_no)
				step = &s;
		if (step == nullptr)
			raise_error(ERRCODE_INTERNAL_ERROR, "step " + std::to_string(ref.step_no) + " of migration \"" +
													std::string(m.name) + "\" is missing");
		ActionTarget target;
		target.migration = m.name;
		target.table = step->table;
		if (step->relid)
			target.relations.push_back(step->relid);
		if (step->ref_relid)
			target.relations.push_back(step->ref_relid);
		const std::string &sql = contract ? step->contract[ref.index] : step->undo[ref.index];
		const std::string &lock = contract ? step->contract_locks[ref.index] : step->undo_locks[ref.index];
		int64 id = m.id;
		int step_no = step->step_no;
		if (lock == core::kStopWorkers) {
			pg_call([&] { stop_tasks_c(id, step_no); });
		} else if (lock == core::kRunInWorker) {
			// A step without an index: a statement that concerns none (VALIDATE CONSTRAINT).
			const char *stmt = sql.c_str();
			const char *schema = step->index_schema ? step->index_schema->c_str() : nullptr;
			const char *index = step->index_name ? step->index_name->c_str() : nullptr;
			pg_call([&] { (void) queue_task_c(id, step_no, stmt, schema, index, false); });
		} else {
			run_action(sql, lock, target, policy);
		}
		pg_call([&] { advance_cursor(id, contract); });
	}
}

std::vector<core::StepActions> actions_of(const std::vector<ContractStep> &steps)
{
	std::vector<core::StepActions> out;
	out.reserve(steps.size());
	for (const auto &s : steps)
		out.push_back(core::StepActions{s.step_no, s.passes, int(s.undo.size())});
	return out;
}

Datum text_result(const std::string &s)
{
	const char *c = s.c_str();
	return pg_call([&] { return PointerGetDatum(cstring_to_text(c)); });
}

Datum start_entry(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("migration name must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("lock_retry_budget must not be NULL")));
	return guarded_entry([&]() -> Datum {
		std::string name = text_arg(fcinfo, 0);
		std::optional<std::string> description;
		if (!PG_ARGISNULL(1))
			description = text_arg(fcinfo, 1);
		double budget = interval_ms(PG_GETARG_INTERVAL_P(2));
		if (name.empty())
			raise_error(ERRCODE_INVALID_PARAMETER_VALUE, "migration name must not be empty");
		core::LockRetryPolicy policy;
		policy.budget_ms = budget;
		std::string bad = core::validate(policy);
		if (!bad.empty() || budget > INT32_MAX)
			raise_error(ERRCODE_INVALID_PARAMETER_VALUE,
						bad.empty() ? "lock_retry_budget must be below 24 days" : bad);
		const char *n = name.c_str();
		const char *d = description ? description->c_str() : nullptr;
		int32_t hash = name_hash(name);
		pg_call([&] {
			SPI_connect();
			DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(kLockClassName),
								Int32GetDatum(hash));
		});
		MigrationRow m{};
		pg_call([&] { m = read_migration(n, true); });
		// An aborted migration's name starts a new migration (a tool's "migrate down, then up
		// again"); the aborted one stays, as history, under its own id.
		if (m.found && stored_phase(m) == core::Phase::Aborted) {
			notice("migration \"" + name + "\" (id " + std::to_string(m.id) +
				   ") was aborted: starting a new migration of that name");
			m.found = false;
		}
		if (m.found) {
			core::Phase phase = stored_phase(m);
			bool same = !core::is_final(phase) &&
						(m.description ? description && *description == m.description : !description) &&
						pg_call([&] { return m.owner == GetUserId(); });
			if (same) {
				notice("migration \"" + name + "\" is already started (" + m.phase + "): nothing to do");
				pg_call([] { SPI_finish(); });
				return Int64GetDatum(m.id);
			}
			raise_error(ERRCODE_DUPLICATE_OBJECT, "migration \"" + name + "\" already exists",
						std::string("It was started by ") + m.created_by + " at " + m.created_at +
							" and is " + m.phase +
							(core::is_final(phase) ? "." : ", with another description or by another role."),
						core::is_final(phase)
							? "The name of a completed migration is not reused: choose another name."
							: "Add steps to it with the step helpers (migration => '" + name +
								  "'), or choose another name.");
		}
		int budget_ms = int(budget);
		int64 id = pg_call([&] {
			int64 id = insert_migration(n, d, budget_ms);
			notify_phase(id, n, core::phase_name(core::Phase::Expanding), nullptr);
			SPI_finish();
			return id;
		});
		return Int64GetDatum(id);
	});
}

Datum complete_entry(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("arguments of migration_helpers.complete_migration() must not be NULL")));
	return guarded_entry([&]() -> Datum {
		std::string name = text_arg(fcinfo, 0);
		bool wait = PG_GETARG_BOOL(1);
		const char *n = name.c_str();
		pg_call([] { SPI_connect(); });
		MigrationRow m = load_migration(n, "complete", true);
		int64 id = m.id;
		AsyncCounts counts{};
		pg_call([&] { counts = read_async(id); });
		// Workers of index builds that are gone (a crash, no free slot at commit) start again.
		pg_call([&] { (void) restart_tasks_c(id); });
		if (wait && counts.running > counts.builds_running && stored_phase(m) != core::Phase::Completed) {
			if (counts.created_here > 0)
				raise_error(
					ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					"backfills of migration \"" + name + "\" were started in this transaction",
					"Their workers start when this transaction commits, so waiting here would wait forever.",
					"Start the migration in one migration file and complete it in a later one.");
			// backfill_wait() as the caller: it errors when a job fails or is cancelled.
			pg_call([&] {
				List *jobs = unfinished_jobs(id);
				ListCell *lc;
				foreach (lc, jobs) {
					Oid types[1] = {INT8OID};
					Datum values[1] = {Int64GetDatum(*(int64 *) lfirst(lc))};
					if (SPI_execute_with_args("SELECT migration_helpers.backfill_wait($1)", 1, types, values,
											  nullptr, false, 0) != SPI_OK_SELECT)
						elog(ERROR, "could not wait for a backfill of the migration");
				}
				counts = read_async(id);
			});
		}
		core::Phase stored = stored_phase(m);
		core::AsyncSummary summary = summary_of(counts);
		if (core::Refusal r = core::refuse_complete(name, stored, summary, progress_of(m), wait))
			raise_refusal(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, r);
		if (stored == core::Phase::Completed) {
			notice("migration \"" + name + "\" is already completed: nothing to do");
			pg_call([] { SPI_finish(); });
			return text_result(core::phase_name(stored));
		}
		std::vector<ContractStep> steps = load_steps(id);
		std::vector<core::ActionRef> todo =
			core::remaining(core::contract_order(actions_of(steps)), m.contract_done);
		run_ordered(m, steps, todo, true);
		const char *previous = core::phase_name(core::derive_phase(stored, summary));
		pg_call([&] {
			for (const auto &s : steps)
				set_step_status(id, s.step_no, "contracted");
			set_stored_phase(id, core::phase_name(core::Phase::Completed));
			notify_phase(id, n, core::phase_name(core::Phase::Completed), previous);
			SPI_finish();
		});
		return text_result(core::phase_name(core::Phase::Completed));
	});
}

Datum abort_entry(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("migration name must not be NULL")));
	return guarded_entry([&]() -> Datum {
		std::string name = text_arg(fcinfo, 0);
		const char *n = name.c_str();
		pg_call([] { SPI_connect(); });
		MigrationRow m = load_migration(n, "abort", true);
		int64 id = m.id;
		core::Phase stored = stored_phase(m);
		if (core::Refusal r = core::refuse_abort(name, stored, progress_of(m)))
			raise_refusal(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, r);
		if (stored == core::Phase::Aborted) {
			notice("migration \"" + name + "\" is already aborted: nothing to do");
			pg_call([] { SPI_finish(); });
			return text_result(core::phase_name(stored));
		}
		AsyncCounts counts{};
		pg_call([&] { counts = read_async(id); });
		// The migration's backfills are cancelled first, before any undo action locks a table: a
		// batch locks its job row, then writes the table; an undo action of a later step holding the
		// table (DROP CONSTRAINT) while an earlier step's cancel waits for the job row would deadlock
		// with the next batch. Cancelled here, the steps' own cancel actions find nothing to do.
		pg_call([&] {
			List *jobs = unfinished_jobs(id);
			ListCell *lc;
			foreach (lc, jobs) {
				Oid types[1] = {INT8OID};
				Datum values[1] = {Int64GetDatum(*(int64 *) lfirst(lc))};
				// Locked first (waiting for a batch in flight): the job may have ended meanwhile.
				if (spi_state("lock the migration's backfill", SPI_OK_SELECT,
							  "SELECT FROM migration_helpers._backfill_jobs WHERE id = $1 "
							  "AND status IN ('queued', 'running', 'paused') FOR UPDATE",
							  1, types, values, nullptr) == 0)
					continue;
				if (SPI_execute_with_args("SELECT migration_helpers.backfill_cancel($1)", 1, types, values,
										  nullptr, false, 0) != SPI_OK_SELECT)
					elog(ERROR, "could not cancel a backfill of the migration");
			}
		});
		std::vector<ContractStep> steps = load_steps(id);
		std::vector<core::ActionRef> todo = core::remaining(core::undo_order(actions_of(steps)), m.undo_done);
		run_ordered(m, steps, todo, false);
		const char *previous = core::phase_name(core::derive_phase(stored, summary_of(counts)));
		pg_call([&] {
			for (const auto &s : steps)
				set_step_status(id, s.step_no, "undone");
			set_stored_phase(id, core::phase_name(core::Phase::Aborted));
			notify_phase(id, n, core::phase_name(core::Phase::Aborted), previous);
			SPI_finish();
		});
		return text_result(core::phase_name(core::Phase::Aborted));
	});
}

}  // namespace

void raise_error(int code, const std::string &message, const std::string &detail, const std::string &hint)
{
	const char *m = message.c_str();
	const char *d = detail.empty() ? nullptr : detail.c_str();
	const char *h = hint.empty() ? nullptr : hint.c_str();
	pg_call([&] {
		ereport(ERROR,
				(errcode(code), errmsg("%s", m), d ? errdetail("%s", d) : 0, h ? errhint("%s", h) : 0));
	});
	throw std::logic_error("unreachable");
}

void raise_refusal(int code, const core::Refusal &r)
{
	raise_error(code, r.message, r.detail, r.hint);
}

void notice(const std::string &message, const std::string &hint)
{
	const char *m = message.c_str();
	const char *h = hint.empty() ? nullptr : hint.c_str();
	pg_call([&] { ereport(NOTICE, (errmsg("%s", m), h ? errhint("%s", h) : 0)); });
}

MigrationRow load_migration(const char *name, const char *doing, bool for_change)
{
	MigrationRow m{};
	pg_call([&] { m = read_migration(name, true); });
	if (!m.found)
		raise_error(
			ERRCODE_UNDEFINED_OBJECT, std::string("migration \"") + name + "\" does not exist", "",
			"Start it with migration_helpers.start_migration(); migration_helpers.migrations lists the "
			"migrations.");
	if (for_change) {
		Oid owner = m.owner;
		bool allowed = pg_call(
			[&] { return superuser() || (OidIsValid(owner) && has_privs_of_role(GetUserId(), owner)); });
		if (!allowed)
			raise_error(
				ERRCODE_INSUFFICIENT_PRIVILEGE,
				std::string("permission denied to ") + doing + " migration \"" + name + "\"",
				std::string("Only the role that started it (") + m.created_by +
					"), its members and superusers may add steps to a migration, complete it or abort it.");
	}
	return m;
}

core::Phase stored_phase(const MigrationRow &m)
{
	std::optional<core::Phase> p = core::parse_phase(m.phase);
	if (!p)
		raise_error(ERRCODE_INTERNAL_ERROR,
					std::string("migration \"") + m.name + "\" has unknown phase \"" + m.phase + "\"");
	return *p;
}

core::MigrationProgress progress_of(const MigrationRow &m)
{
	return core::MigrationProgress{m.contract_done, m.undo_done};
}

core::AsyncSummary summary_of(const AsyncCounts &a)
{
	core::AsyncSummary s;
	s.steps = a.steps;
	s.running = a.running;
	s.failed = a.failed;
	s.succeeded = a.succeeded;
	s.builds_running = a.builds_running;
	return s;
}

core::LockRetryPolicy policy_of(const MigrationRow &m)
{
	core::LockRetryPolicy p;
	p.budget_ms = m.budget_ms;
	return p;
}

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_start_migration);
PG_FUNCTION_INFO_V1(mh_complete_migration);
PG_FUNCTION_INFO_V1(mh_abort_migration);
PG_FUNCTION_INFO_V1(mh__migration_phase);
PG_FUNCTION_INFO_V1(mh__migration_restart_tasks);
}

// mh__migration_restart_tasks: restart_tasks_c for a migration the caller may change (else 0).
Datum mh__migration_restart_tasks(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	return pg::guarded_entry([&]() -> Datum {
		int started = pg::pg_call([&] {
			SPI_connect();
			pg::MigrationRow m = pg::read_migration(name, false);
			int n = 0;
			if (m.found && (superuser() || (OidIsValid(m.owner) && has_privs_of_role(GetUserId(), m.owner))))
				n = pg::restart_tasks_c(m.id);
			SPI_finish();
			return n;
		});
		return Int32GetDatum(started);
	});
}

Datum mh_start_migration(PG_FUNCTION_ARGS)
{
	return pg::start_entry(fcinfo);
}

Datum mh_complete_migration(PG_FUNCTION_ARGS)
{
	return pg::complete_entry(fcinfo);
}

Datum mh_abort_migration(PG_FUNCTION_ARGS)
{
	return pg::abort_entry(fcinfo);
}

// mh__migration_phase: the phase to show (core::derive_phase), for the migrations view.
Datum mh__migration_phase(PG_FUNCTION_ARGS)
{
	char *stored = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int steps = PG_GETARG_INT32(1), running = PG_GETARG_INT32(2), failed = PG_GETARG_INT32(3);
	return pg::guarded_entry([&]() -> Datum {
		std::optional<core::Phase> p = core::parse_phase(stored);
		if (!p)
			return pg::text_result(stored);
		core::AsyncSummary a;
		a.steps = steps;
		a.running = running;
		a.failed = failed;
		return pg::text_result(core::phase_name(core::derive_phase(*p, a)));
	});
}
