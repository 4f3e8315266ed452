// shard_batch.cpp — migration_helpers._backfill_shard(): one batch of a backfill on one shard
// of a distributed table, run on the node that holds the shard (see core/backfill/shard_walk.hpp
// for the words). The job's worker on the coordinator sends it through Citus's connections, as
// the job's role, so the UPDATE runs with that role's rights; the shard's position is kept in
// migration_helpers._backfill_shard_progress on this node and written in this same local
// transaction, so the shard's rows and their progress commit together, with no two-phase commit
// and no commit on another node that a crash could separate from them.
//
// The batch is the local engine's keyset batch (keyset.hpp) on the shard, named AS its
// distributed table so that the SET and WHERE texts read as they were validated, under the
// job's validated settings, its lock_timeout and statement_timeout. A lock conflict or a
// timeout rolls the batch back (an internal subtransaction) and is reported, not raised, so the
// job's worker backs off as it does for a local batch.
#include <string>

#include "core/backfill/shard_walk.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/backfill/keyset.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(mh_backfill_shard);
PG_FUNCTION_INFO_V1(mh_backfill_shard_forget);
}

namespace migration_helpers::pg {

namespace {

char **text_array_arg(Datum d, int *n)
{
	Datum *elems;
	bool *nulls;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	char **out = (char **) palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++) {
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("array elements must not be null")));
		out[i] = TextDatumGetCString(elems[i]);
	}
	return out;
}

Datum text_array(char **a, int n)
{
	Datum *e = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e[i] = CStringGetTextDatum(a[i]);
	return PointerGetDatum(construct_array(e, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// ShardProgress: the caller's progress row of (job_key, shard) on this node.
struct ShardProgress {
	bool found, finished;
	char **position, **upper;  // nullptr when NULL
	int tail_passes;
	int64 rows_done;
};

ShardProgress read_progress_c(Datum job_key, Oid shard, int nkeys)
{
	ShardProgress out{};
	Oid types[3] = {TEXTOID, OIDOID, OIDOID};
	Datum values[3] = {job_key, ObjectIdGetDatum(shard), ObjectIdGetDatum(GetUserId())};
	uint64 n = spi_owner("read the shard's backfill position", SPI_OK_SELECT,
						 "SELECT position, upper_bound, tail_passes, rows_done, finished "
						 "FROM migration_helpers._backfill_shard_progress "
						 "WHERE job_key = $1 AND shard = $2 AND owner = $3 FOR UPDATE",
						 3, types, values, nullptr);
	if (n != 1)
		return out;
	out.found = true;
	HeapTuple tup = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	bool isnull;
	int len;
	Datum d = SPI_getbinval(tup, desc, 1, &isnull);
	if (!isnull) {
		out.position = text_array_arg(d, &len);
		if (len != nkeys)
			elog(ERROR, "backfill shard position has %d keys, not %d", len, nkeys);
	}
	d = SPI_getbinval(tup, desc, 2, &isnull);
	if (!isnull) {
		out.upper = text_array_arg(d, &len);
		if (len != nkeys)
			elog(ERROR, "backfill shard bound has %d keys, not %d", len, nkeys);
	}
	out.tail_passes = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	out.rows_done = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
	out.finished = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
	return out;
}

void write_progress_c(Datum job_key, Oid shard, const ShardProgress &p, int nkeys, bool insert)
{
	Oid types[8] = {TEXTOID, OIDOID, OIDOID, TEXTARRAYOID, TEXTARRAYOID, INT4OID, INT8OID, BOOLOID};
	Datum values[8] = {job_key,
					   ObjectIdGetDatum(shard),
					   ObjectIdGetDatum(GetUserId()),
					   p.position ? text_array(p.position, nkeys) : (Datum) 0,
					   p.upper ? text_array(p.upper, nkeys) : (Datum) 0,
					   Int32GetDatum(p.tail_passes),
					   Int64GetDatum(p.rows_done),
					   BoolGetDatum(p.finished)};
	char nulls[9] = "        ";
	if (!p.position)
		nulls[3] = 'n';
	if (!p.upper)
		nulls[4] = 'n';
	if (insert)
		spi_owner("record the shard's backfill position", SPI_OK_INSERT,
				  "INSERT INTO migration_helpers._backfill_shard_progress "
				  "(job_key, shard, owner, position, upper_bound, tail_passes, rows_done, finished) "
				  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				  8, types, values, nulls);
	else
		spi_owner("record the shard's backfill position", SPI_OK_UPDATE,
				  "UPDATE migration_helpers._backfill_shard_progress SET position = $4, upper_bound = $5, "
				  "tail_passes = $6, rows_done = $7, finished = $8, updated_at = pg_catalog.now() "
				  "WHERE job_key = $1 AND shard = $2 AND owner = $3",
				  8, types, values, nulls);
}

bool is_conflict(int sqlstate)
{
	return sqlstate == ERRCODE_LOCK_NOT_AVAILABLE || sqlstate == ERRCODE_T_R_DEADLOCK_DETECTED ||
		   sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE;
}

// ReplyC: the reply in plain memory (palloc'd message), so that no C++ object lives while
// PostgreSQL may raise an error; core turns it into text afterwards.
struct ReplyC {
	core::ShardReplyKind kind;
	int64 batch_rows, rows_done, batch_ms;
	bool finished;
	const char *message;
};

// shard_batch_c: the function's work (PostgreSQL calls only).
ReplyC *shard_batch_c(FunctionCallInfo fcinfo)
{
	for (int i = 0; i < 11; i++)
		if (i != 4 && PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("only the WHERE text of a shard batch may be null")));
	Datum job_key = PG_GETARG_DATUM(0);
	Oid shard = PG_GETARG_OID(1);
	char *alias = text_to_cstring(PG_GETARG_TEXT_PP(2));
	JobRow job{};
	job.found = true;
	job.relid = shard;
	job.set_clause = text_to_cstring(PG_GETARG_TEXT_PP(3));
	job.where_clause = PG_ARGISNULL(4) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(4));
	job.keys = text_array_arg(PG_GETARG_DATUM(5), &job.nkeys);
	int nsettings;
	char **settings = text_array_arg(PG_GETARG_DATUM(6), &nsettings);
	int32 size = PG_GETARG_INT32(7);
	job.lock_ms = PG_GETARG_INT32(8);
	job.stmt_ms = PG_GETARG_INT32(9);
	bool started = PG_GETARG_BOOL(10);
	if (job.nkeys < 1 || job.nkeys > INDEX_MAX_KEYS || size < 0 || job.lock_ms < 0 || job.stmt_ms < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid shard batch arguments")));
	char *relname = get_rel_name(shard);
	char *schema = get_namespace_name(get_rel_namespace(shard));
	if (relname == nullptr || schema == nullptr)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("shard %u does not exist", shard)));
	// The job's validated settings, for this transaction only (the SET and WHERE texts resolve
	// and parse as they did when backfill() checked them on the coordinator).
	for (int i = 0; i + 1 < nsettings; i += 2)
		(void) set_config_option(settings[i], settings[i + 1], PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ReplyC *reply_p = (ReplyC *) palloc0(sizeof(ReplyC));
	ReplyC &reply = *reply_p;
	reply.kind = core::ShardReplyKind::Ok;
	reply.message = "";
	ShardProgress p = read_progress_c(job_key, shard, job.nkeys);
	KeyInfo k{};
	Plans plans{};
	if (!p.found && started) {
		reply.kind = core::ShardReplyKind::Lost;
	} else if (!p.found && size == 0) {
		// not started here: nothing to report
	} else {
		key_info_c(&job, &k);
		// Kept plans (keyset.cpp keeps them for a job's life): freed below; an error ends the
		// session Citus opened for this one command, and the plans with it.
		build_plans_c(&job, &k, &plans, schema, relname, alias);
		bool insert = !p.found;
		if (insert) {
			Datum *upper;
			p.finished = !run_keys_c(plans.upper, &k, nullptr, job.nkeys, &upper);
			if (!p.finished)
				p.upper = keys_out_c(&k, upper, job.nkeys);
		}
		if (!p.finished && size > 0) {
			job.has_position = p.position != nullptr;
			job.position = p.position;
			job.has_upper = true;
			job.upper = p.upper;
			job.tail_passes = p.tail_passes;
			BatchResult r{};
			PgError error(nullptr);
			MemoryContext cxt = CurrentMemoryContext;
			TimestampTz t0 = GetCurrentTimestamp();
			if (in_subtransaction([&] { r = run_batch_c(0, &job, &k, &plans, size); }, &error)) {
				reply.batch_ms = int64((GetCurrentTimestamp() - t0) / 1000);
				p.position = job.position;
				p.upper = job.upper;
				p.tail_passes = job.tail_passes;
				p.rows_done += r.rows;
				p.finished = r.finished;
				reply.batch_rows = r.rows;
			} else {
				MemoryContextSwitchTo(cxt);
				disable_timeout(STATEMENT_TIMEOUT, false);
				int sqlstate = error.edata->sqlerrcode;
				reply.kind = is_conflict(sqlstate)                ? core::ShardReplyKind::Conflict
							 : sqlstate == ERRCODE_QUERY_CANCELED ? core::ShardReplyKind::Timeout
																  : core::ShardReplyKind::Error;
				reply.message = error.edata->message ? pstrdup(error.edata->message) : "unknown error";
			}
		}
		if (reply.kind == core::ShardReplyKind::Ok)
			write_progress_c(job_key, shard, p, job.nkeys, insert);
		free_plans_c(&plans);
	}
	reply.rows_done = p.rows_done;
	reply.finished = p.finished;
	if (reply.kind != core::ShardReplyKind::Ok)
		reply.batch_rows = 0;
	SPI_finish();
	return reply_p;
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" Datum mh_backfill_shard(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		pg::ReplyC *c = pg::pg_call([&] { return pg::shard_batch_c(fcinfo); });
		core::ShardReply r;
		r.kind = c->kind;
		r.batch_rows = c->batch_rows;
		r.rows_done = c->rows_done;
		r.finished = c->finished;
		r.batch_ms = c->batch_ms;
		r.message = c->message;
		std::string text = core::format_shard_reply(r);
		return pg::pg_call([&] { return CStringGetTextDatum(text.c_str()); });
	});
}

extern "C" Datum mh_backfill_shard_forget(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		if (PG_ARGISNULL(0))
			PG_RETURN_INT64(0);
		Datum key = PG_GETARG_DATUM(0);
		return pg::pg_call([&] {
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			Oid types[2] = {TEXTOID, OIDOID};
			Datum values[2] = {key, ObjectIdGetDatum(GetUserId())};
			uint64 n = pg::spi_owner("forget the backfill's shard positions", SPI_OK_DELETE,
									 "DELETE FROM migration_helpers._backfill_shard_progress "
									 "WHERE job_key = $1 AND owner = $2",
									 2, types, values, nullptr);
			SPI_finish();
			return Int64GetDatum(int64(n));
		});
	});
}
