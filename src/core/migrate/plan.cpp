// plan.cpp — step plans and the contract / undo order (see plan.hpp).
#include "core/migrate/plan.hpp"

#include <algorithm>

namespace migration_helpers::core {

namespace {

struct KindName {
	StepKind kind;
	const char *name;
};
constexpr KindName kNames[] = {
	{StepKind::AddColumn, "add_column"},          {StepKind::AddCheck, "add_check"},
	{StepKind::AddForeignKey, "add_foreign_key"}, {StepKind::AddNotNull, "add_not_null"},
	{StepKind::DropColumn, "drop_column"},        {StepKind::AddIndex, "add_index"},
	{StepKind::AddUnique, "add_unique"},          {StepKind::DropIndex, "drop_index"},
};

constexpr const char *kAccessExclusive = "AccessExclusiveLock";
constexpr const char *kShareUpdateExclusive = "ShareUpdateExclusiveLock";
constexpr const char *kShareRowExclusive = "ShareRowExclusiveLock";

Action act(std::string sql, const char *lock, int pass = 1)
{
	return Action{std::move(sql), lock, pass};
}

}  // namespace

const char *step_kind_name(StepKind k)
{
	for (const auto &n : kNames)
		if (n.kind == k)
			return n.name;
	return "unknown";
}

std::optional<StepKind> parse_step_kind(std::string_view name)
{
	for (const auto &n : kNames)
		if (name == n.name)
			return n.kind;
	return std::nullopt;
}

std::string dollar_quote(const std::string &body)
{
	std::string tag = "$mh$";
	for (int i = 1; body.find(tag) != std::string::npos; i++)
		tag = "$mh" + std::to_string(i) + "$";
	return tag + body + tag;
}

StepPlan plan_add_column(const AddColumnArgs &a)
{
	StepPlan p;
	p.kind = StepKind::AddColumn;
	std::string add = "ALTER TABLE " + a.table + " ADD COLUMN " + a.column + " " + a.type;
	if (a.default_expr)
		add += " DEFAULT (\n" + *a.default_expr + "\n)";
	p.forward.push_back(act(add, kAccessExclusive));
	if (a.backfill_expr) {
		// Rows the running version inserts, or updates leaving the column NULL, get the expression's value.
		std::string body = "BEGIN\n\tIF NEW." + a.column + " IS NULL THEN\n\t\tNEW." + a.column +
						   " := (SELECT (" + "\n" + *a.backfill_expr + "\n) FROM (SELECT NEW.*) AS " +
						   a.table_alias + ");\n\tEND IF;\n\tRETURN NEW;\nEND";
		p.forward.push_back(act("CREATE FUNCTION " + a.fill_function +
									"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS " +
									dollar_quote(body),
								""));
		p.forward.push_back(act("CREATE TRIGGER " + a.fill_trigger + " BEFORE INSERT OR UPDATE ON " +
									a.table + " FOR EACH ROW EXECUTE FUNCTION " + a.fill_function + "()",
								kShareRowExclusive));
		if (a.backfill_job)
			p.undo.push_back(
				act("SELECT migration_helpers.backfill_cancel(id) FROM migration_helpers.backfills "
					"WHERE id = " +
						std::to_string(*a.backfill_job) + " AND status NOT IN ('succeeded', 'cancelled')",
					""));
		p.undo.push_back(act("DROP TRIGGER " + a.fill_trigger + " ON " + a.table, kAccessExclusive));
		p.undo.push_back(act("DROP FUNCTION " + a.fill_function + "()", ""));
		p.contract.push_back(act("DROP TRIGGER " + a.fill_trigger + " ON " + a.table, kAccessExclusive));
		p.contract.push_back(act("DROP FUNCTION " + a.fill_function + "()", ""));
	}
	p.undo.push_back(act("ALTER TABLE " + a.table + " DROP COLUMN " + a.column, kAccessExclusive));
	return p;
}

StepPlan plan_add_check(const AddCheckArgs &a)
{
	StepPlan p;
	p.kind = StepKind::AddCheck;
	p.forward.push_back(act("ALTER TABLE " + a.table + " ADD CONSTRAINT " + a.constraint + " CHECK (\n" +
								a.expression + "\n) NOT VALID",
							kAccessExclusive));
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " VALIDATE CONSTRAINT " + a.constraint, kShareUpdateExclusive, 0));
	p.undo.push_back(act("ALTER TABLE " + a.table + " DROP CONSTRAINT " + a.constraint, kAccessExclusive));
	return p;
}

StepPlan plan_add_foreign_key(const AddForeignKeyArgs &a)
{
	StepPlan p;
	p.kind = StepKind::AddForeignKey;
	p.forward.push_back(act("ALTER TABLE " + a.table + " ADD CONSTRAINT " + a.constraint + " FOREIGN KEY (" +
								a.columns + ") REFERENCES " + a.ref_table +
								(a.ref_columns.empty() ? "" : " (" + a.ref_columns + ")") + " ON DELETE " +
								a.on_delete + " NOT VALID",
							kShareRowExclusive));
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " VALIDATE CONSTRAINT " + a.constraint, kShareUpdateExclusive, 0));
	p.undo.push_back(act("ALTER TABLE " + a.table + " DROP CONSTRAINT " + a.constraint, kAccessExclusive));
	return p;
}

StepPlan plan_add_not_null(const AddNotNullArgs &a)
{
	StepPlan p;
	p.kind = StepKind::AddNotNull;
	p.forward.push_back(act("ALTER TABLE " + a.table + " ADD CONSTRAINT " + a.constraint + " CHECK (" +
								a.column + " IS NOT NULL) NOT VALID",
							kAccessExclusive));
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " VALIDATE CONSTRAINT " + a.constraint, kShareUpdateExclusive, 0));
	// The validated check proves the column holds no NULL: SET NOT NULL skips its scan.
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " ALTER COLUMN " + a.column + " SET NOT NULL", kAccessExclusive));
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " DROP CONSTRAINT " + a.constraint, kAccessExclusive));
	p.undo.push_back(act("ALTER TABLE " + a.table + " DROP CONSTRAINT " + a.constraint, kAccessExclusive));
	return p;
}

StepPlan plan_drop_column(const DropColumnArgs &a)
{
	StepPlan p;
	p.kind = StepKind::DropColumn;
	p.contract.push_back(act("ALTER TABLE " + a.table + " DROP COLUMN " + a.column, kAccessExclusive));
	return p;
}

namespace {

std::string create_index_sql(const IndexArgs &a, bool unique)
{
	std::string sql = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY " + a.index +
					  " ON " + a.table + " USING " + a.method + " (\n" + a.columns + "\n)";
	if (a.where)
		sql += " WHERE (\n" + *a.where + "\n)";
	return sql;
}

}  // namespace

StepPlan plan_add_index(const IndexArgs &a)
{
	StepPlan p;
	p.kind = StepKind::AddIndex;
	p.forward.push_back(act(create_index_sql(a, a.unique), kRunInWorker));
	p.undo.push_back(act("", kStopWorkers));
	p.undo.push_back(act("DROP INDEX IF EXISTS " + a.qualified, kAccessExclusive));
	return p;
}

StepPlan plan_add_unique(const IndexArgs &a, const std::string &constraint)
{
	StepPlan p =
		plan_add_index(IndexArgs{a.table, a.index, a.qualified, "btree", a.columns, std::nullopt, true});
	p.kind = StepKind::AddUnique;
	p.contract.push_back(
		act("ALTER TABLE " + a.table + " ADD CONSTRAINT " + constraint + " UNIQUE USING INDEX " + a.index,
			kAccessExclusive));
	return p;
}

StepPlan plan_drop_index(const std::string &qualified_index)
{
	StepPlan p;
	p.kind = StepKind::DropIndex;
	p.contract.push_back(act("DROP INDEX CONCURRENTLY IF EXISTS " + qualified_index, kRunInWorker));
	return p;
}

std::vector<ActionRef> contract_order(const std::vector<StepActions> &steps)
{
	std::vector<StepActions> sorted = steps;
	std::sort(sorted.begin(), sorted.end(),
			  [](const StepActions &x, const StepActions &y) { return x.step_no < y.step_no; });
	std::vector<ActionRef> order;
	for (int pass = 0; pass <= 1; pass++)
		for (const auto &s : sorted)
			for (size_t i = 0; i < s.contract_passes.size(); i++)
				if ((s.contract_passes[i] == 0 ? 0 : 1) == pass)
					order.push_back(ActionRef{s.step_no, int(i)});
	return order;
}

std::vector<ActionRef> undo_order(const std::vector<StepActions> &steps)
{
	std::vector<StepActions> sorted = steps;
	std::sort(sorted.begin(), sorted.end(),
			  [](const StepActions &x, const StepActions &y) { return x.step_no > y.step_no; });
	std::vector<ActionRef> order;
	for (const auto &s : sorted)
		for (int i = 0; i < s.undo_count; i++)
			order.push_back(ActionRef{s.step_no, i});
	return order;
}

std::vector<ActionRef> remaining(const std::vector<ActionRef> &order, int done)
{
	if (done <= 0)
		return order;
	if (size_t(done) >= order.size())
		return {};
	return std::vector<ActionRef>(order.begin() + done, order.end());
}

}  // namespace migration_helpers::core
