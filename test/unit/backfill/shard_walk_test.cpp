// shard_walk_test.cpp — rounds of shard batches on a distributed table: replies, picks, outcomes.
#include "core/backfill/shard_walk.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

namespace {
std::vector<ShardState> three_on_two_nodes()
{
	return {{101, "w1:5602"}, {102, "w2:5603"}, {103, "w1:5602"}, {104, "w2:5603"}};
}
ShardReply ok(int64_t batch, int64_t done, bool finished, int64_t ms = 0)
{
	ShardReply r;
	r.batch_ms = ms;
	r.kind = ShardReplyKind::Ok;
	r.batch_rows = batch;
	r.rows_done = done;
	r.finished = finished;
	return r;
}
// picked: the shards of a round's commands in command order, at most per_command per node.
std::vector<size_t> picked_of(const std::vector<ShardState> &shards, size_t per_command)
{
	std::vector<size_t> out;
	for (const auto &c : pick_commands(shards, per_command))
		out.insert(out.end(), c.begin(), c.end());
	return out;
}
// adaptive_settings: batches from 1,000 rows, between 100 and 20,000, aiming at 100 ms each.
BatchSettings adaptive_settings()
{
	BatchSettings s;
	s.initial_size = 1000;
	s.min_size = 100;
	s.max_size = 20000;
	s.target_ms = 100;
	return s;
}
ShardReply with(ShardReplyKind k, const char *msg)
{
	ShardReply r;
	r.kind = k;
	r.message = msg;
	return r;
}
}  // namespace

TEST(ShardReply, RoundTrip)
{
	EXPECT_EQ(format_shard_reply(ok(1000, 5000, false, 42)), "ok 1000 5000 0 42");
	EXPECT_EQ(format_shard_reply(ok(0, 7, true)), "ok 0 7 1 0");
	EXPECT_EQ(format_shard_reply(with(ShardReplyKind::Conflict, "canceling statement due to lock timeout")),
			  "conflict canceling statement due to lock timeout");
	EXPECT_EQ(format_shard_reply(with(ShardReplyKind::Lost, "")), "lost");
	for (const ShardReply &r : {ok(1000, 5000, false), ok(0, 0, true), with(ShardReplyKind::Conflict, "x y"),
								with(ShardReplyKind::Timeout, "t"), with(ShardReplyKind::Error, "e"),
								with(ShardReplyKind::Lost, "")}) {
		ShardReply back = parse_shard_reply(true, format_shard_reply(r));
		EXPECT_EQ(back.kind, r.kind);
		EXPECT_EQ(back.batch_rows, r.batch_rows);
		EXPECT_EQ(back.rows_done, r.rows_done);
		EXPECT_EQ(back.finished, r.finished);
		EXPECT_EQ(back.batch_ms, r.batch_ms);
		EXPECT_EQ(back.message, r.message);
	}
}

TEST(ShardReply, AnythingElseIsAnError)
{
	// A command that did not run: the node's error text.
	ShardReply r = parse_shard_reply(false, "ok 1 1 1 1");
	EXPECT_EQ(r.kind, ShardReplyKind::Error);
	EXPECT_EQ(r.message, "ok 1 1 1 1");
	for (const char *bad : {"", "ok", "ok 1 2", "ok 1 2 0", "ok 1 2 3 4", "ok 5 2 0 1", "ok -1 2 0 1",
							"ok 1 2 0 9 9", "okay 1 2 0 1", "lost now", "conflicted",
							"function migration_helpers._backfill_shard does not exist"}) {
		ShardReply b = parse_shard_reply(true, bad);
		EXPECT_EQ(b.kind, ShardReplyKind::Error) << bad;
		EXPECT_EQ(b.message, bad);
	}
}

TEST(ShardWalk, OneCommandPerNodeWithItsShardsInOrder)
{
	auto shards = three_on_two_nodes();
	using C = std::vector<std::vector<size_t>>;
	EXPECT_EQ(pick_commands(shards, 1), (C{{0}, {1}}));
	EXPECT_EQ(pick_commands(shards, 2), (C{{0, 2}, {1, 3}}));
	EXPECT_EQ(pick_commands(shards, 64), (C{{0, 2}, {1, 3}}));
	EXPECT_EQ(pick_commands(shards, 0), (C{{0}, {1}}));  // at least one
	shards[0].finished = true;
	EXPECT_EQ(pick_commands(shards, 1), (C{{1}, {2}}));  // nodes in the order they first appear
	EXPECT_EQ(picked_of(shards, 2), (std::vector<size_t>{1, 3, 2}));
	shards[2].finished = true;
	EXPECT_EQ(pick_commands(shards, 8), (C{{1, 3}}));  // a node with nothing left gets no command
	for (auto &s : shards)
		s.finished = true;
	EXPECT_TRUE(pick_commands(shards, 1).empty());
}

TEST(ShardReply, ACommandsRepliesOneLinePerShard)
{
	std::vector<ShardReply> rs = {ok(9400, 9400, true, 55), ok(600, 600, false, 4)};
	std::string text = format_shard_replies(rs);
	EXPECT_EQ(text, "ok 9400 9400 1 55\nok 600 600 0 4");
	std::vector<ShardReply> back = parse_shard_replies(true, text, 3);  // the budget ended it early
	ASSERT_EQ(back.size(), 2u);
	EXPECT_EQ(back[0].batch_rows, 9400);
	EXPECT_TRUE(back[0].finished);
	EXPECT_EQ(back[1].rows_done, 600);
	EXPECT_FALSE(back[1].finished);
	// a message's line break cannot split a reply in two
	ShardReply e = with(ShardReplyKind::Error, "invalid input syntax\nLINE 1: x");
	text = format_shard_replies({ok(1, 1, true), e});
	back = parse_shard_replies(true, text, 2);
	ASSERT_EQ(back.size(), 2u);
	EXPECT_EQ(back[1].kind, ShardReplyKind::Error);
	EXPECT_EQ(back[1].message, "invalid input syntax LINE 1: x");
}

TEST(ShardReply, ACommandThatFailedOrSaidTooMuchIsOneError)
{
	std::vector<ShardReply> r = parse_shard_replies(false, "connection to the remote node failed", 4);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].kind, ShardReplyKind::Error);
	EXPECT_EQ(r[0].message, "connection to the remote node failed");
	r = parse_shard_replies(true, "", 4);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].kind, ShardReplyKind::Error);
	r = parse_shard_replies(true, "ok 1 1 1 0\nok 1 1 1 0\nok 1 1 1 0", 2);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].kind, ShardReplyKind::Error);
	EXPECT_EQ(r[0].message, "ok 1 1 1 0\nok 1 1 1 0\nok 1 1 1 0");
}

TEST(ShardWalk, ProgressUntilEveryShardIsDone)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	RoundOutcome o = apply_round(shards, picked, {ok(1000, 1000, false, 80), ok(300, 300, true, 95)});
	EXPECT_EQ(o.kind, RoundKind::Progress);
	EXPECT_EQ(o.rows, 1300);
	// steered by the slowest node per row (300 rows in 95 ms), not a mix of two replies
	EXPECT_EQ(o.steer_rows, 300);
	EXPECT_EQ(o.steer_ms, 95);
	EXPECT_EQ(o.rows_done, 1300);
	EXPECT_TRUE(shards[0].started);
	EXPECT_TRUE(shards[1].finished);
	picked = picked_of(shards, 1);
	EXPECT_EQ(picked, (std::vector<size_t>{0, 3}));
	o = apply_round(shards, picked, {ok(20, 1020, true), ok(0, 0, true)});
	EXPECT_EQ(o.kind, RoundKind::Progress);  // shard 103 is not done yet
	EXPECT_EQ(o.rows_done, 1320);
	picked = picked_of(shards, 1);
	o = apply_round(shards, picked, {ok(5, 5, true)});
	EXPECT_EQ(o.kind, RoundKind::Done);
	EXPECT_EQ(o.rows_done, 1325);
}

TEST(ShardWalk, RowsDoneAreTheShardsOwnCountsNotASum)
{
	// After a crash of the job's worker the shards report their totals again: nothing counted twice.
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	apply_round(shards, picked, {ok(1000, 1000, false), ok(1000, 1000, false)});
	std::vector<ShardState> resumed = three_on_two_nodes();
	RoundOutcome o =
		apply_round(resumed, picked_of(resumed, 1), {ok(1000, 2000, false), ok(1000, 2000, false)});
	EXPECT_EQ(o.rows_done, 4000);
}

TEST(ShardWalk, StartedOnceARowIsUpdated)
{
	// A report (size 0) of a shard not begun, or a walk that updated nothing yet, does not make
	// the shard "started": losing its position then cannot make a row be updated twice.
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	apply_round(shards, picked, {ok(0, 0, false), ok(0, 0, true)});
	EXPECT_FALSE(shards[0].started);
	EXPECT_FALSE(shards[1].started);
	apply_round(shards, picked, {ok(1, 1, false), ok(0, 0, true)});
	EXPECT_TRUE(shards[0].started);
}

TEST(ShardWalk, ConflictBacksOffButKeepsTheOthersBatches)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	RoundOutcome o =
		apply_round(shards, picked, {ok(1000, 1000, false), with(ShardReplyKind::Conflict, "lock timeout")});
	EXPECT_EQ(o.kind, RoundKind::Conflict);
	EXPECT_EQ(o.message, "lock timeout");
	EXPECT_EQ(o.rows, 1000);
	EXPECT_EQ(shards[0].rows_done, 1000);
	EXPECT_FALSE(shards[1].started);
}

TEST(ShardWalk, FailureOutranksConflictAndLostOutranksAll)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 2);
	ASSERT_EQ(picked, (std::vector<size_t>{0, 2, 1, 3}));  // w1's command, then w2's
	std::swap(picked[1], picked[2]);                       // the replies below are in shard order
	RoundOutcome o = apply_round(shards, picked,
								 {with(ShardReplyKind::Conflict, "c"), with(ShardReplyKind::Error, "boom"),
								  ok(1, 1, false), ok(1, 1, false)});
	EXPECT_EQ(o.kind, RoundKind::Failure);
	EXPECT_FALSE(o.timeout);
	EXPECT_EQ(o.message, "shard 102 on w2:5603: boom");
	o = apply_round(shards, picked,
					{with(ShardReplyKind::Timeout, "statement timeout"), ok(1, 2, false), ok(1, 2, false),
					 ok(1, 2, false)});
	EXPECT_EQ(o.kind, RoundKind::Failure);
	EXPECT_TRUE(o.timeout);
	o = apply_round(
		shards, picked,
		{with(ShardReplyKind::Error, "e"), with(ShardReplyKind::Lost, ""), ok(1, 3, false), ok(1, 3, false)});
	EXPECT_EQ(o.kind, RoundKind::Lost);
	EXPECT_NE(o.message.find("shard 102 on w2:5603 has no backfill position"), std::string::npos);
}

TEST(ShardWalk, AnUnreachableNodeIsWaitedForUnlessSomethingWorseHappened)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	RoundOutcome o = apply_round(
		shards, picked, {ok(1000, 1000, false, 10), with(ShardReplyKind::Unreachable, "failed to connect")});
	EXPECT_EQ(o.kind, RoundKind::Unreachable);
	EXPECT_EQ(o.message, "node w2:5603 could not be reached: failed to connect");
	EXPECT_EQ(o.rows, 1000);  // the other node's batches count
	EXPECT_EQ(shards[0].rows_done, 1000);
	o = apply_round(shards, picked,
					{with(ShardReplyKind::Conflict, "lock"), with(ShardReplyKind::Unreachable, "refused")});
	EXPECT_EQ(o.kind, RoundKind::Unreachable);
	o = apply_round(shards, picked,
					{with(ShardReplyKind::Error, "e"), with(ShardReplyKind::Unreachable, "x")});
	EXPECT_EQ(o.kind, RoundKind::Failure);
	ShardReply back =
		parse_shard_reply(true, format_shard_reply(with(ShardReplyKind::Unreachable, "refused")));
	EXPECT_EQ(back.kind, ShardReplyKind::Unreachable);
	EXPECT_EQ(back.message, "refused");
}

TEST(ShardWalk, AShardThatLeftItsNodeIsReadAgainAndALostOneIsNamed)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	RoundOutcome o = apply_round(shards, picked, {ok(10, 10, false, 1), with(ShardReplyKind::Moved, "")});
	EXPECT_EQ(o.kind, RoundKind::Moved);
	EXPECT_EQ(o.message, "shard 102 has left w2:5603");
	EXPECT_EQ(o.rows, 10);
	EXPECT_EQ(format_shard_reply(with(ShardReplyKind::Moved, "")), "moved");
	EXPECT_EQ(parse_shard_reply(true, "moved").kind, ShardReplyKind::Moved);
	// the worse outcomes outrank it
	o = apply_round(shards, picked,
					{with(ShardReplyKind::Unreachable, "x"), with(ShardReplyKind::Moved, "")});
	EXPECT_EQ(o.kind, RoundKind::Unreachable);
	// the shards lost are listed, for the caller to carry their positions over
	std::vector<size_t> lost;
	o = apply_round(shards, picked, {with(ShardReplyKind::Lost, ""), with(ShardReplyKind::Moved, "")}, &lost);
	EXPECT_EQ(o.kind, RoundKind::Lost);
	EXPECT_EQ(lost, (std::vector<size_t>{picked[0]}));
}

TEST(ShardWalk, MissingRepliesAreAFailure)
{
	auto shards = three_on_two_nodes();
	auto picked = picked_of(shards, 1);
	RoundOutcome o = apply_round(shards, picked, {ok(1, 1, false)});
	EXPECT_EQ(o.kind, RoundKind::Failure);
	EXPECT_EQ(o.message, "the round got 1 replies for 2 shard batches");
}

TEST(ShardWalk, CommandBudgetIsTenTargetBatchesWithinBounds)
{
	EXPECT_EQ(command_budget_ms(100), 1000);
	EXPECT_EQ(command_budget_ms(5), 200);
	EXPECT_EQ(command_budget_ms(2000), 5000);
	EXPECT_EQ(command_budget_ms(0), 200);
}

TEST(ShardWalk, RunGoesOnWhileBatchesSucceedWithinTheBudget)
{
	ShardRun run(adaptive_settings(), 1000);
	EXPECT_EQ(run.size(), 1000);
	EXPECT_TRUE(run.after(ok(1000, 1000, false, 10), 10, 12));
	EXPECT_EQ(run.size(), 2000);  // adapts as the local engine does: at most doubled
	EXPECT_TRUE(run.after(ok(2000, 3000, false, 20), 20, 35));
	EXPECT_FALSE(run.after(ok(4000, 7000, false, 40), 40.4, 1001));  // budget spent
	EXPECT_EQ(run.batches(), 3);
	EXPECT_EQ(run.reply().kind, ShardReplyKind::Ok);
	EXPECT_EQ(run.reply().batch_rows, 7000);
	EXPECT_EQ(run.reply().batch_ms, 70);  // 70.4 ms in all
	EXPECT_EQ(run.reply().rows_done, 7000);
	EXPECT_FALSE(run.reply().finished);
	EXPECT_EQ(format_shard_reply(run.reply()), "ok 7000 7000 0 70");
}

TEST(ShardWalk, RunAdaptsOnBatchesFasterThanAMillisecond)
{
	// Whole milliseconds would read 0 and keep the size: the finer time steers it.
	BatchSettings s;
	s.initial_size = 1;
	s.min_size = 1;
	s.max_size = 16;
	s.target_ms = 100;
	ShardRun run(s, 1000);
	EXPECT_TRUE(run.after(ok(1, 1, false, 0), 0.05, 1));
	EXPECT_EQ(run.size(), 2);
	EXPECT_TRUE(run.after(ok(2, 3, false, 0), 0.1, 2));
	EXPECT_EQ(run.size(), 4);
}

TEST(ShardWalk, RunEndsWhenTheShardIsDone)
{
	ShardRun run(BatchSettings{}, 1000);
	EXPECT_TRUE(run.after(ok(1000, 51000, false, 10), 10, 10));
	EXPECT_FALSE(run.after(ok(5, 51005, true, 1), 0.6, 11));
	EXPECT_TRUE(run.reply().finished);
	EXPECT_EQ(run.reply().rows_done, 51005);
	EXPECT_EQ(run.reply().batch_rows, 1005);
}

TEST(ShardWalk, RunAnswersTheFirstBatchsFailureOrTheBatchesDone)
{
	ShardRun first(BatchSettings{}, 1000);
	EXPECT_FALSE(
		first.after(with(ShardReplyKind::Conflict, "canceling statement due to lock timeout"), 0, 5));
	EXPECT_EQ(first.reply().kind, ShardReplyKind::Conflict);
	EXPECT_EQ(first.reply().message, "canceling statement due to lock timeout");
	ShardRun lost(BatchSettings{}, 1000);
	EXPECT_FALSE(lost.after(with(ShardReplyKind::Lost, ""), 0, 1));
	EXPECT_EQ(format_shard_reply(lost.reply()), "lost");
	// After committed batches a failure ends the command with what they did: their rows and
	// position are on the node, and the next command meets the failure again.
	ShardRun later(BatchSettings{}, 1000);
	EXPECT_TRUE(later.after(ok(1000, 1000, false, 10), 10, 10));
	EXPECT_FALSE(
		later.after(with(ShardReplyKind::Timeout, "canceling statement due to statement timeout"), 0, 500));
	EXPECT_EQ(later.reply().kind, ShardReplyKind::Ok);
	EXPECT_EQ(later.reply().batch_rows, 1000);
	EXPECT_EQ(later.reply().rows_done, 1000);
}

TEST(ShardWalk, RunGoesOnWithTheNextShardWhileTheBudgetLasts)
{
	ShardRun run(adaptive_settings(), 1000);
	EXPECT_TRUE(run.after(ok(1000, 1000, false, 10), 10, 10));
	EXPECT_FALSE(run.after(ok(2000, 3000, true, 20), 20, 30));  // the first shard is done
	EXPECT_EQ(run.reply().batch_rows, 3000);
	int64_t size = run.size();
	EXPECT_TRUE(run.next_shard(30));
	EXPECT_EQ(run.size(), size);  // the size carries over to the next shard
	EXPECT_EQ(run.batches(), 0);
	EXPECT_FALSE(run.after(ok(50, 50, true, 1), 1, 31));
	EXPECT_EQ(run.reply().batch_rows, 50);  // the next shard's reply starts anew
	EXPECT_EQ(run.reply().rows_done, 50);
	EXPECT_EQ(run.reply().batch_ms, 1);
	EXPECT_FALSE(run.next_shard(1000));  // the budget is spent
}

TEST(ShardWalk, RunStaysOnAShardThatIsNotDoneOrFailed)
{
	ShardRun unfinished(BatchSettings{}, 1000);
	EXPECT_FALSE(unfinished.after(ok(1000, 1000, false, 10), 10, 1000));  // budget spent mid-shard
	EXPECT_FALSE(unfinished.next_shard(10));
	ShardRun conflict(BatchSettings{}, 1000);
	EXPECT_FALSE(conflict.after(with(ShardReplyKind::Conflict, "lock timeout"), 0, 5));
	EXPECT_FALSE(conflict.next_shard(5));
	ShardRun none(BatchSettings{}, 1000);
	EXPECT_FALSE(none.next_shard(0));  // no batch yet
}

// A node that cannot be reached is waited for on its own: the other nodes' shards get their
// commands meanwhile, and the node gets one again once its backoff has passed.
TEST(NodeOutages, AnUnreachableNodeWaitsAloneWithItsOwnBackoff)
{
	BatchSettings s;
	s.backoff_base_ms = 100;
	s.backoff_max_ms = 1000;
	s.max_conflicts = 4;
	NodeOutages out(s);
	std::vector<ShardState> shards(4);
	for (size_t i = 0; i < shards.size(); i++) {
		shards[i].shard = int64_t(i);
		shards[i].node = i % 2 == 0 ? "w1:5432" : "w2:5432";
	}
	using C = std::vector<std::vector<size_t>>;
	EXPECT_EQ(pick_commands(shards, 64, &out, 0), (C{{0, 2}, {1, 3}}));
	EXPECT_DOUBLE_EQ(out.wait_ms(0), 0);

	out.unreachable("w1:5432", 1000);
	EXPECT_TRUE(out.waiting("w1:5432", 1000));
	EXPECT_FALSE(out.waiting("w2:5432", 1000));
	EXPECT_EQ(pick_commands(shards, 64, &out, 1050), (C{{1, 3}}));
	EXPECT_DOUBLE_EQ(out.wait_ms(1050), 50);
	EXPECT_EQ(pick_commands(shards, 64, &out, 1100), (C{{0, 2}, {1, 3}}));  // 100 ms passed

	// doubling per failure in a row, up to the cap
	out.unreachable("w1:5432", 2000);
	EXPECT_DOUBLE_EQ(out.wait_ms(2000), 200);
	out.unreachable("w1:5432", 3000);
	EXPECT_DOUBLE_EQ(out.wait_ms(3000), 400);
	EXPECT_EQ(out.failures("w1:5432"), 3);
	EXPECT_FALSE(out.gave_up());
	// the other node's failures are its own
	out.unreachable("w2:5432", 3000);
	EXPECT_EQ(out.failures("w2:5432"), 1);
	EXPECT_DOUBLE_EQ(out.wait_ms(3000), 100);  // the first to be tried again
	EXPECT_TRUE(pick_commands(shards, 64, &out, 3050).empty());

	// reached again: forgotten
	out.reached("w2:5432");
	EXPECT_EQ(out.failures("w2:5432"), 0);
	EXPECT_EQ(pick_commands(shards, 64, &out, 3050), (C{{1, 3}}));

	// max_conflicts failures in a row of one node end the job
	out.unreachable("w1:5432", 4000);
	EXPECT_EQ(out.failures("w1:5432"), 4);
	EXPECT_TRUE(out.gave_up());
	EXPECT_DOUBLE_EQ(out.wait_ms(4000), 800);
	out.unreachable("w1:5432", 5000);
	EXPECT_DOUBLE_EQ(out.wait_ms(5000), 1000);  // capped
}

TEST(NodeOutages, FinishedShardsAndUnknownNodes)
{
	NodeOutages out{BatchSettings{}};
	out.reached("nowhere:1");  // nothing to forget
	EXPECT_FALSE(out.waiting("nowhere:1", 0));
	std::vector<ShardState> shards(2);
	shards[0].node = shards[1].node = "w1:5432";
	shards[0].finished = true;
	out.unreachable("w1:5432", 0);
	EXPECT_TRUE(pick_commands(shards, 64, &out, 10).empty());
	EXPECT_EQ(pick_commands(shards, 64, &out, 100), (std::vector<std::vector<size_t>>{{1}}));
}

// A node that cannot be reached does not hide a lock another node's batch met: the round is
// Unreachable (that node waits alone) and says there was a conflict too.
TEST(ShardWalk, AnUnreachableNodeDoesNotHideAConflictElsewhere)
{
	std::vector<ShardState> shards(3);
	for (size_t i = 0; i < shards.size(); i++) {
		shards[i].shard = int64_t(i);
		shards[i].node = "w" + std::to_string(i) + ":5432";
	}
	std::vector<ShardReply> replies(3);
	replies[0].kind = ShardReplyKind::Unreachable;
	replies[0].message = "failed to connect";
	replies[1].kind = ShardReplyKind::Conflict;
	replies[1].message = "canceling statement due to lock timeout";
	replies[2].kind = ShardReplyKind::Ok;
	replies[2].batch_rows = 10;
	replies[2].rows_done = 10;
	replies[2].batch_ms = 5;
	RoundOutcome o = apply_round(shards, {0, 1, 2}, replies);
	EXPECT_EQ(o.kind, RoundKind::Unreachable);
	EXPECT_TRUE(o.also_conflict);
	EXPECT_EQ(o.rows, 10);
	EXPECT_EQ(o.steer_rows, 10);

	replies[1].kind = ShardReplyKind::Ok;
	std::vector<ShardState> again(3);
	for (size_t i = 0; i < again.size(); i++)
		again[i].node = shards[i].node;
	EXPECT_FALSE(apply_round(again, {0, 1, 2}, replies).also_conflict);
}
