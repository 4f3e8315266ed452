// operation.hpp — what a DDL statement is about to do, as plain facts: the
// words the analysis (pg/analysis/), the rules (rules.hpp) and the policy
// (policy.hpp) share.
//
// Words used here:
//   operation  one thing a statement is about to do to one relation, described
//              by plain facts the glue gathered from the parse tree and the
//              catalog (Operation). One statement may yield several.
//   facts      what the rules need to know of the relation (RelationFacts) and
//              of the operation (the other fields of Operation).
//
// No PostgreSQL header is included: lint's script model fills these as well as
// the live session does.
#pragma once

#include <cstdint>
#include <string>

namespace migration_helpers::core {

enum class OpKind {
	CreateIndex,
	DropIndex,
	Reindex,
	VacuumFull,
	Cluster,
	RefreshMatView,
	AddColumn,
	AlterColumnType,
	SetNotNull,
	AddConstraint,
	ValidateConstraint,
	RenameColumn,
	RenameTable,
	SetSchema,
	DropColumn,
	DropTable,
	AttachPartition,
	CreatePartition,  // CREATE TABLE ... PARTITION OF
	DetachPartition,
	SetPersistence,
	SetTablespace,
	SetAccessMethod,
	TableRewrite,
	RenameEnumValue,  // ALTER TYPE ... RENAME VALUE: the "table" is the enum type
	// Objects other than tables that running code names; the "table" is the object itself
	RenameView,      // ALTER VIEW ... RENAME TO or SET SCHEMA (also ALTER TABLE naming a view)
	DropView,        // DROP VIEW, and a view a DROP ... CASCADE takes with it
	RenameType,      // ALTER TYPE / DOMAIN ... RENAME TO or SET SCHEMA
	DropType,        // DROP TYPE / DOMAIN
	RenameFunction,  // ALTER FUNCTION / PROCEDURE / ROUTINE ... RENAME TO or SET SCHEMA
	DropFunction,    // DROP FUNCTION / PROCEDURE / ROUTINE
	// the table's column default that a DROP ... CASCADE (of a sequence or function) removes
	DropDefault,
	// ALTER DOMAIN ... ADD CONSTRAINT (validated), VALIDATE CONSTRAINT or SET NOT NULL: scans every
	// column of the domain in this table under SHARE; one operation per table that uses the domain
	DomainConstraintScan,
	// CREATE or ALTER PUBLICATION starts publishing the table (its UPDATE or DELETE, or under a new
	// column list or row filter); ALTER PUBLICATION ... SET (publish = ...) starts publishing them
	PublishTable,
	// ALTER PUBLICATION ... DROP TABLE, SET TABLE or SET TABLES IN SCHEMA without it, DROP PUBLICATION:
	// the table's changes stop reaching the publication's subscribers
	UnpublishTable,
	CatalogOnly  // any other change to an existing table: judged safe, still locked, timed and logged
};

enum class ConstraintKind { None, Check, ForeignKey, Unique, PrimaryKey, Exclusion };

// IdentityGap: why a table published for UPDATE or DELETE has no usable replica identity, so that
// the server refuses every UPDATE and DELETE on it (CheckCmdReplicaIdentity).
enum class IdentityGap {
	None,
	NoIdentity,  // REPLICA IDENTITY NOTHING, or DEFAULT without a primary key
	ColumnList,  // the publication's column list leaves out a column of the identity
	RowFilter    // the publication's row filter uses a column that is not part of the identity
};

// Bits of pg_event_trigger_table_rewrite_reason().
constexpr int kRewritePersistence = 1;
constexpr int kRewriteDefault = 2;
constexpr int kRewriteColumnType = 4;
constexpr int kRewriteAccessMethod = 8;

// TableContents: what the table holds, for rules whose harm depends on rows being there.
enum class TableContents {
	Rows,        // has data pages, or is not known to be empty
	Emptied,     // no data pages now, but it held rows once (DELETE and VACUUM, TRUNCATE)
	NeverFilled  // no data pages and no row was ever written to it
};

// Distribution: how Citus spreads a table over a cluster (Local without Citus). The coordinator
// holds an empty shell of a distributed or reference table; its rows are in shards on the workers.
enum class Distribution {
	Local,        // an ordinary table (or Citus is not installed)
	Distributed,  // hash, range or append distributed: rows split over shard_count shards
	Reference,    // one shard, a full copy on every node
	CitusLocal    // a table on the coordinator that Citus knows of (citus_add_local_table_to_metadata)
};

struct RelationFacts {
	std::string name;      // schema-qualified, unescaped: messages put it in double quotes as the server does
	std::string sql_name;  // schema-qualified and quoted as SQL writes it (alice."g.x"), for the log
	bool exists = true;
	bool created_in_transaction = false;  // or a temporary table of this session
	int64_t size_bytes = 0;
	bool published = false;          // member of a publication
	bool publishes_updates = false;  // in a publication that replicates UPDATE or DELETE
	bool partitioned = false;        // a partitioned table (or a partitioned table's index)
	bool view = false;               // a view: no rows of its own, named by code all the same
	TableContents contents = TableContents::Rows;
	// the relation whose rows the work reads, when it is not this one (the partition being
	// attached, the default partition scanned); size_bytes and contents are its own
	std::string data_name;
	// the unfinished expand-contract migration that has steps on this table (empty: none)
	std::string migration;
	// Citus: how the table is spread; size_bytes is then its shards' total (citus_table_size: one
	// copy of a reference table), and shard_count the shards it is split into
	Distribution distribution = Distribution::Local;
	int shard_count = 0;
	// false: the size could not be measured (a Citus table in a transaction where Citus refuses
	// to): judged as above every threshold
	bool size_known = true;
};

// Outcome: what the server will do with the operation, as far as the catalog tells beforehand.
enum class Outcome {
	Runs,
	Skipped,  // IF NOT EXISTS names what exists, IF EXISTS what does not: the server does nothing
	Fails     // the server rejects the statement (a name taken, a column missing): its error, not ours
};

struct Operation {
	OpKind kind = OpKind::CreateIndex;
	Outcome outcome = Outcome::Runs;
	RelationFacts table;
	std::string object;       // index, column, constraint or partition name; may be empty
	bool concurrent = false;  // CONCURRENTLY given
	// CreateIndex: IF NOT EXISTS names an index that exists but is INVALID (a failed CONCURRENTLY build)
	bool existing_index_invalid = false;
	// AddColumn
	bool not_null = false;
	bool has_default = false;
	bool rewrite_default = false;  // serial, identity or GENERATED ... STORED
	// AddConstraint, and constraints given inline on AddColumn
	ConstraintKind constraint = ConstraintKind::None;
	bool not_valid = false;
	bool using_index = false;
	bool validation_skipped = false;  // the server will not scan (e.g. FK on a new all-NULL column)
	// on a partitioned table: every partition already has the UNIQUE or PRIMARY KEY constraint,
	// which the parent's new one adopts without building an index
	bool partitions_have_it = false;
	// SetNotNull: a validated CHECK constraint proves the column has no NULL
	bool proven_not_null = false;
	// AttachPartition: the partition's constraints already prove its bound
	bool partition_bound_proven = false;
	// AttachPartition, CreatePartition: the parent has a default partition, which is scanned
	bool default_partition = false;
	// ValidateConstraint: this transaction already holds SHARE or stronger
	bool strong_lock_held = false;
	// RefreshMatView: the view is populated (a first refresh blocks nobody)
	bool populated = true;
	// AlterColumnType, when the change needs no rewrite (one that does is reported by the
	// table_rewrite event instead): a validated CHECK constraint uses the column, which the server
	// re-checks; an index on the column cannot be kept (new collation or operator class, an
	// expression or partial index), which the server builds again
	bool rechecks_constraint = false;
	bool rebuilds_index = false;
	// TableRewrite: pg_event_trigger_table_rewrite_reason()
	int rewrite_reason = 0;
	// DropColumn: the unfinished migration whose drop_column step retires this column (empty: none)
	std::string retired_by;
	// CreateIndex: no name given; object holds the name the server will choose
	bool name_chosen = false;
	// AlterColumnType: the new type, typmod and collation are the column's own (Sequelize's
	// changeColumn sends TYPE with every change): nothing but the side effects happen
	bool type_unchanged = false;
	// DropColumn, RenameColumn: the same ALTER TABLE adds a column of the old name again, so
	// queries naming it keep working
	bool name_recreated = false;
	// DropColumn, DropTable, DropView, DropDefault, DropType: the work of a DROP ... CASCADE of
	// another object (cascade_from names it, e.g. "type public.mood")
	std::string cascade_from;
	// DomainConstraintScan: the domain and the constraint (object); VALIDATE CONSTRAINT rather than ADD
	std::string domain;
	bool domain_validate = false;
	// the operation leaves the table without a replica identity (drops the constraint or index
	// that is one, or sets REPLICA IDENTITY NOTHING, or DEFAULT without a primary key)
	bool removes_replica_identity = false;
	// REPLICA IDENTITY, or a primary key swap under REPLICA IDENTITY DEFAULT: the new identity leaves
	// out a column of the current one, which subscribers that find rows by it expect
	bool identity_narrowed = false;
	// PublishTable: what leaves the table without a usable replica identity in the publication
	IdentityGap identity_gap = IdentityGap::None;
	// UnpublishTable, identity_narrowed: the database has a logical replication slot, so a
	// subscriber may be reading the publication (without one, nobody can be)
	bool has_subscribers = false;
	// UnpublishTable: DROP PUBLICATION (object names the publication)
	bool publication_dropped = false;
};

}  // namespace migration_helpers::core
