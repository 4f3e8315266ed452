// init.cpp — migrate_init(), the migration helpers' part of _PG_init: the
// backfill engine's resumer also restarts interrupted index builds (the engine
// knows nothing of migrations: it only calls the hooks), and a migration whose
// last backfill ends becomes ready and says so.
#include "pg/backfill/engine.hpp"
#include "pg/migrate/tasks.hpp"

namespace migration_helpers::pg {

void migrate_init()
{
	add_resume_hook(restart_unfinished_tasks_c);
	add_job_end_hook(announce_after_backfill_c);
}

}  // namespace migration_helpers::pg
