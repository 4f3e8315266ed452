// internal.hpp — what the files of pg/analysis/ share with each other only.
#pragma once

#include <vector>

#include "pg/analysis/analysis.hpp"

namespace migration_helpers::pg {

// maintenance_operations: the operations of VACUUM FULL, CLUSTER and REINDEX
// (maintenance_operations.cpp); none for plain VACUUM and ANALYZE.
void maintenance_operations(const AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops);
// maintenance_lock_mode: the lock (a LOCKMODE) VACUUM, CLUSTER or REINDEX takes on each table.
int maintenance_lock_mode(Node *tree);

// object_operations: the operations of statements on views, types, domains and functions, of what
// DROP ... CASCADE takes with them, of ALTER DOMAIN's scans and of ALTER TYPE ... CASCADE on typed
// tables (object_operations.cpp); false when the statement is not one of these.
bool object_operations(AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops);

}  // namespace migration_helpers::pg
