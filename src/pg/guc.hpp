// guc.hpp — the configuration settings of migration_helpers (all defined in guc.cpp).
#pragma once

namespace migration_helpers::pg {

enum GuardMode { GUARD_OFF = 0, GUARD_WARN = 1, GUARD_ENFORCE = 2 };

extern char *guc_allow;                   // migration_helpers.allow
extern int guc_ddl_lock_timeout_ms;       // migration_helpers.ddl_lock_timeout
extern bool guc_exempt_empty_tables;      // migration_helpers.exempt_empty_tables
extern int guc_guard_mode;                // migration_helpers.guard
extern int guc_large_table_threshold_kb;  // migration_helpers.large_table_threshold
extern int guc_max_backfill_workers;      // migration_helpers.max_backfill_workers
extern bool guc_prepare_wal_segments;     // migration_helpers.prepare_wal_segments

void guc_init();

// role_may_set_guard: the session user could turn the guard off itself (a superuser, or granted
// SET on migration_helpers.guard), so that letting a statement of the session through weakens
// nothing. PostgreSQL calls only.
bool role_may_set_guard();

}  // namespace migration_helpers::pg
