// enforce.cpp — the guard's assess and act steps, shared by the event triggers and the utility
// hook: the operations judged (findings, measured where a verdict needs it), then each finding
// disposed of by the core policy and reported.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/policy.hpp"
#include "pg/analysis/helper_statement.hpp"
#include "pg/analysis/observer.hpp"
#include "core/ddl/rules.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/common/citus.hpp"
#include "pg/boundary.hpp"
#include "pg/errcodes.hpp"
#include "pg/guard/internal.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// report: raises or warns with a disposed verdict's texts (ERROR does not return).
void report(int elevel, const core::Report &r)
{
	const char *msg = r.message.c_str();
	const char *detail = r.detail.c_str();
	const char *hint = r.hint.c_str();
	pg_call([&] {
		ereport(elevel, (errcode(ERRCODE_MH_UNSAFE_DDL), errmsg("%s", msg), errdetail("%s", detail),
						 errhint("%s", hint)));
	});
}

// report_allowed: a verdict migration_helpers.allow let through, as a NOTICE.
void report_allowed(const core::Report &r)
{
	const char *msg = r.message.c_str();
	const char *detail = r.detail.c_str();
	pg_call([&] { ereport(NOTICE, (errmsg("%s", msg), errdetail("%s", detail))); });
}

}  // namespace

bool guard_active()
{
	if (guc_guard_mode == GUARD_OFF)
		return false;
	// Citus's own statement on this node (a shard's part of a statement judged on the coordinator,
	// a shard move or cleanup) in a session of a role that could turn the guard off itself.
	if (pg_call([] { return citus_trusted_session_c(); }))
		return false;
	// Our own install and upgrade scripts are trusted; other extensions' scripts are guarded.
	if (creating_extension)
		return pg_call([] { return CurrentExtensionObject != get_extension_oid("migration_helpers", true); });
	return true;
}

AnalysisContext live_context()
{
	AnalysisContext cx;
	cx.txn = &live_session();
	cx.query_string = current_query_string();
	return cx;
}

Assessment assess(std::vector<AnalyzedOp> ops)
{
	core::GuardSettings settings;
	settings.large_table_threshold_bytes = int64_t(guc_large_table_threshold_kb) * 1024;
	return assess_operations(std::move(ops), settings, [](const AnalyzedOp &g, core::RelationFacts &facts) {
		measure_relation(live_session(), g, facts);
	});
}

core::GuardMode guard_mode()
{
	return guc_guard_mode == GUARD_ENFORCE ? core::GuardMode::Enforce
		   : guc_guard_mode == GUARD_WARN  ? core::GuardMode::Warn
										   : core::GuardMode::Off;
}

Enforcement act(const Assessment &a, const Enforcement *earlier)
{
	Enforcement e;
	e.guarded = a.guarded;
	// An expand-contract helper's own statement (marked by the helper in C++): it runs, and is logged.
	const char *helper =
		pg_call([] { return helper_statement_migration(current_query_string(), utility_depth() > 0); });
	if (helper != nullptr)
		e.migration = helper;
	if (a.findings.empty())
		return e;
	// The check hook already refused unknown ids, so this parse cannot fail.
	std::optional<core::AllowList> allow = core::parse_allow_list(guc_allow ? guc_allow : "", nullptr);
	core::Policy policy;
	policy.mode = guard_mode();
	policy.allow = allow ? &*allow : nullptr;
	policy.exempt_empty_tables = guc_exempt_empty_tables;
	policy.helper_statement = helper != nullptr;
	policy.observing = pg_call([] { return guard_observing(); });
	for (const Finding &f : a.findings) {
		std::string id(f.verdict.rule->id);
		std::pair<unsigned int, std::string> key(f.relid, id);
		if (earlier != nullptr &&
			std::find(earlier->reported.begin(), earlier->reported.end(), key) != earlier->reported.end())
			continue;  // e.g. ADD COLUMN ... serial: judged at the start, then its rewrite
		core::Disposition d = core::dispose(f.verdict, f.op, policy);
		if (d.why == core::Why::GuardOff)
			continue;  // not reached: guard_active() is false then
		core::Report r = core::report_texts(f.verdict, f.op, d);
		switch (d.decision) {
		case core::Decision::Warned:
			report(WARNING, r);
			if (d.why == core::Why::Observing) {
				const char *rule = id.c_str();
				pg_call([&] { observed_rule(rule); });
			}
			e.warned.push_back(id);
			break;
		case core::Decision::Allowed:
			if (d.why != core::Why::HelperStatement)
				report_allowed(r);  // a helper's own statement is only logged, with its migration
			e.allowed.push_back(id);
			break;
		case core::Decision::Blocked:
			// A drop or rename that the same transaction may undo by creating the name again: COMMIT judges it.
			if (d.why == core::Why::Enforced && wait_for_commit(f, r))
				break;
			report(ERROR, r);
			break;
		}
		e.reported.push_back(std::move(key));
	}
	return e;
}
}  // namespace migration_helpers::pg
