// citus.cpp — Citus's catalogs and functions, looked up by name at run time (citus.hpp). Every
// lookup first asks whether the citus extension is installed here, so that without Citus the
// guard and the engine read nothing more than before.
#include "pg/common/citus.hpp"

#include <string>

#include "core/ddl/citus.hpp"
#include "pg/boundary.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// catalog_relid_c: a Citus catalog table in pg_catalog, or InvalidOid.
Oid catalog_relid_c(const char *name)
{
	return get_relname_relid(name, PG_CATALOG_NAMESPACE);
}

// citus_function_c: pg_catalog.<name>(regclass), (regclass, text) or (regclass, text, boolean)
// as nargs says, or InvalidOid.
Oid citus_function_c(const char *name, int nargs)
{
	Oid types[3] = {REGCLASSOID, TEXTOID, BOOLOID};
	List *names = list_make2(makeString(pstrdup("pg_catalog")), makeString(pstrdup(name)));
	return LookupFuncName(names, nargs, types, true);
}

// column_c: the attribute number of a named column of a catalog, or InvalidAttrNumber.
AttrNumber column_c(Relation rel, const char *name)
{
	return get_attnum(RelationGetRelid(rel), name);
}

// count_shards_c: the rows of pg_dist_shard whose logicalrelid is relid.
int count_shards_c(Oid relid)
{
	Oid shard_rel = catalog_relid_c("pg_dist_shard");
	if (!OidIsValid(shard_rel))
		return 0;
	Relation rel = table_open(shard_rel, AccessShareLock);
	AttrNumber logical = column_c(rel, "logicalrelid");
	int n = 0;
	if (logical != InvalidAttrNumber) {
		ScanKeyData key;
		ScanKeyInit(&key, logical, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &key);
		while (HeapTupleIsValid(systable_getnext(scan)))
			n++;
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return n;
}

// has_placement_here_c: pg_dist_placement has a placement of shardid in this node's group
// (pg_dist_local_group); true when the catalogs are not the ones this code knows.
bool has_placement_here_c(int64 shardid)
{
	Oid local_rel = catalog_relid_c("pg_dist_local_group");
	Oid placement_rel = catalog_relid_c("pg_dist_placement");
	if (!OidIsValid(local_rel) || !OidIsValid(placement_rel))
		return true;  // not a Citus we know: as if live
	int32 local_group = -1;
	Relation rel = table_open(local_rel, AccessShareLock);
	AttrNumber group = column_c(rel, "groupid");
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 0, nullptr);
	HeapTuple tup = systable_getnext(scan);
	bool isnull = true;
	if (HeapTupleIsValid(tup) && group != InvalidAttrNumber) {
		Datum d = heap_getattr(tup, group, RelationGetDescr(rel), &isnull);
		if (!isnull)
			local_group = DatumGetInt32(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (local_group < 0)
		return true;
	rel = table_open(placement_rel, AccessShareLock);
	AttrNumber shard = column_c(rel, "shardid");
	group = column_c(rel, "groupid");
	bool here = shard == InvalidAttrNumber || group == InvalidAttrNumber;
	if (!here) {
		ScanKeyData key;
		ScanKeyInit(&key, shard, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shardid));
		scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &key);
		while (!here && HeapTupleIsValid(tup = systable_getnext(scan))) {
			Datum d = heap_getattr(tup, group, RelationGetDescr(rel), &isnull);
			here = !isnull && DatumGetInt32(d) == local_group;
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return here;
}

// shard_logical_relid_c: the Citus table shardid is a shard of, or InvalidOid.
Oid shard_logical_relid_c(int64 shardid)
{
	Oid shard_rel = catalog_relid_c("pg_dist_shard");
	if (!OidIsValid(shard_rel))
		return InvalidOid;
	Relation rel = table_open(shard_rel, AccessShareLock);
	AttrNumber shard = column_c(rel, "shardid");
	AttrNumber logical = column_c(rel, "logicalrelid");
	Oid out = InvalidOid;
	if (shard != InvalidAttrNumber && logical != InvalidAttrNumber) {
		ScanKeyData key;
		ScanKeyInit(&key, shard, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shardid));
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &key);
		HeapTuple tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup)) {
			bool isnull;
			Datum d = heap_getattr(tup, logical, RelationGetDescr(rel), &isnull);
			if (!isnull)
				out = DatumGetObjectId(d);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return out;
}

}  // namespace

bool citus_idle_shard_c(unsigned int relid)
{
	if (!citus_installed_c())
		return false;
	char *name = get_rel_name(relid);
	if (name == nullptr)
		return false;
	// <table name>_<shard id>, as Citus's AppendShardIdToName builds it.
	const char *underscore = strrchr(name, '_');
	if (underscore == nullptr || underscore[1] == '\0' ||
		strspn(underscore + 1, "0123456789") != strlen(underscore + 1) || strlen(underscore + 1) > 18)
		return false;
	int64 shardid = strtoll(underscore + 1, nullptr, 10);
	Oid logical = shard_logical_relid_c(shardid);
	if (!OidIsValid(logical) || logical == relid || get_rel_namespace(logical) != get_rel_namespace(relid))
		return false;
	char *logical_name = get_rel_name(logical);
	if (logical_name == nullptr || strcmp(psprintf("%s_" INT64_FORMAT, logical_name, shardid), name) != 0)
		return false;
	return !has_placement_here_c(shardid);
}

bool citus_hold_shard_here_c(int64_t shardid)
{
	if (!citus_installed_c())
		return true;
	// The tag Citus's LockShardDistributionMetadata() takes (SetLocktagForShardDistributionMetadata,
	// resource_lock.c, Citus 11 to 13): for a hash-distributed or single-shard distributed table in
	// a co-location group, the group's tag for the shard's index (its place among the table's shards
	// by hash range: ADV_LOCKTAG_CLASS_CITUS_COLOCATED_SHARDS_METADATA, 8), else the shard's own
	// (ADV_LOCKTAG_CLASS_CITUS_SHARD_METADATA, 4).
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(shardid)};
	int rc = SPI_execute_with_args(
		"SELECT p.colocationid, (p.partmethod = 'h' OR (p.partmethod = 'n' AND p.repmodel = 's')) AS grouped, "
		"CASE WHEN p.partmethod = 'h' THEN (SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_shard o "
		"WHERE o.logicalrelid = s.logicalrelid AND o.shardminvalue::int < s.shardminvalue::int) ELSE 0 END "
		"FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid "
		"WHERE s.shardid = $1",
		1, types, values, nullptr, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the metadata of shard " INT64_FORMAT ": %s", int64(shardid),
			 SPI_result_code_string(rc));
	if (SPI_processed != 1)
		return false;  // no such shard in this node's metadata: not one to write to
	bool isnull;
	HeapTuple t = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	uint32 colocation = DatumGetUInt32(SPI_getbinval(t, d, 1, &isnull));
	bool grouped = DatumGetBool(SPI_getbinval(t, d, 2, &isnull));
	uint32 index = uint32(DatumGetInt64(SPI_getbinval(t, d, 3, &isnull)));
	LOCKTAG tag;
	if (colocation == 0 || !grouped)
		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, uint32(uint64(shardid) >> 32), uint32(shardid), 4);
	else
		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, index, colocation, 8);
	(void) LockAcquire(&tag, ShareLock, false, false);
	return has_placement_here_c(shardid);
}

bool citus_trusted_session_c()
{
	// The application_name first: it is free to read, and no client session carries Citus's mark.
	const char *appname = application_name != nullptr ? application_name : "";
	if (!core::citus_internal_application_name(appname))
		return false;
	core::CitusSessionFacts f;
	f.application_name = appname;
	f.citus_installed = citus_installed_c();
	f.role_may_disable_guard = role_may_set_guard();
	return core::judged_elsewhere(f);
}

bool citus_installed_c()
{
	return OidIsValid(get_extension_oid("citus", true));
}

CitusTableC citus_table_c(unsigned int relid)
{
	CitusTableC out{core::Distribution::Local, 0};
	if (!citus_installed_c())
		return out;
	Oid part_rel = catalog_relid_c("pg_dist_partition");
	if (!OidIsValid(part_rel))
		return out;
	// pg_dist_partition (logicalrelid, partmethod, partkey, colocationid, repmodel, ...): read by
	// column name, so that a Citus version that adds columns is read the same way.
	Relation rel = table_open(part_rel, AccessShareLock);
	AttrNumber logical = column_c(rel, "logicalrelid");
	AttrNumber method = column_c(rel, "partmethod");
	AttrNumber repmodel = column_c(rel, "repmodel");
	AttrNumber coloc = column_c(rel, "colocationid");
	bool found = false;
	char partmethod = 0, rep = 0;
	int colocationid = 0;
	if (logical != InvalidAttrNumber && method != InvalidAttrNumber && repmodel != InvalidAttrNumber) {
		ScanKeyData key;
		ScanKeyInit(&key, logical, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &key);
		HeapTuple tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup)) {
			bool isnull;
			TupleDesc desc = RelationGetDescr(rel);
			Datum m = heap_getattr(tup, method, desc, &isnull);
			partmethod = isnull ? 0 : DatumGetChar(m);
			Datum r = heap_getattr(tup, repmodel, desc, &isnull);
			rep = isnull ? 0 : DatumGetChar(r);
			if (coloc != InvalidAttrNumber) {
				Datum c = heap_getattr(tup, coloc, desc, &isnull);
				colocationid = isnull ? 0 : DatumGetInt32(c);
			}
			found = true;
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	if (!found)
		return out;
	// partmethod 'h', 'r', 'a': distributed; 'n' with repmodel 't': reference; 'n' with 's': a
	// single-shard distributed table when co-located (schema-based sharding), else Citus-local.
	if (partmethod == 'n' && rep == 't')
		out.distribution = core::Distribution::Reference;
	else if (partmethod == 'n' && colocationid == 0)
		out.distribution = core::Distribution::CitusLocal;
	else
		out.distribution = core::Distribution::Distributed;
	out.shard_count = count_shards_c(relid);
	return out;
}

// The sizes measured in this transaction (a few tables at most: the ones its DDL names).
struct MeasuredSize {
	LocalTransactionId lxid;
	Oid relid;
	int64 size;
};
static constexpr int kMeasured = 8;
static MeasuredSize measured[kMeasured];
static int next_measured = 0;

int64_t citus_table_size(unsigned int relid)
{
	LocalTransactionId lxid = MyProc->lxid;
	Oid fn = pg_call([] { return citus_function_c("citus_table_size", 1); });
	if (!OidIsValid(fn))
		return -1;
	int64 size = -1;
	PgError error(nullptr);
	if (!in_subtransaction([&] { size = DatumGetInt64(OidFunctionCall1(fn, ObjectIdGetDatum(relid))); },
						   &error)) {
		for (const MeasuredSize &m : measured)
			if (m.lxid == lxid && m.relid == relid)
				return m.size;
		return -1;
	}
	for (MeasuredSize &m : measured)
		if (m.lxid == lxid && m.relid == relid) {
			m.size = size;
			return size;
		}
	measured[next_measured] = MeasuredSize{lxid, relid, size};
	next_measured = (next_measured + 1) % kMeasured;
	return size;
}

}  // namespace migration_helpers::pg
