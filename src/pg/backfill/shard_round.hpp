// shard_round.hpp — what the job worker on the coordinator needs of Citus to walk a distributed
// table shard by shard (core/backfill/shard_walk.hpp): the shards' placements, the command for
// shards of one node, and a round of them sent at once, each to its node, through Citus's
// master_run_on_worker() (one new connection per command, as the current role, each command
// committed on its node by itself). Looked up by name: nothing links against Citus.
// PostgreSQL calls only.
#pragma once

#include "pg/backfill/job_store.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

struct ShardPlacementC {
	int64 shard;
	char *host;
	int port;
	char *name;  // the shard's qualified name, as Citus's shard_name() writes it
};

// shard_placements_c: the active placements of relid's shards on primary nodes, by shard id.
ShardPlacementC *shard_placements_c(Oid relid, int *n);

// shard_command_c: the SQL text of one command (batches of size rows, 0: a report) of job over
// n shards of one node, walked in that order; started[i]: the job had started shards[i].
char *shard_command_c(const char *job_key, const ShardPlacementC *const *shards, const bool *started, int n,
					  const char *alias, const JobRow *job, int64 size);

// run_round_c: runs commands[i] on hosts[i]:ports[i], all at once; success[i] and results[i]
// (the first column's text, or the error) for each.
void run_round_c(int n, char **hosts, int *ports, char **commands, bool *success, char **results);

// adopt_moved_shards_c: the job's positions of shards (on their nodes now) carried from the nodes
// they left, for shards that moved: for each, the most advanced position any other primary node
// holds for its shard id, recorded on its node as the current role's (adopted[i]: recorded).
// False when a node did not answer (then nothing is known). Inside an SPI connection.
bool adopt_moved_shards_c(const char *job_key, const ShardPlacementC *const *shards, int n, bool *adopted);

// node_unreachable_c: Citus's citus_check_connection_to_node() could not connect to the node
// (as the current role); false when it could, or when it is not there or failed itself.
bool node_unreachable_c(const char *host, int port);

// shard_row_estimate: the planner's row count over a Citus table's shards (their reltuples, one
// command per node, each shard counted once), or -1 when a node did not answer. Runs in a
// subtransaction: an error leaves the estimate unknown instead of failing its caller.
double shard_row_estimate(Oid relid);

// forget_shards_c: best effort, the job's shard positions on every node that has them.
void forget_shards_c(const char *job_key, Oid relid);

}  // namespace migration_helpers::pg
