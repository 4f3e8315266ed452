// origin.hpp — where OIDs stored in the state tables mean something: this
// cluster's system identifier and this database's OID, "<sysid>:<dboid>". A
// row recorded elsewhere (a dump restored into another cluster or database)
// names tables and roles by OIDs that are others' here. PostgreSQL calls only.
#pragma once

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// cluster_origin: this cluster and database, palloc'd in the current memory context.
char *cluster_origin();

}  // namespace migration_helpers::pg
