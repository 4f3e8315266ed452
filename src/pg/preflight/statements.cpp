// statements.cpp — statement positions, the relations statements name, and the statements that
// cannot run in a transaction block (statements.hpp).
#include "pg/preflight/statements.hpp"

#include <string>
#include <utility>
#include <vector>

#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

}  // namespace

StatementPos Locator::locate(int location, int length)
{
	size_t start = size_t(location < 0 ? 0 : location);
	size_t end = length > 0 ? start + size_t(length) : s_.size();
	start = skip_space_and_comments(start, end);
	while (end > start && is_space(s_[end - 1]))
		end--;
	advance(start);
	StatementPos p;
	p.line = line_;
	// the text is valid in the server encoding: pg_mbstrlen_with_len cannot fail
	p.col = pg_mbstrlen_with_len(s_.data() + line_start_, int(start - line_start_)) + 1;
	p.text = s_.substr(start, end - start);
	return p;
}

std::pair<int, int> Locator::line_col(int cursorpos) const
{
	int line = 1, col = 1, chars = 1;
	for (size_t i = 0; i < s_.size() && chars < cursorpos;) {
		int len = pg_mblen(s_.data() + i);
		if (s_[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += size_t(len);
		chars++;
	}
	return {line, col};
}

// skip_space_and_comments: the first token at or after i (comments nest in PostgreSQL).
size_t Locator::skip_space_and_comments(size_t i, size_t end) const
{
	while (i < end) {
		if (is_space(s_[i]))
			i++;
		else if (s_.compare(i, 2, "--") == 0) {
			while (i < end && s_[i] != '\n')
				i++;
		} else if (s_.compare(i, 2, "/*") == 0) {
			int depth = 0;
			do {
				if (s_.compare(i, 2, "/*") == 0) {
					depth++;
					i += 2;
				} else if (s_.compare(i, 2, "*/") == 0) {
					depth--;
					i += 2;
				} else
					i++;
			} while (depth > 0 && i < end);
		} else
			break;
	}
	return i;
}

void Locator::advance(size_t to)
{
	for (; pos_ < to; pos_++)
		if (s_[pos_] == '\n') {
			line_++;
			line_start_ = pos_ + 1;
		}
}

// targets_of: the relations the statement acts on, where the guard's statements name them.
std::vector<Target> targets_of(Node *tree)
{
	std::vector<Target> out;
	ListCell *lc;
	switch (nodeTag(tree)) {
	case T_IndexStmt:
		out.push_back({((IndexStmt *) tree)->relation, false});
		break;
	case T_AlterTableStmt: {
		auto *stmt = (AlterTableStmt *) tree;
		out.push_back({stmt->relation, stmt->missing_ok});
		break;
	}
	case T_RenameStmt: {
		auto *stmt = (RenameStmt *) tree;
		if (stmt->relation)
			out.push_back({stmt->relation, stmt->missing_ok});
		break;
	}
	case T_AlterObjectSchemaStmt: {
		auto *stmt = (AlterObjectSchemaStmt *) tree;
		if (stmt->relation)
			out.push_back({stmt->relation, stmt->missing_ok});
		break;
	}
	case T_DropStmt: {
		auto *stmt = (DropStmt *) tree;
		if (stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_INDEX &&
			stmt->removeType != OBJECT_MATVIEW)
			break;
		foreach (lc, stmt->objects) {
			auto *names = (List *) lfirst(lc);
			RangeVar *rv = pg_call([&] { return makeRangeVarFromNameList(names); });
			out.push_back({rv, stmt->missing_ok});
		}
		break;
	}
	case T_RefreshMatViewStmt:
		out.push_back({((RefreshMatViewStmt *) tree)->relation, false});
		break;
	case T_VacuumStmt:
		foreach (lc, ((VacuumStmt *) tree)->rels) {
			auto *vrel = (VacuumRelation *) lfirst(lc);
			if (vrel->relation)
				out.push_back({vrel->relation, false});
		}
		break;
	case T_ClusterStmt:
		if (((ClusterStmt *) tree)->relation)
			out.push_back({((ClusterStmt *) tree)->relation, false});
		break;
	case T_ReindexStmt: {
		auto *stmt = (ReindexStmt *) tree;
		if (stmt->relation)
			out.push_back({stmt->relation, false});
		break;
	}
	case T_LockStmt:
		foreach (lc, ((LockStmt *) tree)->relations)
			out.push_back({(RangeVar *) lfirst(lc), false});
		break;
	default:
		break;
	}
	return out;
}

// not_in_block: the statement cannot run inside a transaction block (PreventInTransactionBlock);
// its name for the message, or nullptr.
const char *not_in_block(Node *tree)
{
	switch (nodeTag(tree)) {
	case T_IndexStmt:
		return ((IndexStmt *) tree)->concurrent ? "CREATE INDEX CONCURRENTLY" : nullptr;
	case T_DropStmt:
		return ((DropStmt *) tree)->concurrent ? "DROP INDEX CONCURRENTLY" : nullptr;
	case T_ReindexStmt: {
		ListCell *lc;
		foreach (lc, ((ReindexStmt *) tree)->params)
			if (strcmp(((DefElem *) lfirst(lc))->defname, "concurrently") == 0)
				return "REINDEX CONCURRENTLY";
		return nullptr;
	}
	case T_VacuumStmt:
		return ((VacuumStmt *) tree)->is_vacuumcmd ? "VACUUM" : nullptr;
	case T_AlterTableStmt: {
		ListCell *lc;
		foreach (lc, ((AlterTableStmt *) tree)->cmds) {
			auto *cmd = (AlterTableCmd *) lfirst(lc);
			if (cmd->subtype == AT_DetachPartition && ((PartitionCmd *) cmd->def)->concurrent)
				return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
		}
		return nullptr;
	}
	default:
		return nullptr;
	}
}

}  // namespace migration_helpers::pg
