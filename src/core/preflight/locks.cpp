// locks.cpp — lock modes, new locks and statement positions of locks.hpp.
#include "core/preflight/locks.hpp"

#include <algorithm>

namespace migration_helpers::core {

std::string_view lock_mode_name(LockMode mode)
{
	switch (mode) {
	case LockMode::AccessShare:
		return "ACCESS SHARE";
	case LockMode::RowShare:
		return "ROW SHARE";
	case LockMode::RowExclusive:
		return "ROW EXCLUSIVE";
	case LockMode::ShareUpdateExclusive:
		return "SHARE UPDATE EXCLUSIVE";
	case LockMode::Share:
		return "SHARE";
	case LockMode::ShareRowExclusive:
		return "SHARE ROW EXCLUSIVE";
	case LockMode::Exclusive:
		return "EXCLUSIVE";
	case LockMode::AccessExclusive:
		return "ACCESS EXCLUSIVE";
	}
	return "ACCESS SHARE";
}

std::string_view lock_mode_blocks(LockMode mode)
{
	switch (mode) {
	case LockMode::AccessShare:
		return "only ACCESS EXCLUSIVE locks (most ALTER TABLE, DROP, TRUNCATE, VACUUM FULL)";
	case LockMode::RowShare:
		return "only EXCLUSIVE and ACCESS EXCLUSIVE locks";
	case LockMode::RowExclusive:
		return "SHARE locks and stronger (CREATE INDEX without CONCURRENTLY, most ALTER TABLE)";
	case LockMode::ShareUpdateExclusive:
		return "other schema changes and VACUUM";
	case LockMode::Share:
	case LockMode::ShareRowExclusive:
		return "writes";
	case LockMode::Exclusive:
		return "writes and SELECT ... FOR UPDATE/SHARE";
	case LockMode::AccessExclusive:
		return "reads and writes";
	}
	return "";
}

std::vector<HeldLock> new_locks(const std::vector<HeldLock> &before, const std::vector<HeldLock> &after)
{
	std::vector<HeldLock> out;
	for (const HeldLock &l : after)
		if (std::find(before.begin(), before.end(), l) == before.end() &&
			std::find(out.begin(), out.end(), l) == out.end())
			out.push_back(l);
	std::sort(out.begin(), out.end(), [](const HeldLock &a, const HeldLock &b) {
		if (a.mode != b.mode)
			return int(a.mode) > int(b.mode);
		return a.relid < b.relid;
	});
	return out;
}

size_t statement_start(std::string_view s, size_t pos)
{
	while (pos < s.size()) {
		char c = s[pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			pos++;
		} else if (c == '-' && pos + 1 < s.size() && s[pos + 1] == '-') {
			while (pos < s.size() && s[pos] != '\n')
				pos++;
		} else if (c == '/' && pos + 1 < s.size() && s[pos + 1] == '*') {
			// block comments nest in PostgreSQL
			int depth = 0;
			do {
				if (s.compare(pos, 2, "/*") == 0) {
					depth++;
					pos += 2;
				} else if (s.compare(pos, 2, "*/") == 0) {
					depth--;
					pos += 2;
				} else {
					pos++;
				}
			} while (depth > 0 && pos < s.size());
		} else {
			break;
		}
	}
	return std::min(pos, s.size());
}

TextPosition position_of(std::string_view s, size_t offset)
{
	TextPosition p;
	for (size_t i = 0; i < offset && i < s.size(); i++) {
		auto c = static_cast<unsigned char>(s[i]);
		if (c == '\n') {
			p.line++;
			p.col = 1;
		} else if ((c & 0xC0) != 0x80) {
			p.col++;  // a continuation byte of a UTF-8 character does not start a column
		}
	}
	return p;
}

}  // namespace migration_helpers::core
