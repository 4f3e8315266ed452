// selftest.cpp — SQL-callable checks of the C++/PostgreSQL error boundary.
//
// _selftest_boundary(mode) exercises both directions of boundary.hpp so a
// regression test can prove them on the real server:
//   'cpp'  throws a C++ exception inside a SQL function: it must become a
//          clean ERROR (backend alive, transaction rolled back).
//   'pg'   raises ereport(ERROR) inside pg_call while a C++ object is live:
//          its destructor must run, and SQLSTATE, DETAIL and HINT survive.
//   'ok'   returns normally.
// _selftest_destructor_count() tells how many such destructors have run in
// this backend. Both are revoked from PUBLIC.
#include <stdexcept>
#include <string>

#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace {

int destructor_count = 0;

// Witness: counts its destruction, to prove unwinding happened.
struct Witness {
	std::string label{"witness"};
	~Witness() { ++destructor_count; }
};

}  // namespace

extern "C" {
PG_FUNCTION_INFO_V1(mh_selftest_boundary);
PG_FUNCTION_INFO_V1(mh_selftest_destructor_count);
}

extern "C" Datum mh_selftest_boundary(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers::pg;
	text *mode_arg = PG_GETARG_TEXT_PP(0);
	return guarded_entry([&]() -> Datum {
		std::string mode = text_to_string(mode_arg);
		Witness witness;
		if (mode == "cpp")
			throw std::runtime_error("C++ exception raised on purpose by the self-test");
		if (mode == "pg")
			pg_call([] {
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION), errmsg("error raised on purpose by the self-test"),
						 errdetail("Raised by ereport inside pg_call."),
						 errhint("The C++ destructors ran before this reached you.")));
			});
		if (mode != "ok")
			pg_call([&] {
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("unknown self-test mode \"%s\"", mode.c_str()),
								errhint("Use 'ok', 'cpp' or 'pg'.")));
			});
		return Int32GetDatum(destructor_count + 1);  // this call's witness is destroyed on return
	});
}

extern "C" Datum mh_selftest_destructor_count(PG_FUNCTION_ARGS)
{
	return migration_helpers::pg::guarded_entry([]() -> Datum { return Int32GetDatum(destructor_count); });
}
