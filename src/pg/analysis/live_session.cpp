// live_session.cpp — the TxnView of the transaction running now: the relcache's creation
// subtransaction, the pg_type row's inserting transaction, the lock manager's locks held.
#include "pg/analysis/txn_view.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// relation_created_c: PostgreSQL calls only. The relcache is consulted only for a pg_class row
// written by this transaction: a row from an earlier transaction proves the relation is not
// new, while a row of ours may come from any ALTER, so only the relcache's creation
// subtransaction tells.
bool relation_created_c(Oid relid)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	auto *form = (Form_pg_class) GETSTRUCT(tup);
	bool created = form->relpersistence == RELPERSISTENCE_TEMP;
	bool ours = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
	ReleaseSysCache(tup);
	if (created || !ours)
		return created;
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return false;
	created = RELATION_IS_LOCAL(rel);
	RelationClose(rel);
	return created;
}

// type_created_c: PostgreSQL calls only. The pg_type row was inserted (not updated: a version
// made by UPDATE carries HEAP_UPDATED) by this transaction.
bool type_created_c(Oid typid)
{
	HeapTuple tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		return false;
	bool created = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)) &&
				   !(tup->t_data->t_infomask & HEAP_UPDATED);
	ReleaseSysCache(tup);
	return created;
}

// function_created_c: PostgreSQL calls only. As type_created_c, for a pg_proc row.
bool function_created_c(Oid funcid)
{
	HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return false;
	bool created = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)) &&
				   !(tup->t_data->t_infomask & HEAP_UPDATED);
	ReleaseSysCache(tup);
	return created;
}

class LiveSession final : public TxnView {
public:
	bool relation_created(unsigned int relid) const override
	{
		return pg_call([&] { return relation_created_c(relid); });
	}
	bool type_created(unsigned int typid) const override
	{
		return pg_call([&] { return type_created_c(typid); });
	}
	bool function_created(unsigned int funcid) const override
	{
		return pg_call([&] { return function_created_c(funcid); });
	}
	bool holds_lock(unsigned int relid, int lockmode) const override
	{
		return pg_call([&] { return CheckRelationOidLockedByMe(relid, lockmode, true); });
	}
};

}  // namespace

const TxnView &live_session()
{
	static const LiveSession session;
	return session;
}

}  // namespace migration_helpers::pg
