// internal.hpp — what the files of pg/analysis/ share with each other only.
#pragma once

#include <vector>

#include "pg/analysis/analysis.hpp"

struct Bitmapset;  // nodes/bitmapset.h

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

// table_cascade_ops: what DROP TABLE ... CASCADE of relid takes with it besides the table and
// the tables dropped with it: views, functions, columns and defaults of other tables
// (object_operations.cpp), each judged as drop_cascade.
void table_cascade_ops(const AnalysisContext &cx, unsigned int relid, std::vector<AnalyzedOp> &ops);

// publication_operations: the operations of CREATE, ALTER and DROP PUBLICATION: the tables they
// start publishing for UPDATE or DELETE and those they stop publishing (publication_operations.cpp);
// false when the statement is not one of these.
bool publication_operations(AnalysisContext &cx, Node *tree, std::vector<AnalyzedOp> &ops);

// PostgreSQL calls only (the _c suffix): call them inside pg_call. Oids are unsigned int here, as
// in analysis.hpp, which includes no server header.
// has_logical_slot_c: this database has a logical replication slot, so subscribers may exist.
bool has_logical_slot_c();
// identity_columns_c: the columns (attribute numbers) relid's replica identity sends: every
// column under FULL, the identity index's otherwise; nullptr when it has none.
Bitmapset *identity_columns_c(unsigned int relid);
// index_columns_c: the key columns (attribute numbers) of an index; expressions leave none.
Bitmapset *index_columns_c(unsigned int indexid);
// identity_narrowed_c: the identity REPLICA IDENTITY new_type (USING INDEX index_name), or the new
// primary key new_key_index under DEFAULT, leaves out a column of the current one.
bool identity_narrowed_c(unsigned int relid, char new_type, const char *index_name,
						 unsigned int new_key_index);

}  // namespace migration_helpers::pg
