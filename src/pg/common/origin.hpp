// origin.hpp — where OIDs stored in the state tables mean something: this
// database's instance id (migration_helpers._instance, a random value drawn
// when the extension is created in the database). A row recorded elsewhere (a
// dump restored into another cluster or database, which draws a new id) names
// tables and roles by OIDs that are others' here; pg_upgrade keeps both the
// OIDs and the id. PostgreSQL calls only, with SPI connected.
#pragma once

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// cluster_origin: this database's instance id, palloc'd in the current memory context.
char *cluster_origin();

}  // namespace migration_helpers::pg
