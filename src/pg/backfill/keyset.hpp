// keyset.hpp — the keyset walk of one backfill batch: the key columns' types, the statements
// over a table's key, and the batch itself. The job worker runs it on a local table; the shard
// batch function (shard_batch.cpp) runs it on a shard, on the node that holds the shard.
// PostgreSQL calls only (run inside pg_call or a subtransaction).
#pragma once

#include "pg/backfill/job_store.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

// kMaxTailPasses: how many times the walk re-checks the tail for rows inserted meanwhile.
constexpr int kMaxTailPasses = 3;

// KeyInfo: the key columns' types and I/O functions, resolved once per job (TopMemoryContext).
struct KeyInfo {
	Oid types[INDEX_MAX_KEYS];
	int32 typmods[INDEX_MAX_KEYS];
	Oid in_funcs[INDEX_MAX_KEYS], in_params[INDEX_MAX_KEYS], out_funcs[INDEX_MAX_KEYS];
	bool byval[INDEX_MAX_KEYS];
	int16 len[INDEX_MAX_KEYS];
};

// Plans: the job's statements, prepared once for the table's current name and kept.
struct Plans {
	char *schema, *relname;  // the name they were built for
	SPIPlanPtr upper, batch_end, batch_end_first, update, update_first, compare;
};

// BatchResult: what one batch did.
struct BatchResult {
	int64 rows;
	bool finished;  // the tail re-check found nothing new: the job is done
};

// keys_in_c / keys_out_c: key values from and to their canonical texts (core::canonical_key_settings()).
Datum *keys_in_c(const KeyInfo *k, char **texts, int n);
char **keys_out_c(const KeyInfo *k, Datum *values, int n);
// key_info_c: types and I/O of the job's key columns in job->relid (renamed or dropped: an error).
void key_info_c(const JobRow *job, KeyInfo *k);
void free_plans_c(Plans *p);
// build_plans_c: the keyset statements for schema.relname, the table named AS alias when alias is
// not null (a shard, named as its distributed table, so the SET and WHERE texts read the same).
void build_plans_c(const JobRow *job, const KeyInfo *k, Plans *p, const char *schema, const char *relname,
				   const char *alias = nullptr);
// run_keys_c: runs a key query; true and the keys (copied into the current context) when it found a row.
bool run_keys_c(SPIPlanPtr plan, const KeyInfo *k, Datum *params, int nkeys, Datum **out);
// set_batch_timeouts_c: lock_timeout and statement_timeout for the rest of the transaction.
void set_batch_timeouts_c(int lock_ms, int stmt_ms);

// run_batch_c: one batch inside the current subtransaction, as the job's owner: updates up to size rows
// after job->position and moves job's position, upper bound and tail passes on.
BatchResult run_batch_c(int64 jobid, JobRow *job, const KeyInfo *k, const Plans *p, int64 size);

}  // namespace migration_helpers::pg
