// locks.hpp — what explain_locks reports of the locks a statement took: the eight table lock
// modes with the traffic each blocks, which locks are new after a statement, and where a
// statement starts in its script (line and column).
//
// Words used here:
//   held lock  a (relation, mode) this backend holds, as the lock manager lists it.
//   new lock   a held lock after a statement that was not held before it: what the statement
//              took (locks are held to the end of the transaction, so the difference is exact).
//
// No PostgreSQL header is included; LockMode's values are PostgreSQL's lock mode numbers
// (storage/lockdefs.h), which the glue checks at compile time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace migration_helpers::core {

enum class LockMode {
	AccessShare = 1,
	RowShare = 2,
	RowExclusive = 3,
	ShareUpdateExclusive = 4,
	Share = 5,
	ShareRowExclusive = 6,
	Exclusive = 7,
	AccessExclusive = 8
};

// lock_mode_name: as the LOCK statement spells it ("ACCESS EXCLUSIVE").
std::string_view lock_mode_name(LockMode mode);
// lock_mode_blocks: the ordinary traffic the mode blocks, as rules()' blocks column says it
// for the modes both know ("reads and writes", "writes", ...).
std::string_view lock_mode_blocks(LockMode mode);

struct HeldLock {
	uint32_t relid = 0;
	LockMode mode = LockMode::AccessShare;
	bool operator==(const HeldLock &o) const { return relid == o.relid && mode == o.mode; }
};

// new_locks: the locks in after that are not in before, strongest first (then by relid).
std::vector<HeldLock> new_locks(const std::vector<HeldLock> &before, const std::vector<HeldLock> &after);

// TextPosition: a 1-based line and column (columns count characters, not bytes).
struct TextPosition {
	int line = 1;
	int col = 1;
};
// statement_start: the offset of a statement's first token within script, from where the
// parser says the statement begins (which includes the white space and comments before it).
size_t statement_start(std::string_view script, size_t location);
// position_of: the line and column of offset in script.
TextPosition position_of(std::string_view script, size_t offset);

}  // namespace migration_helpers::core
