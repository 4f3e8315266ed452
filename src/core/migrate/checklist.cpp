// checklist.cpp — the pre-production checklist (see checklist.hpp).
#include "core/migrate/checklist.hpp"

#include "core/ddl/rules.hpp"

#include <algorithm>
#include <cstdio>

namespace migration_helpers::core {

namespace {

constexpr double kScanBytesPerSecond = 100.0 * 1024 * 1024;
constexpr int64_t kLargeTableBytes = int64_t(10) * 1024 * 1024 * 1024;
constexpr double kLongScanSeconds = 300;
constexpr double kBusyXactPerSecond = 100;
constexpr double kLongXactSeconds = 60;

const char *const kAdditive[] = {"add_column",    "add_check",         "add_foreign_key", "add_not_null",
								 "add_index",     "add_unique",        "drop_column",     "drop_index",
								 "rename_column", "change_column_type"};
// drop_column and drop_index are additive before contract: they change nothing until then.

std::string seconds_text(double s)
{
	char buf[64];
	if (s < 1)
		std::snprintf(buf, sizeof(buf), "under a second");
	else if (s < 120)
		std::snprintf(buf, sizeof(buf), "about %.0f s", s);
	else
		std::snprintf(buf, sizeof(buf), "about %.0f min", s / 60);
	return buf;
}

std::string join(const std::vector<std::string> &items, const char *sep)
{
	std::string out;
	for (const auto &i : items)
		out += (out.empty() ? "" : sep) + i;
	return out;
}

}  // namespace

std::string lock_blocks(const std::string &mode)
{
	if (mode == "AccessExclusiveLock")
		return "every read and write of the table";
	if (mode == "ExclusiveLock")
		return "every write of the table";
	if (mode == "ShareRowExclusiveLock" || mode == "ShareLock")
		return "writes to the table";
	if (mode == "ShareUpdateExclusiveLock")
		return "other DDL and VACUUM on the table, not reads or writes";
	return "nothing the application does";
}

bool scans(const std::string &sql)
{
	return sql.find("VALIDATE CONSTRAINT") != std::string::npos ||
		   sql.find("CREATE INDEX CONCURRENTLY") == 0 || sql.find("CREATE UNIQUE INDEX CONCURRENTLY") == 0;
}

double expected_seconds(const std::string &sql, int64_t table_bytes)
{
	return scans(sql) ? double(table_bytes) / kScanBytesPerSecond : 0;
}

std::vector<ChecklistRow> evaluate_checklist(const ChecklistFacts &f)
{
	std::vector<ChecklistRow> rows;

	// Backward compatible: only additive steps before contract.
	std::vector<std::string> other, deferred;
	for (const auto &s : f.steps) {
		bool additive =
			std::find(std::begin(kAdditive), std::end(kAdditive), s.action) != std::end(kAdditive);
		if (!additive)
			other.push_back("step " + std::to_string(s.step_no) + " " + s.action);
		else if (s.action == "drop_column" || s.action == "drop_index")
			deferred.push_back("step " + std::to_string(s.step_no) + " " + s.action + " on " + s.table);
	}
	rows.push_back({"backward compatible with the running code", other.empty() ? "pass" : "fail",
					other.empty()
						? std::to_string(f.steps.size()) + " steps, all additive until contract" +
							  (deferred.empty() ? "" : "; removed only at contract: " + join(deferred, ", "))
						: "not additive: " + join(other, ", ")});

	// Survives failing halfway.
	std::string halfway =
		"every step ran in one transaction; complete and abort advance a cursor with each action";
	if (f.contract_done > 0)
		rows.push_back({"survives failing halfway", "warn",
						halfway + "; the contract has begun (" + std::to_string(f.contract_done) +
							" actions done): call complete_migration() again to finish it"});
	else if (f.undo_done > 0)
		rows.push_back({"survives failing halfway", "warn",
						halfway + "; the abort has begun (" + std::to_string(f.undo_done) +
							" actions done): call abort_migration() again to finish it"});
	else
		rows.push_back({"survives failing halfway", "pass", halfway});

	// An undo for every step.
	std::vector<std::string> no_undo;
	for (const auto &s : f.steps)
		if (s.forward > 0 && s.undo == 0)
			no_undo.push_back("step " + std::to_string(s.step_no) + " " + s.action);
	rows.push_back({"an undo recorded for every step", no_undo.empty() ? "pass" : "fail",
					no_undo.empty() ? "abort_migration() undoes every step in reverse order"
									: "no undo: " + join(no_undo, ", ")});

	// The largest table touched.
	const ChecklistTable *largest = nullptr;
	for (const auto &t : f.tables)
		if (largest == nullptr || t.bytes > largest->bytes)
			largest = &t;
	if (largest == nullptr)
		rows.push_back({"largest table touched", "pass", "no table yet"});
	else
		rows.push_back(
			{"largest table touched", largest->bytes >= kLargeTableBytes ? "warn" : "pass",
			 largest->name + ": " + format_bytes(largest->bytes) +
				 (largest->rows >= 0 ? ", about " + std::to_string(largest->rows) + " rows" : "")});

	// Each locking action.
	for (const auto &l : f.locks) {
		double secs = expected_seconds(l.sql, l.table_bytes);
		bool strong_scan = scans(l.sql) && l.lock == "AccessExclusiveLock";
		std::string status = strong_scan ? "fail" : secs > kLongScanSeconds ? "warn" : "pass";
		rows.push_back({"lock at " + l.when + ": step " + std::to_string(l.step_no), status,
						l.lock + " on " + l.table + " (" + format_bytes(l.table_bytes) + ") blocks " +
							lock_blocks(l.lock) + "; " +
							(scans(l.sql) ? "scans the table, " + seconds_text(secs)
										  : "brief once granted (lock_timeout retries while it waits)") +
							": " + l.sql});
	}

	// Is traffic low now?
	if (f.xact_per_second < 0)
		rows.push_back({"traffic is low now", "warn", "the transaction rate could not be measured"});
	else {
		char buf[64];
		std::snprintf(buf, sizeof(buf), "%.0f transactions/s in this database", f.xact_per_second);
		rows.push_back({"traffic is low now", f.xact_per_second > kBusyXactPerSecond ? "warn" : "pass", buf});
	}
	{
		char buf[64];
		std::snprintf(buf, sizeof(buf), "%.0f s", f.longest_xact_seconds);
		rows.push_back({"no long transaction on the tables",
						f.longest_xact_seconds > kLongXactSeconds ? "warn" : "pass",
						f.longest_xact.empty() ? "no open transaction holds a lock on them"
											   : std::string("longest: ") + buf + ", " + f.longest_xact});
	}

	// Who else is at work.
	rows.push_back({"other unfinished migrations", f.other_migrations.empty() ? "pass" : "warn",
					f.other_migrations.empty() ? "none" : join(f.other_migrations, ", ")});
	rows.push_back({"other sessions on the tables", f.sessions_on_tables.empty() ? "pass" : "warn",
					f.sessions_on_tables.empty() ? "none" : join(f.sessions_on_tables, "; ")});
	rows.push_back(
		{"listeners on the migration_helpers channel", "pass",
		 std::to_string(f.listeners) +
			 " sessions whose last statement was LISTEN migration_helpers (another session's LISTEN "
			 "is not visible otherwise)"});
	return rows;
}

}  // namespace migration_helpers::core
