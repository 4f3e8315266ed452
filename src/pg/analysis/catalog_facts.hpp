// catalog_facts.hpp — the catalog proofs the statement walkers of pg/analysis/ use
// (catalog_facts.cpp). Every function here is "PostgreSQL calls only" (the _c suffix, see
// boundary.hpp): call it inside pg_call, never with live C++ objects in between.
#pragma once

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// TypeChangeC: what ALTER COLUMN ... TYPE does under its ACCESS EXCLUSIVE lock.
struct TypeChangeC {
	bool rewrites;             // the table is rewritten: the table_rewrite event judges it
	bool rechecks_constraint;  // no rewrite, but a validated CHECK constraint uses the column
	bool rebuilds_index;       // no rewrite, but an index on the column is built again
	bool same_type;            // the new type, typmod and collation are the column's own
};

// TypeFactsC: an enum type's facts in plain memory (PostgreSQL calls only).
struct TypeFactsC {
	Oid typid;   // InvalidOid: no such type
	char *name;  // palloc'd, schema-qualified
};

// IdentityChange: what one ALTER TABLE statement does besides dropping a replica identity index.
struct IdentityChange {
	bool sets_identity = false;     // REPLICA IDENTITY FULL or USING INDEX
	bool adds_primary_key = false;  // under REPLICA IDENTITY DEFAULT, the new key is the identity
};

// not_null_proven_c: whether the server would skip the SET NOT NULL scan:
// the column is NOT NULL already, or (when use_checks) valid CHECK constraints
// weakly imply "col IS NOT NULL" (PostgreSQL's own test,
// NotNullImpliedByRelConstraints). A statement that also drops a constraint
// cannot rely on CHECKs; NOT NULL itself survives a dropped primary key on 15.
bool not_null_proven_c(Oid relid, const char *colname, bool use_checks);

// index_columns_proven_c: every column of the named index of relid is proven NOT NULL.
bool index_columns_proven_c(Oid relid, const char *indexname, bool use_checks);

// attach_proven_c: whether ATTACH PARTITION would skip scanning the new
// partition: its constraints imply the bound, as ATExecAttachPartition tests.
bool attach_proven_c(Oid parentid, Oid childid, PartitionBoundSpec *bound);

// index_invalid_c: an index of this name exists in relid's schema (where CREATE INDEX
// would put it) and is marked INVALID. Indexes of partitioned tables are left out: one
// created ON ONLY the parent is INVALID by design until its partitions are attached.
bool index_invalid_c(Oid relid, const char *name);

// name_taken_c: a relation of this name exists in relid's schema, where an index of relid
// (CREATE INDEX, or the one behind ADD CONSTRAINT ... UNIQUE) would be created.
bool name_taken_c(Oid relid, const char *name);

// column_exists_c: relid has a column of this name, a system column included (which ADD COLUMN
// refuses as well).
bool column_exists_c(Oid relid, const char *name);

// partitions_have_foreign_key_c: every leaf partition of a partitioned table already has the
// foreign key, validated: adding it to the parent adopts them and scans nothing. This is the
// recipe on PostgreSQL 15, which refuses NOT VALID foreign keys on partitioned tables.
bool partitions_have_foreign_key_c(Oid parentid, Constraint *fk);

// partitions_have_key_c: every leaf partition of a partitioned table already has the UNIQUE
// or PRIMARY KEY constraint being added, so adding it to the parent builds nothing (checked
// on 15: the parent's index is catalog only, each partition's constraint is adopted).
bool partitions_have_key_c(Oid parentid, Constraint *key);

// type_change_facts_c: what ALTER COLUMN ... TYPE does to an existing table. When it rewrites
// the table, the table_rewrite event judges it (the server's own verdict). When it does not,
// the server still re-checks every validated CHECK constraint that uses the column and builds
// again the indexes on it that cannot be kept, under its ACCESS EXCLUSIVE lock: both found as
// pg_depend lists them, as ATExecAlterColumnType finds them (an index behind a primary key,
// unique or exclusion constraint through its constraint). A missing column is left to the
// server; a missing type or collation, an inherited column, a value that cannot be cast error
// here as they would in the statement.
void type_change_facts_c(Oid relid, const char *colname, ColumnDef *def, const char *query_string,
						 TypeChangeC *out);

// column_dependents_c: the validated CHECK constraints and the indexes that use column attnum of
// relid, as a type change from old_type/old_coll to new_type/new_coll re-checks and rebuilds them.
void column_dependents_c(Oid relid, AttrNumber attnum, const char *colname, bool rewrites, Oid old_type,
						 Oid new_type, Oid old_coll, Oid new_coll, TypeChangeC *out);

// type_facts_c: the named type, if it exists (whether this transaction created it is the
// TxnView's to say).
void type_facts_c(List *names, TypeFactsC *out);

// replica_index_dropped_c: dropping indexid leaves relid without its replica identity
// (the index is the primary key under REPLICA IDENTITY DEFAULT, or the USING INDEX one),
// unless the same statement gives it another one (the primary key swap).
bool replica_index_dropped_c(Oid relid, Oid indexid, IdentityChange change);

// replica_identity_removed_c: REPLICA IDENTITY new_type takes away the identity relid has.
bool replica_identity_removed_c(Oid relid, char new_type);

// tables_where_c: the tables and materialized views whose pg_class column (relnamespace
// or relowner) is value, as a List of Oids. A scan of pg_class: only for DROP SCHEMA
// ... CASCADE and DROP OWNED, which are rare.
List *tables_where_c(AttrNumber column, Oid value);

// move_all_relations_c: the relations ALTER ... ALL IN TABLESPACE moves, in OID order, chosen as
// AlterTableMoveAll chooses them: the database's default tablespace is stored as 0; catalogs,
// shared, temporary and TOAST relations are skipped; only the kind the statement names (a
// partitioned table or index, which has no storage, moves nothing), owned by the roles given.
// Nothing when the statement is a no-op (the same tablespace) or names a missing one (the
// statement reports it).
List *move_all_relations_c(AlterTableMoveAllStmt *stmt);

// chosen_index_name_c: the name CREATE INDEX without a name gives the index, chosen as
// DefineIndex chooses it (ChooseIndexColumnNames, ChooseIndexNameAddition, ChooseRelationName
// with the label "idx"); palloc'd.
char *chosen_index_name_c(Oid relid, IndexStmt *stmt);
// add_column_rewrite_c: whether ADD COLUMN def rewrites relid, as ATExecAddColumn decides: a
// default (the column's, else its domain's; identity and serial ones included) that is volatile,
// GENERATED ... STORED, or a domain with constraints. The server rewrites each partition of a
// partitioned table. A default that does not parse errors here as in the statement.
bool add_column_rewrite_c(Oid relid, ColumnDef *def);

// has_primary_key_c: relid has a primary key (ADD PRIMARY KEY is refused then).
bool has_primary_key_c(Oid relid);

}  // namespace migration_helpers::pg
