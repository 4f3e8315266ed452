// shard_walk.hpp — the backfill of a distributed table, walked shard by shard on the nodes
// that hold the shards: which shards get a batch in the next round, what a shard's batch
// answers, and what a round of answers means for the job.
//
// Words used here:
//   shard        one shard of a distributed table, with its one placement (a node).
//   shard batch  one transaction on the shard's node, run by the engine's procedure there: it
//                updates up to `size` rows of the shard in key order AND records the shard's
//                position in a table on that node, so the rows and their progress commit
//                together, on one node, without a two-phase commit.
//   command      what the job's worker sends to a node for that node's shards not yet done, in
//                order: the procedure runs shard batches back to back, each committed on its own,
//                for about a budget of time (ShardRun), going on with the next shard when one is
//                done, so that one connection (the costly part of a command) serves many batches
//                and, where shards are small, many shards.
//   round        the commands the job's worker sends at once: at most one per node, so the
//                nodes work in parallel and each node works on one shard at a time.
//   reply        the text a command returns for one shard (format_shard_reply /
//                parse_shard_reply); a command's replies are one line per shard it reached, in
//                the command's order (format_shard_replies / parse_shard_replies).
//   lost         a shard the job had started whose node has no position for it: its rows
//                moved to another node (a shard move) without their progress, so walking it
//                again could update rows twice: the job fails instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/backfill/batch_controller.hpp"

namespace migration_helpers::core {

// Moved: the node no longer holds the shard (a move took it elsewhere since the round read the
// placements); nothing was written. Unreachable: the command did not run because its node could
// not be reached (the coordinator's own finding, after the command failed: a node restarting,
// say); never sent by a node.
enum class ShardReplyKind { Ok, Conflict, Timeout, Error, Lost, Moved, Unreachable };

struct ShardReply {
	ShardReplyKind kind = ShardReplyKind::Error;
	int64_t batch_rows = 0;  // rows this command's batches updated
	int64_t rows_done = 0;   // rows the shard's walk has updated so far, these batches included
	bool finished = false;   // the shard's walk is done
	int64_t batch_ms = 0;    // how long the batches' statements took on the node, together
	std::string message;     // Conflict, Timeout, Error: the error
};

// format_shard_reply: the text the shard batch returns ("ok 1000 5000 0 42", "conflict <msg>").
std::string format_shard_reply(const ShardReply &r);
// parse_shard_reply: the reply to a command that ran (success) or the error text of one that
// did not; anything that does not read as a reply is an Error carrying the text.
ShardReply parse_shard_reply(bool success, std::string_view text);

// format_shard_replies: a command's replies, one line each (line breaks in a message become
// blanks).
std::string format_shard_replies(const std::vector<ShardReply> &replies);
// parse_shard_replies: the replies to a command sent for `sent` shards: one per line, for the
// first shards of the command (a command whose budget ran out answers for fewer). A command that
// did not run, or whose text has no line or more lines than shards, answers one Error (for its
// first shard) carrying the text.
std::vector<ShardReply> parse_shard_replies(bool success, std::string_view text, size_t sent);

struct ShardState {
	int64_t shard = 0;
	std::string node;  // "host:port" of its placement
	bool started = false;
	bool finished = false;
	int64_t rows_done = 0;
};

// command_budget_ms: how long one command keeps running batches on its node: ten batches of the
// target duration, within 200 ms (a connection is worth more than a few batches) and 5 s (a
// pause or cancel of the job waits for the commands in flight).
int64_t command_budget_ms(double target_ms);

// ShardRun: the batches of one command on the shard's node. The size adapts batch by batch as
// the local engine's does; the command goes on while every batch succeeds, the shard is not
// done and the budget lasts. A batch that does not succeed ends the command: it answers that
// batch's reply when it is the first, else the batches done (each committed with its position),
// and the next command meets the conflict or error again.
class ShardRun {
public:
	ShardRun(const BatchSettings &s, int64_t budget_ms) : controller_(s), budget_ms_(budget_ms) {}
	int64_t size() const { return controller_.size(); }
	// after: folds one batch's reply, batch_ms its time measured finer than the reply's whole
	// milliseconds (elapsed_ms: since the command began); true when another batch follows.
	bool after(const ShardReply &batch, double batch_ms, double elapsed_ms);
	// next_shard: whether the command goes on with its next shard: this one's walk is done and the
	// budget lasts. The size carries over; the next shard's reply starts anew.
	bool next_shard(double elapsed_ms);
	const ShardReply &reply() const { return reply_; }
	int batches() const { return batches_; }

private:
	BatchController controller_;
	int64_t budget_ms_;
	ShardReply reply_;
	double ms_ = 0;    // the succeeded batches' time
	int batches_ = 0;  // batches that succeeded
};

// NodeOutages: the nodes a command could not reach (restarting, say), each waited for on its
// own — the conflict backoff per node (backoff_base_ms, doubling, up to backoff_max_ms) — so
// that the shards of the other nodes go on meanwhile. A node that fails max_conflicts times in
// a row ends the job. Times are the caller's clock, in ms.
class NodeOutages {
public:
	explicit NodeOutages(const BatchSettings &s) : s_(s) {}
	void unreachable(const std::string &node, double now_ms);
	void reached(const std::string &node);
	// waiting: the node is not to be sent a command before its backoff has passed.
	bool waiting(const std::string &node, double now_ms) const;
	// wait_ms: how long until the first waiting node may be tried again; 0 when none waits.
	double wait_ms(double now_ms) const;
	bool gave_up() const;
	int failures(const std::string &node) const;

private:
	struct Outage {
		int failures = 0;
		double retry_at_ms = 0;
	};
	BatchSettings s_;
	std::vector<std::pair<std::string, Outage>> nodes_;
};

// pick_commands: the next round's commands: for each node (in the order nodes first appear),
// the indexes of its shards not finished, in the list's order, at most per_command of them (at
// least one). With outages, nodes still waiting at now_ms get no command.
std::vector<std::vector<size_t>> pick_commands(const std::vector<ShardState> &shards, size_t per_command,
											   const NodeOutages *outages = nullptr, double now_ms = 0);

enum class RoundKind { Progress, Conflict, Moved, Unreachable, Failure, Lost, Done };

struct RoundOutcome {
	RoundKind kind = RoundKind::Progress;
	int64_t rows = 0;            // rows the round's batches updated
	int64_t steer_rows = 0;      // the rows and time of the reply whose rows took longest each, as its
	int64_t steer_ms = 0;        // node measured them: what the batch size steers by
	int64_t rows_done = 0;       // over every shard, after the round
	bool timeout = false;        // a Failure that is a batch over batch_statement_timeout (the job fails)
	bool also_conflict = false;  // Unreachable or Moved, and another node's batch met a lock
	std::string message;         // the first error, for Conflict, Failure and Lost
};

// apply_round: folds the replies of the shards picked (replies[i] answers picked[i]) into
// their states, and says what the round means: Lost if a shard was lost, else Failure if a
// batch failed or timed out, else Unreachable if a node could not be reached (the job waits for
// it as for a lock), else Moved if a shard had left its node (the next round reads the placements
// again), else Conflict if one met a lock, else Done when every shard is finished, else Progress.
// lost (when given) receives the indexes of the shards lost. The batches that succeeded count whatever the others did: each
// committed on its own node.
RoundOutcome apply_round(std::vector<ShardState> &shards, const std::vector<size_t> &picked,
						 const std::vector<ShardReply> &replies, std::vector<size_t> *lost = nullptr);

}  // namespace migration_helpers::core
