// guard_enforce.cpp — what the event triggers and the utility hook share:
// relation facts from the catalog, acting on verdicts, the ddl_log and rules().
#include <optional>
#include <string>

#include "core/guard_rules.hpp"
#include "pg/boundary.hpp"
#include "pg/errcodes.hpp"
#include "pg/guard.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// RelFactsC: relation facts in plain memory, filled by PostgreSQL calls only.
struct RelFactsC {
	bool exists;
	bool local;
	bool published;
	int64 size_bytes;
	char *name;  // palloc'd "schema.table"
};

int64 relation_bytes(Relation rel)
{
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return 0;
	return int64(RelationGetNumberOfBlocks(rel)) * BLCKSZ;
}

// collect_relation_facts: reads the relcache entry without taking a lock (the
// DDL being judged takes its own right after); PostgreSQL calls only.
void collect_relation_facts(Oid relid, bool want_publication, RelFactsC *out)
{
	out->exists = false;
	if (!OidIsValid(relid) || relid < FirstNormalObjectId)
		return;  // missing (the DDL will report it) or a system catalog
	Relation rel = RelationIdGetRelation(relid);
	if (rel == nullptr)
		return;
	out->exists = true;
	out->local = RELATION_IS_LOCAL(rel) || rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP;
	// Messages put names in double quotes unescaped, as PostgreSQL's own do.
	out->name = psprintf("%s.%s", get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
	out->size_bytes = relation_bytes(rel);
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE || rel->rd_rel->relkind == RELKIND_PARTITIONED_INDEX) {
		ListCell *lc;
		foreach (lc, find_all_inheritors(relid, NoLock, nullptr)) {
			Oid child = lfirst_oid(lc);
			if (child == relid)
				continue;
			Relation crel = RelationIdGetRelation(child);
			if (crel == nullptr)
				continue;
			out->size_bytes += relation_bytes(crel);
			RelationClose(crel);
		}
	}
	out->published = false;
	if (want_publication && rel->rd_rel->relkind != RELKIND_INDEX) {
		out->published = GetRelationPublications(relid) != NIL ||
						 GetSchemaPublications(RelationGetNamespace(rel)) != NIL ||
						 GetAllTablesPublications() != NIL;
	}
	RelationClose(rel);
}

// ddl_log_owner: the role that owns migration_helpers._ddl_log, or InvalidOid
// while the extension is not (fully) installed.
Oid ddl_log_relation()
{
	Oid nsp = get_namespace_oid("migration_helpers", true);
	return OidIsValid(nsp) ? get_relname_relid("_ddl_log", nsp) : InvalidOid;
}

Oid relation_owner(Oid relid)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	Oid owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

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

void report(int elevel, const core::Verdict &v)
{
	const char *msg = v.message.c_str();
	const char *detail = v.detail.c_str();
	const char *hint = v.hint.c_str();
	pg_call([&] {
		ereport(elevel, (errcode(ERRCODE_MH_UNSAFE_DDL), errmsg("%s", msg), errdetail("%s", detail),
						 errhint("%s", hint)));
	});
}

void report_allowed(const core::Verdict &v)
{
	const char *msg = v.message.c_str();
	const char *id = v.rule->id.data();
	int id_len = int(v.rule->id.size());
	pg_call([&] {
		ereport(NOTICE, (errmsg("%s", msg),
						 errdetail("Rule %.*s is allowed in this transaction by migration_helpers.allow; the "
								   "statement is recorded in migration_helpers.ddl_log.",
								   id_len, id)));
	});
}

std::string join(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &s : v) {
		if (!out.empty())
			out += ',';
		out += s;
	}
	return out;
}

}  // namespace

core::RelationFacts relation_facts(unsigned int relid, bool want_publication)
{
	RelFactsC c{};
	pg_call([&] { collect_relation_facts(relid, want_publication, &c); });
	core::RelationFacts f;
	f.exists = c.exists;
	if (!c.exists)
		return f;
	f.created_in_transaction = c.local;
	f.published = c.published;
	f.size_bytes = c.size_bytes;
	f.name = c.name;
	return f;
}

bool guard_active()
{
	if (guc_guard_mode == GUARD_OFF)
		return false;
	// Our own install and upgrade scripts are trusted; other extensions' scripts are guarded.
	if (creating_extension)
		return pg_call([] { return CurrentExtensionObject != get_extension_oid("migration_helpers", true); });
	return true;
}

Enforcement guard_enforce(const std::vector<GuardedOp> &ops)
{
	Enforcement e;
	core::GuardSettings settings;
	settings.large_table_threshold_bytes = int64_t(guc_large_table_threshold_kb) * 1024;
	std::optional<core::AllowList> allow;
	for (const auto &g : ops) {
		if (g.op.table.exists && !g.op.table.created_in_transaction)
			e.guarded = true;
		for (const auto &v : core::judge(g.op, settings)) {
			std::string id(v.rule->id);
			if (v.rule->severity == core::Severity::Warning) {
				report(WARNING, v);
				e.warned.push_back(id);
				continue;
			}
			if (!allow) {
				// The check hook already refused unknown ids, so this parse cannot fail.
				allow = core::parse_allow_list(guc_allow ? guc_allow : "", nullptr);
				if (!allow)
					allow = core::AllowList{};
			}
			if (allow->allows(id)) {
				report_allowed(v);
				e.allowed.push_back(id);
			} else if (guc_guard_mode == GUARD_WARN) {
				report(WARNING, v);
				e.warned.push_back(id);
			} else {
				report(ERROR, v);
			}
		}
	}
	return e;
}

void guard_log(const char *command_tag, unsigned int relid, const std::string &relname, const Enforcement &e,
			   double duration_ms, bool duration_known)
{
	const char *relname_c = relname.empty() ? nullptr : relname.c_str();
	std::string allowed = join(e.allowed);
	std::string warned = join(e.warned);
	const char *allowed_c = allowed.c_str();
	const char *warned_c = warned.c_str();
	const char *mode = guc_guard_mode == GUARD_ENFORCE ? "enforce" : guc_guard_mode == GUARD_WARN ? "warn" : "off";
	pg_call([&] {
		Oid log_rel = ddl_log_relation();
		if (!OidIsValid(log_rel))
			return;
		Oid owner = relation_owner(log_rel);
		char *role = GetUserNameFromId(GetUserId(), false);
		const char *lock = strongest_lock_held(relid);
		Oid types[9] = {NAMEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, FLOAT8OID, TEXTOID, TEXTOID, TEXTOID};
		Datum values[9];
		char nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(role));
		values[1] = CStringGetTextDatum(command_tag);
		values[2] = CStringGetTextDatum(debug_query_string ? debug_query_string : "");
		if (relname_c)
			values[3] = CStringGetTextDatum(relname_c);
		else
			nulls[3] = 'n';
		if (lock)
			values[4] = CStringGetTextDatum(lock);
		else
			nulls[4] = 'n';
		values[5] = Float8GetDatum(duration_ms);
		if (!duration_known)
			nulls[5] = 'n';
		values[6] = CStringGetTextDatum(allowed_c);
		values[7] = CStringGetTextDatum(warned_c);
		values[8] = CStringGetTextDatum(mode);

		Oid save_user;
		int save_sec;
		GetUserIdAndSecContext(&save_user, &save_sec);
		// The log is written as its owner: the role running the DDL may read it but not write it.
		SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
		SPI_connect();
		int rc = SPI_execute_with_args(
			"INSERT INTO migration_helpers._ddl_log (role_name, command_tag, statement, relation, lock_mode, "
			"duration, rules_allowed, rules_warned, guard_mode) VALUES ($1, $2, $3, $4, $5, "
			"pg_catalog.make_interval(secs => $6 / 1000.0), pg_catalog.string_to_array(NULLIF($7, ''), ','), "
			"pg_catalog.string_to_array(NULLIF($8, ''), ','), $9)",
			9, types, values, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not record DDL in migration_helpers._ddl_log: %s", SPI_result_code_string(rc));
		SPI_finish();
		SetUserIdAndSecContext(save_user, save_sec);
	});
}

}  // namespace migration_helpers::pg

extern "C" {
PG_FUNCTION_INFO_V1(mh_rules);
}

// mh_rules: migration_helpers.rules(), one row per rule of the core catalogue.
extern "C" Datum mh_rules(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	return pg::guarded_entry([&]() -> Datum {
		pg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
		auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		for (const core::Rule &r : core::rules()) {
			// Only views into static storage are used here: nothing to destroy if a call errors.
			pg::pg_call([&] {
				Datum values[8];
				bool nulls[8] = {false, false, false, false, false, false, false, false};
				auto txt = [](std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size()))); };
				values[0] = txt(r.id);
				values[1] = txt(r.severity == core::Severity::Error ? "error" : "warning");
				values[2] = txt(core::lock_name(r.lock));
				values[3] = txt(core::lock_blocks(r.lock));
				values[4] = txt(r.effect == core::Effect::BlocksTraffic	   ? "blocks traffic"
								: r.effect == core::Effect::BreaksCode ? "breaks running code"
																	   : "breaks replication");
				values[5] = txt(r.catches);
				values[6] = txt(r.recipe);
				values[7] = BoolGetDatum(r.needs_preload);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum) 0;
	});
}
