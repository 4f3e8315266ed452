// origin.cpp — this database's instance id for the state tables (see origin.hpp).
#include "pg/common/origin.hpp"
#include "pg/common/owner_spi.hpp"

namespace migration_helpers::pg {

char *cluster_origin()
{
	uint64 n = spi_as_owner(state_table_owner("_instance"), nullptr, "read this database's instance id",
							SPI_OK_SELECT, "SELECT id FROM migration_helpers._instance", 0, nullptr, nullptr,
							nullptr);
	if (n != 1)
		elog(ERROR, "migration_helpers._instance holds %llu rows instead of one", (unsigned long long) n);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

}  // namespace migration_helpers::pg
