// checklist.cpp — checklist(name): gathers the facts of a migration (its
// steps and their locks, the sizes of its tables, the database's transaction
// rate, open transactions and sessions on its tables, other unfinished
// migrations, listeners) and returns core's rows (src/core/migrate/checklist.hpp).
// Queries run in pg_call and hand back rows of C strings; the C++ facts are
// built from them outside, so no C++ object lives across a PostgreSQL call.
#include <string>
#include <vector>

#include "core/migrate/checklist.hpp"
#include "core/migrate/plan.hpp"
#include "pg/backfill/shard_round.hpp"
#include "pg/boundary.hpp"
#include "pg/common/citus.hpp"
#include "pg/migrate/common.hpp"
#include "pg/migrate/store.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// query_c: the rows of a query (as the state tables' owner when as_owner,
// else as the caller) as a List of char *[ncols] (NULL: nullptr).
List *query_c(const char *sql, bool as_owner, int64 id, int ncols)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	int nargs = strstr(sql, "$1") ? 1 : 0;
	uint64 n;
	if (as_owner)
		n = spi_state("gather checklist facts", SPI_OK_SELECT, sql, nargs, types, values, nullptr);
	else {
		if (SPI_execute_with_args(sql, nargs, types, values, nullptr, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not gather checklist facts");
		n = SPI_processed;
	}
	List *rows = NIL;
	for (uint64 i = 0; i < n; i++) {
		char **row = (char **) palloc0(sizeof(char *) * ncols);
		for (int c = 0; c < ncols; c++)
			row[c] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1);
		rows = lappend(rows, row);
	}
	return rows;
}

std::vector<std::vector<std::string>> query(const char *sql, bool as_owner, int64 id, int ncols)
{
	List *rows = pg_call([&] { return query_c(sql, as_owner, id, ncols); });
	std::vector<std::vector<std::string>> out;
	ListCell *lc;
	foreach (lc, rows) {
		auto **row = (char **) lfirst(lc);
		std::vector<std::string> r;
		r.reserve(ncols);
		for (int c = 0; c < ncols; c++)
			r.emplace_back(row[c] ? row[c] : "");
		out.push_back(std::move(r));
	}
	return out;
}

int64_t to_int(const std::string &s)
{
	return s.empty() ? -1 : std::stoll(s);
}

// citus_extent: a Citus table's size and rows from its shards (the shell here is empty: the
// rows are on the nodes); *size and *rows are left as they are for a local table, and each
// when it cannot be measured now.
void citus_extent(Oid relid, int64 *size, int64 *rows)
{
	if (relid == InvalidOid ||
		pg_call([&] { return citus_table_c(relid).distribution; }) == core::Distribution::Local)
		return;
	int64 measured = citus_table_size(relid);
	if (measured >= 0)
		*size = measured;
	if (rows) {
		double estimate = shard_row_estimate(relid);
		if (estimate >= 0)
			*rows = int64(estimate);
	}
}

std::string first_line(const std::string &s)
{
	size_t nl = s.find('\n');
	return nl == std::string::npos ? s : s.substr(0, nl) + " ...";
}

double xact_count_c()
{
	(void) DirectFunctionCall1(pg_stat_clear_snapshot, (Datum) 0);
	if (SPI_execute("SELECT (pg_catalog.pg_stat_get_db_xact_commit(oid) + "
					"pg_catalog.pg_stat_get_db_xact_rollback(oid))"
					"::float8 FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()",
					true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		return -1;
	bool isnull;
	return DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

// xact_rate_c: the database's transactions per second over about one second
// (backends report their counts about once a second); -1 when unknown.
double xact_rate_c()
{
	double before = xact_count_c();
	TimestampTz start = GetCurrentTimestamp();
	for (;;) {
		long left = 1000L - long((GetCurrentTimestamp() - start) / 1000);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	double after = xact_count_c();
	double secs = double(GetCurrentTimestamp() - start) / 1e6;
	return before >= 0 && after >= 0 && secs > 0 ? (after - before) / secs : -1;
}

core::ChecklistFacts gather(const MigrationRow &m)
{
	core::ChecklistFacts f;
	f.migration = m.name;
	f.phase = m.phase;
	f.contract_done = m.contract_done;
	f.undo_done = m.undo_done;
	int64 id = m.id;
	for (const auto &r :
		 query("SELECT s.step_no, s.action, COALESCE(s.relation_oid::pg_catalog.regclass::text, "
			   "s.relation_name::text), COALESCE(pg_catalog.cardinality(s.forward_actions), 0), "
			   "COALESCE(pg_catalog.cardinality(s.undo_actions), 0), "
			   "COALESCE(pg_catalog.cardinality(s.contract_actions), 0) "
			   "FROM migration_helpers._migration_steps s WHERE s.migration_id = $1 ORDER BY s.step_no",
			   true, id, 6))
		f.steps.push_back(core::ChecklistStep{int(to_int(r[0])), r[1], r[2], int(to_int(r[3])),
											  int(to_int(r[4])), int(to_int(r[5]))});
	// Every action that takes a strong lock, at expand and at contract (action_locks: forward, undo, contract).
	for (const auto &r : query(
			 "SELECT s.step_no, a.kind, a.sql, a.lock, COALESCE(s.relation_oid::pg_catalog.regclass::text, "
			 "s.relation_name::text), COALESCE(pg_catalog.pg_relation_size(c.oid), 0), COALESCE(c.oid, 0) "
			 "FROM migration_helpers._migration_steps s LEFT JOIN pg_catalog.pg_class c ON c.oid = "
			 "s.relation_oid, "
			 "LATERAL (SELECT 'expand', f.sql, s.action_locks[f.n], f.n FROM "
			 "pg_catalog.unnest(s.forward_actions) "
			 "WITH ORDINALITY f (sql, n) UNION ALL SELECT 'contract', k.sql, s.action_locks[k.n + "
			 "COALESCE(pg_catalog.cardinality(s.forward_actions), 0) + "
			 "COALESCE(pg_catalog.cardinality(s.undo_actions), 0)], k.n "
			 "FROM pg_catalog.unnest(s.contract_actions) WITH ORDINALITY k (sql, n)) a (kind, sql, lock, n) "
			 "WHERE s.migration_id = $1 AND a.lock NOT IN ('', 'stop workers') ORDER BY a.kind DESC, "
			 "s.step_no, a.n",
			 true, id, 7)) {
		std::string lock =
			r[3] == core::kRunInWorker ? "ShareUpdateExclusiveLock" : r[3];  // ... CONCURRENTLY
		int64 size = to_int(r[5]);
		citus_extent(Oid(to_int(r[6])), &size, nullptr);
		f.locks.push_back(core::ChecklistLock{int(to_int(r[0])), r[1], first_line(r[2]), lock, r[4], size});
	}
	std::string oids = "0";  // the tables' OIDs, for the queries run as the caller
	for (const auto &r : query(
			 "SELECT c.oid::pg_catalog.regclass::text, pg_catalog.pg_relation_size(c.oid), "
			 "c.reltuples::int8, c.oid FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT relation_oid "
			 "FROM migration_helpers._migration_steps WHERE migration_id = $1 UNION SELECT "
			 "ref_relation_oid FROM migration_helpers._migration_steps WHERE migration_id = $1 UNION SELECT "
			 "pg_catalog.unnest(more_relation_oids) FROM migration_helpers._migration_steps "
			 "WHERE migration_id = $1) "
			 "ORDER BY 1",
			 true, id, 4)) {
		int64 size = to_int(r[1]), rows = to_int(r[2]);
		citus_extent(Oid(to_int(r[3])), &size, &rows);
		f.tables.push_back(core::ChecklistTable{r[0], size, rows});
		oids += ", " + r[3];
	}
	// Sessions with locks on the tables, as pg_stat_activity shows them to the caller.
	std::string on_tables = "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
							"WHERE l.locktype = 'relation' AND l.pid <> pg_catalog.pg_backend_pid() "
							"AND l.relation IN (" +
							oids + ")";
	for (const auto &r :
		 query("SELECT pg_catalog.format('%s (%s, on %s)', m.name, m.phase, COALESCE((SELECT "
			   "pg_catalog.string_agg(DISTINCT s.relation_oid::pg_catalog.regclass::text, ', ') "
			   "FROM migration_helpers._migration_steps s WHERE s.migration_id = m.id), "
			   "'no table yet')) FROM migration_helpers._migrations m WHERE m.id <> $1 "
			   "AND m.phase NOT IN ('completed', 'aborted') ORDER BY m.id",
			   true, id, 1))
		f.other_migrations.push_back(r[0]);
	std::string sessions =
		std::string("SELECT DISTINCT pg_catalog.format('pid %s (role %s, %s)', a.pid, "
					"COALESCE(a.usename::text, '?'), COALESCE(a.state, a.backend_type)) ") +
		on_tables + " ORDER BY 1";
	for (const auto &r : query(sessions.c_str(), false, id, 1))
		f.sessions_on_tables.push_back(r[0]);
	std::string longest =
		std::string("SELECT EXTRACT(epoch FROM pg_catalog.now() - a.xact_start)::int8, "
					"pg_catalog.format('pid %s (role %s, %s)', a.pid, COALESCE(a.usename::text, "
					"'?'), a.state) ") +
		on_tables + " AND a.xact_start IS NOT NULL ORDER BY a.xact_start LIMIT 1";
	for (const auto &r : query(longest.c_str(), false, id, 2)) {
		f.longest_xact_seconds = double(to_int(r[0]));
		f.longest_xact = r[1];
	}
	for (const auto &r : query("SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity "
							   "WHERE query ~* '^\\s*LISTEN\\s+\"?migration_helpers'",
							   false, id, 1))
		f.listeners = int(to_int(r[0]));
	f.xact_per_second = pg_call([] { return xact_rate_c(); });
	return f;
}

Datum checklist_entry(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("migration name must not be NULL")));
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	return guarded_entry([&]() -> Datum {
		std::string name = text_arg(fcinfo, 0);
		pg_call([] { SPI_connect(); });
		const char *n = name.c_str();
		MigrationRow m{};
		pg_call([&] { m = read_migration(n, false); });
		if (!m.found)
			raise_error(ERRCODE_UNDEFINED_OBJECT, "migration \"" + name + "\" does not exist", "",
						"migration_helpers.migrations lists the migrations.");
		std::vector<core::ChecklistRow> rows = core::evaluate_checklist(gather(m));
		pg_call([] { SPI_finish(); });
		for (const auto &r : rows) {
			const char *item = r.item.c_str(), *status = r.status.c_str(), *evidence = r.evidence.c_str();
			pg_call([&] {
				Datum values[3] = {CStringGetTextDatum(item), CStringGetTextDatum(status),
								   CStringGetTextDatum(evidence)};
				bool nulls[3] = {false, false, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum) 0;
	});
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_checklist);
}

Datum mh_checklist(PG_FUNCTION_ARGS)
{
	return pg::checklist_entry(fcinfo);
}
