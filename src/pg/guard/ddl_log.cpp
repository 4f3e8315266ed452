// ddl_log.cpp — the guard's log step: one row in migration_helpers._ddl_log per guarded
// statement that ran, with the rules allowed and warned about and the lock it held.
#include <string>
#include <vector>

#include "pg/boundary.hpp"
#include "pg/guard/internal.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// strongest_lock_held: the name of the strongest lock this backend holds on relid, or NULL.
const char *strongest_lock_held(Oid relid)
{
	if (!OidIsValid(relid))
		return nullptr;
	for (LOCKMODE mode = AccessExclusiveLock; mode > NoLock; --mode)
		if (CheckRelationOidLockedByMe(relid, mode, false))
			return GetLockmodeName(DEFAULT_LOCKMETHOD, mode);
	return nullptr;
}

// LogRowC: one ddl_log row in plain memory.
struct LogRowC {
	const char *command_tag;
	const char *statement;
	Oid relid;
	const char *relname;
	double duration_ms;
	bool duration_known;
	const char *const *allowed;
	int n_allowed;
	const char *const *warned;
	int n_warned;
	const char *guard_mode;
	const char *migration;  // nullptr: not a helper's statement
};

// The columns of migration_helpers._ddl_log that insert_ddl_log_c fills, in order.
constexpr int kLogColumns = 14;
const char *const kLogNames[kLogColumns] = {
	"id",        "logged_at", "role_name",     "backend_pid",  "command_tag", "statement",    "relation",
	"lock_mode", "duration",  "rules_allowed", "rules_warned", "guard_mode",  "session_role", "migration"};
const Oid kLogTypes[kLogColumns] = {INT8OID,      TIMESTAMPTZOID, NAMEOID, INT4OID,     TEXTOID,
									TEXTOID,      TEXTOID,        TEXTOID, INTERVALOID, TEXTARRAYOID,
									TEXTARRAYOID, TEXTOID,        NAMEOID, TEXTOID};

bool log_shape_matches(TupleDesc desc)
{
	if (desc->natts != kLogColumns)
		return false;
	for (int i = 0; i < kLogColumns; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped || att->atttypid != kLogTypes[i] ||
			strcmp(NameStr(att->attname), kLogNames[i]) != 0)
			return false;
	}
	return true;
}

Datum text_array(const char *const *items, int n, bool *isnull)
{
	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	Datum *elems = (Datum *) palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// insert_ddl_log_c: appends one row to migration_helpers._ddl_log. DDL
// statements are frequent in migrations, so this is a direct heap and index
// insert, not an executor run: the table has no triggers, rules or CHECKs,
// and every NOT NULL column is filled here. Written without permission
// checks on purpose: the role running the DDL may read the log, never write
// it. If the table's shape is not the one this library knows (the SQL
// objects were not updated with it), nothing is written but a WARNING.
void insert_ddl_log_c(const LogRowC *row)
{
	Oid nsp = get_namespace_oid("migration_helpers", true);
	Oid log_rel = OidIsValid(nsp) ? get_relname_relid("_ddl_log", nsp) : InvalidOid;
	Oid seq = OidIsValid(nsp) ? get_relname_relid("_ddl_log_id_seq", nsp) : InvalidOid;
	if (!OidIsValid(log_rel) || !OidIsValid(seq))
		return;  // the extension is being created or dropped
	Relation rel = table_open(log_rel, RowExclusiveLock);
	if (!log_shape_matches(RelationGetDescr(rel))) {
		table_close(rel, RowExclusiveLock);
		ereport(WARNING, (errmsg("migration_helpers._ddl_log does not have the columns this library writes"),
						  errhint("Run ALTER EXTENSION migration_helpers UPDATE.")));
		return;
	}
	Datum values[kLogColumns];
	bool nulls[kLogColumns] = {};
	const char *lock = strongest_lock_held(row->relid);
	values[0] = Int64GetDatum(nextval_internal(seq, false));
	values[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[3] = Int32GetDatum(MyProcPid);
	values[4] = CStringGetTextDatum(row->command_tag);
	values[5] = CStringGetTextDatum(row->statement);
	values[6] = row->relname ? CStringGetTextDatum(row->relname) : (Datum) 0;
	nulls[6] = row->relname == nullptr;
	values[7] = lock ? CStringGetTextDatum(lock) : (Datum) 0;
	nulls[7] = lock == nullptr;
	auto *duration = (Interval *) palloc0(sizeof(Interval));
	duration->time = int64(row->duration_ms * 1000.0);
	values[8] = IntervalPGetDatum(duration);
	nulls[8] = !row->duration_known;
	values[9] = text_array(row->allowed, row->n_allowed, &nulls[9]);
	values[10] = text_array(row->warned, row->n_warned, &nulls[10]);
	values[11] = CStringGetTextDatum(row->guard_mode);
	// The session's role as well: in a SECURITY DEFINER function the current one is its owner.
	Oid session_role = GetSessionUserId();
	values[12] = session_role == GetUserId()
					 ? values[2]
					 : DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(session_role, false)));
	values[13] = row->migration ? CStringGetTextDatum(row->migration) : (Datum) 0;
	nulls[13] = row->migration == nullptr;
	HeapTuple tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	CatalogTupleInsert(rel, tup);  // heap insert plus its indexes
	heap_freetuple(tup);
	table_close(rel, NoLock);
}
}  // namespace

void guard_log(const char *command_tag, const std::string &statement, unsigned int relid,
			   const std::string &relname, const Enforcement &e, double duration_ms, bool duration_known)
{
	std::vector<const char *> allowed, warned;
	for (const auto &id : e.allowed)
		allowed.push_back(id.c_str());
	for (const auto &id : e.warned)
		warned.push_back(id.c_str());
	LogRowC row{};
	row.command_tag = command_tag;
	row.statement = statement.c_str();
	row.relid = relid;
	row.relname = relname.empty() ? nullptr : relname.c_str();
	row.duration_ms = duration_ms;
	row.duration_known = duration_known;
	row.allowed = allowed.data();
	row.n_allowed = int(allowed.size());
	row.warned = warned.data();
	row.n_warned = int(warned.size());
	row.migration = e.migration.empty() ? nullptr : e.migration.c_str();
	row.guard_mode = guc_guard_mode == GUARD_ENFORCE ? "enforce"
					 : guc_guard_mode == GUARD_WARN  ? "warn"
													 : "off";
	pg_call([&] { insert_ddl_log_c(&row); });
}
}  // namespace migration_helpers::pg
