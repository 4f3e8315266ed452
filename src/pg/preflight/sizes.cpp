// sizes.cpp — reading production's table sizes out of a schema_snapshot() jsonb (sizes.hpp),
// with SPI and the server's own jsonb functions, as the caller (nothing is written).
#include "pg/preflight/sizes.hpp"

#include <string>
#include <utility>

#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// SizesC: the snapshot's table entries in palloc'd arrays (PostgreSQL calls only).
struct SizesC {
	int count;
	char **schema;
	char **name;
	int64 *heap;
	int64 *total;
	int64 *rows;
};

const char *const kShapeQuery = "SELECT pg_catalog.jsonb_typeof($1), pg_catalog.jsonb_typeof($1 -> 'tables')";
// Sizes are read as numeric and rounded, so 1.5e9 and 1500000000 both work; anything but a
// number counts as absent.
const char *const kTablesQuery =
	"SELECT t ->> 'schema', t ->> 'name', "
	"CASE WHEN pg_catalog.jsonb_typeof(t -> 'heap_bytes') = 'number' "
	"THEN pg_catalog.round((t ->> 'heap_bytes')::pg_catalog.numeric)::pg_catalog.int8 END, "
	"CASE WHEN pg_catalog.jsonb_typeof(t -> 'total_bytes') = 'number' "
	"THEN pg_catalog.round((t ->> 'total_bytes')::pg_catalog.numeric)::pg_catalog.int8 END, "
	"CASE WHEN pg_catalog.jsonb_typeof(t -> 'rows') = 'number' "
	"THEN pg_catalog.round((t ->> 'rows')::pg_catalog.numeric)::pg_catalog.int8 END "
	"FROM pg_catalog.jsonb_array_elements($1 -> 'tables') t "
	"WHERE pg_catalog.jsonb_typeof(t) = 'object'";

char *column_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

int64 column_int8(int row, int col, bool *isnull)
{
	Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
	return *isnull ? 0 : DatumGetInt64(d);
}

void load_sizes_c(Jsonb *snapshot, SizesC *out)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid argtypes[1] = {JSONBOID};
	Datum args[1] = {JsonbPGetDatum(snapshot)};
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(kShapeQuery, 1, argtypes, args, nullptr, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the sizes snapshot");
	char *top = column_text(0, 1);
	char *tables = column_text(0, 2);
	if (top == nullptr || strcmp(top, "object") != 0 || (tables != nullptr && strcmp(tables, "array") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes must be a JSON object with a \"tables\" array"),
				 errdetail("The value given is a JSON %s%s.", top ? top : "null",
						   top && strcmp(top, "object") == 0 ? " whose \"tables\" is not an array" : ""),
				 errhint("Pass the output of migration_helpers.schema_snapshot() taken in production.")));
	if (SPI_execute_with_args(kTablesQuery, 1, argtypes, args, nullptr, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the sizes snapshot");
	int n = int(SPI_processed);
	MemoryContext spi = MemoryContextSwitchTo(caller);
	out->count = 0;
	out->schema = (char **) palloc0(sizeof(char *) * (n + 1));
	out->name = (char **) palloc0(sizeof(char *) * (n + 1));
	out->heap = (int64 *) palloc0(sizeof(int64) * (n + 1));
	out->total = (int64 *) palloc0(sizeof(int64) * (n + 1));
	out->rows = (int64 *) palloc0(sizeof(int64) * (n + 1));
	for (int i = 0; i < n; i++) {
		char *schema = column_text(i, 1);  // palloc'd in the caller's context, now current
		char *name = column_text(i, 2);
		bool heap_null, total_null, rows_null;
		int64 heap = column_int8(i, 3, &heap_null);
		int64 total = column_int8(i, 4, &total_null);
		int64 rows = column_int8(i, 5, &rows_null);
		if (schema == nullptr || name == nullptr || (heap_null && total_null))
			continue;
		int k = out->count++;
		out->schema[k] = schema;
		out->name[k] = name;
		out->heap[k] = heap_null ? total : heap;
		out->total[k] = total_null ? heap : total;
		out->rows[k] = rows_null ? -1 : rows;
	}
	MemoryContextSwitchTo(spi);
	SPI_finish();
	MemoryContextSwitchTo(caller);
}

}  // namespace

SizeMap load_sizes(struct varlena *snapshot)
{
	SizesC c{};
	pg_call([&] { load_sizes_c((Jsonb *) snapshot, &c); });
	SizeMap out;
	for (int i = 0; i < c.count; i++) {
		TableSize s;
		s.heap_bytes = c.heap[i];
		s.total_bytes = c.total[i];
		s.rows = c.rows[i];
		out[{c.schema[i], c.name[i]}] = s;
	}
	return out;
}

}  // namespace migration_helpers::pg
