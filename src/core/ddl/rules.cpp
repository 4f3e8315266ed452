// rules.cpp — the rule catalogue, the verdicts and their message texts.
//
// Message templates use {table}, {object}, {size} and {id}; expand() fills
// them. Texts follow PostgreSQL's message style: the primary message is one
// lowercase line, DETAIL and HINT are sentences.
#include "core/ddl/rules.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace migration_helpers::core {

namespace {

// RuleText: a rule and its message templates. The primary message ends with
// "(rule <id>: <safe_form>)", so that the one line every client shows names the
// rule and the safe way; DETAIL and HINT tell the rest.
struct RuleText {
	Rule rule;
	std::string_view message;
	std::string_view detail;
	std::string_view safe_form;                   // one lowercase clause
	std::string_view partitioned_safe_form = {};  // on a partitioned table, when the usual form is refused
};

constexpr auto AEL = LockLevel::AccessExclusive;

// The catalogue. Order is what rules() shows: blocking rules by how common
// they are, then the rules that break running code, then warnings.
const std::array<RuleText, 43> kRules = {{
	{{"index_not_concurrent", Severity::Error, LockLevel::Share, Effect::BlocksTraffic,
	  "CREATE INDEX without CONCURRENTLY on an existing table.",
	  "Use CREATE INDEX CONCURRENTLY outside a transaction block; if it fails, drop the INVALID index it "
	  "leaves behind and retry.",
	  false,
	  "A partitioned table refuses CONCURRENTLY: create the index ON ONLY the parent, build each partition's "
	  "index CONCURRENTLY, then ALTER INDEX ... ATTACH PARTITION each."},
	 "creating index {object} would block writes on table \"{table}\"",
	 "CREATE INDEX holds a SHARE lock on \"{table}\" ({size}) until the whole index is built; the lock "
	 "blocks INSERT, UPDATE and DELETE.",
	 "use CREATE INDEX CONCURRENTLY",
	 "use CREATE INDEX ON ONLY the parent, then CONCURRENTLY on each partition"},
	{{"drop_index_not_concurrent", Severity::Error, AEL, Effect::BlocksTraffic,
	  "DROP INDEX without CONCURRENTLY on an index of an existing table.",
	  "Use DROP INDEX CONCURRENTLY outside a transaction block.", false},
	 "dropping index {object} would block reads and writes on table \"{table}\"",
	 "DROP INDEX takes an ACCESS EXCLUSIVE lock on \"{table}\" ({size}); while it waits for running "
	 "queries to finish, every new query on the table queues behind it.",
	 "use DROP INDEX CONCURRENTLY"},
	{{"reindex_not_concurrent", Severity::Error, LockLevel::Share, Effect::BlocksTraffic,
	  "REINDEX without CONCURRENTLY (fires no event trigger: needs the library preloaded).",
	  "Use REINDEX ... CONCURRENTLY outside a transaction block.", true},
	 "reindexing without CONCURRENTLY would block writes on table \"{table}\"",
	 "REINDEX holds a SHARE lock on \"{table}\" ({size}) and an ACCESS EXCLUSIVE lock on each index "
	 "until it is rebuilt; queries that would use those indexes wait too.",
	 "use REINDEX CONCURRENTLY"},
	{{"vacuum_full", Severity::Error, AEL, Effect::BlocksTraffic,
	  "VACUUM FULL (fires no event trigger: needs the library preloaded).",
	  "Use plain VACUUM, or rebuild the table online with pg_repack.", true},
	 "VACUUM FULL would block reads and writes on table \"{table}\"",
	 "VACUUM FULL holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it rewrites every row "
	 "and rebuilds every index.",
	 "use plain VACUUM, or pg_repack"},
	{{"cluster", Severity::Error, AEL, Effect::BlocksTraffic,
	  "CLUSTER (fires no event trigger: needs the library preloaded).",
	  "Rebuild the table online in index order with pg_repack --order-by.", true},
	 "CLUSTER would block reads and writes on table \"{table}\"",
	 "CLUSTER holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it rewrites every row and "
	 "rebuilds every index.",
	 "use pg_repack --order-by"},
	{{"refresh_matview_not_concurrent", Severity::Error, AEL, Effect::BlocksTraffic,
	  "REFRESH MATERIALIZED VIEW without CONCURRENTLY on a populated view.",
	  "Create a unique index on the view, then use REFRESH MATERIALIZED VIEW CONCURRENTLY, which lets "
	  "reads go on.",
	  false},
	 "refreshing materialized view \"{table}\" would block reads of it",
	 "REFRESH MATERIALIZED VIEW holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) until the whole "
	 "query has run again.",
	 "use REFRESH MATERIALIZED VIEW CONCURRENTLY"},
	{{"add_column_rewrite", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ADD COLUMN that rewrites the table: a volatile default, serial, identity, GENERATED ... STORED, "
	  "or a domain with constraints.",
	  "Add the column without a default (or with a constant one), set the default for new rows with ALTER "
	  "COLUMN ... SET DEFAULT, fill existing rows with migration_helpers.backfill(), then add constraints "
	  "NOT VALID and validate them.",
	  false},
	 "adding column {object} would rewrite table \"{table}\" and block reads and writes on it",
	 "ALTER TABLE holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it rewrites every row "
	 "and rebuilds every index.",
	 "add the column with no or a constant default, then backfill it"},
	{{"column_type_rewrite", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER COLUMN ... TYPE that rewrites the table (not binary-coercible, e.g. int to bigint, or "
	  "timestamp to timestamptz outside UTC).",
	  "Change it in an expand-contract migration: migration_helpers.change_column_type(migration, table, "
	  "column, new_type) adds a column of the new type kept in sync with the old one by a trigger, "
	  "backfills it in batches and builds its indexes concurrently; complete_migration() swaps the "
	  "columns in one short transaction.",
	  false},
	 "changing the type of column {object} would rewrite table \"{table}\" and block reads and writes on it",
	 "ALTER TABLE holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it rewrites every row "
	 "and rebuilds every index.",
	 "use migration_helpers.change_column_type() in a migration"},
	{{"column_type_recheck", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER COLUMN ... TYPE without a rewrite on a column that a validated CHECK constraint uses: the "
	  "server re-checks the constraint on every row.",
	  "Drop the CHECK constraints that use the column, change the type, add them back NOT VALID, then "
	  "VALIDATE CONSTRAINT each in its own transaction.",
	  false},
	 "changing the type of column {object} would scan table \"{table}\" while blocking reads and writes on it",
	 "ALTER COLUMN ... TYPE re-validates every CHECK constraint that uses the column, reading every row of "
	 "\"{table}\" ({size}) under an ACCESS EXCLUSIVE lock, even when the new type needs no rewrite.",
	 "drop the CHECK, change the type, then add it back NOT VALID and validate it"},
	{{"column_type_index_rebuild", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER COLUMN ... TYPE without a rewrite that still builds the column's indexes again: a new "
	  "collation or operator class (timestamp to timestamptz under TimeZone UTC), or an expression or "
	  "partial index on the column.",
	  "Add a column of the new type, keep both in sync with a trigger and fill it with "
	  "migration_helpers.backfill(), build its indexes CONCURRENTLY, then swap the columns in one short "
	  "transaction.",
	  false,
	  "On a partitioned table the indexes of every partition are built again: index the new column ON ONLY "
	  "the parent, CREATE INDEX CONCURRENTLY on each partition and ALTER INDEX ... ATTACH PARTITION each, "
	  "then swap the columns."},
	 "changing the type of column {object} would rebuild its indexes and block reads and writes on table "
	 "\"{table}\"",
	 "ALTER COLUMN ... TYPE builds again every index on the column whose collation or operator class "
	 "changes, and every expression or partial index that uses it, reading every row of \"{table}\" "
	 "({size}) under an ACCESS EXCLUSIVE lock, though the table itself is not rewritten.",
	 "add a column of the new type, backfill and index it CONCURRENTLY, then swap"},
	{{"set_persistence", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER TABLE ... SET LOGGED or SET UNLOGGED.",
	  "Create a new table with the wanted persistence, copy the rows in batches, and swap the tables.",
	  false},
	 "changing the persistence of table \"{table}\" would rewrite it and block reads and writes on it",
	 "SET LOGGED and SET UNLOGGED hold an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while they "
	 "rewrite every row.",
	 "copy the rows into a new table with the wanted persistence"},
	{{"set_access_method", Severity::Error, AEL, Effect::BlocksTraffic, "ALTER TABLE ... SET ACCESS METHOD.",
	  "Create a new table with the wanted access method, copy the rows in batches, and swap the tables.",
	  false},
	 "changing the access method of table \"{table}\" would rewrite it and block reads and writes on it",
	 "SET ACCESS METHOD holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it rewrites every "
	 "row.",
	 "copy the rows into a new table with the wanted access method"},
	{{"set_tablespace", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER TABLE or ALTER INDEX ... SET TABLESPACE.",
	  "Move the table online with pg_repack --tablespace, or create the new table in the target "
	  "tablespace and copy in batches.",
	  false},
	 "moving table \"{table}\" to another tablespace would block reads and writes on it",
	 "SET TABLESPACE holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it copies every file "
	 "of it.",
	 "use pg_repack --tablespace"},
	{{"add_required_column", Severity::Error, AEL, Effect::BreaksCode,
	  "ADD COLUMN ... NOT NULL without a default.",
	  "Add the column nullable (or NOT NULL with a constant DEFAULT, which needs no rewrite), fill it "
	  "with migration_helpers.backfill(), then make it NOT NULL with a validated CHECK (col IS NOT NULL).",
	  false},
	 "adding NOT NULL column {object} without a default would fail on table \"{table}\" and break inserts",
	 "Existing rows have no value for the column, so ALTER TABLE fails unless the table is empty, and "
	 "INSERTs from application code that does not know the column fail afterwards.",
	 "add it nullable or with a constant DEFAULT, backfill, then make it NOT NULL"},
	{{"set_not_null", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ALTER COLUMN ... SET NOT NULL without a validated CHECK (col IS NOT NULL).",
	  "Add CHECK (col IS NOT NULL) NOT VALID, run VALIDATE CONSTRAINT in its own transaction (it does "
	  "not block writes), then SET NOT NULL needs no scan; drop the CHECK afterwards.",
	  false},
	 "setting column {object} NOT NULL would block reads and writes on table \"{table}\"",
	 "SET NOT NULL holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it scans every row, "
	 "because no validated CHECK constraint proves the column has no NULL.",
	 "add CHECK (col IS NOT NULL) NOT VALID and validate it first"},
	{{"add_check_constraint", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ADD CHECK without NOT VALID (also inline on ADD COLUMN).",
	  "Add the constraint with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate "
	  "transaction; validation does not block reads or writes.",
	  false},
	 "adding CHECK constraint {object} would block reads and writes on table \"{table}\"",
	 "ADD CONSTRAINT ... CHECK holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it scans "
	 "every row.",
	 "add it NOT VALID, then VALIDATE CONSTRAINT"},
	{{"add_foreign_key", Severity::Error, LockLevel::ShareRowExclusive, Effect::BlocksTraffic,
	  "ADD FOREIGN KEY without NOT VALID (also inline REFERENCES on ADD COLUMN with a default).",
	  "Add the foreign key with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate "
	  "transaction; validation does not block writes.",
	  false,
	  "A partitioned table refuses NOT VALID foreign keys: add one NOT VALID to each partition and validate "
	  "it there, then add it to the parent, which adopts the validated ones without a scan."},
	 "adding foreign key {object} would block writes on table \"{table}\"",
	 "ADD FOREIGN KEY holds a SHARE ROW EXCLUSIVE lock on \"{table}\" ({size}) and on the referenced "
	 "table while it checks every row.",
	 "add it NOT VALID, then VALIDATE CONSTRAINT",
	 "add it NOT VALID to each partition and validate it there, then to the parent"},
	{{"add_unique_constraint", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ADD UNIQUE without USING INDEX (also inline on ADD COLUMN).",
	  "Build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
	  false,
	  "A partitioned table has no USING INDEX: build the index CONCURRENTLY and add the constraint USING "
	  "INDEX on each partition, then add the constraint to the parent, which adopts the partitions' "
	  "constraints without building."},
	 "adding unique constraint {object} would block reads and writes on table \"{table}\"",
	 "ADD CONSTRAINT ... UNIQUE holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it builds "
	 "the index.",
	 "use CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX",
	 "add it to each partition first, then to the parent"},
	{{"add_primary_key", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ADD PRIMARY KEY without USING INDEX, or USING INDEX on columns not proven NOT NULL.",
	  "Make the columns NOT NULL first (CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL), "
	  "build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING "
	  "INDEX.",
	  false,
	  "A partitioned table has no USING INDEX: make the columns NOT NULL, build the index CONCURRENTLY and "
	  "add the primary key USING INDEX on each partition, then add the primary key to the parent, which "
	  "adopts the partitions' keys without building."},
	 "adding primary key {object} would block reads and writes on table \"{table}\"",
	 "ADD PRIMARY KEY holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it builds the index "
	 "and checks every row for NULL.",
	 "use CREATE UNIQUE INDEX CONCURRENTLY, then ADD PRIMARY KEY USING INDEX",
	 "add it to each partition first, then to the parent"},
	{{"add_exclusion_constraint", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ADD EXCLUDE (no NOT VALID or USING INDEX form exists).",
	  "There is no online form: create a new table with the constraint and copy the rows in batches, or "
	  "run it in a maintenance window.",
	  false},
	 "adding exclusion constraint {object} would block reads and writes on table \"{table}\"",
	 "ADD CONSTRAINT ... EXCLUDE holds an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) while it builds "
	 "the index and checks every row.",
	 "copy the rows into a new table that has the constraint"},
	{{"validate_after_strong_lock", Severity::Error, LockLevel::Share, Effect::BlocksTraffic,
	  "VALIDATE CONSTRAINT in a transaction that already holds a lock blocking writes on the table.",
	  "Commit the step that added the NOT VALID constraint first, then validate in its own transaction.",
	  false},
	 "validating constraint {object} would scan table \"{table}\" while writes to it are blocked",
	 "This transaction already holds a lock on \"{table}\" ({size}) that blocks writes, and keeps it "
	 "while VALIDATE CONSTRAINT scans every row.",
	 "commit first, then VALIDATE CONSTRAINT in its own transaction"},
	{{"domain_constraint_scan", Severity::Error, LockLevel::Share, Effect::BlocksTraffic,
	  "ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID, VALIDATE CONSTRAINT or SET NOT NULL on a domain "
	  "that columns of existing tables use: each such table is scanned under a SHARE lock.",
	  "Add the domain constraint NOT VALID (new values are checked at once). To prove the rows already "
	  "stored, add CHECK (...) NOT VALID on each column that uses the domain and VALIDATE CONSTRAINT it per "
	  "table, which does not block writes; a domain's own VALIDATE has no such form.",
	  false},
	 "{action} domain \"{domain}\" would scan table \"{table}\" while blocking writes on it",
	 "ALTER DOMAIN checks every value of the domain's columns in \"{table}\" ({size}) under a SHARE "
	 "lock, which blocks INSERT, UPDATE and DELETE until the whole table is read.",
	 "add the domain constraint NOT VALID, and validate per table with a CHECK"},
	{{"rename_column", Severity::Error, AEL, Effect::BreaksCode,
	  "ALTER TABLE ... RENAME COLUMN on an existing table.",
	  "Rename it in an expand-contract migration: migration_helpers.rename_column(migration, table, "
	  "column, new_name) adds the new column kept in sync with the old one by a trigger and backfills "
	  "it; complete_migration() drops the old column once no deployed code uses it. Or keep the old "
	  "name in the database and rename only in the application.",
	  false},
	 "renaming column {object} of table \"{table}\" would break application code that uses the old name",
	 "Queries that name the column fail as soon as the rename commits; the running application has not "
	 "been deployed with the new name yet.",
	 "use migration_helpers.rename_column() in a migration, or rename only in the application"},
	{{"rename_table", Severity::Error, AEL, Effect::BreaksCode,
	  "ALTER TABLE ... RENAME TO or SET SCHEMA on an existing table.",
	  "Rename the table and create an updatable view with the old name in the same transaction; drop the "
	  "view once no code uses the old name.",
	  false},
	 "renaming table \"{table}\" would break application code that uses the old name",
	 "Queries that name the table fail as soon as the rename commits; the running application has not "
	 "been deployed with the new name yet.",
	 "rename it and create a view with the old name in the same transaction"},
	{{"rename_enum_value", Severity::Error, LockLevel::None, Effect::BreaksCode,
	  "ALTER TYPE ... RENAME VALUE of an existing enum type.",
	  "Add the new label with ALTER TYPE ... ADD VALUE, deploy code that accepts both labels, move the rows "
	  "to the new label with migration_helpers.backfill(), then stop writing the old one (an enum label "
	  "cannot be dropped).",
	  false},
	 "renaming value {object} of type \"{table}\" would break application code that uses the old value",
	 "Statements that write the old label fail, and those that compare with it find nothing, as soon as the "
	 "rename commits; the running application has not been deployed with the new label yet.",
	 "add the new value with ADD VALUE and move the rows to it"},
	{{"rename_view", Severity::Error, AEL, Effect::BreaksCode,
	  "ALTER VIEW ... RENAME TO or SET SCHEMA (or ALTER TABLE naming a view) of an existing view.",
	  "Create the view under the new name and keep the old one (a view over the new one, or the same "
	  "query) until no code uses the old name, then drop it.",
	  false},
	 "renaming view \"{table}\" would break application code that uses the old name",
	 "Queries that name the view fail as soon as the rename commits; the running application has not "
	 "been deployed with the new name yet.",
	 "create the view under the new name and keep the old one until no code uses it"},
	{{"drop_view", Severity::Error, AEL, Effect::BreaksCode, "DROP VIEW of an existing view.",
	  "First deploy application code that no longer uses the view, then drop it in a later release.", false},
	 "dropping view \"{table}\" would break application code that still uses it",
	 "Every query that names the view fails as soon as the drop commits.",
	 "deploy code that no longer uses it first, then drop it in a later release"},
	{{"rename_type", Severity::Error, LockLevel::None, Effect::BreaksCode,
	  "ALTER TYPE or ALTER DOMAIN ... RENAME TO or SET SCHEMA of an existing type.",
	  "Keep the type's name: code names it in casts and function signatures. If it must change, create "
	  "the new type, move the columns to it with an expand-contract migration, then drop the old one.",
	  false},
	 "renaming type \"{table}\" would break application code that uses the old name",
	 "Statements that name the type (casts, function signatures, CREATE TABLE) fail as soon as the rename "
	 "commits; the running application has not been deployed with the new name yet.",
	 "keep the name, or create a new type and move the columns to it"},
	{{"drop_type", Severity::Error, LockLevel::None, Effect::BreaksCode,
	  "DROP TYPE or DROP DOMAIN of an existing type.",
	  "First deploy application code that no longer names the type, then drop it in a later release.", false},
	 "dropping type \"{table}\" would break application code that still uses it",
	 "Statements that name the type (casts, function signatures) fail as soon as the drop commits.",
	 "deploy code that no longer uses it first, then drop it in a later release"},
	{{"rename_function", Severity::Error, LockLevel::None, Effect::BreaksCode,
	  "ALTER FUNCTION, PROCEDURE or ROUTINE ... RENAME TO or SET SCHEMA of an existing function.",
	  "Create the function under the new name and keep the old one (calling the new one) until no code "
	  "calls it, then drop it.",
	  false},
	 "renaming function \"{table}\" would break application code that calls it by the old name",
	 "Calls by the old name fail as soon as the rename commits; the running application has not been "
	 "deployed with the new name yet.",
	 "create it under the new name and keep the old one until no code calls it"},
	{{"drop_function", Severity::Error, LockLevel::None, Effect::BreaksCode,
	  "DROP FUNCTION, PROCEDURE or ROUTINE of an existing function.",
	  "First deploy application code that no longer calls the function, then drop it in a later release.",
	  false},
	 "dropping function \"{table}\" would break application code that still calls it",
	 "Every call of the function fails as soon as the drop commits.",
	 "deploy code that no longer calls it first, then drop it in a later release"},
	{{"drop_cascade", Severity::Error, AEL, Effect::BreaksCode,
	  "DROP ... CASCADE of a type, domain, function or sequence that takes existing columns, column "
	  "defaults, views or tables with it.",
	  "Drop or change what depends on the object first, each by its own safe recipe (deploy code that no "
	  "longer uses a column, SET DEFAULT to another expression), then drop the object without CASCADE.",
	  false},
	 "dropping {cascade} with CASCADE would also drop {what} and break application code that uses it",
	 "DROP ... CASCADE removes every object that depends on {cascade}; queries that use what it removes "
	 "fail, or (a dropped default) INSERTs that relied on it store NULL or fail, as soon as the drop "
	 "commits.",
	 "drop what depends on it by its own recipe first, then drop it without CASCADE"},
	{{"drop_column", Severity::Error, AEL, Effect::BreaksCode,
	  "ALTER TABLE ... DROP COLUMN on an existing table.",
	  "First deploy application code that no longer reads or writes the column (e.g. an ORM ignore "
	  "list), then drop it in a later release, or retire it through a migration's contract phase.",
	  false},
	 "dropping column {object} of table \"{table}\" would break application code that still uses it",
	 "Queries that name the column fail as soon as the drop commits, and SELECT * results change shape "
	 "under the running application.",
	 "deploy code that no longer uses it first, then drop it in a later release"},
	{{"drop_table", Severity::Error, AEL, Effect::BreaksCode, "DROP TABLE of an existing table.",
	  "First deploy application code that no longer uses the table, drop its foreign keys separately, "
	  "then drop it in a later release.",
	  false},
	 "dropping table \"{table}\" would break application code that still uses it",
	 "DROP TABLE takes an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) and on tables linked to it by "
	 "foreign keys, and every query that names it fails afterwards.",
	 "deploy code that no longer uses it first, then drop it in a later release"},
	{{"replica_identity_loss", Severity::Error, AEL, Effect::BreaksCode,
	  "DROP CONSTRAINT, DROP INDEX or REPLICA IDENTITY NOTHING that leaves a table published for UPDATE or "
	  "DELETE without a replica identity.",
	  "First give the table another replica identity: ALTER TABLE ... REPLICA IDENTITY USING INDEX on a "
	  "unique index over NOT NULL columns (build it CONCURRENTLY), or REPLICA IDENTITY FULL; then drop the "
	  "old one.",
	  false},
	 "removing the replica identity of table \"{table}\" would make every UPDATE and DELETE on it fail",
	 "\"{table}\" is in a publication that replicates UPDATE or DELETE, which needs a replica identity to "
	 "find the rows on subscribers; without one, the server refuses every UPDATE and DELETE on the table.",
	 "give the table another REPLICA IDENTITY first"},
	{{"publish_without_replica_identity", Severity::Error, LockLevel::ShareUpdateExclusive,
	  Effect::BreaksCode,
	  "CREATE or ALTER PUBLICATION that starts replicating UPDATE or DELETE of a table without a usable "
	  "replica identity: none, a column list that leaves out identity columns, or a row filter on other "
	  "columns.",
	  "First give the table a replica identity the publication can use: a primary key, or REPLICA IDENTITY "
	  "USING INDEX on a unique index over NOT NULL columns (build it CONCURRENTLY), or REPLICA IDENTITY FULL; "
	  "keep every identity column in the column list and filter rows only on identity columns, or publish "
	  "only inserts (WITH (publish = 'insert')).",
	  false},
	 "publishing table \"{table}\" for UPDATE and DELETE {gap} would make every UPDATE and DELETE on it fail",
	 "A publication that replicates UPDATE or DELETE needs a replica identity to find the rows on "
	 "subscribers: {gap_detail} Once the publication has the table, the server refuses every UPDATE and "
	 "DELETE on \"{table}\" (\"cannot update table ...\").",
	 "give it a usable REPLICA IDENTITY first"},
	{{"unpublish_table", Severity::Error, LockLevel::ShareUpdateExclusive, Effect::BreaksReplication,
	  "ALTER PUBLICATION ... DROP TABLE, SET TABLE or SET TABLES IN SCHEMA that leaves out a published table, "
	  "or DROP PUBLICATION, while the database has a logical replication slot.",
	  "First stop using the table's copy on every subscriber of the publication (or move them to another "
	  "publication that has it), then remove it; after the change run ALTER SUBSCRIPTION ... REFRESH "
	  "PUBLICATION on each subscriber. Drop a publication only after the subscriptions that read it.",
	  false},
	 "{removal} would stop replicating table \"{table}\" to its subscribers",
	 "The database has a logical replication slot, so subscribers may be reading {publication}: once the "
	 "change commits, changes to \"{table}\" no longer reach them and their copy silently goes stale (a "
	 "dropped publication stops their subscriptions, and the slot keeps WAL on the publisher).",
	 "drop the table from the subscribers' use first"},
	{{"replica_identity_change", Severity::Error, AEL, Effect::BreaksReplication,
	  "REPLICA IDENTITY (or a primary key swap under REPLICA IDENTITY DEFAULT) that leaves out columns of "
	  "the current identity, on a table published for UPDATE or DELETE while the database has a logical "
	  "replication slot.",
	  "Give the subscribers' tables a replica identity within the new columns first (or REPLICA IDENTITY "
	  "FULL on the publisher, which sends every column), then change the publisher's.",
	  false},
	 "changing the replica identity of table \"{table}\" would stop subscribers that find its rows by the "
	 "current one",
	 "Subscribers find the rows of an UPDATE or DELETE by the identity columns the publisher sends; once "
	 "\"{table}\" sends other columns, a subscriber whose table's replica identity uses a column no longer "
	 "sent stops with \"publisher did not send replica identity column expected by the logical replication "
	 "target relation\".",
	 "change the subscribers' replica identity first"},
	{{"attach_partition_scan", Severity::Error, AEL, Effect::BlocksTraffic,
	  "ATTACH PARTITION of a table whose constraints do not prove the partition bound.",
	  "Before attaching, add a CHECK constraint matching the partition bound (and NOT NULL on the key) "
	  "NOT VALID and validate it; the attach then needs no scan.",
	  false},
	 "attaching partition {object} to table \"{table}\" would scan it while holding a lock",
	 "ATTACH PARTITION holds an ACCESS EXCLUSIVE lock on the partition while it scans every row to "
	 "check the partition bound.",
	 "add a validated CHECK matching the bound first"},
	{{"default_partition_scan", Severity::Error, AEL, Effect::BlocksTraffic,
	  "CREATE TABLE ... PARTITION OF or ATTACH PARTITION on a table that has a default partition.",
	  "Detach the default partition CONCURRENTLY first and attach it again after its rows are moved, or "
	  "keep default partitions off hot tables.",
	  false},
	 "adding partition {object} to table \"{table}\" would scan its default partition while holding a lock",
	 "The server holds an ACCESS EXCLUSIVE lock on the default partition of \"{table}\" ({size}) while it "
	 "scans every row of it for rows that belong to the new partition.",
	 "detach the default partition CONCURRENTLY first"},
	{{"detach_partition_not_concurrent", Severity::Error, AEL, Effect::BlocksTraffic,
	  "DETACH PARTITION without CONCURRENTLY.",
	  "Use DETACH PARTITION ... CONCURRENTLY outside a transaction block (the table must have no default "
	  "partition).",
	  false},
	 "detaching partition {object} would block reads and writes on table \"{table}\"",
	 "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on \"{table}\" ({size}) and on the partition.",
	 "use DETACH PARTITION CONCURRENTLY"},
	{{"invalid_index_skipped", Severity::Warning, LockLevel::None, Effect::SilentNoOp,
	  "CREATE INDEX ... IF NOT EXISTS naming an index that exists but is INVALID, left by a CREATE INDEX "
	  "CONCURRENTLY that failed or was cancelled: the statement skips it and reports success.",
	  "Drop the invalid index with DROP INDEX CONCURRENTLY, then create it again.", false},
	 "index {object} exists but is INVALID, so CREATE INDEX IF NOT EXISTS leaves table \"{table}\" without it",
	 "An INVALID index is left behind by a CREATE INDEX CONCURRENTLY that failed or was cancelled; the planner "
	 "never uses it, and a UNIQUE one does not prove that the rows already in \"{table}\" are unique.",
	 "drop the INVALID index CONCURRENTLY and create it again"},
	{{"published_table_ddl", Severity::Warning, LockLevel::None, Effect::BreaksReplication,
	  "Column changes on a table published for logical replication.",
	  "Apply the same change on every subscriber: additions on subscribers first, removals on the "
	  "publisher first.",
	  false},
	 "table \"{table}\" is published for logical replication and subscribers will not receive this change",
	 "Logical replication does not replicate DDL; rows whose shape differs from the subscriber's table "
	 "stop the subscription.",
	 "apply the same change on every subscriber"},
}};

const RuleText *find_text(std::string_view id)
{
	for (const auto &r : kRules)
		if (r.rule.id == id)
			return &r;
	return nullptr;
}

// sql_literal: text as a SQL string literal (standard_conforming_strings: quotes doubled).
std::string sql_literal(const std::string &text)
{
	std::string out = "'";
	for (char c : text) {
		out += c;
		if (c == '\'')
			out += '\'';
	}
	return out + "'";
}

// cascaded_object: what a DROP ... CASCADE takes with it, as the drop_cascade message names it.
std::string cascaded_object(const Operation &op)
{
	switch (op.kind) {
	case OpKind::DropColumn:
		return "column \"" + op.object + "\" of table \"" + op.table.name + "\"";
	case OpKind::DropDefault:
		return "the default of column \"" + op.object + "\" of table \"" + op.table.name + "\"";
	case OpKind::DropView:
		return "view \"" + op.table.name + "\"";
	default:
		return "table \"" + op.table.name + "\"";
	}
}

// domain_action: how the domain_constraint_scan message names the ALTER DOMAIN subcommand.
std::string domain_action(const Operation &op)
{
	if (op.object.empty())
		return "setting NOT NULL on";
	return std::string(op.domain_validate ? "validating" : "adding") + " constraint \"" + op.object + "\" " +
		   (op.domain_validate ? "of" : "to");
}

// identity_gap_clause: how the publish_without_replica_identity message says what is missing.
std::string identity_gap_clause(IdentityGap gap)
{
	switch (gap) {
	case IdentityGap::ColumnList:
		return "with a column list that leaves out its replica identity";
	case IdentityGap::RowFilter:
		return "with a row filter on columns outside its replica identity";
	default:
		return "without a replica identity";
	}
}

std::string identity_gap_detail(const Operation &op)
{
	switch (op.identity_gap) {
	case IdentityGap::ColumnList:
		return "the publication's column list for \"" + op.table.name +
			   "\" leaves out a column of the table's replica identity, so that UPDATE and DELETE could not "
			   "send it.";
	case IdentityGap::RowFilter:
		return "the publication's row filter for \"" + op.table.name +
			   "\" uses a column that is not part of the table's replica identity, which UPDATE and DELETE "
			   "do not send.";
	default:
		return "\"" + op.table.name +
			   "\" has none (no primary key, REPLICA IDENTITY NOTHING, or an identity index that is gone).";
	}
}

std::string expand(std::string_view tmpl, const Operation &op)
{
	std::string out;
	out.reserve(tmpl.size() + 64);
	for (size_t i = 0; i < tmpl.size(); ++i) {
		if (tmpl[i] == '{') {
			size_t end = tmpl.find('}', i);
			std::string_view key = tmpl.substr(i + 1, end - i - 1);
			if (key == "table")
				out += op.table.name;
			else if (key == "size")
				out += describe_size(op.table);
			else if (key == "action")
				out += domain_action(op);
			else if (key == "domain")
				out += op.domain;
			else if (key == "cascade")
				out += op.cascade_from;
			else if (key == "what")
				out += cascaded_object(op);
			else if (key == "gap")
				out += identity_gap_clause(op.identity_gap);
			else if (key == "gap_detail")
				out += identity_gap_detail(op);
			else if (key == "removal")
				out += op.publication_dropped ? "dropping publication \"" + op.object + "\""
											  : "removing it from publication \"" + op.object + "\"";
			else if (key == "publication")
				out += "publication \"" + op.object + "\"";

			else if (key == "object") {
				if (!op.object.empty())
					out += "\"" + op.object + "\"";
				else if (end + 1 < tmpl.size() && tmpl[end + 1] == ' ')
					++end;  // an unnamed object: drop the placeholder and its space
			}
			i = end;
		} else {
			out += tmpl[i];
		}
	}
	return out;
}

// UnchangedTypeText: the texts of the type-change rules when TYPE names the column's own type
// (Sequelize's changeColumn sends it with every change): the type is not what costs, the clause is.
struct UnchangedTypeText {
	std::string_view id;
	std::string_view message;
	std::string_view detail;
};
constexpr std::array<UnchangedTypeText, 2> kUnchangedType = {{
	{"column_type_recheck",
	 "ALTER COLUMN {object} TYPE names the type the column already has, and would still scan table \"{table}\" "
	 "while blocking reads and writes on it",
	 "The type is unchanged, yet ALTER COLUMN ... TYPE re-validates every CHECK constraint that uses the "
	 "column, reading every row of \"{table}\" ({size}) under an ACCESS EXCLUSIVE lock."},
	{"column_type_index_rebuild",
	 "ALTER COLUMN {object} TYPE names the type the column already has, and would still rebuild its indexes "
	 "and block reads and writes on table \"{table}\"",
	 "The type is unchanged, yet ALTER COLUMN ... TYPE builds again every expression or partial index that "
	 "uses the column, reading every row of \"{table}\" ({size}) under an ACCESS EXCLUSIVE lock."},
}};
constexpr std::string_view kUnchangedTypeSafeForm = "leave out the TYPE clause: the type is unchanged";
constexpr std::string_view kUnchangedTypeRecipe =
	"The type is unchanged: send the statement without ALTER COLUMN ... TYPE (an ORM's change-column call "
	"may add it; write the change as plain SQL). To make the column NOT NULL without a long lock, add CHECK "
	"(col IS NOT NULL) NOT VALID, run VALIDATE CONSTRAINT in its own transaction, then SET NOT NULL, which "
	"needs no scan, or use migration_helpers.add_not_null().";

Verdict make_verdict(std::string_view id, const Operation &op)
{
	const RuleText *t = find_text(id);
	if (t == nullptr)
		throw std::logic_error("no rule " + std::string(id));  // judge() names only catalogued rules
	if (op.kind == OpKind::AlterColumnType && op.type_unchanged) {
		for (const auto &u : kUnchangedType) {
			if (u.id != id)
				continue;
			Verdict v;
			v.rule = &t->rule;
			v.message = expand(u.message, op) + " (rule " + std::string(id) + ": " +
						std::string(kUnchangedTypeSafeForm) + ")";
			v.detail = expand(u.detail, op);
			v.recipe = std::string(kUnchangedTypeRecipe);
			return v;
		}
	}
	const bool partitioned = op.table.partitioned && !t->rule.partitioned_recipe.empty();
	Verdict v;
	v.rule = &t->rule;
	std::string safe_form(partitioned && !t->partitioned_safe_form.empty() ? t->partitioned_safe_form
																		   : t->safe_form);
	v.detail = expand(t->detail, op);
	v.recipe = std::string(partitioned ? t->rule.partitioned_recipe : t->rule.recipe);
	// A column an unfinished migration retires: its contract is the safe form.
	if (op.kind == OpKind::DropColumn && id == "drop_column" && !op.retired_by.empty()) {
		std::string call = "SELECT migration_helpers.complete_migration(" + sql_literal(op.retired_by) + ")";
		safe_form = "migration \"" + op.retired_by + "\" drops it at contract: " + call;
		v.recipe = "Column \"" + op.object + "\" is retired by the drop_column step of migration \"" +
				   op.retired_by + "\". Once no deployed code uses the column, run " + call +
				   ": its contract drops the column under a short lock taken with retries.";
	} else if (!op.table.migration.empty()) {
		safe_form += "; table \"" + op.table.name + "\" is under migration \"" + op.table.migration + "\"";
		v.detail += " Table \"" + op.table.name + "\" is part of unfinished migration \"" +
					op.table.migration +
					"\": change it through that migration's steps, or complete or abort the migration first.";
	}
	v.message = expand(t->message, op) + " (rule " + std::string(id) + ": " + safe_form + ")";
	return v;
}

bool changes_columns(OpKind k)
{
	return k == OpKind::AddColumn || k == OpKind::DropColumn || k == OpKind::RenameColumn ||
		   k == OpKind::AlterColumnType || k == OpKind::RenameTable;
}

// blocking_rules: rules an operation breaks by the locks it takes and the work it does under them.
void blocking_rules(const Operation &op, std::vector<std::string_view> &ids)
{
	switch (op.kind) {
	case OpKind::CreateIndex:
		if (!op.concurrent)
			ids.push_back("index_not_concurrent");
		break;
	case OpKind::DropIndex:
		if (!op.concurrent)
			ids.push_back("drop_index_not_concurrent");
		break;
	case OpKind::Reindex:
		if (!op.concurrent)
			ids.push_back("reindex_not_concurrent");
		break;
	case OpKind::VacuumFull:
		ids.push_back("vacuum_full");
		break;
	case OpKind::Cluster:
		ids.push_back("cluster");
		break;
	case OpKind::RefreshMatView:
		if (!op.concurrent && op.populated)
			ids.push_back("refresh_matview_not_concurrent");
		break;
	case OpKind::AddColumn:
		if (op.rewrite_default)
			ids.push_back("add_column_rewrite");
		[[fallthrough]];
	case OpKind::AddConstraint:
		switch (op.constraint) {
		case ConstraintKind::Check:
			if (!op.not_valid)
				ids.push_back("add_check_constraint");
			break;
		case ConstraintKind::ForeignKey:
			if (!op.not_valid && !op.validation_skipped)
				ids.push_back("add_foreign_key");
			break;
		case ConstraintKind::Unique:
			if (!op.using_index && !op.partitions_have_it)
				ids.push_back("add_unique_constraint");
			break;
		case ConstraintKind::PrimaryKey:
			if ((!op.using_index || !op.proven_not_null) && !op.partitions_have_it)
				ids.push_back("add_primary_key");
			break;
		case ConstraintKind::Exclusion:
			ids.push_back("add_exclusion_constraint");
			break;
		case ConstraintKind::None:
			break;
		}
		break;
	case OpKind::SetNotNull:
		if (!op.proven_not_null)
			ids.push_back("set_not_null");
		break;
	case OpKind::ValidateConstraint:
		if (op.strong_lock_held)
			ids.push_back("validate_after_strong_lock");
		break;
	case OpKind::AttachPartition:
		if (!op.partition_bound_proven)
			ids.push_back("attach_partition_scan");
		[[fallthrough]];
	case OpKind::CreatePartition:
		if (op.default_partition)
			ids.push_back("default_partition_scan");
		break;
	case OpKind::DetachPartition:
		if (!op.concurrent)
			ids.push_back("detach_partition_not_concurrent");
		break;
	case OpKind::SetPersistence:
		ids.push_back("set_persistence");
		break;
	case OpKind::SetTablespace:
		ids.push_back("set_tablespace");
		break;
	case OpKind::SetAccessMethod:
		ids.push_back("set_access_method");
		break;
	case OpKind::TableRewrite:
		if (op.rewrite_reason & kRewriteColumnType)
			ids.push_back("column_type_rewrite");
		if (op.rewrite_reason & kRewriteDefault)
			ids.push_back("add_column_rewrite");
		if (op.rewrite_reason & kRewritePersistence)
			ids.push_back("set_persistence");
		if (op.rewrite_reason & kRewriteAccessMethod)
			ids.push_back("set_access_method");
		break;
	case OpKind::AlterColumnType:
		// A rewrite is decided by the table_rewrite event, the server's own verdict; a change
		// without one still re-checks the CHECK constraints that use the column.
		if (op.rechecks_constraint)
			ids.push_back("column_type_recheck");
		if (op.rebuilds_index)
			ids.push_back("column_type_index_rebuild");
		break;
	case OpKind::DomainConstraintScan:
		ids.push_back("domain_constraint_scan");
		break;
	case OpKind::RenameColumn:
	case OpKind::RenameTable:
	case OpKind::SetSchema:
	case OpKind::DropColumn:
	case OpKind::DropTable:
	case OpKind::RenameEnumValue:
	case OpKind::RenameView:
	case OpKind::DropView:
	case OpKind::RenameType:
	case OpKind::DropType:
	case OpKind::RenameFunction:
	case OpKind::DropFunction:
	case OpKind::DropDefault:
	case OpKind::PublishTable:
	case OpKind::UnpublishTable:
	case OpKind::CatalogOnly:
		break;
	}
}

void code_breaking_rules(const Operation &op, std::vector<std::string_view> &ids)
{
	if (!op.cascade_from.empty()) {
		// What a DROP ... CASCADE of another object takes with it.
		switch (op.kind) {
		case OpKind::DropColumn:
		case OpKind::DropTable:
		case OpKind::DropView:
		case OpKind::DropDefault:
			ids.push_back("drop_cascade");
			break;
		default:
			break;
		}
		return;
	}
	switch (op.kind) {
	case OpKind::RenameColumn:
		// ADD COLUMN of the old name in the same statement: queries naming it keep working
		if (!op.name_recreated)
			ids.push_back("rename_column");
		break;
	case OpKind::RenameTable:
	case OpKind::SetSchema:
		ids.push_back("rename_table");
		break;
	case OpKind::DropColumn:
		if (!op.name_recreated)
			ids.push_back("drop_column");
		break;
	case OpKind::DropTable:
		ids.push_back("drop_table");
		break;
	case OpKind::RenameView:
		ids.push_back("rename_view");
		break;
	case OpKind::DropView:
		ids.push_back("drop_view");
		break;
	case OpKind::RenameType:
		ids.push_back("rename_type");
		break;
	case OpKind::DropType:
		ids.push_back("drop_type");
		break;
	case OpKind::RenameFunction:
		ids.push_back("rename_function");
		break;
	case OpKind::DropFunction:
		ids.push_back("drop_function");
		break;

	case OpKind::RenameEnumValue:
		ids.push_back("rename_enum_value");
		break;
	case OpKind::PublishTable:
		if (op.identity_gap != IdentityGap::None)
			ids.push_back("publish_without_replica_identity");
		break;
	case OpKind::UnpublishTable:
		if (op.has_subscribers)
			ids.push_back("unpublish_table");
		break;
	case OpKind::AddColumn:
		// Inserts from code that does not know the column fail, whatever the table's size.
		if (!op.rewrite_default && op.not_null && !op.has_default)
			ids.push_back("add_required_column");
		break;
	default:
		break;
	}
	if (op.removes_replica_identity && op.table.publishes_updates)
		ids.push_back("replica_identity_loss");
	else if (op.identity_narrowed && op.has_subscribers && op.table.publishes_updates)
		ids.push_back("replica_identity_change");
	if (op.kind == OpKind::CreateIndex && op.existing_index_invalid)
		ids.push_back("invalid_index_skipped");
}

}  // namespace

const std::vector<Rule> &rules()
{
	static const std::vector<Rule> all = [] {
		std::vector<Rule> v;
		v.reserve(kRules.size());
		for (const auto &r : kRules)
			v.push_back(r.rule);
		return v;
	}();
	return all;
}

const Rule *find_rule(std::string_view id)
{
	const RuleText *t = find_text(id);
	return t ? &t->rule : nullptr;
}

std::string full_recipe(const Rule &rule)
{
	std::string out(rule.recipe);
	if (!rule.partitioned_recipe.empty())
		out += " " + std::string(rule.partitioned_recipe);
	return out;
}

std::string_view lock_name(LockLevel lock)
{
	switch (lock) {
	case LockLevel::None:
		return "none";
	case LockLevel::ShareUpdateExclusive:
		return "SHARE UPDATE EXCLUSIVE";
	case LockLevel::Share:
		return "SHARE";
	case LockLevel::ShareRowExclusive:
		return "SHARE ROW EXCLUSIVE";
	case LockLevel::AccessExclusive:
		return "ACCESS EXCLUSIVE";
	}
	return "none";
}

std::string_view lock_blocks(LockLevel lock)
{
	switch (lock) {
	case LockLevel::None:
		return "nothing";
	case LockLevel::ShareUpdateExclusive:
		return "other schema changes and VACUUM";
	case LockLevel::Share:
	case LockLevel::ShareRowExclusive:
		return "writes";
	case LockLevel::AccessExclusive:
		return "reads and writes";
	}
	return "nothing";
}

std::vector<Verdict> judge(const Operation &op, const GuardSettings &settings)
{
	std::vector<Verdict> out;
	if (!op.table.exists || op.table.created_in_transaction || op.outcome == Outcome::Fails)
		return out;
	std::vector<std::string_view> ids;
	if (op.outcome == Outcome::Skipped) {
		// Nothing is locked, built or changed: only the warning that nothing was done.
		if (op.kind == OpKind::CreateIndex && op.existing_index_invalid)
			out.push_back(make_verdict("invalid_index_skipped", op));
		return out;
	}
	// The size threshold is about how long a lock is held; a rename or drop
	// breaks running code whatever the table's size.
	if (!op.table.size_known || op.table.size_bytes >= settings.large_table_threshold_bytes)
		blocking_rules(op, ids);
	code_breaking_rules(op, ids);
	if (op.table.published && changes_columns(op.kind))
		ids.push_back("published_table_ddl");
	for (auto id : ids)
		out.push_back(make_verdict(id, op));
	return out;
}

std::string describe_size(const RelationFacts &table)
{
	std::string size = table.size_known ? format_bytes(table.size_bytes) : "size not measurable now";
	switch (table.distribution) {
	case Distribution::Distributed:
		return size + " in " + std::to_string(table.shard_count) +
			   (table.shard_count == 1 ? " shard" : " shards") + " of a distributed table";
	case Distribution::Reference:
		return size + ", copied to every node of a reference table";
	case Distribution::Local:
	case Distribution::CitusLocal:
		break;
	}
	return size;
}

std::string format_bytes(int64_t bytes)
{
	// pg_size_pretty(): switch unit once the value reaches 10240 of the current one, rounding half up.
	static constexpr std::array<const char *, 6> units = {"bytes", "kB", "MB", "GB", "TB", "PB"};
	const int64_t limit = 10 * 1024;
	if (bytes < 0)
		return "-" + format_bytes(-bytes);
	int64_t size = bytes;
	size_t unit = 0;
	if (size >= limit) {
		// Halve first so the rounding matches pg_size_pretty, which works in half-units.
		int64_t half = size / 512;  // size in half-kB
		unit = 1;
		while (unit + 1 < units.size() && (half + 1) / 2 >= limit) {
			half /= 1024;
			++unit;
		}
		size = (half + 1) / 2;
	}
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%lld %s", static_cast<long long>(size), units[unit]);
	return buf;
}

}  // namespace migration_helpers::core
