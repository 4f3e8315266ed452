// boundary.hpp — the one crossing between C++ exceptions and PostgreSQL errors.
//
// PostgreSQL reports errors with longjmp, C++ with exceptions, and neither may
// cross the other: a longjmp over a C++ frame skips destructors, and an
// exception thrown through PostgreSQL's C frames is undefined behaviour.
//
//   guarded_entry  wraps every function PostgreSQL calls (C++ -> PostgreSQL):
//                  any exception becomes an ereport(ERROR) raised after all
//                  C++ frames of the body are gone.
//   pg_call        wraps calls into PostgreSQL made while C++ objects are live
//                  (PostgreSQL -> C++): an ereport becomes a PgError exception,
//                  so destructors run; guarded_entry re-raises it unchanged
//                  (SQLSTATE, DETAIL and HINT kept).
//   in_subtransaction  the one way to go on after a PostgreSQL error.
//
// Conventions of the glue that rest on this file:
//   - Everything PostgreSQL calls (fmgr functions, hooks, worker mains, GUC
//     check hooks) has its body in guarded_entry / guarded_void_entry; it
//     reads its arguments before it builds C++ objects and builds its result
//     Datum last. A callback with no C++ code at all (an xact callback that
//     only registers workers) says so in its comment instead.
//   - A function whose name ends in _c, or whose comment says "PostgreSQL calls
//     only", holds no object with a destructor and may ereport: call it from
//     inside pg_call (or from another such function), never from a frame
//     with live C++ objects.
//   - A call into PostgreSQL needs pg_call whenever a C++ object with a
//     destructor is alive in any frame between it and the enclosing
//     guarded_entry; its lambda holds only PostgreSQL calls and returns a
//     scalar (or writes through a pointer it was given, read on success only).
//   - Memory handed to PostgreSQL is palloc'd; C++ containers never hold
//     palloc'd pointers beyond their memory context.
#pragma once

#include <cstring>
#include <exception>
#include <string>
#include <type_traits>

#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// PgError: a PostgreSQL error in flight, copied out of the error stack.
struct PgError final : std::exception {
	explicit PgError(ErrorData *e) : edata(e) {}
	const char *what() const noexcept override { return edata->message; }
	ErrorData *edata;
};

// pg_call: runs fn, which holds only PostgreSQL calls; an ereport(ERROR) in it
// is turned into PgError. No return, break or throw may leave the PG_TRY block.
template <typename Fn>
auto pg_call(Fn &&fn) -> decltype(fn())
{
	using R = decltype(fn());
	using Slot = std::conditional_t<std::is_void_v<R>, int, R>;
	volatile Slot result{};
	ErrorData *volatile edata = nullptr;
	MemoryContext cxt = CurrentMemoryContext;
	PG_TRY();
	{
		if constexpr (std::is_void_v<R>)
			fn();
		else
			result = fn();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (edata)
		throw PgError(edata);
	if constexpr (!std::is_void_v<R>)
		return const_cast<const Slot &>(result);
}

// raise_captured: re-raises a captured error once no C++ frame is left to unwind.
[[noreturn]] inline void raise_captured(ErrorData *pg_error, const char *msg)
{
	if (pg_error)
		ReThrowError(pg_error);
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("unexpected C++ exception: %s", msg)));
	pg_unreachable();
}

// guarded_entry: the body of every function PostgreSQL calls that returns a Datum.
template <typename Fn>
Datum guarded_entry(Fn &&fn)
{
	ErrorData *pg_error = nullptr;
	char msg[256] = "unknown C++ exception";
	try {
		return fn();
	} catch (const PgError &e) {
		pg_error = e.edata;
	} catch (const std::exception &e) {
		strlcpy(msg, e.what(), sizeof(msg));
	} catch (...) {
	}
	// Outside the catch blocks: the exception objects are destroyed, longjmp is safe again.
	raise_captured(pg_error, msg);
}

// guarded_void_entry: the same for hooks and worker mains that return nothing.
template <typename Fn>
void guarded_void_entry(Fn &&fn)
{
	(void) guarded_entry([&]() -> Datum {
		fn();
		return (Datum) 0;
	});
}

// in_subtransaction: runs fn (PostgreSQL calls only) in an internal
// subtransaction of the current transaction and returns true; a PostgreSQL
// error in it rolls the subtransaction back (locks, memory and settings of fn
// with it) and comes back in *error, and the caller goes on in its own
// transaction, as PL/pgSQL's EXCEPTION blocks do. This is the one place that
// recovers from a PostgreSQL error: everywhere else a caught error is re-raised.
template <typename Fn>
bool in_subtransaction(Fn &&fn, PgError *error)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	try {
		pg_call([&] {
			BeginInternalSubTransaction(nullptr);
			MemoryContextSwitchTo(outer);  // fn's allocations outlive the subtransaction
			fn();
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(outer);
			CurrentResourceOwner = owner;
		});
		return true;
	} catch (const PgError &e) {
		*error = e;
		pg_call([&] {
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(outer);
			CurrentResourceOwner = owner;
		});
		return false;
	}
}

// text_to_string: a text argument as a C++ string (call before building other C++ objects).
inline std::string text_to_string(text *t)
{
	return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// text_arg: argument i (text, not NULL) as a C++ string, where C++ objects are already
// alive: its detoasting, which can raise an error, goes through pg_call.
inline std::string text_arg(FunctionCallInfo fcinfo, int i)
{
	text *t = pg_call([&] { return PG_GETARG_TEXT_PP(i); });
	return text_to_string(t);
}

}  // namespace migration_helpers::pg
