// steps_index.cpp — the index steps: add_index, add_unique (CREATE [UNIQUE]
// INDEX CONCURRENTLY by a worker after the transaction commits; the unique
// index becomes the constraint at contract) and drop_index (DROP INDEX
// CONCURRENTLY by a worker after complete_migration commits). See steps.cpp
// for what every step does and tasks.cpp for the worker.
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "core/migrate/plan.hpp"
#include "pg/boundary.hpp"
#include "pg/migrate/common.hpp"
#include "pg/migrate/steps.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// check_index_c: the access method exists, and CREATE INDEX with these
// elements parses as exactly one plain statement (no WHERE, INCLUDE or WITH
// smuggled in through the elements); the predicate is one expression.
void check_index_c(const char *method, const char *columns, const char *where)
{
	(void) get_am_oid(method, false);
	char *sql = psprintf("CREATE INDEX mh ON mh (\n%s\n)", columns);
	List *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	bool ok = list_length(stmts) == 1 && IsA(((RawStmt *) linitial(stmts))->stmt, IndexStmt);
	if (ok) {
		auto *stmt = (IndexStmt *) ((RawStmt *) linitial(stmts))->stmt;
		ok = stmt->whereClause == nullptr && stmt->indexIncludingParams == NIL && stmt->options == NIL &&
			 stmt->tableSpace == nullptr;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("columns must be a list of index elements"),
				 errdetail("Got: %s", columns),
				 errhint("Write them as between the parentheses of CREATE INDEX, e.g. 'lower(email), id'; "
						 "a predicate goes in where_clause.")));
	if (where)
		check_expression_c(where, "where_clause");
}

// default_index_name: table_<elements>_<label>, the elements' letters and digits joined by "_".
std::string default_index_name(const std::string &table, const std::string &columns, const char *label)
{
	std::string part;
	for (char ch : columns) {
		bool word = isalnum((unsigned char) ch) || ch == '_';
		if (word)
			part += ch;
		else if (!part.empty() && part.back() != '_')
			part += '_';
	}
	while (!part.empty() && part.back() == '_')
		part.pop_back();
	return make_object_name(table, part.empty() ? "expr" : part, label);
}

void require_no_relation(const TableInfo &t, const std::string &name)
{
	const char *n = name.c_str();
	Oid nsp = t.nsp;
	if (pg_call([&] { return OidIsValid(get_relname_relid(n, nsp)); }))
		raise_error(ERRCODE_DUPLICATE_TABLE, "relation \"" + name + "\" already exists", "",
					"Choose another index_name.");
}

Datum add_index_entry(FunctionCallInfo fcinfo, bool unique_constraint)
{
	const char *helper = unique_constraint ? "add_unique" : "add_index";
	require_args(fcinfo, 3, helper);
	if (!unique_constraint && PG_ARGISNULL(4))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("method must not be NULL")));
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = unique_constraint ? core::StepKind::AddUnique : core::StepKind::AddIndex;
		r.relid = PG_GETARG_OID(1);
		std::string columns, method = "btree";
		std::vector<std::string> names;
		std::optional<std::string> name_arg_value, where;
		if (unique_constraint) {
			names = name_array_arg(fcinfo, 2, "column_names");
			columns = quoted_list(names);
		} else {
			columns = text_arg(fcinfo, 2);
			method = text_arg(fcinfo, 4);
			if (!PG_ARGISNULL(5))
				where = text_arg(fcinfo, 5);
		}
		if (!PG_ARGISNULL(3))
			name_arg_value = name_arg(fcinfo, 3);
		pg_call([] { SPI_connect(); });
		r.table = table_info(r.relid, "relation");
		TableInfo t = r.table;
		for (const auto &c : names)
			require_column(r.relid, t, c);
		std::string qmethod = quote_ident(method);
		const char *m = qmethod.c_str(), *c = columns.c_str(), *w = where ? where->c_str() : nullptr;
		pg_call([&] { check_index_c(m, c, w); });
		std::string index = name_arg_value      ? *name_arg_value
							: unique_constraint ? default_index_name(t.name, columns, "key")
												: default_index_name(t.name, columns, "idx");
		r.key = "index " + index;
		r.arguments = {index, columns, method, where};
		r.index_schema = t.schema;
		r.index_name = index;
		r.validate = [&, t](int64) {
			require_no_relation(t, index);
			return true;
		};
		std::string qindex = quote_ident(index);
		std::string qualified = quote_ident(t.schema) + "." + qindex;
		r.build = [&, t](int64, int, std::optional<long long>) {
			core::IndexArgs a{t.qualified, qindex, qualified, qmethod, columns, where, false};
			return unique_constraint ? core::plan_add_unique(a, qindex) : core::plan_add_index(a);
		};
		return record_step(fcinfo, r);
	});
}

Datum drop_index_entry(FunctionCallInfo fcinfo)
{
	require_args(fcinfo, 2, "drop_index");
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = core::StepKind::DropIndex;
		Oid index = PG_GETARG_OID(1);
		struct {
			bool is_index;
			Oid table;
			Oid constraint;
			char name[NAMEDATALEN];
		} c{};
		pg_call([&] {
			char kind = get_rel_relkind(index);
			c.is_index = kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX;
			if (c.is_index) {
				c.table = IndexGetRelation(index, false);
				c.constraint = get_index_constraint(index);
				strlcpy(c.name, get_rel_name(index), sizeof(c.name));
			}
		});
		if (!c.is_index)
			raise_error(ERRCODE_WRONG_OBJECT_TYPE,
						"argument index of migration_helpers.drop_index() must be an index");
		if (OidIsValid(c.constraint))
			raise_error(
				ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
				std::string("index \"") + c.name + "\" belongs to a constraint",
				"Dropping it would drop the constraint's guarantee, which DROP INDEX does not do.",
				"Drop the constraint with ALTER TABLE ... DROP CONSTRAINT in a migration of its own.");
		pg_call([] { SPI_connect(); });
		r.relid = c.table;
		r.table = table_info(r.relid, "index");
		std::string name = c.name;
		r.key = "index " + name;
		r.arguments = {name};
		r.index_schema = r.table.schema;
		r.index_name = name;
		std::string qualified = quote_ident(r.table.schema) + "." + quote_ident(name);
		r.build = [&](int64, int, std::optional<long long>) { return core::plan_drop_index(qualified); };
		return record_step(fcinfo, r);
	});
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_add_index);
PG_FUNCTION_INFO_V1(mh_add_unique);
PG_FUNCTION_INFO_V1(mh_drop_index);
}

Datum mh_add_index(PG_FUNCTION_ARGS)
{
	return pg::add_index_entry(fcinfo, false);
}

Datum mh_add_unique(PG_FUNCTION_ARGS)
{
	return pg::add_index_entry(fcinfo, true);
}

Datum mh_drop_index(PG_FUNCTION_ARGS)
{
	return pg::drop_index_entry(fcinfo);
}
