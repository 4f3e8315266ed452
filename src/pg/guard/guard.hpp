// guard.hpp — the DDL guard (event triggers, ProcessUtility hook, ddl_log, rules()): what the
// rest of the library knows of it. Only init.cpp includes this; the guard's own files share
// pg/guard/internal.hpp.
#pragma once

namespace migration_helpers::pg {

// guard_init: registers the utility hook and the transaction callbacks (from _PG_init).
void guard_init();

}  // namespace migration_helpers::pg
