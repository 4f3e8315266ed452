// checklist.hpp — the pre-production checklist of a migration, evaluated from
// facts the glue gathers (steps, table sizes, locks, activity): one row per
// item, with a status (pass, warn, fail) and the evidence.
//
// Words used here:
//   additive   a step whose forward actions only add (columns, constraints
//              NOT VALID, indexes): the running version keeps working.
//   locking    an action that takes a lock stronger than ROW EXCLUSIVE on a
//              table; its expected duration comes from the table's size when it
//              scans (VALIDATE), else it is brief once the lock is granted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace migration_helpers::core {

struct ChecklistStep {
	int step_no = 0;
	std::string action;  // add_column, drop_column, ...
	std::string table;
	int forward = 0, undo = 0, contract = 0;  // how many actions of each kind
};

struct ChecklistTable {
	std::string name;
	int64_t bytes = 0;
	int64_t rows = -1;  // -1: unknown (never analysed)
};

struct ChecklistLock {
	int step_no = 0;
	std::string when;  // "expand", "contract", "abort"
	std::string sql;
	std::string lock;  // pg_locks mode name
	std::string table;
	int64_t table_bytes = 0;
};

struct ChecklistFacts {
	std::string migration;
	std::string phase;
	int contract_done = 0, undo_done = 0;
	std::vector<ChecklistStep> steps;
	std::vector<ChecklistTable> tables;
	std::vector<ChecklistLock> locks;
	double xact_per_second = -1;  // -1: unknown
	double longest_xact_seconds = 0;
	std::string longest_xact;  // who: "pid 123 (role app, idle in transaction)"
	std::vector<std::string> other_migrations;
	std::vector<std::string> sessions_on_tables;
	int listeners = 0;  // sessions whose last statement was LISTEN on the channel
};

struct ChecklistRow {
	std::string item, status, evidence;
};

// lock_blocks: what a lock of that mode blocks on its table, as a phrase.
std::string lock_blocks(const std::string &mode);
// scans: the action reads the whole table while it holds its lock.
bool scans(const std::string &sql);
// expected_seconds: an action's expected duration: a scan at about 100 MB/s, else brief.
double expected_seconds(const std::string &sql, int64_t table_bytes);
// Sizes are printed as pg_size_pretty() prints them: core::format_bytes() of core/ddl/rules.hpp.

std::vector<ChecklistRow> evaluate_checklist(const ChecklistFacts &f);

}  // namespace migration_helpers::core
