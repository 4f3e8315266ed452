// migration_facts.cpp — whether an unfinished expand-contract migration is at
// work on a relation, and whether one retires the column a DROP COLUMN names:
// the guard's messages then name the migration, and point a plain DROP COLUMN
// of a retired column to complete_migration(). Read from the migration state
// tables as their owner; only asked once a statement has findings.
#include <string>

#include "core/ddl/operation.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/boundary.hpp"
#include "pg/common/owner_spi.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// MigrationFactsC: the two names, palloc'd (nullptr: none).
struct MigrationFactsC {
	char *migration;
	char *retired_by;
};

// steps_table_c: the extension's migration tables exist in the 0.2 shape (a
// database still at 0.1 has steps without relation_oid; one without the extension none).
Oid steps_table_c()
{
	Oid nsp = get_namespace_oid("migration_helpers", true);
	if (!OidIsValid(nsp))
		return InvalidOid;
	Oid steps = get_relname_relid("_migration_steps", nsp);
	if (!OidIsValid(steps) || !OidIsValid(get_relname_relid("_migrations", nsp)) ||
		get_attnum(steps, "relation_oid") == InvalidAttrNumber)
		return InvalidOid;
	return steps;
}

void migration_facts_c(Oid relid, const char *column, MigrationFactsC *out)
{
	out->migration = nullptr;
	out->retired_by = nullptr;
	if (!OidIsValid(steps_table_c()))
		return;
	Oid types[2] = {OIDOID, TEXTOID};
	Datum values[2] = {ObjectIdGetDatum(relid), CStringGetTextDatum(column ? column : "")};
	SPI_connect();
	uint64 n = spi_as_owner(
		state_table_owner("_migrations"), nullptr, "read the migrations at work on the table", SPI_OK_SELECT,
		"SELECT m.name, (SELECT m2.name FROM migration_helpers._migration_steps s2 "
		"JOIN migration_helpers._migrations m2 ON m2.id = s2.migration_id "
		"WHERE s2.relation_oid = $1 AND s2.action = 'drop_column' AND s2.column_name = $2 "
		"AND s2.status = 'applied' AND m2.phase NOT IN ('completed', 'aborted') ORDER BY m2.id LIMIT 1) "
		"FROM migration_helpers._migrations m WHERE m.phase NOT IN ('completed', 'aborted') AND EXISTS ("
		"SELECT FROM migration_helpers._migration_steps s WHERE s.migration_id = m.id "
		"AND (s.relation_oid = $1 OR s.ref_relation_oid = $1 OR $1 = ANY (s.more_relation_oids))) "
		"ORDER BY m.id LIMIT 1",
		2, types, values, nullptr);
	if (n > 0) {
		HeapTuple t = SPI_tuptable->vals[0];
		TupleDesc d = SPI_tuptable->tupdesc;
		char *m = SPI_getvalue(t, d, 1);
		char *r = SPI_getvalue(t, d, 2);
		out->migration = m ? MemoryContextStrdup(CurTransactionContext, m) : nullptr;
		out->retired_by = r ? MemoryContextStrdup(CurTransactionContext, r) : nullptr;
	}
	SPI_finish();
}

}  // namespace

void migration_facts(const AnalyzedOp &g, core::Operation &op)
{
	if (g.relid == 0)
		return;
	const char *column = op.kind == core::OpKind::DropColumn ? op.object.c_str() : nullptr;
	Oid relid = g.relid;
	MigrationFactsC f{nullptr, nullptr};
	pg_call([&] { migration_facts_c(relid, column, &f); });
	if (f.migration != nullptr)
		op.table.migration = f.migration;
	if (f.retired_by != nullptr)
		op.retired_by = f.retired_by;
}

}  // namespace migration_helpers::pg
