// assess.hpp — the guard's assess step, shared by the live guard (pg/guard/enforce.cpp) and
// lint() (pg/preflight/lint.cpp): a statement's operations judged by the core rules, each
// relation measured only where the threshold or a verdict needs it. No side effect.
//
// Words used here:
//   finding     a verdict on one operation, with the facts it was judged on (measured).
//   measure     how the relation's size and contents are found: the live files and
//               statistics (the guard), or those with production's sizes laid over (lint).
#pragma once

#include <functional>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/rules.hpp"
#include "pg/analysis/analysis.hpp"

namespace migration_helpers::pg {

// Finding: a verdict on one operation, with the facts it was judged on (measured).
struct Finding {
	unsigned int relid = 0;
	unsigned int size_relid = 0;  // the relation whose rows the work reads (0: relid)
	core::Operation op;
	core::Verdict verdict;
};
// Assessment: a statement's operations and the verdicts on them; no side effect made it.
struct Assessment {
	std::vector<AnalyzedOp> ops;
	std::vector<Finding> findings;
	bool guarded = false;  // some operation that runs touches a pre-existing relation
};

// Measure: fills facts.size_bytes and facts.contents for the relation g's work reads.
using Measure = std::function<void(const AnalyzedOp &g, core::RelationFacts &facts)>;

// assess_operations: judges ops under settings, measuring through measure.
Assessment assess_operations(std::vector<AnalyzedOp> ops, const core::GuardSettings &settings,
							 const Measure &measure);

// predicted_rewrites: the table rewrites the statement whose operations are ops will make, as
// the server's table_rewrite event will report them (one TableRewrite operation per relation,
// its reason bits and the columns concerned), predicted from the parse tree and the catalog:
// a type change that is not binary-coercible or changes a typmod the server checks, USING, a
// volatile default, identity, serial, GENERATED ... STORED, a domain with constraints. The
// live guard waits for the event itself; lint() judges these.
std::vector<AnalyzedOp> predicted_rewrites(const AnalysisContext &cx, const std::vector<AnalyzedOp> &ops);

}  // namespace migration_helpers::pg
