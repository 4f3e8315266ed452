// shard_batch.cpp — migration_helpers._backfill_shard(): the batches of a backfill on shards of
// a distributed table, run on the node that holds them (see core/backfill/shard_walk.hpp
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
#include <vector>

#include "core/backfill/shard_walk.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/backfill/keyset.hpp"
#include "pg/boundary.hpp"
#include "pg/common/citus.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(mh_backfill_shard);
PG_FUNCTION_INFO_V1(mh_backfill_shard_forget);
PG_FUNCTION_INFO_V1(mh_backfill_shard_export);
PG_FUNCTION_INFO_V1(mh_backfill_shard_adopt);
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

void write_progress_c(Datum job_key, Oid shard, int64 shard_id, const ShardProgress &p, int nkeys,
					  bool insert)
{
	Oid types[9] = {TEXTOID, OIDOID, OIDOID, TEXTARRAYOID, TEXTARRAYOID, INT4OID, INT8OID, BOOLOID, INT8OID};
	Datum values[9] = {job_key,
					   ObjectIdGetDatum(shard),
					   ObjectIdGetDatum(GetUserId()),
					   p.position ? text_array(p.position, nkeys) : (Datum) 0,
					   p.upper ? text_array(p.upper, nkeys) : (Datum) 0,
					   Int32GetDatum(p.tail_passes),
					   Int64GetDatum(p.rows_done),
					   BoolGetDatum(p.finished),
					   Int64GetDatum(shard_id)};
	char nulls[10] = "         ";
	if (!p.position)
		nulls[3] = 'n';
	if (!p.upper)
		nulls[4] = 'n';
	if (shard_id <= 0)
		nulls[8] = 'n';
	if (insert)
		spi_owner(
			"record the shard's backfill position", SPI_OK_INSERT,
			"INSERT INTO migration_helpers._backfill_shard_progress "
			"(job_key, shard, owner, position, upper_bound, tail_passes, rows_done, finished, shard_id) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			9, types, values, nulls);
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

// ReplyC: one batch's reply in plain memory (the message palloc'd in the caller's context), so
// that no C++ object lives while PostgreSQL may raise an error; core folds it afterwards.
struct ReplyC {
	core::ShardReplyKind kind;
	int64 batch_rows, rows_done, batch_ms;
	double batch_ms_fine;
	bool finished;
	const char *message;
};

// ShardArgs: the procedure's arguments, read and checked once (in the procedure's own memory,
// which outlives the commits between its batches).
struct ShardArgs {
	Datum job_key;
	int nshards;  // the command's shards, walked in order
	Oid *shards;
	char **schemas, **relnames;
	bool *started_flags;
	int64 *shard_ids;  // Citus's shard ids (0: not told)
	Oid shard;         // the shard being walked, its names and id (select_shard_c)
	int64 shard_id;
	char *schema, *relname;
	char *alias;
	JobRow job;  // relid is the shard; SET, WHERE, keys, lock and statement timeouts
	char **settings;
	int nsettings;
	int32 size, min_size, max_size, target_ms, pause_ms, budget_ms;
	bool atomic;  // called where it may not commit (in a transaction block, or not by CALL)
	char *error;  // bad batch settings, or nullptr
};

constexpr int kArgs = 16;         // the IN arguments that may not be null; then shard_ids, the INOUT reply
constexpr int kMaxShards = 1024;  // shards in one command

ShardArgs *read_args_c(FunctionCallInfo fcinfo)
{
	for (int i = 0; i < kArgs; i++)
		if (i != 4 && PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("only the WHERE text of a shard batch may be null")));
	ShardArgs *a = (ShardArgs *) palloc0(sizeof(ShardArgs));
	a->job_key = PointerGetDatum(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
	Datum *elems;
	bool *nulls;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &nulls,
					  &a->nshards);
	int nstarted;
	Datum *started;
	bool *started_nulls;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(15), BOOLOID, 1, true, TYPALIGN_CHAR, &started, &started_nulls,
					  &nstarted);
	if (a->nshards < 1 || a->nshards > kMaxShards || nstarted != a->nshards)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid shard batch arguments"),
				 errdetail("A command takes 1 to %d shards and one started flag for each.", kMaxShards)));
	a->shards = (Oid *) palloc(sizeof(Oid) * a->nshards);
	a->schemas = (char **) palloc(sizeof(char *) * a->nshards);
	a->relnames = (char **) palloc(sizeof(char *) * a->nshards);
	a->started_flags = (bool *) palloc(sizeof(bool) * a->nshards);
	for (int i = 0; i < a->nshards; i++) {
		if (nulls[i] || started_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("array elements must not be null")));
		a->shards[i] = DatumGetObjectId(elems[i]);
		a->started_flags[i] = DatumGetBool(started[i]);
		a->relnames[i] = get_rel_name(a->shards[i]);
		a->schemas[i] = get_namespace_name(get_rel_namespace(a->shards[i]));
		if (a->relnames[i] == nullptr || a->schemas[i] == nullptr)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE), errmsg("shard %u does not exist", a->shards[i])));
	}
	a->shard_ids = (int64 *) palloc0(sizeof(int64) * a->nshards);
	if (!PG_ARGISNULL(16)) {
		Datum *ids;
		bool *id_nulls;
		int nids;
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(16), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ids,
						  &id_nulls, &nids);
		if (nids != a->nshards)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid shard batch arguments"),
							errdetail("A command takes one shard id for each shard, or none.")));
		for (int i = 0; i < nids; i++)
			a->shard_ids[i] = id_nulls[i] ? 0 : DatumGetInt64(ids[i]);
	}
	a->alias = text_to_cstring(PG_GETARG_TEXT_PP(2));
	a->job.found = true;
	a->job.set_clause = text_to_cstring(PG_GETARG_TEXT_PP(3));
	a->job.where_clause = PG_ARGISNULL(4) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(4));
	a->job.keys = text_array_arg(PG_GETARG_DATUM(5), &a->job.nkeys);
	a->settings = text_array_arg(PG_GETARG_DATUM(6), &a->nsettings);
	a->size = PG_GETARG_INT32(7);
	a->min_size = PG_GETARG_INT32(8);
	a->max_size = PG_GETARG_INT32(9);
	a->target_ms = PG_GETARG_INT32(10);
	a->job.lock_ms = PG_GETARG_INT32(11);
	a->job.stmt_ms = PG_GETARG_INT32(12);
	a->pause_ms = PG_GETARG_INT32(13);
	a->budget_ms = PG_GETARG_INT32(14);
	if (a->job.nkeys < 1 || a->job.nkeys > INDEX_MAX_KEYS || a->size < 0 || a->job.lock_ms < 0 ||
		a->job.stmt_ms < 0 || a->pause_ms < 0 || a->budget_ms < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid shard batch arguments")));
	CallContext *call = (CallContext *) fcinfo->context;
	a->atomic = call == nullptr || !IsA(call, CallContext) || call->atomic;
	return a;
}

// select_shard_c: the command's shard i is the one walked next.
void select_shard_c(ShardArgs *a, int i)
{
	a->shard = a->shards[i];
	a->schema = a->schemas[i];
	a->relname = a->relnames[i];
	a->shard_id = a->shard_ids[i];
	a->job.relid = a->shard;
}

// one_batch_c: one batch of size rows (0: only report) on the shard, in the current transaction.
void one_batch_c(ShardArgs *a, int32 size, bool started, ReplyC *reply)
{
	MemoryContext caller = CurrentMemoryContext;
	JobRow &job = a->job;
	// The job's validated settings, for this transaction only (the SET and WHERE texts resolve
	// and parse as they did when backfill() checked them on the coordinator). Never an
	// asynchronous commit (unlike the local engine's batches): the coordinator acts on the reply
	// (a shard it was told is done is never sent again), so the batch must outlive a crash of
	// this node once the reply says it committed; an immediate stop of a worker node lost the
	// last batches of finished shards that way.
	for (int i = 0; i + 1 < a->nsettings; i += 2)
		(void) set_config_option(a->settings[i], a->settings[i + 1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	if (synchronous_commit < SYNCHRONOUS_COMMIT_LOCAL_FLUSH)
		(void) set_config_option("synchronous_commit", "local", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
	// As the local worker: the batches' dirty buffers go to disk as they are written, not all
	// at the checkpoint's fsync (backend_flush_after).
	(void) set_config_option("backend_flush_after", "256kB", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);
	EnsurePortalSnapshotExists();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	*reply = ReplyC{};
	reply->kind = core::ShardReplyKind::Ok;
	reply->message = "";
	ShardProgress p = read_progress_c(a->job_key, a->shard, job.nkeys);
	KeyInfo k{};
	Plans plans{};
	if (!p.found && started) {
		reply->kind = core::ShardReplyKind::Lost;
	} else if (!p.found && size == 0) {
		// not started here: nothing to report
	} else {
		key_info_c(&job, &k);
		// Kept plans (keyset.cpp keeps them for a job's life): freed below; an error ends the
		// command, and the session Citus opened for it.
		build_plans_c(&job, &k, &plans, a->schema, a->relname, a->alias);
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
			note_wal_demand();
			TimestampTz t0 = GetCurrentTimestamp();
			bool moved = false;
			auto batch = [&] {
				// A Citus shard: under its metadata lock, and only while its placement is here.
				if (a->shard_id > 0) {
					set_batch_timeouts_c(job.lock_ms, job.stmt_ms);
					moved = !citus_hold_shard_here_c(a->shard_id);
				}
				if (!moved)
					r = run_batch_c(0, &job, &k, &plans, size);
			};
			if (in_subtransaction(batch, &error) && moved) {
				reply->kind = core::ShardReplyKind::Moved;
			} else if (error.edata == nullptr) {
				note_wal_demand();  // again: a batch may outlast the launcher's window
				reply->batch_ms_fine = double(GetCurrentTimestamp() - t0) / 1000.0;
				reply->batch_ms = int64(reply->batch_ms_fine);
				p.position = job.position;
				p.upper = job.upper;
				p.tail_passes = job.tail_passes;
				p.rows_done += r.rows;
				p.finished = r.finished;
				reply->batch_rows = r.rows;
			} else {
				MemoryContextSwitchTo(cxt);
				disable_timeout(STATEMENT_TIMEOUT, false);
				int sqlstate = error.edata->sqlerrcode;
				reply->kind = is_conflict(sqlstate)                ? core::ShardReplyKind::Conflict
							  : sqlstate == ERRCODE_QUERY_CANCELED ? core::ShardReplyKind::Timeout
																   : core::ShardReplyKind::Error;
				reply->message = MemoryContextStrdup(caller, error.edata->message ? error.edata->message
																				  : "unknown error");
			}
		}
		if (reply->kind == core::ShardReplyKind::Ok)
			write_progress_c(a->job_key, a->shard, a->shard_id, p, job.nkeys, insert);
		free_plans_c(&plans);
	}
	reply->rows_done = p.rows_done;
	reply->finished = p.finished;
	if (reply->kind != core::ShardReplyKind::Ok)
		reply->batch_rows = 0;
	SPI_finish();
}

// pause_c: the job's pause between two batches, ended early by a cancel or a terminate.
void pause_c(int ms)
{
	if (ms > 0) {
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	CHECK_FOR_INTERRUPTS();
}

core::ShardReply to_reply(const ReplyC &c)
{
	core::ShardReply r;
	r.kind = c.kind;
	r.batch_rows = c.batch_rows;
	r.rows_done = c.rows_done;
	r.finished = c.finished;
	r.batch_ms = c.batch_ms;
	r.message = c.message ? c.message : "";
	return r;
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

// mh_backfill_shard: the procedure. Called by CALL outside a transaction block (as the job's
// worker sends it), it runs batches back to back, committing each with its shard's position,
// for about budget_ms (core::ShardRun), the command's shards in order; anywhere else it runs one
// batch of the first shard in the caller's transaction. A batch after the first runs in a
// subtransaction, so that its error ends the command with the batches already committed instead
// of hiding them. The reply: one line per shard reached (core::format_shard_replies).
extern "C" Datum mh_backfill_shard(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		pg::ShardArgs *a = pg::pg_call([&] { return pg::read_args_c(fcinfo); });
		core::BatchSettings s;
		if (a->size > 0) {
			s.initial_size = a->size;
			s.min_size = a->min_size;
			s.max_size = a->max_size;
			s.target_ms = a->target_ms;
			std::string bad = core::validate(s);
			if (!bad.empty())
				pg::pg_call([&] {
					ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
									errmsg("invalid shard batch arguments: %s", bad.c_str())));
				});
		}
		core::ShardRun run(s, a->budget_ms);
		std::vector<core::ShardReply> replies;
		TimestampTz t0 = pg::pg_call([] { return GetCurrentTimestamp(); });
		if (!a->atomic)
			pg::pg_call([] {
				if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
					elog(ERROR, "SPI_connect failed");
			});
		// The command's first batch runs in the procedure's transaction, so that its error is the
		// command's; every later one in a subtransaction, whose error ends the command with the
		// batches already committed (the next command meets the error again, as its first batch).
		bool first = true, ended = false;
		for (int i = 0; i < a->nshards && !ended; i++) {
			pg::pg_call([&] { pg::select_shard_c(a, i); });
			if (a->size == 0)
				run = core::ShardRun(s, a->budget_ms);  // a report of each shard
			bool started = a->started_flags[i];
			bool answered = false;
			for (;;) {
				pg::ReplyC c{};
				int32 size = a->size == 0 ? 0 : int32(run.size());
				if (first) {
					pg::pg_call([&] { pg::one_batch_c(a, size, started, &c); });
					first = false;
				} else {
					pg::PgError error(nullptr);
					bool done = pg::pg_call([&] {
						return pg::in_subtransaction([&] { pg::one_batch_c(a, size, started, &c); }, &error);
					});
					if (!done) {
						ended = true;
						break;
					}
				}
				core::ShardReply r = pg::to_reply(c);
				started = started || r.rows_done > 0;
				answered = true;
				double elapsed_ms = pg::pg_call([&] { return double(GetCurrentTimestamp() - t0) / 1000.0; });
				if (!run.after(r, c.batch_ms_fine, elapsed_ms) || size == 0 || a->atomic)
					break;
				pg::pg_call([&] {
					SPI_commit();
					pg::pause_c(a->pause_ms);
				});
			}
			if (answered)
				replies.push_back(run.reply());
			if (ended || a->atomic || !answered)
				break;
			double elapsed_ms = pg::pg_call([&] { return double(GetCurrentTimestamp() - t0) / 1000.0; });
			if (i + 1 < a->nshards && a->size > 0 && !run.next_shard(elapsed_ms))
				break;
			if (i + 1 < a->nshards)
				pg::pg_call([&] {
					SPI_commit();
					if (a->size > 0)
						pg::pause_c(a->pause_ms);
				});
		}
		if (!a->atomic)
			pg::pg_call([] { SPI_finish(); });
		std::string text = core::format_shard_replies(replies);
		return pg::pg_call([&] {
			TupleDesc desc;
			if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
				elog(ERROR, "the shard batch procedure must return its reply as a record");
			desc = BlessTupleDesc(desc);
			Datum value = CStringGetTextDatum(text.c_str());
			bool isnull = false;
			return HeapTupleGetDatum(heap_form_tuple(desc, &value, &isnull));
		});
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

// mh_backfill_shard_export: the caller's most advanced position of each of shard_ids on this
// node, one line "<shard id> <rows done> <JSON array [position, upper_bound, tail_passes,
// rows_done, finished]>" each, by shard id; NULL when there is none.
extern "C" Datum mh_backfill_shard_export(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			PG_RETURN_NULL();
		Datum key = PG_GETARG_DATUM(0);
		Datum shard_ids = PG_GETARG_DATUM(1);
		char *out = pg::pg_call([&] {
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			Oid types[3] = {TEXTOID, INT8ARRAYOID, OIDOID};
			Datum values[3] = {key, shard_ids, ObjectIdGetDatum(GetUserId())};
			uint64 n = pg::spi_owner(
				"read the moved shards' backfill positions", SPI_OK_SELECT,
				"SELECT pg_catalog.string_agg(shard_id::text || ' ' || rows_done::text || ' ' || j, E'\\n' "
				"ORDER BY shard_id) FROM (SELECT DISTINCT ON (shard_id) shard_id, rows_done, "
				"pg_catalog.jsonb_build_array(position, upper_bound, tail_passes, rows_done, finished)::text AS j "
				"FROM migration_helpers._backfill_shard_progress "
				"WHERE job_key = $1 AND shard_id = ANY ($2) AND owner = $3 "
				"ORDER BY shard_id, rows_done DESC, updated_at DESC) s",
				3, types, values, nullptr);
			char *text = nullptr;
			if (n == 1) {
				char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
				if (v != nullptr) {
					text = (char *) SPI_palloc(strlen(v) + 1);
					strcpy(text, v);
				}
			}
			SPI_finish();
			return text;
		});
		if (out == nullptr)
			PG_RETURN_NULL();
		return pg::pg_call([&] { return CStringGetTextDatum(out); });
	});
}

// mh_backfill_shard_adopt: records an exported position as the caller's position of the shard on
// this node, unless the caller has one for it already; true when recorded.
extern "C" Datum mh_backfill_shard_adopt(PG_FUNCTION_ARGS)
{
	return pg::guarded_entry([&]() -> Datum {
		for (int i = 0; i < 4; i++)
			if (PG_ARGISNULL(i))
				pg::pg_call([] {
					ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
									errmsg("the arguments of a shard position to adopt must not be null")));
				});
		Datum key = PG_GETARG_DATUM(0);
		Oid shard = PG_GETARG_OID(1);
		Datum shard_id = PG_GETARG_DATUM(2);
		Datum exported = PG_GETARG_DATUM(3);
		return pg::pg_call([&] {
			if (get_rel_name(shard) == nullptr)
				ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("shard %u does not exist", shard)));
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			Oid types[5] = {TEXTOID, OIDOID, OIDOID, INT8OID, TEXTOID};
			Datum values[5] = {key, ObjectIdGetDatum(shard), ObjectIdGetDatum(GetUserId()), shard_id,
							   exported};
			// The text is what _backfill_shard_export() wrote; anything else fails its casts.
			uint64 n = pg::spi_owner(
				"record the moved shard's backfill position", SPI_OK_INSERT,
				"INSERT INTO migration_helpers._backfill_shard_progress "
				"(job_key, shard, owner, position, upper_bound, tail_passes, rows_done, finished, shard_id) "
				"SELECT $1, $2, $3, "
				"CASE WHEN pg_catalog.jsonb_typeof(j->0) = 'array' "
				"THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(j->0)) END, "
				"CASE WHEN pg_catalog.jsonb_typeof(j->1) = 'array' "
				"THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(j->1)) END, "
				"(j->>2)::int, (j->>3)::bigint, (j->>4)::boolean, $4 "
				"FROM (SELECT $5::jsonb AS j) s WHERE pg_catalog.jsonb_typeof(j) = 'array' "
				"AND pg_catalog.jsonb_array_length(j) = 5 "
				"ON CONFLICT (job_key, shard, owner) DO NOTHING",
				5, types, values, nullptr);
			SPI_finish();
			return BoolGetDatum(n == 1);
		});
	});
}
