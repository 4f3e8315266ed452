// steps.hpp — what the step helpers share (steps.cpp, steps_index.cpp):
// record_step(), which does what every step does (see steps.cpp), and the
// checks of their arguments. PostgreSQL calls are wrapped (pg_call) unless a
// name ends in _c.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/migrate/plan.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

struct TableInfo {
	std::string qualified;  // quoted schema.name
	std::string schema;     // unquoted
	std::string name;       // unquoted
	unsigned int nsp = 0;
};

// Recording: what record_step() needs of a step besides its plan.
struct Recording {
	std::string migration;
	core::StepKind kind;
	Oid relid = InvalidOid;
	Oid ref_relid = InvalidOid;
	// more_relids: other tables the step touches, kept from other migrations like relid
	// (those whose foreign keys reference a renamed or retyped column).
	std::vector<Oid> more_relids;
	TableInfo table;
	std::string key;                                    // identifies the step within its migration
	std::vector<std::optional<std::string>> arguments;  // normalized: equal ones are a re-run
	std::optional<std::string> column;
	std::optional<std::string> index_schema, index_name;  // the index the step builds or drops
	// validate: checks that depend on the current schema (a re-run finds its step before them);
	// false: nothing to do (a notice was given).
	std::function<bool(int64 id)> validate;
	std::function<core::StepPlan(int64 id, int step_no, std::optional<long long> job)> build;
	std::function<std::optional<long long>(int64 id)> backfill;  // after the forward actions
};

// table_info: the table's names; a relation that is not a table, or a
// temporary one, is refused (a background worker cannot see it).
TableInfo table_info(Oid relid, const char *arg);
std::string quote_ident(const std::string &s);
// column_exists: the column is a live (not dropped, not system) column of the table.
bool column_exists(Oid relid, const std::string &column);
void require_column(Oid relid, const TableInfo &t, const std::string &column);
// check_expression_c: expr parses as exactly one expression (see steps.cpp).
void check_expression_c(const char *expr, const char *what);
void check_expression(const std::string &expr, const char *what);
// record_step: steps 1-7 of steps.cpp's header. Returns the step's number, or NULL when nothing was to be done.
Datum record_step(FunctionCallInfo fcinfo, const Recording &r);
// require_args: the first n arguments are not NULL (PostgreSQL calls only, before C++ objects exist).
void require_args(FunctionCallInfo fcinfo, int n, const char *helper);
std::string name_arg(FunctionCallInfo fcinfo, int i);
std::vector<std::string> name_array_arg(FunctionCallInfo fcinfo, int i, const char *what);
// quoted_list: "a, b", each quoted.
std::string quoted_list(const std::vector<std::string> &names);
// make_object_name: makeObjectName() (table_column_label, truncated as the server does).
std::string make_object_name(const std::string &a, const std::string &b, const char *label);

}  // namespace migration_helpers::pg
