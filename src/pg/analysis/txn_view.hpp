// txn_view.hpp — the transaction facts the analysis reads, behind one interface.
//
// A statement's operations are judged differently when the transaction that
// runs it created the relation (exempt: nobody else sees it yet) or already
// holds a strong lock on it (VALIDATE under SHARE blocks nobody new). The live
// guard reads these from the session (live_session()); lint() reads them
// from its script model (pg/preflight/lint.cpp: ScriptView), filled from the
// statements of the script before the one it analyses, without running any
// of them. Keys are OIDs of objects that exist in the catalog: an object the
// script itself creates does not exist while lint analyses it, and the
// analysis exempts what does not exist.
//
// Implementations must not throw except PgError (the live one calls PostgreSQL
// through pg_call); the analysis calls them from C++ frames, never from inside
// a PostgreSQL-calls-only function.
#pragma once

namespace migration_helpers::pg {

class TxnView {
public:
	virtual ~TxnView() = default;
	// relation_created: the relation was created by this transaction (in a subtransaction that
	// has not been rolled back), or is a temporary table of this session.
	virtual bool relation_created(unsigned int relid) const = 0;
	// type_created: the type's catalog row was inserted by this transaction and not updated since
	// (an ALTER of a new type in the same transaction makes it look old: the safe side).
	virtual bool type_created(unsigned int typid) const = 0;
	// function_created: the function's catalog row was inserted by this transaction and not updated
	// since. Not pure: a view that cannot tell says "no", the safe side (the function is judged).
	virtual bool function_created(unsigned int funcid) const { return false; }
	// holds_lock: this transaction holds a lock of lockmode (a LOCKMODE) or a stronger one on relid.
	virtual bool holds_lock(unsigned int relid, int lockmode) const = 0;
};

// live_session: the facts of the transaction running now.
const TxnView &live_session();

}  // namespace migration_helpers::pg
