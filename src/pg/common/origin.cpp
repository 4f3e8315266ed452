// origin.cpp — this cluster's and database's identity for the state tables (see origin.hpp).
#include "pg/common/origin.hpp"
#include "pg/boundary.hpp"

namespace migration_helpers::pg {

char *cluster_origin()
{
	return psprintf(UINT64_FORMAT ":%u", GetSystemIdentifier(), MyDatabaseId);
}

}  // namespace migration_helpers::pg

extern "C" {
PG_FUNCTION_INFO_V1(mh__origin);
}

// mh__origin: migration_helpers._origin(), the default of the state tables' origin columns.
Datum mh__origin(PG_FUNCTION_ARGS)
{
	return migration_helpers::pg::guarded_entry([&]() -> Datum {
		return migration_helpers::pg::pg_call(
			[] { return CStringGetTextDatum(migration_helpers::pg::cluster_origin()); });
	});
}
