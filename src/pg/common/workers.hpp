// workers.hpp — what the engine's background workers (backfill jobs, their
// resumers, the launcher, the migrations' index builds) have in common: how
// one is described to the postmaster, and which role one connects as to act
// with another role's rights. PostgreSQL calls only.
#pragma once

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// worker_spec: a background worker of this library, connected to a database, started after recovery.
BackgroundWorker worker_spec(const char *function, const char *type, int restart_seconds);

// worker_login_role: the role a worker connects as to run with owner's rights:
// the owner itself if it may log in; else (SET ROLE to a NOLOGIN role, as
// deploy tools do) the session user, if it has the owner's privileges — the
// worker then acts as the owner, where SET ROLE is refused. Otherwise an error
// whose DETAIL says what the worker does (what_runs: "A backfill runs", ...).
Oid worker_login_role(Oid owner, const char *what_runs, const char *hint_action);

}  // namespace migration_helpers::pg
