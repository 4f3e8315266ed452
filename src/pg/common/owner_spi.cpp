// owner_spi.cpp — statements on the state tables as their owner (see owner_spi.hpp).
#include "pg/common/owner_spi.hpp"

namespace migration_helpers::pg {

Oid state_table_owner(const char *table)
{
	Oid nsp = get_namespace_oid("migration_helpers", false);
	Oid rel = get_relname_relid(table, nsp);
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "migration_helpers.%s is missing", table);
	Oid owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

uint64 spi_as_owner(Oid owner, SPIPlanPtr *kept, const char *what, int expected_rc, const char *sql,
					int nargs, Oid *types, Datum *values, const char *nulls)
{
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	int nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	int rc;
	if (kept == nullptr) {
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	} else {
		if (*kept == nullptr) {
			SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
			if (plan == nullptr || SPI_keepplan(plan) != 0)
				elog(ERROR, "could not prepare to %s: %s", what, SPI_result_code_string(SPI_result));
			*kept = plan;
		}
		rc = SPI_execute_plan(*kept, values, nulls, false, 0);
	}
	SetUserIdAndSecContext(save_user, save_sec);
	AtEOXact_GUC(true, nest);
	if (rc != expected_rc)
		elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
	return SPI_processed;
}

}  // namespace migration_helpers::pg
