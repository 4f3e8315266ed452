// citus_test.cpp — the guard's Citus-only decisions (core/ddl/citus.hpp) and how a Citus
// table's size reads in messages.
#include <gtest/gtest.h>

#include "core/ddl/citus.hpp"
#include "core/ddl/rules.hpp"

using namespace migration_helpers::core;

TEST(CitusApplicationName, CitusOwnPrefixesWithAGlobalPid)
{
	EXPECT_TRUE(citus_internal_application_name("citus_internal gpid=10000020936"));
	EXPECT_TRUE(citus_internal_application_name("citus_rebalancer gpid=10000000001"));
	EXPECT_TRUE(citus_internal_application_name("citus_run_command gpid=7"));
}

TEST(CitusApplicationName, AnythingElseIsAClient)
{
	EXPECT_FALSE(citus_internal_application_name(""));
	EXPECT_FALSE(citus_internal_application_name("psql"));
	EXPECT_FALSE(citus_internal_application_name("citus_internal gpid="));
	EXPECT_FALSE(citus_internal_application_name("citus_internal gpid=0"));
	EXPECT_FALSE(citus_internal_application_name("citus_internal gpid=000"));
	EXPECT_FALSE(citus_internal_application_name("citus_internal gpid=12x"));
	EXPECT_FALSE(citus_internal_application_name("citus_internal gpid=123456789012345678901"));
	EXPECT_FALSE(citus_internal_application_name("Citus_internal gpid=1"));
	EXPECT_FALSE(citus_internal_application_name(" citus_internal gpid=1"));
	// shard transfer subscriptions are named citus_shard_..., not a session of commands
	EXPECT_FALSE(citus_internal_application_name("citus_shard_move_subscription_10"));
}

TEST(CitusJudgedElsewhere, NeedsCitusTheMarkAndARoleThatCouldTurnTheGuardOff)
{
	CitusSessionFacts f;
	f.citus_installed = true;
	f.application_name = "citus_internal gpid=10000020936";
	f.role_may_disable_guard = true;
	EXPECT_TRUE(judged_elsewhere(f));

	CitusSessionFacts no_citus = f;
	no_citus.citus_installed = false;
	EXPECT_FALSE(judged_elsewhere(no_citus));  // without Citus nothing changes

	CitusSessionFacts ordinary_role = f;
	ordinary_role.role_may_disable_guard = false;
	EXPECT_FALSE(judged_elsewhere(ordinary_role));  // the mark is open to any role: no bypass

	CitusSessionFacts client = f;
	client.application_name = "psql";
	EXPECT_FALSE(judged_elsewhere(client));  // a superuser's own statement on a worker is judged
}

TEST(CitusSize, MessagesSayWhatTheSizeIsOf)
{
	RelationFacts t;
	t.size_bytes = 46137344;
	EXPECT_EQ(describe_size(t), "44 MB");
	t.distribution = Distribution::Distributed;
	t.shard_count = 32;
	EXPECT_EQ(describe_size(t), "44 MB in 32 shards of a distributed table");
	t.shard_count = 1;
	EXPECT_EQ(describe_size(t), "44 MB in 1 shard of a distributed table");
	t.distribution = Distribution::Reference;
	EXPECT_EQ(describe_size(t), "44 MB, copied to every node of a reference table");
	t.distribution = Distribution::CitusLocal;
	EXPECT_EQ(describe_size(t), "44 MB");
}

TEST(CitusSize, ShardsTotalDecidesTheThreshold)
{
	// The coordinator's shell is empty; the verdict follows the shards' total the glue measured.
	Operation op;
	op.kind = OpKind::CreateIndex;
	op.table.name = "public.dist";
	op.table.distribution = Distribution::Distributed;
	op.table.shard_count = 32;
	op.table.size_bytes = 48 * 1024 * 1024;
	GuardSettings s;
	s.large_table_threshold_bytes = 1024 * 1024;
	std::vector<Verdict> v = judge(op, s);
	ASSERT_FALSE(v.empty());
	EXPECT_EQ(v[0].rule->id, "index_not_concurrent");
	EXPECT_NE(v[0].detail.find("(48 MB in 32 shards of a distributed table)"), std::string::npos)
		<< v[0].detail;
	op.table.size_bytes = 512 * 1024;
	EXPECT_TRUE(judge(op, s).empty());
}

TEST(CitusSize, UnmeasurableCountsAsLarge)
{
	// Citus refuses its size functions in a transaction that changed several shards.
	Operation op;
	op.kind = OpKind::CreateIndex;
	op.table.name = "public.dist";
	op.table.distribution = Distribution::Distributed;
	op.table.shard_count = 4;
	op.table.size_known = false;
	GuardSettings s;
	s.large_table_threshold_bytes = int64_t(1) << 40;
	std::vector<Verdict> v = judge(op, s);
	ASSERT_FALSE(v.empty());
	EXPECT_NE(v[0].detail.find("(size not measurable now in 4 shards of a distributed table)"),
			  std::string::npos)
		<< v[0].detail;
}
