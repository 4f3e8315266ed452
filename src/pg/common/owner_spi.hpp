// owner_spi.hpp — running one statement on the extension's own state tables
// with the rights of their owner (the role that created the extension) and
// search_path pinned to pg_catalog, so that no object of the caller's is ever
// picked up with those rights; the result code is checked. Shared by the
// backfill job store and the migration store. PostgreSQL calls only; callers
// hold an SPI connection.
#pragma once

#include <cstdint>

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// state_table_owner: the owner of migration_helpers.<table> (an error when it is missing).
Oid state_table_owner(const char *table);

// spi_as_owner: runs sql (fixed text, values as parameters) as owner; with a
// plan slot, prepared once (under the pinned search_path) and kept for the
// process. A result other than expected_rc is an internal error naming what
// failed. Returns SPI_processed. On error the (sub)transaction abort restores
// the user and the settings.
uint64 spi_as_owner(Oid owner, SPIPlanPtr *kept, const char *what, int expected_rc, const char *sql,
					int nargs, Oid *types, Datum *values, const char *nulls);

}  // namespace migration_helpers::pg
