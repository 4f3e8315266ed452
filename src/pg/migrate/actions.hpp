// actions.hpp — running the helpers' own statements: the guard exemption and
// the lock retries.
//
// Words used here:
//   action    one statement of a step (see src/core/migrate/plan.hpp), run as
//             the role that called the helper, so the server's own permission
//             checks apply.
//   exempt    the guard does not judge the helper's own statement: the helper
//             has already split the change into safe actions.
#pragma once

#include <string>
#include <vector>

#include "core/migrate/lock_retry.hpp"

namespace migration_helpers::pg {

// run_exempt_c: runs one statement through SPI as migration's helper's own
// (the guard lets it through and logs it with the migration), with
// lock_timeout_ms when positive. PostgreSQL calls only (an error propagates
// as an ereport).
void run_exempt_c(const char *sql, int lock_timeout_ms, const char *migration);

// ActionTarget: what an action is run for, for its errors.
struct ActionTarget {
	std::string migration;
	std::vector<unsigned int> relations;  // the tables whose locks it waits for
	std::string table;                    // the first of them, qualified, for messages
};

// run_action: runs sql once when lock is empty; otherwise on the lock retry
// schedule: each attempt in an internal subtransaction under a short
// lock_timeout, a lock timeout rolled back and retried after a backoff with
// jitter, until the budget is spent — then it fails with SQLSTATE 55P03,
// naming the sessions that held locks on the tables. Any other error
// propagates (as PgError). Returns the attempts made.
int run_action(const std::string &sql, const std::string &lock, const ActionTarget &target,
			   const core::LockRetryPolicy &policy);

}  // namespace migration_helpers::pg
