// migrate.hpp — the expand-contract migrations' entry for _PG_init.
#pragma once

namespace migration_helpers::pg {

// migrate_init: with shared_preload_libraries, registers the launcher that
// restarts, at server start and after a crash, the index-build workers of
// unfinished migrations (see tasks.cpp).
void migrate_init();

}  // namespace migration_helpers::pg
