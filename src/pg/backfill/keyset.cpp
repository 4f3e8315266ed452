// keyset.cpp — the keyset walk of one backfill batch (keyset.hpp).
//
// Positions: key values are stored as text written and read under fixed settings
// (core::canonical_key_settings()), and reach the statements as typed parameters, so no
// session setting can change what a stored position means.
#include "pg/backfill/keyset.hpp"

#include "core/backfill/job.hpp"

namespace migration_helpers::pg {

namespace {

// with_canonical_settings: fn() under the settings that fix how key values read and print.
template <typename Fn>
void with_canonical_settings(Fn &&fn)
{
	int nest = NewGUCNestLevel();
	for (const auto &kv : core::canonical_key_settings())
		// string literals: data() is NUL-terminated
		(void) set_config_option(kv.first.data(), kv.second.data(), PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	fn();
	AtEOXact_GUC(true, nest);
}

}  // namespace

Datum *keys_in_c(const KeyInfo *k, char **texts, int n)
{
	Datum *v = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	with_canonical_settings([&] {
		for (int i = 0; i < n; i++)
			v[i] = OidInputFunctionCall(k->in_funcs[i], texts[i], k->in_params[i], k->typmods[i]);
	});
	return v;
}

char **keys_out_c(const KeyInfo *k, Datum *values, int n)
{
	char **t = (char **) palloc(sizeof(char *) * Max(n, 1));
	with_canonical_settings([&] {
		for (int i = 0; i < n; i++)
			t[i] = OidOutputFunctionCall(k->out_funcs[i], values[i]);
	});
	return t;
}

// key_info_c: types and I/O of the key columns (renamed or dropped since: the job fails).
void key_info_c(const JobRow *job, KeyInfo *k)
{
	for (int i = 0; i < job->nkeys; i++) {
		AttrNumber att = get_attnum(job->relid, job->keys[i]);
		if (att == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
							errmsg("key column \"%s\" of the backfill no longer exists", job->keys[i])));
		Oid typcollation;
		get_atttypetypmodcoll(job->relid, att, &k->types[i], &k->typmods[i], &typcollation);
		Oid in;
		getTypeInputInfo(k->types[i], &in, &k->in_params[i]);
		k->in_funcs[i] = in;
		bool varlena;
		getTypeOutputInfo(k->types[i], &k->out_funcs[i], &varlena);
		get_typlenbyval(k->types[i], &k->len[i], &k->byval[i]);
	}
}

char *row_of(const JobRow *job, int first_param, bool params)
{
	StringInfoData b;
	initStringInfo(&b);
	appendStringInfoString(&b, "ROW(");
	for (int i = 0; i < job->nkeys; i++) {
		if (i)
			appendStringInfoString(&b, ", ");
		if (params)
			appendStringInfo(&b, "$%d", first_param + i);
		else
			appendStringInfoString(&b, quote_identifier(job->keys[i]));
	}
	appendStringInfoChar(&b, ')');
	return b.data;
}

char *key_list(const JobRow *job, const char *suffix)
{
	StringInfoData b;
	initStringInfo(&b);
	for (int i = 0; i < job->nkeys; i++)
		appendStringInfo(&b, "%s%s%s", i ? ", " : "", quote_identifier(job->keys[i]), suffix);
	return b.data;
}

SPIPlanPtr prepare_c(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
	if (plan == nullptr)
		elog(ERROR, "could not prepare backfill statement: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep backfill statement");
	return plan;
}

void free_plans_c(Plans *p)
{
	for (SPIPlanPtr *plan :
		 {&p->upper, &p->batch_end, &p->batch_end_first, &p->update, &p->update_first, &p->compare})
		if (*plan) {
			SPI_freeplan(*plan);
			*plan = nullptr;
		}
}

// build_plans_c: the keyset statements for the table's name now (run as the job's owner).
void build_plans_c(const JobRow *job, const KeyInfo *k, Plans *p, const char *schema, const char *relname,
				   const char *alias)
{
	free_plans_c(p);
	p->schema = MemoryContextStrdup(TopMemoryContext, schema);
	p->relname = MemoryContextStrdup(TopMemoryContext, relname);
	char *rel = quote_qualified_identifier(schema, relname);
	if (alias != nullptr)
		rel = psprintf("%s AS %s", rel, quote_identifier(alias));
	const char *where = job->where_clause ? job->where_clause : "true";
	int n = job->nkeys;
	char *keys = row_of(job, 0, false);
	Oid types[2 * INDEX_MAX_KEYS + 1];
	for (int i = 0; i < n; i++)
		types[i] = types[n + i] = k->types[i];
	types[2 * n] = INT8OID;
	Oid first_types[INDEX_MAX_KEYS + 1];
	for (int i = 0; i < n; i++)
		first_types[i] = k->types[i];
	first_types[n] = INT8OID;
	p->upper = prepare_c(
		psprintf("SELECT %s FROM %s ORDER BY %s LIMIT 1", key_list(job, ""), rel, key_list(job, " DESC")), 0,
		nullptr);
	p->batch_end =
		prepare_c(psprintf("SELECT %s FROM %s WHERE %s > %s AND %s <= %s ORDER BY %s OFFSET $%d LIMIT 1",
						   key_list(job, ""), rel, keys, row_of(job, 1, true), keys, row_of(job, n + 1, true),
						   key_list(job, ""), 2 * n + 1),
				  2 * n + 1, types);
	p->batch_end_first =
		prepare_c(psprintf("SELECT %s FROM %s WHERE %s <= %s ORDER BY %s OFFSET $%d LIMIT 1",
						   key_list(job, ""), rel, keys, row_of(job, 1, true), key_list(job, ""), n + 1),
				  n + 1, first_types);
	// Newlines around the user's fragments: a trailing -- comment cannot swallow what follows.
	p->update =
		prepare_c(psprintf("UPDATE %s SET\n%s\nWHERE %s > %s AND %s <= %s AND (\n%s\n)", rel, job->set_clause,
						   keys, row_of(job, 1, true), keys, row_of(job, n + 1, true), where),
				  2 * n, types);
	p->update_first = prepare_c(psprintf("UPDATE %s SET\n%s\nWHERE %s <= %s AND (\n%s\n)", rel,
										 job->set_clause, keys, row_of(job, 1, true), where),
								n, first_types);
	p->compare =
		prepare_c(psprintf("SELECT %s > %s", row_of(job, 1, true), row_of(job, n + 1, true)), 2 * n, types);
}

// run_keys_c: runs a key query; true and the keys (copied into the current context) when it found a row.
bool run_keys_c(SPIPlanPtr plan, const KeyInfo *k, Datum *params, int nkeys, Datum **out)
{
	int rc = SPI_execute_plan(plan, params, nullptr, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "backfill key query failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	*out = (Datum *) palloc(sizeof(Datum) * nkeys);
	for (int i = 0; i < nkeys; i++) {
		bool isnull;
		Datum v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
		(*out)[i] = isnull ? (Datum) 0 : datumCopy(v, k->byval[i], k->len[i]);
	}
	return true;
}

Datum *concat_datums(Datum *a, int n, Datum *b, int m, bool with_offset, int64 offset)
{
	Datum *v = (Datum *) palloc(sizeof(Datum) * (n + m + 1));
	for (int i = 0; i < n; i++)
		v[i] = a[i];
	for (int i = 0; i < m; i++)
		v[n + i] = b[i];
	if (with_offset)
		v[n + m] = Int64GetDatum(offset);
	return v;
}

void set_batch_timeouts_c(int lock_ms, int stmt_ms)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", lock_ms);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
							 false);
	snprintf(buf, sizeof(buf), "%d", stmt_ms);
	(void) set_config_option("statement_timeout", buf, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
							 false);
}

// run_batch_c: one batch inside the current subtransaction, as the job's owner (PostgreSQL calls only).
BatchResult run_batch_c(int64 jobid, JobRow *job, const KeyInfo *k, const Plans *p, int64 size)
{
	BatchResult r{};
	int n = job->nkeys;
	set_batch_timeouts_c(job->lock_ms, job->stmt_ms);
	Datum *lower = job->has_position ? keys_in_c(k, job->position, n) : nullptr;
	Datum *upper = keys_in_c(k, job->upper, n);
	Datum *end = nullptr;
	// statement_timeout is armed only for client statements; a worker arms it itself.
	enable_timeout_after(STATEMENT_TIMEOUT, job->stmt_ms);
	bool found =
		lower
			? run_keys_c(p->batch_end, k, concat_datums(lower, n, upper, n, true, size - 1), n, &end)
			: run_keys_c(p->batch_end_first, k, concat_datums(upper, n, nullptr, 0, true, size - 1), n, &end);
	if (!found)
		end = upper;
	bool reached_upper = !found;
	int rc = lower ? SPI_execute_plan(p->update, concat_datums(lower, n, end, n, false, 0), nullptr, false, 0)
				   : SPI_execute_plan(p->update_first, end, nullptr, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "backfill batch failed: %s", SPI_result_code_string(rc));
	r.rows = int64(SPI_processed);
	disable_timeout(STATEMENT_TIMEOUT, false);
	char **new_position = keys_out_c(k, end, n);
	// The tail: rows inserted after the walk started, checked a bounded number of times.
	char **new_upper = job->upper;
	int tail = job->tail_passes;
	if (reached_upper) {
		Datum *now_upper = nullptr;
		if (tail < kMaxTailPasses && run_keys_c(p->upper, k, nullptr, n, &now_upper)) {
			if (SPI_execute_plan(p->compare, concat_datums(now_upper, n, upper, n, false, 0), nullptr, false,
								 1) != SPI_OK_SELECT)
				elog(ERROR, "could not compare backfill keys");
			bool isnull;
			if (SPI_processed == 1 &&
				DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) {
				new_upper = keys_out_c(k, now_upper, n);
				tail++;
				reached_upper = false;
			}
		}
		r.finished = reached_upper;
	}
	job->position = new_position;
	job->has_position = true;
	job->upper = new_upper;
	job->tail_passes = tail;
	return r;
}

}  // namespace migration_helpers::pg
