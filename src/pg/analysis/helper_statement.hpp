// helper_statement.hpp — the extension's own statements: a helper (the
// expand-contract steps) marks, in C++, the one statement it is about to run,
// and the guard lets exactly that statement through, recording it in ddl_log
// with the migration's name. Nothing a user can set: no setting, no SQL
// function; the mark lives in this backend only, for one statement, and is
// dropped at every (sub)transaction end, so an error inside the statement
// cannot leave it behind.
//
// Which statement: with the library preloaded the guard knows the text of the
// statement it judges (the utility hook records it), and the mark applies only
// when that text is the helper's. Without preload the guard knows only the
// client's query (the call of the helper), so the mark applies to every
// guarded statement until the helper's statement ends — including DDL that a
// function called inside it would run (a narrow case; preload closes it).
// PostgreSQL calls only. Shared by the guard and the migration helpers, owned
// by neither.
#pragma once

namespace migration_helpers::pg {

void begin_helper_statement(const char *migration, const char *sql);
void end_helper_statement();
// helper_statement_migration: the migration whose helper runs the statement of
// text query_string (nullptr: unknown), or nullptr when it is not the helper's.
const char *helper_statement_migration(const char *query_string, bool text_known);

}  // namespace migration_helpers::pg
