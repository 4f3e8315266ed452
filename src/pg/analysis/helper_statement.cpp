// helper_statement.cpp — the mark of a helper's own statement (see helper_statement.hpp).
#include "pg/analysis/helper_statement.hpp"

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

char *mark_migration = nullptr;  // in TopMemoryContext; nullptr: no mark
char *mark_sql = nullptr;
int mark_level = 0;  // the transaction nesting level the mark was set at
bool callbacks_registered = false;

void clear_mark()
{
	if (mark_migration != nullptr)
		pfree(mark_migration);
	if (mark_sql != nullptr)
		pfree(mark_sql);
	mark_migration = mark_sql = nullptr;
}

void clear_at_xact_end(XactEvent event, void *arg)
{
	clear_mark();
}

// clear_at_subxact_end: the subtransaction the mark was set in (or one around it) ends;
// subtransactions inside the helper's statement end without touching it.
void clear_at_subxact_end(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void *arg)
{
	if ((event == SUBXACT_EVENT_ABORT_SUB || event == SUBXACT_EVENT_COMMIT_SUB) &&
		GetCurrentTransactionNestLevel() <= mark_level)
		clear_mark();
}

}  // namespace

void begin_helper_statement(const char *migration, const char *sql)
{
	if (!callbacks_registered) {
		RegisterXactCallback(clear_at_xact_end, nullptr);
		RegisterSubXactCallback(clear_at_subxact_end, nullptr);
		callbacks_registered = true;
	}
	clear_mark();
	mark_migration = MemoryContextStrdup(TopMemoryContext, migration);
	mark_sql = MemoryContextStrdup(TopMemoryContext, sql);
	mark_level = GetCurrentTransactionNestLevel();
}

void end_helper_statement()
{
	clear_mark();
}

const char *helper_statement_migration(const char *query_string, bool text_known)
{
	if (mark_migration == nullptr)
		return nullptr;
	if (text_known && (query_string == nullptr || strcmp(query_string, mark_sql) != 0))
		return nullptr;
	return mark_migration;
}

}  // namespace migration_helpers::pg
