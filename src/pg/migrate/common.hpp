// common.hpp — what the migration helpers' SQL functions share: raising
// errors built in C++, loading a migration with the caller's rights checked,
// and its lock retry policy. See src/core/migrate/phase.hpp for the words.
#pragma once

#include <string>

#include "core/migrate/lock_retry.hpp"
#include "core/migrate/phase.hpp"
#include "pg/migrate/store.hpp"

namespace migration_helpers::pg {

// raise: an ERROR with SQLSTATE code and the given parts (empty: left out).
[[noreturn]] void raise_error(int code, const std::string &message, const std::string &detail = "",
							  const std::string &hint = "");
[[noreturn]] void raise_refusal(int code, const core::Refusal &r);
void notice(const std::string &message, const std::string &hint = "");

// load_migration: the migration of that name, locked FOR UPDATE; an unknown
// name is an error (42704); with for_change, a caller who is not the role that
// started it, a member of it or a superuser is refused (42501).
MigrationRow load_migration(const char *name, const char *doing, bool for_change);

// stored_phase: the stored phase of a row (an unknown name is an internal error).
core::Phase stored_phase(const MigrationRow &m);
core::MigrationProgress progress_of(const MigrationRow &m);
core::AsyncSummary summary_of(const AsyncCounts &a);
core::LockRetryPolicy policy_of(const MigrationRow &m);

}  // namespace migration_helpers::pg
