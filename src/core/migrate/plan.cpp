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
	{StepKind::RenameColumn, "rename_column"},    {StepKind::ChangeColumnType, "change_column_type"},
};

constexpr const char *kAccessExclusive = "AccessExclusiveLock";
constexpr const char *kShareUpdateExclusive = "ShareUpdateExclusiveLock";
constexpr const char *kShareRowExclusive = "ShareRowExclusiveLock";

Action act(std::string sql, const char *lock, int pass = 1)
{
	Action a;
	a.sql = std::move(sql);
	a.lock = lock;
	a.pass = pass;
	return a;
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
			p.undo.push_back(cancel_backfill_action(*a.backfill_job));
		p.undo.push_back(act("DROP TRIGGER " + a.fill_trigger + " ON " + a.table, kAccessExclusive));
		p.undo.push_back(act("DROP FUNCTION " + a.fill_function + "()", ""));
		p.contract.push_back(act("DROP TRIGGER " + a.fill_trigger + " ON " + a.table, kAccessExclusive));
		p.contract.push_back(act("DROP FUNCTION " + a.fill_function + "()", ""));
	}
	p.undo.push_back(act("ALTER TABLE " + a.table + " DROP COLUMN " + a.column, kAccessExclusive));
	return p;
}

Action cancel_backfill_action(long long job)
{
	return act("SELECT migration_helpers.backfill_cancel(id) FROM migration_helpers.backfills WHERE id = " +
				   std::to_string(job) + " AND status NOT IN ('succeeded', 'cancelled')",
			   "");
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

StepPlan plan_column_change(const ColumnChangeArgs &a)
{
	StepPlan p;
	p.kind = a.type_change ? StepKind::ChangeColumnType : StepKind::RenameColumn;
	const std::string alter = "ALTER TABLE " + a.table + " ";
	const std::string col = "ALTER COLUMN " + a.new_column + " ";

	// Forward: the column, the trigger, then what needs no worker; the index builds last.
	p.forward.push_back(act(alter + "ADD COLUMN " + a.new_column + " " + a.type, kAccessExclusive));
	p.forward.push_back(act("CREATE TRIGGER " + a.trigger + " BEFORE INSERT OR UPDATE ON " + a.table +
								" FOR EACH ROW EXECUTE FUNCTION migration_helpers._sync_columns(" +
								a.trigger_args + ")",
							kShareRowExclusive));
	if (a.not_null_constraint)
		p.forward.push_back(act(alter + "ADD CONSTRAINT " + *a.not_null_constraint + " CHECK (" +
									a.new_column + " IS NOT NULL) NOT VALID",
								kAccessExclusive));
	for (const auto &c : a.checks)
		p.forward.push_back(act(alter + "ADD CONSTRAINT " + c.new_name + " " + c.definition + " NOT VALID",
								kAccessExclusive));
	// A foreign key that was NOT VALID is added at contract: rows that violate it may
	// exist, and the backfill would be checked against it. Until then the old column's
	// key checks what the sync trigger copies.
	for (const auto &c : a.foreign_keys)
		if (c.validated)
			p.forward.push_back(
				act(alter + "ADD CONSTRAINT " + c.new_name + " " + c.definition + " NOT VALID",
					kShareRowExclusive));
	if (a.comment)
		p.forward.push_back(
			act("COMMENT ON COLUMN " + a.table + "." + a.new_column + " IS " + *a.comment, ""));
	for (const auto &g : a.grants) {
		size_t bar = g.find('|');
		std::string privilege = g.substr(0, bar), grantee = g.substr(bar + 1);
		bool option = false;
		const std::string with = " WITH GRANT OPTION";
		if (privilege.size() > with.size() &&
			privilege.compare(privilege.size() - with.size(), with.size(), with) == 0) {
			option = true;
			privilege.resize(privilege.size() - with.size());
		}
		std::string grant = "GRANT ";
		grant += privilege;
		grant += " (";
		grant += a.new_column;
		grant += ") ON ";
		grant += a.table;
		grant += " TO ";
		grant += grantee;
		if (option)
			grant += with;
		p.forward.push_back(act(grant, ""));
	}
	if (a.statistics)
		p.forward.push_back(
			act(alter + col + "SET STATISTICS " + std::to_string(*a.statistics), kShareUpdateExclusive));
	for (const auto &i : a.indexes) {
		std::string sql = std::string("CREATE ") + (i.unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY " +
						  i.new_name + " ON " + a.table + " USING " + i.method + " (" + i.columns + ")";
		if (!i.include.empty())
			sql += " INCLUDE (" + i.include + ")";
		if (i.where)
			sql += " WHERE (" + *i.where + ")";
		Action build = act(sql, kRunInWorker);
		build.index = i.new_unquoted;
		p.forward.push_back(build);
	}

	// Undo: stop the builds and the backfill; dropping the column drops all that was built on it.
	if (!a.indexes.empty())
		p.undo.push_back(act("", kStopWorkers));
	if (a.backfill_job)
		p.undo.push_back(cancel_backfill_action(*a.backfill_job));
	p.undo.push_back(act("DROP TRIGGER " + a.trigger + " ON " + a.table, kAccessExclusive));
	p.undo.push_back(act(alter + "DROP COLUMN " + a.new_column, kAccessExclusive));

	// Contract, pass 0: the scans, under locks that let writes through.
	if (a.not_null_constraint)
		p.contract.push_back(
			act(alter + "VALIDATE CONSTRAINT " + *a.not_null_constraint, kShareUpdateExclusive, 0));
	// A constraint that was NOT VALID on the old column stays so: existing rows may violate it.
	for (const auto *list : {&a.checks, &a.foreign_keys})
		for (const auto &c : *list)
			if (c.validated)
				p.contract.push_back(
					act(alter + "VALIDATE CONSTRAINT " + c.new_name, kShareUpdateExclusive, 0));
	// Pass 1: catalog changes only, in the one transaction of complete_migration().
	// It starts by locking every table it changes in one statement, the referencing
	// tables first: an attempt that times out rolls back and holds nothing while it
	// waits again (a lock on the table kept across the retries would block its
	// readers and writers for the whole budget, and close a deadlock with an
	// application transaction that holds a referencing table and then checks a key
	// against this one).
	{
		std::vector<std::string> tables;
		for (const auto &k : a.incoming)
			if (std::find(tables.begin(), tables.end(), k.table) == tables.end())
				tables.push_back(k.table);
		tables.push_back(a.table);
		std::string list;
		for (const auto &t : tables)
			list += (list.empty() ? "" : ", ") + t;
		p.contract.push_back(act("LOCK TABLE " + list + " IN ACCESS EXCLUSIVE MODE", kAccessExclusive));
	}
	for (const auto &c : a.foreign_keys)
		if (!c.validated)
			p.contract.push_back(
				act(alter + "ADD CONSTRAINT " + c.new_name + " " + c.definition + " NOT VALID",
					kShareRowExclusive));
	if (a.not_null_constraint) {
		// The validated check proves the column holds no NULL: SET NOT NULL skips its scan.
		p.contract.push_back(act(alter + col + "SET NOT NULL", kAccessExclusive));
		p.contract.push_back(act(alter + "DROP CONSTRAINT " + *a.not_null_constraint, kAccessExclusive));
	}
	p.contract.push_back(act("DROP TRIGGER " + a.trigger + " ON " + a.table, kAccessExclusive));
	for (const auto &k : a.incoming)
		p.contract.push_back(act("ALTER TABLE " + k.table + " DROP CONSTRAINT " + k.name, kAccessExclusive));
	if (a.owned_sequence)
		p.contract.push_back(
			act("ALTER SEQUENCE " + *a.owned_sequence + " OWNED BY " + a.table + "." + a.new_column, ""));
	if (a.identity) {
		// A new identity sequence, on where the old one stands (the old one goes with its column).
		std::string name =
			a.identity->new_sequence.empty() ? "" : "SEQUENCE NAME " + a.identity->new_sequence + " ";
		p.contract.push_back(act(alter + col + "ADD GENERATED " + a.identity->kind + " AS IDENTITY (" + name +
									 a.identity->options + ")",
								 kAccessExclusive));
		p.contract.push_back(act("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(" +
									 a.identity->table_literal + ", " + a.identity->column_literal +
									 "), s.last_value, s.is_called) FROM " + a.identity->old_sequence + " s",
								 ""));
	}
	p.contract.push_back(act(alter + "DROP COLUMN " + a.old_column, kAccessExclusive));
	if (a.identity && !a.identity->new_sequence.empty())
		p.contract.push_back(act("ALTER SEQUENCE " + a.identity->new_sequence + " RENAME TO " +
									 a.identity->final_sequence_name,
								 ""));
	if (a.default_expr)
		p.contract.push_back(
			act(alter + col + "SET DEFAULT (\n" + *a.default_expr + "\n)", kAccessExclusive));
	if (a.type_change)
		p.contract.push_back(
			act(alter + "RENAME COLUMN " + a.new_column + " TO " + a.final_name, kAccessExclusive));
	for (const auto &i : a.indexes) {
		if (!i.constraint.empty())
			p.contract.push_back(act(alter + "ADD CONSTRAINT " + i.constraint_name + " " + i.constraint +
										 " USING INDEX " + i.new_name + i.deferrable,
									 kAccessExclusive));
		else
			p.contract.push_back(
				act("ALTER INDEX " + a.schema + "." + i.new_name + " RENAME TO " + i.old_name,
					kShareUpdateExclusive));
	}
	for (const auto *list : {&a.checks, &a.foreign_keys})
		for (const auto &c : *list)
			p.contract.push_back(
				act(alter + "RENAME CONSTRAINT " + c.new_name + " TO " + c.old_name, kAccessExclusive));
	// Incoming foreign keys point at the new column again: NOT VALID now (new rows are
	// checked at once), validated by a worker after the contract commits, without
	// holding this transaction's locks while it scans the referencing table.
	for (const auto &k : a.incoming) {
		p.contract.push_back(
			act("ALTER TABLE " + k.table + " ADD CONSTRAINT " + k.name + " " + k.definition + " NOT VALID",
				kShareRowExclusive));
		if (k.validated)
			p.contract.push_back(
				act("ALTER TABLE " + k.table + " VALIDATE CONSTRAINT " + k.name, kRunInWorker));
	}
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
