// phase_test.cpp — the migration phase machine and the start / step / complete / abort decisions.
#include "core/migrate/phase.hpp"

#include <gtest/gtest.h>

using namespace migration_helpers::core;

namespace {
const Phase kAll[] = {Phase::Expanding, Phase::Backfilling, Phase::Ready, Phase::Completed, Phase::Aborted};
AsyncSummary summary(int steps, int running, int failed, int succeeded)
{
	AsyncSummary a;
	a.steps = steps;
	a.running = running;
	a.failed = failed;
	a.succeeded = succeeded;
	return a;
}
}  // namespace

TEST(MigrationPhase, NamesRoundTrip)
{
	for (Phase p : kAll)
		EXPECT_EQ(parse_phase(phase_name(p)), p);
	EXPECT_FALSE(parse_phase("contracting").has_value());
	EXPECT_FALSE(parse_phase("Ready").has_value());
}

TEST(MigrationPhase, FinalPhasesHaveNoWayOut)
{
	for (Phase to : kAll) {
		if (to != Phase::Completed) {
			EXPECT_NE(refuse_transition(Phase::Completed, to), "");
		}
		if (to != Phase::Aborted) {
			EXPECT_NE(refuse_transition(Phase::Aborted, to), "");
		}
	}
	EXPECT_TRUE(is_final(Phase::Completed));
	EXPECT_TRUE(is_final(Phase::Aborted));
	EXPECT_FALSE(is_final(Phase::Ready));
}

TEST(MigrationPhase, Edges)
{
	EXPECT_EQ(refuse_transition(Phase::Expanding, Phase::Backfilling), "");
	EXPECT_EQ(refuse_transition(Phase::Expanding, Phase::Ready), "");
	EXPECT_EQ(refuse_transition(Phase::Backfilling, Phase::Ready), "");
	EXPECT_EQ(refuse_transition(Phase::Ready, Phase::Backfilling), "");  // a new backfill step
	EXPECT_EQ(refuse_transition(Phase::Ready, Phase::Completed), "");
	for (Phase from : {Phase::Expanding, Phase::Backfilling, Phase::Ready})
		EXPECT_EQ(refuse_transition(from, Phase::Aborted), "");
	EXPECT_EQ(refuse_transition(Phase::Backfilling, Phase::Completed),
			  "Its asynchronous work has not finished.");
	EXPECT_EQ(refuse_transition(Phase::Expanding, Phase::Completed), "It has no step to contract yet.");
	EXPECT_NE(refuse_transition(Phase::Ready, Phase::Expanding), "");
	for (Phase p : kAll)
		EXPECT_EQ(refuse_transition(p, p), "");  // no-op
}

TEST(MigrationPhase, DerivedFromAsyncWork)
{
	EXPECT_EQ(derive_phase(Phase::Expanding, summary(0, 0, 0, 0)), Phase::Expanding);
	EXPECT_EQ(derive_phase(Phase::Expanding, summary(1, 0, 0, 0)), Phase::Ready);
	EXPECT_EQ(derive_phase(Phase::Expanding, summary(2, 1, 0, 0)), Phase::Backfilling);
	// A finished backfill makes it ready without anyone writing the stored phase.
	EXPECT_EQ(derive_phase(Phase::Backfilling, summary(2, 0, 0, 1)), Phase::Ready);
	EXPECT_EQ(derive_phase(Phase::Backfilling, summary(2, 0, 1, 0)), Phase::Backfilling);
	EXPECT_EQ(derive_phase(Phase::Completed, summary(2, 1, 0, 0)), Phase::Completed);
	EXPECT_EQ(derive_phase(Phase::Aborted, summary(2, 0, 1, 0)), Phase::Aborted);
}

TEST(MigrationPhase, NewStepOnlyWhileExpanding)
{
	EXPECT_FALSE(refuse_new_step("m", Phase::Expanding, MigrationProgress{}));
	EXPECT_FALSE(refuse_new_step("m", Phase::Ready, MigrationProgress{}));
	Refusal r = refuse_new_step("m", Phase::Completed, MigrationProgress{});
	EXPECT_EQ(r.message, "migration \"m\" is completed");
	EXPECT_FALSE(r.hint.empty());
	EXPECT_EQ(refuse_new_step("m", Phase::Aborted, MigrationProgress{}).message,
			  "migration \"m\" is aborted");
	EXPECT_EQ(refuse_new_step("m", Phase::Ready, MigrationProgress{2, 0}).message,
			  "migration \"m\" is being completed");
	EXPECT_EQ(refuse_new_step("m", Phase::Ready, MigrationProgress{0, 1}).message,
			  "migration \"m\" is being aborted");
}

TEST(MigrationPhase, Complete)
{
	EXPECT_FALSE(refuse_complete("m", Phase::Ready, summary(1, 0, 0, 1), MigrationProgress{}, false));
	EXPECT_FALSE(
		refuse_complete("m", Phase::Completed, summary(1, 0, 0, 0), MigrationProgress{}, false));  // no-op
	EXPECT_FALSE(
		refuse_complete("m", Phase::Ready, summary(1, 0, 0, 0), MigrationProgress{3, 0}, false));  // resume
	Refusal running =
		refuse_complete("m", Phase::Backfilling, summary(1, 2, 0, 0), MigrationProgress{}, false);
	EXPECT_EQ(running.message, "cannot complete migration \"m\": 2 backfills are still running");
	EXPECT_NE(running.hint.find("wait => true"), std::string::npos);
	EXPECT_EQ(
		refuse_complete("m", Phase::Backfilling, summary(1, 1, 0, 0), MigrationProgress{}, false).message,
		"cannot complete migration \"m\": 1 backfill is still running");
	EXPECT_FALSE(
		refuse_complete("m", Phase::Backfilling, summary(1, 2, 0, 0), MigrationProgress{}, true));  // waits
	AsyncSummary builds = summary(2, 2, 0, 0);
	builds.builds_running = 1;
	EXPECT_EQ(refuse_complete("m", Phase::Backfilling, builds, MigrationProgress{}, false).message,
			  "cannot complete migration \"m\": 1 backfill and 1 index build are still running");
	Refusal no_wait = refuse_complete("m", Phase::Backfilling, builds, MigrationProgress{}, true);
	EXPECT_EQ(no_wait.message, "cannot complete migration \"m\": 1 index build is still running");
	EXPECT_NE(no_wait.detail.find("this one included"), std::string::npos);
	EXPECT_EQ(
		refuse_complete("m", Phase::Backfilling, summary(1, 0, 1, 0), MigrationProgress{}, true).message,
		"cannot complete migration \"m\": 1 asynchronous step failed or was cancelled");
	EXPECT_EQ(refuse_complete("m", Phase::Expanding, summary(0, 0, 0, 0), MigrationProgress{}, false).message,
			  "cannot complete migration \"m\": it has no steps");
	EXPECT_EQ(refuse_complete("m", Phase::Aborted, summary(1, 0, 0, 0), MigrationProgress{}, false).message,
			  "cannot complete migration \"m\": it is aborted");
	EXPECT_EQ(refuse_complete("m", Phase::Ready, summary(1, 0, 0, 0), MigrationProgress{0, 1}, false).message,
			  "cannot complete migration \"m\": it is being aborted");
}

TEST(MigrationPhase, AbortRefusedOnceContractBegan)
{
	EXPECT_FALSE(refuse_abort("m", Phase::Backfilling, MigrationProgress{}));
	EXPECT_FALSE(refuse_abort("m", Phase::Ready, MigrationProgress{0, 2}));  // resume
	EXPECT_FALSE(refuse_abort("m", Phase::Aborted, MigrationProgress{}));    // no-op
	EXPECT_EQ(refuse_abort("m", Phase::Ready, MigrationProgress{1, 0}).message,
			  "cannot abort migration \"m\": its contract has begun");
	EXPECT_EQ(refuse_abort("m", Phase::Completed, MigrationProgress{}).message,
			  "cannot abort migration \"m\": it is completed");
}

TEST(MigrationPhase, NotNullOnlyWhenTheRunningVersionCannotWriteNull)
{
	EXPECT_FALSE(refuse_not_null("t", "c", true, false));
	EXPECT_FALSE(refuse_not_null("t", "c", false, true));
	Refusal r = refuse_not_null("public.t", "c", false, false);
	EXPECT_EQ(r.message,
			  "cannot add NOT NULL to column \"c\" of table \"public.t\" while the running version may "
			  "write NULL into it");
	EXPECT_NE(r.hint.find("SET DEFAULT"), std::string::npos);
	EXPECT_NE(r.hint.find("backfill_expr"), std::string::npos);
}
