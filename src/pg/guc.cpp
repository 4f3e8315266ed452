// guc.cpp — every migration_helpers.* setting, in alphabetical order.
//
// Settings that weaken the guard (exempt_empty_tables, guard, large_table_threshold) are
// PGC_SUSET: an unprivileged role cannot change them for itself, only a
// superuser (or ALTER ROLE/DATABASE ... SET by one) can.
#include "pg/guc.hpp"

#include <string>

#include "core/ddl/policy.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

char *guc_allow = nullptr;
int guc_ddl_lock_timeout_ms = 5000;
bool guc_exempt_empty_tables = true;
int guc_guard_mode = GUARD_ENFORCE;
int guc_large_table_threshold_kb = 0;
int guc_max_backfill_workers = 2;
bool guc_prepare_wal_segments = true;

namespace {

const struct config_enum_entry kGuardModes[] = {
	{"enforce", GUARD_ENFORCE, false},
	{"warn", GUARD_WARN, false},
	{"off", GUARD_OFF, false},
	{nullptr, 0, false},
};

// check_allow: every item must be a known rule id; an unknown one is an error, never "allow all".
// The value may come from the session (SET, SET LOCAL, a client's startup options) or from the
// server's own configuration, never from a value stored for a role or a database: a database
// owner could otherwise ALTER DATABASE ... SET it to every rule and make the guard advisory for
// every session, superusers' included, and nothing records who stored a value. Those are
// refused when they are stored (PGC_S_TEST, which CREATE FUNCTION ... SET validates with too) and
// when they are applied at connection (a WARNING there, and the value is not used).
bool check_allow(char **newval, void **extra, GucSource source)
{
	bool stored = source == PGC_S_TEST || source == PGC_S_GLOBAL || source == PGC_S_DATABASE ||
				  source == PGC_S_USER || source == PGC_S_DATABASE_USER;
	if (stored && *newval != nullptr && (*newval)[0] != '\0') {
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("migration_helpers.allow cannot be stored for a role, a database or a function");
		GUC_check_errdetail("A stored allow list would let the rules through in every session it "
							"applies to.");
		GUC_check_errhint("Use SET LOCAL migration_helpers.allow in the transaction that needs it.");
		return false;
	}
	try {
		std::string error;
		if (*newval == nullptr || core::parse_allow_list(*newval, &error))
			return true;
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		// GUC_check_errmsg formats into the error context; the string is copied there.
		GUC_check_errmsg("%s in migration_helpers.allow", error.c_str());
		GUC_check_errhint("migration_helpers.rules() lists the rule ids.");
		return false;
	} catch (...) {
		GUC_check_errmsg("could not parse migration_helpers.allow");
		return false;
	}
}

}  // namespace

void guc_init()
{
	DefineCustomStringVariable(
		"migration_helpers.allow", "Rule ids of the DDL guard allowed in this transaction (use SET LOCAL).",
		"A comma-separated list of ids from migration_helpers.rules(). Every statement "
		"that an allowed rule lets through is recorded in migration_helpers.ddl_log.",
		&guc_allow, "", PGC_USERSET, GUC_LIST_INPUT | GUC_NOT_IN_SAMPLE, check_allow, nullptr, nullptr);
	DefineCustomIntVariable("migration_helpers.ddl_lock_timeout",
							"Lock timeout applied to guarded DDL when the session has no lock_timeout.",
							"A DDL statement waiting for its lock behind a long transaction blocks every "
							"query queued after it; this bounds that wait. 0 disables it.",
							&guc_ddl_lock_timeout_ms, 5000, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr,
							nullptr, nullptr);
	DefineCustomBoolVariable("migration_helpers.exempt_empty_tables",
							 "Unsafe DDL on tables without rows only warns.",
							 "A table that never held a row gets a WARNING for every rule; one that holds "
							 "none now but did gets it for the rules about locks, and is still blocked by "
							 "the rules about running code. Turn it off to block as on tables with data.",
							 &guc_exempt_empty_tables, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomEnumVariable("migration_helpers.guard", "What the DDL guard does with unsafe DDL.",
							 "enforce blocks it with SQLSTATE MH001, warn lets it run with a WARNING, off "
							 "does not check.",
							 &guc_guard_mode, GUARD_ENFORCE, kGuardModes, PGC_SUSET, 0, nullptr, nullptr,
							 nullptr);
	DefineCustomIntVariable("migration_helpers.large_table_threshold",
							"Tables smaller than this are exempt from the guard's locking rules.",
							"0 means every existing table counts as large, so unsafe DDL is caught in "
							"development too. Rules about renames and drops apply at any size.",
							&guc_large_table_threshold_kb, 0, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr,
							nullptr, nullptr);
	DefineCustomIntVariable("migration_helpers.max_backfill_workers",
							"Most background workers the backfill engine runs at once, in the whole cluster.",
							"Jobs beyond it wait as queued and start when a worker of the engine ends, so "
							"backfills never take every background worker slot from parallel query and other "
							"extensions. 0 runs no job (they all wait).",
							&guc_max_backfill_workers, 2, 0, 1024, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomBoolVariable(
		"migration_helpers.prepare_wal_segments",
		"While backfill batches run, create WAL segment files before the WAL reaches them.",
		"Without it, a session of the application that commits first into a segment that "
		"does not exist yet zero-fills and syncs the 16 MB file while every other commit "
		"waits. The engine's launcher creates them instead, about half a second of WAL "
		"ahead. Needs shared_preload_libraries.",
		&guc_prepare_wal_segments, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	MarkGUCPrefixReserved("migration_helpers");
}

bool role_may_set_guard()
{
	// The session user, not the current one: inside a SECURITY DEFINER function the current user
	// is its owner, whose right to turn the guard off is not the caller's.
	Oid session = GetSessionUserId();
	return superuser_arg(session) ||
		   pg_parameter_aclcheck("migration_helpers.guard", session, ACL_SET) == ACLCHECK_OK;
}

}  // namespace migration_helpers::pg
