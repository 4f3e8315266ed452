// statements.hpp — what lint() needs to know of a script's statements besides their analysis:
// where each starts (line and column of its first token) and its text, the relations it names,
// and whether it may run inside a transaction block.
#pragma once

#include <string>
#include <utility>
#include <vector>

struct Node;      // nodes/nodes.h
struct RangeVar;  // nodes/primnodes.h

namespace migration_helpers::pg {

// StatementPos: where a statement starts in the script (its first token) and its text.
struct StatementPos {
	int line = 1;
	int col = 1;
	std::string text;
};

// Locator: positions of statements, walked forward once (statements come in order). Columns
// count characters, as the server's error positions do.
class Locator {
public:
	explicit Locator(const std::string &script) : s_(script) {}
	// locate: the statement at location (a RawStmt's stmt_location) of length (0: to the end).
	StatementPos locate(int location, int length);
	// line_col: the line and column of a 1-based character position (an error cursor).
	std::pair<int, int> line_col(int cursorpos) const;

private:
	size_t skip_space_and_comments(size_t i, size_t end) const;
	void advance(size_t to);
	const std::string &s_;
	size_t pos_ = 0;
	int line_ = 1;
	size_t line_start_ = 0;
};

// Target: a relation a statement names, and whether it may be missing (IF EXISTS).
struct Target {
	RangeVar *rv;
	bool missing_ok;
};

// targets_of: the relations the statement acts on, where the guard's statements name them.
std::vector<Target> targets_of(Node *tree);

// not_in_block: the statement cannot run inside a transaction block (PreventInTransactionBlock);
// its name for the message, or nullptr.
const char *not_in_block(Node *tree);

}  // namespace migration_helpers::pg
