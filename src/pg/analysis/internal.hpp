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

}  // namespace migration_helpers::pg
