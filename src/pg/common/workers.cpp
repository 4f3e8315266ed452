// workers.cpp — the background workers' shared pieces (see workers.hpp).
#include "pg/common/workers.hpp"

namespace migration_helpers::pg {

BackgroundWorker worker_spec(const char *function, const char *type, int restart_seconds)
{
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = restart_seconds;
	strlcpy(worker.bgw_library_name, "migration_helpers", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	strlcpy(worker.bgw_name, type, BGW_MAXLEN);
	return worker;
}

Oid worker_login_role(Oid owner, const char *what_runs, const char *hint_action)
{
	HeapTuple tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(owner));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "role with OID %u does not exist", owner);
	bool can_login = ((Form_pg_authid) GETSTRUCT(tup))->rolcanlogin;
	ReleaseSysCache(tup);
	if (can_login)
		return owner;
	Oid session = GetSessionUserId();
	if (session != owner && has_privs_of_role(session, owner))
		return session;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" cannot log in, and the session user \"%s\" does not have its privileges",
					GetUserNameFromId(owner, false), GetUserNameFromId(session, false)),
			 errdetail("%s in a background worker that connects as a role that may log in and acts with the "
					   "rights of the role that asked for it.",
					   what_runs),
			 errhint("%s as a role that may log in, or with SET ROLE from a session user that is a member of "
					 "\"%s\".",
					 hint_action, GetUserNameFromId(owner, false))));
	return InvalidOid;
}

}  // namespace migration_helpers::pg
