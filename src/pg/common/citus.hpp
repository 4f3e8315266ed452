// citus.hpp — what the library knows of Citus (the analysis's facts, the engine's estimates), read at run time from Citus's catalogs and
// functions when (and only when) the citus extension is installed in this database. Nothing
// links against Citus: without it every function here says "local table", "not Citus's".
//
// Words used here:
//   Citus table  a table in pg_dist_partition: distributed, reference or Citus-local. On the
//                coordinator it is a shell whose rows live in shards on the workers.
#pragma once

#include <cstdint>

#include "core/ddl/operation.hpp"

namespace migration_helpers::pg {

// CitusTableC: a relation's place in a Citus cluster, in plain memory.
struct CitusTableC {
	core::Distribution distribution;
	int shard_count;
};

// citus_installed_c: the citus extension exists in this database (PostgreSQL calls only).
bool citus_installed_c();

// citus_table_c: relid's distribution, from pg_dist_partition and pg_dist_shard; Local when Citus
// is not installed or relid is not a Citus table (PostgreSQL calls only).
CitusTableC citus_table_c(unsigned int relid);

// citus_idle_shard_c: relid is a shard of a Citus table (its name is the table's name and a
// shard id of pg_dist_shard, in the same schema) that has no placement on this node: a shard a
// move is copying here, or one a move left behind for cleanup. No query of Citus reaches it, so
// locking it blocks nobody. Read from Citus's catalogs, which only Citus and superusers write
// (PostgreSQL calls only; false without Citus).
bool citus_idle_shard_c(unsigned int relid);

// citus_hold_shard_here_c: before a backfill batch writes to a shard on this node: takes Citus's
// shard-metadata lock of shardid in ShareLock mode until the transaction ends (the lock Citus's
// own writes take, and that a shard move takes in ExclusiveLock mode on every node while it
// blocks writes: so a move waits for the batch, and the batch for the move, under lock_timeout),
// then says whether this node still holds an active placement of it (false once a move took it
// elsewhere: what is written here then would be lost). True without Citus (PostgreSQL calls only).
bool citus_hold_shard_here_c(int64_t shardid);

// citus_trusted_session_c: the statement being run is Citus's own, in a session Citus opened,
// for a session user that could turn the guard off itself (core::judged_elsewhere): what such
// a session does was judged on the node the statement was sent to. False without Citus.
bool citus_trusted_session_c();

// citus_table_size: the total size of a Citus table's shards as citus_table_size() measures it
// (one copy of a reference table), or -1 when it cannot be known: the function is missing, or
// Citus refuses it (it does in a transaction that has modified several shards, as DDL on a
// distributed table does). It asks every node that holds a shard, so a size measured once is
// kept for the rest of the transaction and reused when Citus refuses a second measure. C++:
// calls PostgreSQL through pg_call and a subtransaction.
int64_t citus_table_size(unsigned int relid);

}  // namespace migration_helpers::pg
