// policy.cpp — dispose() and the texts of a disposed verdict; the allow list.
#include "core/ddl/policy.hpp"

#include <algorithm>

namespace migration_helpers::core {

namespace {

// exempt_as_empty: whether an error rule only warns because the table holds no rows.
// on_table_rows: the operation's harm depends on the rows of its table. Not so for views, types and
// functions, which running code names whatever the tables hold (a view has no rows of its own).
bool on_table_rows(const Operation &op)
{
	if (op.table.view)
		return false;
	switch (op.kind) {
	case OpKind::RenameView:
	case OpKind::DropView:
	case OpKind::RenameType:
	case OpKind::DropType:
	case OpKind::RenameFunction:
	case OpKind::DropFunction:
	case OpKind::RenameEnumValue:
		return false;
	default:
		return true;
	}
}

bool exempt_as_empty(const Rule &rule, const Operation &op, const Policy &policy)
{
	if (!policy.exempt_empty_tables || !on_table_rows(op))
		return false;
	switch (op.table.contents) {
	case TableContents::NeverFilled:
		return true;  // nothing can be using it yet, and every lock is released at once
	case TableContents::Emptied:
		return rule.effect == Effect::BlocksTraffic;  // code that used its rows may still run
	case TableContents::Rows:
		break;
	}
	return false;
}

}  // namespace

Disposition dispose(const Verdict &verdict, const Operation &op, const Policy &policy)
{
	const Rule &rule = *verdict.rule;
	if (policy.mode == GuardMode::Off)
		return {Decision::Allowed, Why::GuardOff};
	if (policy.helper_statement)
		return {Decision::Allowed, Why::HelperStatement};
	if (rule.severity == Severity::Warning)
		return {Decision::Warned, Why::WarningRule};
	if (exempt_as_empty(rule, op, policy))
		return {Decision::Warned, Why::EmptyTable};
	if (policy.allow != nullptr && policy.allow->allows(rule.id))
		return {Decision::Allowed, Why::AllowList};
	if (policy.mode == GuardMode::Warn)
		return {Decision::Warned, Why::WarnMode};
	if (policy.observing)
		return {Decision::Warned, Why::Observing};
	return {Decision::Blocked, Why::Enforced};
}

Report report_texts(const Verdict &verdict, const Operation &op, const Disposition &disposition)
{
	const std::string id(verdict.rule->id);
	Report r;
	r.message = verdict.message;
	if (disposition.why == Why::HelperStatement) {
		r.detail =
			"Rule " + id +
			" does not apply to a statement of an expand-contract helper; the statement is recorded in "
			"migration_helpers.ddl_log with its migration.";
		return r;
	}
	if (disposition.why == Why::AllowList) {
		r.detail = "Rule " + id +
				   " is allowed in this transaction by migration_helpers.allow; the statement is recorded in "
				   "migration_helpers.ddl_log.";
		return r;
	}
	// DETAIL names the rule again, so that it reads on its own in tools that show it apart.
	r.detail = "Rule " + id + ": ";
	if (disposition.why == Why::EmptyTable) {
		std::string why = op.table.contents == TableContents::NeverFilled
							  ? "has never held a row"
							  : "holds no rows now, so the work takes no time";
		const std::string &name = op.table.data_name.empty() ? op.table.name : op.table.data_name;
		r.detail += "Only a warning because table \"" + name + "\" " + why +
					"; on a table with data this statement is blocked. ";
	}
	if (disposition.why == Why::Observing)
		r.detail += "Only a warning because migration_helpers.explain_locks() runs the statement to trace "
					"its locks and rolls it back; anywhere else this statement is blocked. ";
	r.detail += verdict.detail;
	r.hint = verdict.recipe;
	// The allow list lets through error rules only: a warning has nothing to allow.
	if (disposition.why == Why::Enforced || disposition.why == Why::WarnMode)
		r.hint +=
			" To accept the risk for one transaction: SET LOCAL migration_helpers.allow = '" + id + "'.";
	return r;
}

bool waits_for_commit(const Verdict &verdict, const Operation &op)
{
	if (!op.cascade_from.empty())
		return false;
	const std::string_view id = verdict.rule->id;
	return id == "drop_table" || id == "rename_table" || id == "drop_view" || id == "rename_view" ||
		   id == "drop_column" || id == "rename_column";
}

namespace {

bool is_column_op(const Operation &op)
{
	return op.kind == OpKind::DropColumn || op.kind == OpKind::RenameColumn;
}

const ShapeColumn *find_column(const Shape &shape, const std::string &name)
{
	for (const auto &c : shape.columns)
		if (c.name == name)
			return &c;
	return nullptr;
}

}  // namespace

bool shape_restored(const Operation &op, const Shape &before, const Shape &now)
{
	if (is_column_op(op)) {
		const ShapeColumn *old_col = find_column(before, op.object);
		const ShapeColumn *new_col = find_column(now, op.object);
		return old_col != nullptr && new_col != nullptr && old_col->type == new_col->type;
	}
	if (now.kind != ShapeKind::Table && now.kind != ShapeKind::View)
		return false;
	for (const auto &c : before.columns) {
		const ShapeColumn *n = find_column(now, c.name);
		if (n == nullptr || n->type != c.type)
			return false;
	}
	return true;
}

Report commit_report(const Report &report, const Operation &op, std::string_view statement, WaitedBecause why)
{
	Report r = report;
	std::string looked_for =
		is_column_op(op)
			? "a column \"" + op.object + "\" of the same type in table \"" + op.table.name + "\""
			: "a table or view \"" + op.table.name + "\" with the same columns";
	const char *because = why == WaitedBecause::TransactionBlock
							  ? "as the statement ran in a transaction block"
							  : "as a function, DO block or procedure ran the statement, and could go on";
	r.detail += std::string(" Checked at COMMIT, ") + because + ": by then the transaction had not created " +
				looked_for + " again. Statement: " + std::string(statement);
	return r;
}

bool AllowList::allows(std::string_view id) const
{
	return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::optional<AllowList> parse_allow_list(std::string_view text, std::string *error)
{
	AllowList list;
	size_t pos = 0;
	while (pos <= text.size()) {
		size_t comma = text.find(',', pos);
		if (comma == std::string_view::npos)
			comma = text.size();
		std::string_view item = text.substr(pos, comma - pos);
		while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
			item.remove_prefix(1);
		while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
			item.remove_suffix(1);
		if (!item.empty()) {
			if (!find_rule(item)) {
				if (error)
					*error = "unknown rule \"" + std::string(item) + "\"";
				return std::nullopt;
			}
			if (!list.allows(item))
				list.ids.emplace_back(item);
		}
		pos = comma + 1;
	}
	return list;
}

}  // namespace migration_helpers::core
