// replication_rules_test.cpp — the rules about logical replication: a table published for
// UPDATE or DELETE without a usable replica identity, a table removed from a publication that
// subscribers may read, and a replica identity narrowed under them; judged without a server.
#include "core/ddl/policy.hpp"
#include "core/ddl/rules.hpp"

#include <gtest/gtest.h>

#include "judge_helpers.hpp"

#include <string>
#include <vector>

using namespace migration_helpers::core;

using namespace migration_helpers::core::test;

TEST(ReplicationRules, PublishingWithoutUsableIdentityBreaksUpdates)
{
	auto op = op_on(OpKind::PublishTable, "public.t");
	EXPECT_EQ(judge_ids(op), Ids{});  // an identity the publication can use
	for (IdentityGap gap : {IdentityGap::NoIdentity, IdentityGap::ColumnList, IdentityGap::RowFilter}) {
		op.identity_gap = gap;
		EXPECT_EQ(judge_ids(op), Ids{"publish_without_replica_identity"});
		EXPECT_EQ(judge_ids(op, int64_t(1) << 40), Ids{"publish_without_replica_identity"});  // any size
	}
	op.table.created_in_transaction = true;
	EXPECT_EQ(judge_ids(op), Ids{});
	auto none = op_on(OpKind::PublishTable, "public.t");
	none.identity_gap = IdentityGap::NoIdentity;
	auto v = only_verdict(none);
	EXPECT_EQ(
		v.message,
		"publishing table \"public.t\" for UPDATE and DELETE without a replica identity would make every "
		"UPDATE and DELETE on it fail (rule publish_without_replica_identity: give it a usable REPLICA "
		"IDENTITY first)");
	EXPECT_NE(v.detail.find("\"public.t\" has none"), std::string::npos);
	none.identity_gap = IdentityGap::ColumnList;
	EXPECT_NE(only_verdict(none).message.find("with a column list that leaves out its replica identity"),
			  std::string::npos);
	none.identity_gap = IdentityGap::RowFilter;
	EXPECT_NE(only_verdict(none).detail.find("row filter"), std::string::npos);
}

TEST(ReplicationRules, UnpublishingBlocksOnlyWhenSubscribersMayRead)
{
	auto op = op_on(OpKind::UnpublishTable, "public.t");
	op.object = "pub";
	EXPECT_EQ(judge_ids(op), Ids{});  // no logical slot: nobody subscribes
	op.has_subscribers = true;
	EXPECT_EQ(judge_ids(op), Ids{"unpublish_table"});
	auto v = only_verdict(op);
	EXPECT_EQ(
		v.message,
		"removing it from publication \"pub\" would stop replicating table \"public.t\" to its subscribers "
		"(rule unpublish_table: drop the table from the subscribers' use first)");
	op.publication_dropped = true;
	EXPECT_EQ(only_verdict(op).message.rfind("dropping publication \"pub\" would stop replicating table", 0),
			  0u);
	// it breaks replication, not locks: an emptied table still blocks, a never filled one warns
	Policy p;
	op.table.contents = TableContents::Emptied;
	EXPECT_EQ(dispose(only_verdict(op), op, p).decision, Decision::Blocked);
	op.table.contents = TableContents::NeverFilled;
	EXPECT_EQ(dispose(only_verdict(op), op, p).decision, Decision::Warned);
}

TEST(ReplicationRules, NarrowedIdentityNeedsPublicationAndSubscribers)
{
	auto op = op_on(OpKind::CatalogOnly, "public.t");
	op.identity_narrowed = true;
	EXPECT_EQ(judge_ids(op), Ids{});  // not published
	op.table.published = op.table.publishes_updates = true;
	EXPECT_EQ(judge_ids(op), Ids{});  // no logical slot
	op.has_subscribers = true;
	EXPECT_EQ(judge_ids(op), Ids{"replica_identity_change"});
	EXPECT_NE(only_verdict(op).message.find("(rule replica_identity_change: change the subscribers' replica "
											"identity first)"),
			  std::string::npos);
	// losing the identity altogether is the stronger finding, reported alone
	op.removes_replica_identity = true;
	EXPECT_EQ(judge_ids(op), Ids{"replica_identity_loss"});
}

TEST(ReplicationRules, EveryRuleIsListedOnce)
{
	for (const char *id :
		 {"publish_without_replica_identity", "unpublish_table", "replica_identity_change"}) {
		const Rule *r = find_rule(id);
		ASSERT_NE(r, nullptr) << id;
		EXPECT_EQ(r->severity, Severity::Error);
		EXPECT_FALSE(r->needs_preload);
	}
	EXPECT_EQ(rules().size(), 43u);
}
