// rules.hpp — the rule catalogue of the DDL guard and judge(), which finds the
// rules an operation breaks.
//
// Words used here:
//   rule       one kind of unsafe DDL, with a stable snake_case id (rules()).
//   verdict    a rule an operation breaks, with the message texts to report
//              (a finding: whether it blocks, warns or is allowed is decided
//              by the policy, policy.hpp, not here).
//
// No PostgreSQL header is included: every decision here is unit-tested
// without a server, and the live guard and lint() share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ddl/operation.hpp"

namespace migration_helpers::core {

enum class Severity { Error, Warning };

// Table-level lock modes a guarded statement can take, weakest first.
enum class LockLevel { None, ShareUpdateExclusive, Share, ShareRowExclusive, AccessExclusive };

// What a rule protects against.
enum class Effect {
	BlocksTraffic,      // a lock held for a scan, build or rewrite
	BreaksCode,         // running application code still uses the object
	BreaksReplication,  // subscribers do not receive the change
	SilentNoOp          // the statement reports success and does not do what was asked
};

struct Rule {
	std::string_view id;
	Severity severity;
	LockLevel lock;
	Effect effect;
	std::string_view catches;  // one sentence: which statements
	std::string_view recipe;   // sentences: the safe way to do it
	bool needs_preload;        // seen only by the ProcessUtility hook
	// sentences: the safe way on a partitioned table, where the usual one is refused; may be empty
	std::string_view partitioned_recipe = {};
};

// rules: every rule, in the order rules() lists them.
const std::vector<Rule> &rules();
// find_rule: the rule with this id, or nullptr.
const Rule *find_rule(std::string_view id);

// full_recipe: the recipe and, when the rule has one, the partitioned-table recipe after it.
std::string full_recipe(const Rule &rule);

std::string_view lock_name(LockLevel lock);
// lock_blocks: what ordinary traffic the lock blocks ("reads and writes").
std::string_view lock_blocks(LockLevel lock);

// GuardSettings: what decides which rules apply to an operation, besides its facts.
struct GuardSettings {
	int64_t large_table_threshold_bytes = 0;  // 0: every existing table is large
};

// Verdict: one rule an operation breaks. The texts are the rule's own: the policy adds what
// depends on how the verdict is disposed of (policy.hpp: report_texts).
struct Verdict {
	const Rule *rule = nullptr;
	std::string message;  // primary: one lowercase line, ending with the rule id and its safe form
	std::string detail;   // full sentences: what the statement locks or breaks
	std::string recipe;   // full sentences: the safe way to do it (the partitioned one where it applies)
};

// judge: the rules an operation breaks, most important first; empty when it is safe. An
// operation the server skips breaks only the rules about silent no-ops; one it rejects none.
std::vector<Verdict> judge(const Operation &op, const GuardSettings &settings);

// describe_size: a relation's size as messages print it: format_bytes(), and for a Citus table
// what the size is of ("44 MB in 32 shards of a distributed table").
std::string describe_size(const RelationFacts &table);

// format_bytes: a size as pg_size_pretty() prints it ("8192 bytes", "12 MB").
std::string format_bytes(int64_t bytes);

}  // namespace migration_helpers::core
