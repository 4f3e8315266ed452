// steps.cpp — the step helpers add_column, add_check, add_foreign_key,
// add_not_null and drop_column, and what every step shares (record_step();
// the index steps are in steps_index.cpp). Each checks its arguments with the caller's
// rights, then record_step() does what every step does, in the caller's
// transaction (so a migration tool's rollback undoes all of it, and the
// backfill workers start only when it commits):
//   1. the migration, locked; the caller must be its starter, a member or a superuser;
//   2. the same step (action and key) recorded before: equal arguments are a
//      no-op (a re-run migration file), other arguments an error;
//   3. core decides whether a step may still be added (not after contract or
//      abort began, not to a final migration);
//   4. the step's tables are locked against other helpers (an advisory lock
//      per table, so two migrations racing for one table serialize here) and
//      must not be touched by another unfinished migration;
//   5. core builds the plan; its forward actions run as the caller, each
//      strong-lock action on the lock retry schedule, exempt from the guard;
//   6. a backfill starts through the engine's C++ API, for the migration;
//   7. the step is recorded with its actions, and the phase announced if it
//      changed.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/migrate/phase.hpp"
#include "core/migrate/plan.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/migrate/actions.hpp"
#include "pg/migrate/common.hpp"
#include "pg/migrate/steps.hpp"
#include "pg/migrate/store.hpp"
#include "pg/migrate/tasks.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// Advisory lock class of the step helpers on one table.
constexpr int kLockClassTable = 0x4d4d;

}  // namespace

// table_info: the table's names; a relation that is not a table, or a
// temporary one, is refused (a background worker cannot see it).
TableInfo table_info(Oid relid, const char *arg)
{
	struct {
		char schema[NAMEDATALEN];
		char name[NAMEDATALEN];
		char qualified[2 * NAMEDATALEN + 8];
		Oid nsp;
	} c{};
	pg_call([&] {
		HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
		auto *form = (Form_pg_class) GETSTRUCT(tup);
		char kind = form->relkind;
		char persistence = form->relpersistence;
		c.nsp = form->relnamespace;
		strlcpy(c.name, NameStr(form->relname), sizeof(c.name));
		ReleaseSysCache(tup);
		strlcpy(c.schema, get_namespace_name(c.nsp), sizeof(c.schema));
		strlcpy(c.qualified, quote_qualified_identifier(c.schema, c.name), sizeof(c.qualified));
		if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
			ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a table", c.name),
							errdetail("Argument %s of a migration step must be a table.", arg)));
		if (persistence == RELPERSISTENCE_TEMP)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot migrate temporary table \"%s\"", c.name),
					 errdetail("A temporary table lives only as long as this session; change it directly.")));
	});
	TableInfo t;
	t.qualified = c.qualified;
	t.schema = c.schema;
	t.name = c.name;
	t.nsp = c.nsp;
	return t;
}

std::string quote_ident(const std::string &s)
{
	const char *in = s.c_str();
	// quote_identifier returns its argument or a palloc'd copy: copied into a std::string at once.
	const char *q = pg_call([&] { return quote_identifier(in); });
	return std::string(q);
}

// column_exists: the column is a live (not dropped, not system) column of the table.
bool column_exists(Oid relid, const std::string &column)
{
	const char *col = column.c_str();
	return pg_call([&] { return get_attnum(relid, col) > 0; });
}

void require_column(Oid relid, const TableInfo &t, const std::string &column)
{
	if (!column_exists(relid, column))
		raise_error(ERRCODE_UNDEFINED_COLUMN,
					"column \"" + column + "\" of relation \"" + t.name + "\" does not exist");
}

// check_expression_c: expr parses as exactly one expression (no second
// target, no FROM, no set operation), so that put between "(\n" and "\n)" in
// a statement it cannot change what the statement does.
void check_expression_c(const char *expr, const char *what)
{
	char *sql = psprintf("SELECT (\n%s\n)", expr);
	List *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	bool ok = list_length(stmts) == 1;
	if (ok) {
		Node *stmt = ((RawStmt *) linitial(stmts))->stmt;
		auto *s = (SelectStmt *) stmt;
		ok = IsA(stmt, SelectStmt) && list_length(s->targetList) == 1 && s->fromClause == NIL &&
			 s->whereClause == nullptr && s->groupClause == NIL && s->havingClause == nullptr &&
			 s->windowClause == NIL && s->sortClause == NIL && s->limitCount == nullptr &&
			 s->limitOffset == nullptr && s->lockingClause == NIL && s->withClause == nullptr &&
			 s->op == SETOP_NONE && s->distinctClause == NIL && s->intoClause == nullptr &&
			 s->valuesLists == NIL;
	}
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("%s must be a single expression", what),
						errdetail("Got: %s", expr)));
}

void check_expression(const std::string &expr, const char *what)
{
	const char *e = expr.c_str();
	pg_call([&] { check_expression_c(e, what); });
}

namespace {

// default_is_volatile_c: the default, cast to the column's type, calls a
// volatile function: ADD COLUMN would evaluate it for every row, rewriting the
// table under ACCESS EXCLUSIVE. Column references and other errors are the
// server's own (the default is analysed as SELECT (...)::type).
bool default_is_volatile_c(const char *expr, const char *type)
{
	SPIPlanPtr plan = SPI_prepare(psprintf("SELECT (\n%s\n)::%s", expr, type), 0, nullptr);
	if (plan == nullptr)
		elog(ERROR, "could not check default_expr: %s", SPI_result_code_string(SPI_result));
	bool is_volatile = false;
	ListCell *lc;
	foreach (lc, SPI_plan_get_plan_sources(plan)) {
		auto *source = (CachedPlanSource *) lfirst(lc);
		ListCell *qc;
		foreach (qc, source->query_list)
			is_volatile |= contain_volatile_functions((Node *) ((Query *) lfirst(qc))->targetList);
	}
	SPI_freeplan(plan);
	return is_volatile;
}

Datum text_array_datum(const std::vector<std::optional<std::string>> &items)
{
	std::vector<const char *> c;
	c.reserve(items.size());
	for (const auto &i : items)
		c.push_back(i ? i->c_str() : nullptr);
	const char *const *data = c.data();
	int n = int(c.size());
	return pg_call([&] {
		Datum *elems = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
		bool *nulls = (bool *) palloc(sizeof(bool) * Max(n, 1));
		for (int i = 0; i < n; i++) {
			nulls[i] = data[i] == nullptr;
			elems[i] = data[i] ? CStringGetTextDatum(data[i]) : (Datum) 0;
		}
		int dims[1] = {n};
		int lbs[1] = {1};
		if (n == 0)
			return PointerGetDatum(construct_empty_array(TEXTOID));
		return PointerGetDatum(
			construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	});
}

Datum text_array_datum(const std::vector<std::string> &items)
{
	std::vector<std::optional<std::string>> o(items.begin(), items.end());
	return text_array_datum(o);
}

Datum int_array_datum(const std::vector<int> &items)
{
	const int *data = items.data();
	int n = int(items.size());
	return pg_call([&] {
		if (n == 0)
			return PointerGetDatum(construct_empty_array(INT4OID));
		Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
		for (int i = 0; i < n; i++)
			elems[i] = Int32GetDatum(data[i]);
		return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
	});
}

std::string joined(const std::vector<core::Action> &actions)
{
	std::string out;
	for (const auto &a : actions)
		out += (out.empty() ? "" : ";\n") + a.sql;
	return out;
}

void lock_and_check_table(const Recording &r, int64 id, Oid relid)
{
	pg_call([&] {
		DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(kLockClassTable),
							Int32GetDatum(int32(relid)));
	});
	Conflict c{};
	pg_call([&] { c = find_conflict(id, relid); });
	if (!c.found)
		return;
	std::string table = relid == r.relid ? r.table.qualified : table_info(relid, "ref_relation").qualified;
	raise_error(ERRCODE_OBJECT_IN_USE,
				"table \"" + table + "\" is part of unfinished migration \"" + std::string(c.name) + "\"",
				"Migration \"" + std::string(c.name) + "\" (started by " + c.created_by + " at " +
					c.created_at + ", " + c.phase +
					") has steps on it; two migrations on one table could contract or undo each "
					"other's changes.",
				"Complete or abort \"" + std::string(c.name) +
					"\" first, or add this step to that migration.");
}

}  // namespace

// record_step: steps 1-7 of the file comment. Returns the step's number, or NULL when nothing was to be done.
Datum record_step(FunctionCallInfo fcinfo, const Recording &r)
{
	const char *name = r.migration.c_str();
	MigrationRow m = load_migration(name, "change", true);
	int64 id = m.id;
	const char *action = core::step_kind_name(r.kind);
	Datum arguments = text_array_datum(r.arguments);
	const char *key = r.key.c_str();
	Oid relid = r.relid;
	ExistingStep e{};
	pg_call([&] { e = find_step(id, relid, action, key, arguments); });
	if (e.found) {
		if (!e.same)
			raise_error(
				ERRCODE_DUPLICATE_OBJECT,
				std::string("step ") + action + " for " + r.key + " of table \"" + r.table.qualified +
					"\" is already recorded in migration \"" + r.migration + "\" with other arguments",
				"Step " + std::to_string(e.step_no) + " was recorded with " + e.arguments + ".",
				"A re-run migration must call the helper with the same arguments; to change the step, abort "
				"the migration and start a new one.");
		notice("step " + std::to_string(e.step_no) + " of migration \"" + r.migration +
			   "\" is already recorded with these arguments: nothing to do");
		pg_call([] { SPI_finish(); });
		return Int32GetDatum(e.step_no);
	}
	if (core::Refusal refusal = core::refuse_new_step(r.migration, stored_phase(m), progress_of(m)))
		raise_refusal(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, refusal);
	lock_and_check_table(r, id, r.relid);
	if (OidIsValid(r.ref_relid) && r.ref_relid != r.relid)
		lock_and_check_table(r, id, r.ref_relid);
	if (r.validate && !r.validate(id)) {
		pg_call([] { SPI_finish(); });
		PG_RETURN_NULL();
	}
	// Tables validate found the step touches too (it reads the current schema).
	for (Oid more : r.more_relids)
		if (more != r.relid && more != r.ref_relid)
			lock_and_check_table(r, id, more);
	AsyncCounts before{};
	pg_call([&] { before = read_async(id); });
	int step_no = pg_call([&] { return next_step_no(id); });

	core::StepPlan plan = r.build(id, step_no, std::nullopt);
	ActionTarget target;
	target.migration = r.migration;
	target.table = r.table.qualified;
	target.relations.push_back(r.relid);
	if (OidIsValid(r.ref_relid))
		target.relations.push_back(r.ref_relid);
	for (Oid more : r.more_relids)
		target.relations.push_back(more);
	core::LockRetryPolicy policy = policy_of(m);
	for (const auto &a : plan.forward) {
		if (a.lock == core::kRunInWorker) {
			const char *stmt = a.sql.c_str(), *schema = r.index_schema->c_str(),
					   *index = a.index.empty() ? r.index_name->c_str() : a.index.c_str();
			pg_call([&] { (void) queue_task_c(id, step_no, stmt, schema, index, true); });
		} else {
			run_action(a.sql, a.lock, target, policy);
		}
	}
	std::optional<long long> job;
	if (r.backfill) {
		job = r.backfill(id);
		plan = r.build(id, step_no, job);
	}

	std::vector<std::string> forward, undo, contract, locks;
	std::vector<int> passes;
	for (const auto &a : plan.forward) {
		forward.push_back(a.sql);
		locks.push_back(a.lock);
	}
	for (const auto &a : plan.undo) {
		undo.push_back(a.sql);
		locks.push_back(a.lock);
	}
	for (const auto &a : plan.contract) {
		contract.push_back(a.sql);
		passes.push_back(a.pass);
		locks.push_back(a.lock);
	}
	std::string forward_sql = plan.forward.empty() ? "-- nothing until contract" : joined(plan.forward);
	std::string undo_sql = joined(plan.undo), contract_sql = joined(plan.contract);
	NewStep s{};
	s.migration_id = id;
	s.step_no = step_no;
	s.action = action;
	s.relid = r.relid;
	s.ref_relid = r.ref_relid;
	std::vector<Oid> more_oids = r.more_relids;
	s.nmore = int(more_oids.size());
	s.more = more_oids.data();
	s.column = r.column ? r.column->c_str() : nullptr;
	s.key = key;
	s.arguments = arguments;
	s.forward = text_array_datum(forward);
	s.undo = text_array_datum(undo);
	s.contract = text_array_datum(contract);
	s.passes = int_array_datum(passes);
	s.locks = text_array_datum(locks);
	s.forward_sql = forward_sql.c_str();
	s.undo_sql = plan.undo.empty() ? nullptr : undo_sql.c_str();
	s.contract_sql = plan.contract.empty() ? nullptr : contract_sql.c_str();
	s.has_job = job.has_value();
	s.job = job.value_or(0);
	s.index_schema = r.index_schema ? r.index_schema->c_str() : nullptr;
	s.index_name = r.index_name ? r.index_name->c_str() : nullptr;
	pg_call([&] { insert_step(s); });

	// The phase follows from the work: announce it when this step changed it.
	AsyncCounts after{};
	pg_call([&] { after = read_async(id); });
	core::Phase stored = stored_phase(m);
	core::Phase was = core::derive_phase(stored, summary_of(before));
	core::Phase now = core::derive_phase(stored, summary_of(after));
	if (now != stored && core::refuse_transition(stored, now).empty()) {
		const char *phase = core::phase_name(now);
		const char *previous = core::phase_name(was);
		bool announce = now != was;
		pg_call([&] {
			set_stored_phase(id, phase);
			if (announce)
				notify_phase(id, name, phase, previous);
		});
	}
	pg_call([] { SPI_finish(); });
	return Int32GetDatum(step_no);
}

void require_args(FunctionCallInfo fcinfo, int n, const char *helper)
{
	for (int i = 0; i < n; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("argument %d of migration_helpers.%s() must not be NULL", i + 1, helper)));
}

std::string name_arg(FunctionCallInfo fcinfo, int i)
{
	return std::string(NameStr(*PG_GETARG_NAME(i)));
}

std::vector<std::string> name_array_arg(FunctionCallInfo fcinfo, int i, const char *what)
{
	ArrayType *arr = pg_call([&] { return PG_GETARG_ARRAYTYPE_P(i); });
	struct {
		Datum *elems;
		bool *nulls;
		int n;
	} c{};
	pg_call([&] {
		deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &c.elems, &c.nulls, &c.n);
	});
	std::vector<std::string> out;
	for (int k = 0; k < c.n; k++) {
		if (c.nulls[k])
			raise_error(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not contain NULL");
		out.emplace_back(NameStr(*DatumGetName(c.elems[k])));
	}
	if (out.empty())
		raise_error(ERRCODE_INVALID_PARAMETER_VALUE, std::string(what) + " must name at least one column");
	return out;
}

std::string quoted_list(const std::vector<std::string> &names)
{
	std::string out;
	for (const auto &n : names)
		out += (out.empty() ? "" : ", ") + quote_ident(n);
	return out;
}

std::string make_object_name(const std::string &a, const std::string &b, const char *label)
{
	const char *x = a.c_str(), *y = b.c_str();
	return std::string(pg_call([&] { return (const char *) makeObjectName(x, y, label); }));
}

namespace {

bool constraint_exists(Oid relid, const std::string &name)
{
	const char *n = name.c_str();
	return pg_call([&] { return OidIsValid(get_relation_constraint_oid(relid, n, true)); });
}

void require_no_constraint(Oid relid, const TableInfo &t, const std::string &name)
{
	if (constraint_exists(relid, name))
		raise_error(ERRCODE_DUPLICATE_OBJECT,
					"constraint \"" + name + "\" for relation \"" + t.name + "\" already exists", "",
					"Choose another constraint_name.");
}

}  // namespace

namespace {

Datum add_column_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 4, "add_column");
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = core::StepKind::AddColumn;
		r.relid = PG_GETARG_OID(1);
		std::string column = name_arg(fcinfo, 2);
		std::string type_text = text_arg(fcinfo, 3);
		std::optional<std::string> default_expr, backfill_expr;
		if (!PG_ARGISNULL(4))
			default_expr = text_arg(fcinfo, 4);
		if (!PG_ARGISNULL(5))
			backfill_expr = text_arg(fcinfo, 5);
		pg_call([] { SPI_connect(); });
		r.table = table_info(r.relid, "relation");
		// The type as the server prints it, schema-qualified: a re-run that spells it otherwise is the same step.
		const char *tt = type_text.c_str();
		std::string type = pg_call([&] {
			Oid typid;
			int32 typmod;
			parseTypeString(tt, &typid, &typmod, false);
			return (const char *) format_type_extended(typid, typmod,
													   FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
		});
		if (default_expr && backfill_expr)
			raise_error(ERRCODE_INVALID_PARAMETER_VALUE,
						"give either default_expr or backfill_expr, not both",
						"A constant default fills every existing row at once, so the backfill would find "
						"nothing to do.");
		if (default_expr) {
			check_expression(*default_expr, "default_expr");
			const char *d = default_expr->c_str();
			const char *ty = type.c_str();
			if (pg_call([&] { return default_is_volatile_c(d, ty); }))
				raise_error(
					ERRCODE_INVALID_PARAMETER_VALUE, "default_expr must not be volatile",
					"ADD COLUMN evaluates a volatile default for every existing row, rewriting table \"" +
						r.table.qualified + "\" under an ACCESS EXCLUSIVE lock.",
					"Add the column without a default and fill it with backfill_expr, which runs in "
					"batches.");
		}
		if (backfill_expr)
			check_expression(*backfill_expr, "backfill_expr");
		r.key = "column " + column;
		r.column = column;
		r.arguments = {column, type, default_expr, backfill_expr};
		TableInfo t = r.table;
		r.validate = [&, t](int64) {
			if (column_exists(r.relid, column))
				raise_error(ERRCODE_DUPLICATE_COLUMN,
							"column \"" + column + "\" of relation \"" + t.name + "\" already exists");
			return true;
		};
		std::string qcol = quote_ident(column);
		std::string qschema = quote_ident(t.schema);
		std::string alias = quote_ident(t.name);
		r.build = [&](int64 id, int step_no, std::optional<long long> job) {
			core::AddColumnArgs a;
			a.table = t.qualified;
			a.column = qcol;
			a.type = type;
			a.default_expr = default_expr;
			a.backfill_expr = backfill_expr;
			std::string fill = "_mh_fill_" + std::to_string(id) + "_" + std::to_string(step_no);
			a.fill_function = qschema + "." + quote_ident(fill);
			a.fill_trigger = quote_ident(fill);
			a.table_alias = alias;
			a.backfill_job = job;
			return core::plan_add_column(a);
		};
		if (backfill_expr)
			r.backfill = [&](int64 id) -> std::optional<long long> {
				Request req;
				req.relation = r.relid;
				req.set_clause = qcol + " = (\n" + *backfill_expr + "\n)";
				req.where_clause = qcol + " IS NULL";
				req.migration_id = id;
				req.force = true;  // a job of an earlier, aborted migration is not this step's
				return start_backfill(req).job;
			};
		return record_step(fcinfo, r);
	});
}

Datum add_check_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 4, "add_check");
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = core::StepKind::AddCheck;
		r.relid = PG_GETARG_OID(1);
		std::string constraint = name_arg(fcinfo, 2);
		std::string expression = text_arg(fcinfo, 3);
		pg_call([] { SPI_connect(); });
		r.table = table_info(r.relid, "relation");
		check_expression(expression, "expression");
		r.key = "constraint " + constraint;
		r.arguments = {constraint, expression};
		TableInfo t = r.table;
		r.validate = [&, t](int64) {
			require_no_constraint(r.relid, t, constraint);
			return true;
		};
		std::string qcon = quote_ident(constraint);
		r.build = [&, t](int64, int, std::optional<long long>) {
			return core::plan_add_check({t.qualified, qcon, expression});
		};
		return record_step(fcinfo, r);
	});
}

Datum add_foreign_key_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 4, "add_foreign_key");
	if (PG_ARGISNULL(6))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("argument 7 of migration_helpers.add_foreign_key() must not be NULL")));
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = core::StepKind::AddForeignKey;
		r.relid = PG_GETARG_OID(1);
		std::vector<std::string> columns = name_array_arg(fcinfo, 2, "column_names");
		r.ref_relid = PG_GETARG_OID(3);
		std::vector<std::string> ref_columns;
		if (!PG_ARGISNULL(4))
			ref_columns = name_array_arg(fcinfo, 4, "ref_columns");
		std::optional<std::string> constraint_arg;
		if (!PG_ARGISNULL(5))
			constraint_arg = name_arg(fcinfo, 5);
		std::string on_delete = text_arg(fcinfo, 6);
		for (auto &ch : on_delete)
			ch = char(toupper((unsigned char) ch));
		pg_call([] { SPI_connect(); });
		r.table = table_info(r.relid, "relation");
		TableInfo ref = table_info(r.ref_relid, "ref_relation");
		const char *allowed[] = {"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"};
		bool ok = false;
		for (const char *a : allowed)
			ok |= on_delete == a;
		if (!ok)
			raise_error(ERRCODE_INVALID_PARAMETER_VALUE,
						"on_delete must be one of NO ACTION, RESTRICT, CASCADE, SET NULL, "
						"SET DEFAULT",
						"Got: " + on_delete + ".");
		for (const auto &c : columns)
			require_column(r.relid, r.table, c);
		for (const auto &c : ref_columns)
			require_column(r.ref_relid, ref, c);
		if (!ref_columns.empty() && ref_columns.size() != columns.size())
			raise_error(ERRCODE_INVALID_FOREIGN_KEY, "column_names and ref_columns must name as many columns",
						"Got " + std::to_string(columns.size()) + " and " +
							std::to_string(ref_columns.size()) + ".");
		// The default name is fixed (table_column_fkey), so a re-run finds its step.
		std::string constraint =
			constraint_arg ? *constraint_arg : make_object_name(r.table.name, columns[0], "fkey");
		r.key = "constraint " + constraint;
		std::string cols = quoted_list(columns);
		std::string refcols = ref_columns.empty() ? "" : quoted_list(ref_columns);
		r.arguments = {constraint, cols, ref.qualified,
					   refcols.empty() ? std::nullopt : std::optional<std::string>(refcols), on_delete};
		TableInfo t = r.table;
		r.validate = [&, t](int64) {
			require_no_constraint(r.relid, t, constraint);
			return true;
		};
		std::string qcon = quote_ident(constraint);
		r.build = [&, t, ref](int64, int, std::optional<long long>) {
			return core::plan_add_foreign_key({t.qualified, qcon, cols, ref.qualified, refcols, on_delete});
		};
		return record_step(fcinfo, r);
	});
}

// column_recording: the start of a step on one column (migration, relation, column_name
// arguments): the recording with its table, key and arguments, an SPI connection open.
Recording column_recording(FunctionCallInfo fcinfo, core::StepKind kind, const std::string &column)
{
	Recording r;
	r.migration = text_arg(fcinfo, 0);
	r.kind = kind;
	r.relid = PG_GETARG_OID(1);
	pg_call([] { SPI_connect(); });
	r.table = table_info(r.relid, "relation");
	r.key = "column " + column;
	r.column = column;
	r.arguments = {column};
	return r;
}

Datum add_not_null_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 3, "add_not_null");
	return guarded_entry([&]() -> Datum {
		std::string column = name_arg(fcinfo, 2);
		Recording r = column_recording(fcinfo, core::StepKind::AddNotNull, column);
		TableInfo t = r.table;
		std::string constraint = make_object_name(t.name, column, "not_null");
		r.validate = [&, t](int64 id) {
			require_column(r.relid, t, column);
			const char *col = column.c_str();
			Oid relid = r.relid;
			struct {
				bool notnull, has_default;
			} a{};
			pg_call([&] {
				HeapTuple tup = SearchSysCacheAttName(relid, col);
				if (HeapTupleIsValid(tup)) {
					auto *att = (Form_pg_attribute) GETSTRUCT(tup);
					a.notnull = att->attnotnull;
					a.has_default = att->atthasdef || att->atthasmissing;
					ReleaseSysCache(tup);
				}
			});
			if (a.notnull) {
				notice("column \"" + column + "\" of relation \"" + t.name +
					   "\" is already NOT NULL: nothing to do");
				return false;
			}
			bool filled = pg_call([&] { return steps_fill_column(id, relid, col); });
			if (core::Refusal refusal = core::refuse_not_null(t.qualified, column, a.has_default, filled))
				raise_refusal(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, refusal);
			require_no_constraint(r.relid, t, constraint);
			return true;
		};
		std::string qcol = quote_ident(column);
		std::string qcon = quote_ident(constraint);
		r.build = [&, t](int64, int, std::optional<long long>) {
			return core::plan_add_not_null({t.qualified, qcol, qcon});
		};
		return record_step(fcinfo, r);
	});
}

Datum drop_column_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 3, "drop_column");
	return guarded_entry([&]() -> Datum {
		std::string column = name_arg(fcinfo, 2);
		Recording r = column_recording(fcinfo, core::StepKind::DropColumn, column);
		TableInfo t = r.table;
		r.validate = [&, t](int64) {
			require_column(r.relid, t, column);
			return true;
		};
		std::string qcol = quote_ident(column);
		r.build = [&, t](int64, int, std::optional<long long>) {
			return core::plan_drop_column({t.qualified, qcol});
		};
		return record_step(fcinfo, r);
	});
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_add_column);
PG_FUNCTION_INFO_V1(mh_add_check);
PG_FUNCTION_INFO_V1(mh_add_foreign_key);
PG_FUNCTION_INFO_V1(mh_add_not_null);
PG_FUNCTION_INFO_V1(mh_drop_column);
}

Datum mh_add_column(PG_FUNCTION_ARGS)
{
	return pg::add_column_entry(fcinfo);
}

Datum mh_add_check(PG_FUNCTION_ARGS)
{
	return pg::add_check_entry(fcinfo);
}

Datum mh_add_foreign_key(PG_FUNCTION_ARGS)
{
	return pg::add_foreign_key_entry(fcinfo);
}

Datum mh_add_not_null(PG_FUNCTION_ARGS)
{
	return pg::add_not_null_entry(fcinfo);
}

Datum mh_drop_column(PG_FUNCTION_ARGS)
{
	return pg::drop_column_entry(fcinfo);
}
