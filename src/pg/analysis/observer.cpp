// observer.cpp — the mark of explain_locks' statements (see observer.hpp).
#include "pg/pg_headers.hpp"

#include "pg/analysis/observer.hpp"

namespace migration_helpers::pg {

namespace {

bool observing = false;
int observing_level = 0;  // the transaction nesting level the mark was set at
List *rules = NIL;        // char * in TopMemoryContext
bool callbacks_registered = false;

void clear()
{
	observing = false;
	list_free_deep(rules);
	rules = NIL;
}

void clear_at_xact_end(XactEvent event, void *arg)
{
	clear();
}

// clear_at_subxact_end: the subtransaction the mark was set in ends; the statements'
// subtransactions inside it end without touching it.
void clear_at_subxact_end(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void *arg)
{
	if ((event == SUBXACT_EVENT_ABORT_SUB || event == SUBXACT_EVENT_COMMIT_SUB) &&
		GetCurrentTransactionNestLevel() <= observing_level)
		clear();
}

}  // namespace

void begin_observing()
{
	if (!callbacks_registered) {
		RegisterXactCallback(clear_at_xact_end, nullptr);
		RegisterSubXactCallback(clear_at_subxact_end, nullptr);
		callbacks_registered = true;
	}
	clear();
	observing = true;
	observing_level = GetCurrentTransactionNestLevel();
}

void end_observing()
{
	clear();
}

bool guard_observing()
{
	return observing;
}

void observed_rule(const char *rule_id)
{
	if (!observing)
		return;
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	rules = lappend(rules, pstrdup(rule_id));
	MemoryContextSwitchTo(old);
}

ArrayType *take_observed_rules()
{
	if (rules == NIL)
		return nullptr;
	int n = list_length(rules);
	Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
	int i = 0;
	ListCell *lc;
	foreach (lc, rules)
		elems[i++] = CStringGetTextDatum((const char *) lfirst(lc));
	list_free_deep(rules);
	rules = NIL;
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

}  // namespace migration_helpers::pg
