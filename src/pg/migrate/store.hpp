// store.hpp — every statement on migration_helpers._migrations and
// _migration_steps. Each runs with the rights of the state tables' owner and
// search_path pinned to pg_catalog (spi_state), so no object of the caller's
// is picked up with those rights; callers hold an SPI connection. What the
// functions return lives in the SPI procedure context (valid until
// SPI_finish). PostgreSQL calls only: call them inside pg_call.
//
// Words: see src/core/migrate/phase.hpp (migration, phase, cursor) and
// src/core/migrate/plan.hpp (action, pass).
#pragma once

#include <cstdint>

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// The NOTIFY channel of phase changes; the payload is a JSON object
// {"migration": name, "id": id, "phase": new phase, "previous": old phase}.
constexpr const char *kNotifyChannel = "migration_helpers";

uint64 spi_state(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls);

struct MigrationRow {
	bool found;
	int64 id;
	char *name;
	char *description;  // nullptr: none
	char *phase;        // stored phase
	Oid owner;          // InvalidOid: the role is gone
	char *created_by;
	char *created_at;
	int budget_ms;
	int contract_done;
	int undo_done;
};
// read_migration: the migration of that name, locked FOR UPDATE when lock. A name is unique
// among the migrations not aborted (an aborted migration's name may be started again, the
// aborted one kept as history): the one not aborted, else the newest aborted one.
MigrationRow read_migration(const char *name, bool lock);
// insert_migration: a new migration owned by the current role; returns its id.
int64 insert_migration(const char *name, const char *description, int budget_ms);
// set_stored_phase: the stored phase (and finished_at for a final one).
void set_stored_phase(int64 id, const char *phase);
// advance_cursor: one more contract (or undo) action ran, in this transaction.
void advance_cursor(int64 id, bool contract);
// set_step_status: applied, undone or contracted.
void set_step_status(int64 id, int step_no, const char *status);
// notify_phase: announces a phase change on kNotifyChannel (delivered at commit).
void notify_phase(int64 id, const char *name, const char *phase, const char *previous);

// AsyncCounts: the migration's steps and their backfills.
struct AsyncCounts {
	int steps;
	int running;  // queued, running, paused
	int failed;   // failed, cancelled
	int succeeded;
	int created_here;  // unfinished jobs and tasks recorded by this transaction (their workers start at commit)
	int builds_running;  // of running: index builds
};
AsyncCounts read_async(int64 id);
// unfinished_jobs: ids of the migration's backfills that are queued, running or paused.
List *unfinished_jobs(int64 id);

// StepRow: a recorded step as the contract and undo need it.
struct StepRow {
	int step_no;
	char *action;
	char *status;
	Oid relid;
	Oid ref_relid;
	char *table;  // current name, qualified (or the recorded one when the table is gone)
	int ncontract;
	char **contract;
	int *passes;
	int nundo;
	char **undo;
	int nlocks;  // forward, undo, contract
	char **locks;
	int nforward;
	char *index_schema;  // nullptr: the step has no index
	char *index_name;
};
// read_steps: every step of the migration in step order.
List *read_steps(int64 id);  // of StepRow *

// ExistingStep: a step recorded with the same action and key (a re-run, or a conflict).
struct ExistingStep {
	bool found;
	int step_no;
	char *arguments;  // as text, for the error's detail
	bool same;        // recorded with equal arguments
};
ExistingStep find_step(int64 id, Oid relid, const char *action, const char *key, Datum arguments);
// next_step_no: the number the next step of the migration gets.
int next_step_no(int64 id);

// Conflict: another unfinished migration with a step on a table.
struct Conflict {
	bool found;
	char *name;
	char *phase;
	char *created_by;
	char *created_at;
};
Conflict find_conflict(int64 id, Oid relid);

struct NewStep {
	int64 migration_id;
	int step_no;
	const char *action;
	Oid relid;
	Oid ref_relid;  // InvalidOid: none
	int nmore;      // more_relation_oids: other tables the step keeps from other migrations
	const Oid *more;
	const char *column;  // nullptr: none
	const char *key;
	Datum arguments;                                    // text[]
	Datum forward, undo, contract;                      // text[]
	Datum passes;                                       // integer[]
	Datum locks;                                        // text[]
	const char *forward_sql, *undo_sql, *contract_sql;  // joined, for people (undo/contract may be nullptr)
	bool has_job;
	int64 job;
	const char *index_schema;  // nullptr: none
	const char *index_name;
};
void insert_step(const NewStep &s);

// steps_fill_column: this migration has an add_column step on (relid, column)
// whose backfill trigger keeps the running version's writes filled.
bool steps_fill_column(int64 id, Oid relid, const char *column);

}  // namespace migration_helpers::pg
