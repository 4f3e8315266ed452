// observer.hpp — explain_locks' hold on the guard: while explain_locks runs a script (in a
// subtransaction it always rolls back), the guard of this backend observes instead of blocking:
// what enforce mode would block is reported as a WARNING and runs, and the rule ids are
// recorded here for explain_locks to report with the statement.
//
// Nothing a user can set: no setting, no SQL function. explain_locks sets the mark in C++
// around its own statements; it lives in this backend only and is dropped when the
// (sub)transaction it was set in ends, however it ends, so an error cannot leave it behind.
// PostgreSQL calls only. Shared by the guard and explain_locks, owned by neither.
#pragma once

extern "C" {
struct ArrayType;  // utils/array.h: this header is included before pg_headers.hpp
}

namespace migration_helpers::pg {

// begin_observing: from now until end_observing() or the end of the current subtransaction.
void begin_observing();
void end_observing();
// guard_observing: whether the guard observes (the mark is set).
bool guard_observing();
// observed_rule: the guard would have blocked rule_id (on the statement being run).
void observed_rule(const char *rule_id);
// take_observed_rules: the rule ids recorded since the last call, as a text[] Datum's array
// (palloc'd in the current memory context), or nullptr when there are none; clears them.
struct ::ArrayType *take_observed_rules();

}  // namespace migration_helpers::pg
