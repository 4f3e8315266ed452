// tasks.hpp — the migration helpers' background work besides backfills:
// statements that cannot run inside a function or a transaction block
// (CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY), each a row of
// migration_helpers._migration_tasks run by a dynamic background worker
// (bgw_type "migration_helpers migrate") as a top-level command, the way
// pg_cron runs a job's command, with the rights of the role that asked.
//
// Words used here:
//   task      one such statement of one step, with its index.
//   leftover  an INVALID index of the task's name, left by a build that
//             failed or whose worker died: dropped concurrently before the
//             next attempt. After max_attempts the task fails, its error kept.
// PostgreSQL calls only; callers hold an SPI connection.
#pragma once

#include <cstdint>

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// queue_task_c: records a task as the current role and arranges for its
// worker to start when this transaction commits. Returns its id. No index
// (index_schema or index_name nullptr): the statement is run as it is, again
// after a failed attempt.
int64 queue_task_c(int64 migration_id, int step_no, const char *statement, const char *index_schema,
				   const char *index_name, bool builds);
// stop_tasks_c: cancels the step's unfinished tasks and ends their live workers (waiting up to 10 s each).
void stop_tasks_c(int64 migration_id, int step_no);
// restart_tasks_c: starts a worker now for each unfinished task of the migration whose worker is gone
// (a crash, a restart, no free slot at commit). Returns how many.
int restart_tasks_c(int64 migration_id);
// restart_unfinished_tasks_c: restart_tasks_c for every migration of this
// database. Meant for the resumer the backfill launcher starts per database
// at server start and after a crash (src/pg/backfill/launcher.cpp, not this
// capability's file): one call there would restart interrupted index builds
// without waiting for the next migration_wait() or complete_migration().
int restart_unfinished_tasks_c();

// announce_after_backfill_c: the backfill engine's job end hook: when the job
// was the migration's last unfinished work, the migration becomes ready and
// says so (NOTIFY), in the job's last transaction.
void announce_after_backfill_c(int64_t job);

// migrate_init: at load time, registers restart_unfinished_tasks_c with the
// backfill engine's resumer, so interrupted index builds restart at server start.
void migrate_init();

}  // namespace migration_helpers::pg
