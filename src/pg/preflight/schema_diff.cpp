// schema_diff.cpp — migration_helpers.schema_diff(a jsonb, b jsonb): the two snapshots read
// into core's structs (src/core/preflight/snapshot.hpp) and core's diff returned as rows. The
// snapshots themselves are taken by schema_snapshot(), a SQL function over the catalogs
// (src/sql/migration_helpers--0.1--0.2.sql).
#include <optional>
#include <string>
#include <vector>

#include "core/preflight/diff.hpp"
#include "core/preflight/json.hpp"
#include "core/preflight/snapshot.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(mh_schema_diff);
}

namespace migration_helpers::pg {

namespace {

// jsonb_text_c: argument i (jsonb) as text, palloc'd. PostgreSQL calls only.
char *jsonb_text_c(FunctionCallInfo fcinfo, int i)
{
	Jsonb *j = PG_GETARG_JSONB_P(i);
	return JsonbToCString(nullptr, &j->root, int(VARSIZE(j)));
}

// not_a_snapshot: the error for an argument whose shape is not a snapshot's (does not return).
[[noreturn]] void not_a_snapshot(const char *arg, const std::string &why)
{
	const char *w = why.c_str();
	pg_call([&] {
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" of schema_diff is not a schema snapshot", arg), errdetail("%s", w),
				 errhint("Pass what migration_helpers.schema_snapshot() returned.")));
	});
	pg_unreachable();
}

core::Snapshot read_argument(FunctionCallInfo fcinfo, int i, const char *arg)
{
	char *text = pg_call([&] { return jsonb_text_c(fcinfo, i); });
	std::string error;
	std::optional<core::Json> value = core::parse_json(text, &error);
	if (!value)
		not_a_snapshot(arg, "It is not JSON: " + error + ".");  // not reached: jsonb is valid JSON
	core::SnapshotError se;
	std::optional<core::Snapshot> s = core::read_snapshot(*value, &se);
	if (!s)
		not_a_snapshot(arg, "At " + se.path + ": " + se.message + ".");
	return std::move(*s);
}

}  // namespace

}  // namespace migration_helpers::pg

// mh_schema_diff: migration_helpers.schema_diff(a, b), one row per difference.
extern "C" Datum mh_schema_diff(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	return pg::guarded_entry([&]() -> Datum {
		for (int i = 0; i < 2; i++)
			if (PG_ARGISNULL(i)) {
				const char *arg = i == 0 ? "a" : "b";
				pg::pg_call([&] {
					ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
									errmsg("argument \"%s\" of schema_diff cannot be null", arg),
									errhint("Pass what migration_helpers.schema_snapshot() returned.")));
				});
			}
		core::Snapshot a = pg::read_argument(fcinfo, 0, "a");
		core::Snapshot b = pg::read_argument(fcinfo, 1, "b");
		std::vector<core::DiffRow> rows = core::diff_snapshots(a, b);
		pg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
		auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		for (const core::DiffRow &r : rows)
			pg::pg_call([&] {
				Datum values[5];
				bool nulls[5] = {false, false, false, false, false};
				auto txt = [](const std::string &s) {
					return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size())));
				};
				values[0] = txt(r.object);
				values[1] = txt(r.kind);
				if (r.a_value)
					values[2] = txt(*r.a_value);
				else
					nulls[2] = true;
				if (r.b_value)
					values[3] = txt(*r.b_value);
				else
					nulls[3] = true;
				values[4] = BoolGetDatum(r.unsafe);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		return (Datum) 0;
	});
}
