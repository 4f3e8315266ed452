// init.cpp — the library's entry: the magic block and _PG_init, which only
// calls each capability's *_init().
#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/guard/guard.hpp"
#include "pg/guc.hpp"
#include "pg/migrate/tasks.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void)
{
	migration_helpers::pg::guarded_void_entry([] {
		migration_helpers::pg::guc_init();
		migration_helpers::pg::guard_init();
		migration_helpers::pg::backfill_init();
		migration_helpers::pg::migrate_init();
	});
}
