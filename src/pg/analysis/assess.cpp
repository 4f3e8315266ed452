// assess.cpp — judging a statement's operations (assess.hpp), and the rewrites it will make.
#include "pg/analysis/assess.hpp"

#include <string>
#include <utility>
#include <vector>

#include "core/ddl/operation.hpp"
#include "core/ddl/rules.hpp"
#include "pg/analysis/analysis.hpp"

namespace migration_helpers::pg {

Assessment assess_operations(std::vector<AnalyzedOp> ops, const core::GuardSettings &settings,
							 const Measure &measure)
{
	Assessment a;
	for (const auto &g : ops) {
		if (!g.op.table.exists || g.op.table.created_in_transaction)
			continue;
		a.guarded = a.guarded || g.op.outcome == core::Outcome::Runs;  // a skipped one does nothing to log
		// Measuring a relation reads its files and statistics: only when the threshold needs it
		// or a verdict reports it (its size) or depends on it (rows or none).
		core::Operation op = g.op;
		bool measured = false;
		if (settings.large_table_threshold_bytes > 0) {
			measure(g, op.table);
			measured = true;
		}
		std::vector<core::Verdict> verdicts = core::judge(op, settings);
		if (!verdicts.empty()) {
			// What the messages name: the table's size, the migration at work on it.
			if (!measured)
				measure(g, op.table);
			migration_facts(g, op);
			verdicts = core::judge(op, settings);
		}
		for (auto &v : verdicts)
			a.findings.push_back(Finding{g.relid, g.size_relid, op, std::move(v)});
	}
	a.ops = std::move(ops);
	return a;
}

std::vector<AnalyzedOp> predicted_rewrites(const AnalysisContext &cx, const std::vector<AnalyzedOp> &ops)
{
	std::vector<AnalyzedOp> out;
	for (const auto &g : ops) {
		if (g.predicted_rewrite == 0 || g.op.outcome != core::Outcome::Runs)
			continue;
		AnalyzedOp *same = nullptr;
		for (auto &r : out)
			if (r.relid == g.relid)
				same = &r;
		if (same == nullptr) {
			out.push_back(make_op(cx, core::OpKind::TableRewrite, g.relid, nullptr));
			same = &out.back();
		}
		// The event names the retyped columns for a type change, else the added ones, as one
		// "a", "b" list (event_triggers.cpp).
		bool type_change = g.op.kind == core::OpKind::AlterColumnType;
		bool had_type_change = (same->op.rewrite_reason & core::kRewriteColumnType) != 0;
		if (type_change && !had_type_change)
			same->op.object.clear();
		if (type_change || !had_type_change)
			same->op.object += (same->op.object.empty() ? "" : "\", \"") + g.op.object;
		same->op.rewrite_reason |= g.predicted_rewrite;
	}
	return out;
}

}  // namespace migration_helpers::pg
