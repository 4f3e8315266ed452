// judge_helpers.hpp — what the rule tests share: an operation on a named relation, the rule ids
// judge() returns for it, its one verdict.
#pragma once

#include "core/ddl/rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace migration_helpers::core::test {

using Ids = std::vector<std::string>;

// op_on: an operation of kind on relation name (8 kB, with rows).
inline Operation op_on(OpKind kind, const std::string &name)
{
	Operation op;
	op.kind = kind;
	op.table.name = name;
	op.table.size_bytes = 8192;
	return op;
}

// judge_ids: the ids of the rules judge() finds, under a large_table_threshold of threshold bytes.
inline Ids judge_ids(const Operation &op, int64_t threshold = 0)
{
	GuardSettings s;
	s.large_table_threshold_bytes = threshold;
	Ids out;
	for (const auto &v : judge(op, s))
		out.emplace_back(v.rule->id);
	return out;
}

// only_verdict: the one verdict on op (a test failure when there is not exactly one).
inline Verdict only_verdict(const Operation &op)
{
	auto vs = judge(op, GuardSettings{});
	EXPECT_EQ(vs.size(), 1u);
	return vs.empty() ? Verdict{} : vs.front();
}

}  // namespace migration_helpers::core::test
