// worker.cpp — the job worker of the backfill engine (see engine.hpp for the words).
//
// A worker connects as the job's login role, claims its job (below the cap,
// and only if no other live worker owns it), takes on the settings the job
// was validated with, and walks the job's key in order. Each batch is one
// transaction that updates its rows AND records the new position, so a crash
// neither loses nor repeats a batch. Before each batch it checks that the job
// is still its own and still running, and that the table and the roles are
// the ones the job was started with (by OID: a renamed table is followed, a
// dropped one or a role dropped or no longer granted fails the job). The
// batch runs in an internal subtransaction under a per-batch lock_timeout and
// statement_timeout: a lock conflict rolls it back, halves the batch and
// backs off; a statement timeout fails the job at once (a slow SET expression
// will not get faster); any other error is retried a bounded number of times
// before the job fails with the error kept. The walk ends at the last key
// present when it started, then re-checks the tail a bounded number of times
// for rows inserted meanwhile.
//
// Positions: key values are stored as text written and read under fixed
// settings (core::canonical_key_settings()), and reach the statements as
// typed parameters, so no session setting can change what a stored position
// means.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/backfill/batch_controller.hpp"
#include "core/backfill/job.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/backfill/job_store.hpp"
#include "pg/backfill/keyset.hpp"
#include "pg/backfill/shard_round.hpp"
#include "core/backfill/shard_walk.hpp"
#include "pg/boundary.hpp"
#include "pg/common/citus.hpp"
#include "pg/common/origin.hpp"
#include "pg/guc.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PGDLLEXPORT void mh_backfill_worker_main(Datum arg);
}

namespace migration_helpers::pg {

namespace {
constexpr int kMaxJobEndHooks = 4;
JobEndHook job_end_hooks[kMaxJobEndHooks];
int njob_end_hooks = 0;

// job_succeeded_c: the hooks of a job that has just succeeded, in its last transaction.
void job_succeeded_c(int64 job)
{
	for (int i = 0; i < njob_end_hooks; i++)
		job_end_hooks[i](job);
}
}  // namespace

void add_job_end_hook(JobEndHook hook)
{
	if (njob_end_hooks < kMaxJobEndHooks)
		job_end_hooks[njob_end_hooks++] = hook;
}

namespace {

// A cluster-wide lock tag (no database, no real pg_database row has OID 0): claims of jobs
// against the cap are serialized by it, so two workers starting at once never both pass.
constexpr uint16 kClaimLockSubId = 0x4d48;

// At most this many shards in one command to a node: the command's budget ends it anyway; the
// bound keeps its text short.
constexpr size_t kShardsPerCommand = 64;

int64 replication_lag_c()
{
	uint64 n = spi_owner("read the replication lag", SPI_OK_SELECT,
						 "SELECT pg_catalog.max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
						 "COALESCE(replay_lsn, '0/0')))::bigint FROM pg_catalog.pg_stat_replication",
						 0, nullptr, nullptr, nullptr);
	if (n != 1)
		return 0;
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

void begin_c()
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
}

void commit_c()
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
}

void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

// is_conflict: the batch could not get its locks in time; a statement timeout is no conflict.
bool is_conflict(int sqlstate)
{
	return sqlstate == ERRCODE_LOCK_NOT_AVAILABLE || sqlstate == ERRCODE_T_R_DEADLOCK_DETECTED ||
		   sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE;
}

void report_activity(int64 job, const char *what)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "backfill job %lld: %s", (long long) job, what);
	pgstat_report_activity(STATE_RUNNING, buf);
}

void set_appname(const char *name)
{
	SetConfigOption("application_name", name, PGC_USERSET, PGC_S_SESSION);
}

// identity_error_c: why the job can no longer run here, or nullptr: the table
// and the roles are still the ones it was started with. Names the table's
// current schema and name in *schema and *relname.
char *identity_error_c(const JobRow *job, char **schema, char **relname)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(job->relid));
	if (!HeapTupleIsValid(tup))
		return psprintf("the table of the job (OID %u) no longer exists", job->relid);
	auto *c = (Form_pg_class) GETSTRUCT(tup);
	*relname = pstrdup(NameStr(c->relname));
	*schema = get_namespace_name(c->relnamespace);
	ReleaseSysCache(tup);
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(job->owner)))
		return psprintf("the role of the job (OID %u) no longer exists", job->owner);
	if (job->login != job->owner && !has_privs_of_role(job->login, job->owner))
		return psprintf("role \"%s\", which runs the job, no longer has the privileges of role \"%s\"",
						GetUserNameFromId(job->login, false), GetUserNameFromId(job->owner, false));
	return nullptr;
}

// as_owner: runs fn with the job owner's rights when the worker is connected as
// another (login) role; LOCAL_USERID_CHANGE makes SET ROLE and SET SESSION
// AUTHORIZATION fail inside, so the statement cannot get the login role back.
template <typename Fn>
void as_owner(const JobRow *job, Fn &&fn)
{
	if (job->login == job->owner) {
		fn();
		return;
	}
	Oid save_user;
	int save_sec;
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(job->owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	fn();  // an error aborts the (sub)transaction, which restores the user
	SetUserIdAndSecContext(save_user, save_sec);
}

enum class Claim { Claimed, NotOurs, Failed, Done };

// claim_c: in one transaction, under the claim lock: the job is ours to run
// (queued or running, no other live worker, below the cap), can run here
// (validated settings recorded, same cluster and database, table and roles
// unchanged), its settings are taken on, its plans built and its upper bound
// fixed. *error says why it Failed.
Claim claim_c(int64 jobid, JobRow *job, KeyInfo *k, Plans *p, MemoryContext cxt, char **error)
{
	LockSharedObject(DatabaseRelationId, InvalidOid, kClaimLockSubId, ExclusiveLock);
	read_job(jobid, job, cxt, true);
	if (!job->found)
		return Claim::NotOurs;
	if (job->status != core::JobStatus::Queued && job->status != core::JobStatus::Running)
		return Claim::NotOurs;  // paused or ended meanwhile
	if (job->worker_pid != 0 && job->worker_pid != MyProcPid && worker_is_live(job->worker_pid, jobid))
		return Claim::NotOurs;  // another worker owns it
	if (!claim_allowed()) {
		note_jobs_waiting();
		return Claim::NotOurs;  // over the cap: it stays queued until a worker ends
	}
	if (job->nsettings == 0 || job->nkeys == 0 || !OidIsValid(job->relid)) {
		*error =
			pstrdup("the job was started by migration_helpers 0.1, which did not record the settings it was "
					"validated with; start it again with migration_helpers.backfill()");
		return Claim::Failed;
	}
	char *here = cluster_origin();
	if (job->origin == nullptr || strcmp(job->origin, here) != 0) {
		*error =
			pstrdup("the job was started in another cluster or database (restored from a dump?): its table "
					"and role OIDs mean nothing here; start it again with migration_helpers.backfill()");
		return Claim::Failed;
	}
	char *schema, *relname;
	if ((*error = identity_error_c(job, &schema, &relname)) != nullptr)
		return Claim::Failed;
	for (int i = 0; i + 1 < job->nsettings; i += 2)
		(void) set_config_option(job->settings[i], job->settings[i + 1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SET, true, 0, false);
	char appname[64];
	snprintf(appname, sizeof(appname), "migration_helpers backfill job %lld", (long long) jobid);
	set_appname(appname);
	key_info_c(job, k);
	bool empty = false;
	as_owner(job, [&] {
		build_plans_c(job, k, p, schema, relname);
		if (!job->has_upper) {
			Datum *upper;
			empty = !run_keys_c(p->upper, k, nullptr, job->nkeys, &upper);
			if (!empty) {
				job->upper = keys_out_c(k, upper, job->nkeys);
				job->has_upper = true;
			}
		}
	});
	claim_job(jobid, MyProcPid, job->has_upper ? job->upper : nullptr, job->nkeys);
	if (empty)
		job_succeeded_c(jobid);
	return empty ? Claim::Done : Claim::Claimed;
}

// throttled_by_lag_c: the replicas lag more than the job allows: it waits a little (re-checked
// often: replicas usually catch up in milliseconds) and says so; false when it may go on.
bool throttled_by_lag_c(int64 jobid, const JobRow *job)
{
	begin_c();
	int64 lag = replication_lag_c();
	commit_c();
	if (lag <= job->max_lag)
		return false;
	char what[128];
	snprintf(what, sizeof(what), "throttled: replication lag %lld bytes > %lld", (long long) lag,
			 (long long) job->max_lag);
	report_activity(jobid, what);
	sleep_ms(100);
	return true;
}

// begin_own_batch_c: begins a batch's transaction by locking the job row and checking it is still
// this worker's to run, on the table and with the roles it was started with (a renamed table is
// followed). False, with the transaction ended, when it is not: removed or another worker's,
// paused or cancelled (let go, the job row says why), or its table or roles gone (failed).
bool begin_own_batch_c(int64 jobid, JobRow *job, KeyInfo *k, Plans *p, MemoryContext job_cxt)
{
	MemoryContextReset(job_cxt);
	CHECK_FOR_INTERRUPTS();
	begin_c();
	read_job(jobid, job, job_cxt, true);
	char *schema = nullptr, *relname = nullptr;
	char *error;
	bool ours = true;
	if (!job->found || job->worker_pid != MyProcPid) {
		ours = false;
	} else if (job->status != core::JobStatus::Running) {
		ours = false;
		release_job(jobid);
	} else if ((error = identity_error_c(job, &schema, &relname)) != nullptr) {
		ours = false;
		fail_job(jobid, error);
	} else if (strcmp(schema, p->schema) != 0 || strcmp(relname, p->relname) != 0) {
		as_owner(job, [&] { build_plans_c(job, k, p, schema, relname); });
	}
	if (!ours)
		commit_c();
	return ours;
}

// walk: the batches of a claimed job, until it ends, is paused or cancelled, or fails.
void walk(int64 jobid, JobRow *job, KeyInfo *k, Plans *p, MemoryContext job_cxt)
{
	core::BatchSettings settings;
	settings.initial_size = job->batch_size;
	settings.min_size = job->min_size;
	settings.max_size = job->max_size;
	settings.target_ms = job->target_ms;
	core::BatchController controller(settings);
	MemoryContext batch_cxt = pg_call([] {
		return AllocSetContextCreate(TopMemoryContext, "migration_helpers backfill batch",
									 ALLOCSET_DEFAULT_SIZES);
	});
	std::string last_error;
	for (;;) {
		double wait_ms = job->pause_ms;
		if (job->has_lag && pg_call([&] { return throttled_by_lag_c(jobid, job); }))
			continue;
		// The batch's transaction starts by locking the job row and checking it is still ours to run,
		// on the table and with the roles it was started with.
		bool stop = false;
		pg_call([&] {
			MemoryContextReset(batch_cxt);
			stop = !begin_own_batch_c(jobid, job, k, p, job_cxt);
		});
		if (stop)
			break;
		int64 size = controller.size();
		pg_call([&] {
			note_wal_demand();
			char what[128];
			snprintf(what, sizeof(what), "batch of %lld rows, %lld done", (long long) size,
					 (long long) job->rows_done);
			report_activity(jobid, what);
		});
		TimestampTz started = pg_call([] { return GetCurrentTimestamp(); });
		BatchResult result{};
		// The batch: a subtransaction inside the batch's transaction, so that its failure
		// can be recorded in the job row by the same transaction.
		PgError error(nullptr);
		bool failed = !in_subtransaction(
			[&] {
				MemoryContextSwitchTo(batch_cxt);
				as_owner(job, [&] { result = run_batch_c(jobid, job, k, p, size); });
			},
			&error);
		int sqlstate = 0;
		if (failed) {
			pg_call([] { disable_timeout(STATEMENT_TIMEOUT, false); });
			sqlstate = error.edata->sqlerrcode;
			last_error = error.edata->message ? error.edata->message : "unknown error";
		}
		double elapsed_ms = pg_call([&] { return double(GetCurrentTimestamp() - started) / 1000.0; });
		if (!failed) {
			controller.after_batch(elapsed_ms, result.rows);
			// Progress, in the same transaction as the rows.
			int64 next_size = controller.size();
			pg_call([&] {
				note_wal_demand();  // again: a batch may outlast the launcher's window
				record_progress(jobid, *job, result.rows, next_size, result.finished);
				if (result.finished)
					job_succeeded_c(jobid);
				commit_c();
			});
			if (result.finished)
				break;
		} else {
			bool conflict = is_conflict(sqlstate);
			bool timeout = sqlstate == ERRCODE_QUERY_CANCELED;
			wait_ms = conflict ? controller.after_conflict() : controller.after_failure();
			bool gave_up = timeout || controller.gave_up();
			char msg[640];
			if (timeout)
				snprintf(
					msg, sizeof(msg),
					"a batch of %lld rows did not finish within batch_statement_timeout (%d ms): %s; start the "
					"job again with a larger batch_statement_timeout or a smaller max_batch_size",
					(long long) size, job->stmt_ms, last_error.c_str());
			else
				snprintf(msg, sizeof(msg), "%s%s", conflict ? "lock conflict: " : "", last_error.c_str());
			int32 next_size = int32(controller.size());
			pg_call([&] {
				record_batch_failure(jobid, msg, gave_up, next_size);
				commit_c();
			});
			if (gave_up)
				break;
		}
		pg_call([&] { sleep_ms(long(wait_ms)); });
	}
	pg_call([&] { MemoryContextDelete(batch_cxt); });
}

// walk_shards: the rounds of a claimed job on a distributed table (core/backfill/shard_walk.hpp):
// each round sends one command to each node that holds shards not yet done, for those shards in
// turn, as the job's owner, and waits for them; every batch commits on its own node with its
// shard's position. The first round only asks each shard how far it got (after a restart of this worker
// the nodes know, this worker does not). The job row counts the shards' own totals.
void walk_shards(int64 jobid, JobRow *job, KeyInfo *k, Plans *p, MemoryContext job_cxt)
{
	core::BatchSettings settings;
	settings.initial_size = job->batch_size;
	settings.min_size = job->min_size;
	settings.max_size = job->max_size;
	settings.target_ms = job->target_ms;
	core::BatchController controller(settings);
	core::NodeOutages outages(settings);
	std::vector<core::ShardState> shards;
	bool report_round = true;
	char *job_key = pg_call([&] {
		return MemoryContextStrdup(TopMemoryContext, psprintf("%s/%lld", job->origin, (long long) jobid));
	});
	for (;;) {
		double wait_ms = job->pause_ms;
		if (job->has_lag && pg_call([&] { return throttled_by_lag_c(jobid, job); }))
			continue;
		bool stop = false;
		int n = 0;
		ShardPlacementC *pl = nullptr;
		pg_call([&] {
			if (!begin_own_batch_c(jobid, job, k, p, job_cxt)) {
				stop = true;
				return;
			}
			MemoryContext old = MemoryContextSwitchTo(job_cxt);
			pl = shard_placements_c(job->relid, &n);
			MemoryContextSwitchTo(old);
		});
		if (stop)
			break;
		// The shards as the placements name them now; a shard known before and gone now fails the round.
		std::vector<int> where(shards.size(), -1);
		for (int i = 0; i < n; i++) {
			size_t j = 0;
			while (j < shards.size() && shards[j].shard != pl[i].shard)
				j++;
			if (j == shards.size()) {
				shards.push_back(core::ShardState{});
				shards.back().shard = pl[i].shard;
				where.push_back(-1);
			}
			shards[j].node = std::string(pl[i].host) + ":" + std::to_string(pl[i].port);
			where[j] = i;
		}
		// One command per node over its shards not done (a report: all of them), in order; none to
		// a node that could not be reached until its backoff has passed (the others go on).
		double now_ms = pg_call([] { return double(GetCurrentTimestamp()) / 1000.0; });
		std::vector<std::vector<size_t>> commands_of =
			core::pick_commands(shards, report_round ? shards.size() : kShardsPerCommand,
								report_round ? nullptr : &outages, now_ms);
		bool unfinished = false;
		for (const core::ShardState &s : shards)
			unfinished = unfinished || !s.finished;
		if (commands_of.empty() && unfinished && !report_round) {
			// Every node with shards left is waiting to be tried again.
			pg_call([&] {
				commit_c();
				sleep_ms(long(std::ceil(std::max(outages.wait_ms(now_ms), wait_ms))));
			});
			continue;
		}
		std::vector<size_t> picked;
		std::vector<core::ShardReply> replies;
		for (const auto &c : commands_of)
			for (size_t i : c)
				if (where[i] < 0) {
					core::ShardReply r;
					r.message = "the shard has no active placement on a primary node now";
					picked.push_back(i);
					replies.push_back(r);
				}
		int64 size = report_round ? 0 : controller.size();
		if (replies.empty() && !commands_of.empty()) {
			int m = int(commands_of.size());
			int nshards = 0;
			for (const auto &c : commands_of)
				nshards += int(c.size());
			pg_call([&] {
				char what[128];
				snprintf(what, sizeof(what),
						 "%d shard commands over %d shards, batches of %lld rows, %lld done", m, nshards,
						 (long long) size, (long long) job->rows_done);
				report_activity(jobid, what);
			});
			char **results = nullptr;
			bool *success = nullptr;
			pg_call([&] {
				MemoryContext old = MemoryContextSwitchTo(job_cxt);
				char **hosts = (char **) palloc(sizeof(char *) * m);
				int *ports = (int *) palloc(sizeof(int) * m);
				char **commands = (char **) palloc(sizeof(char *) * m);
				success = (bool *) palloc(sizeof(bool) * m);
				results = (char **) palloc(sizeof(char *) * m);
				for (int c = 0; c < m; c++) {
					const std::vector<size_t> &idx = commands_of[c];
					int k = int(idx.size());
					const ShardPlacementC **these = (const ShardPlacementC **) palloc(sizeof(void *) * k);
					bool *started = (bool *) palloc(sizeof(bool) * k);
					for (int j = 0; j < k; j++) {
						// every shard picked has a placement now (where[] >= 0, checked above)
						these[j] = &pl[where[idx[j]]];  // NOLINT(clang-analyzer-core.NullDereference)
						started[j] = shards[idx[j]].started;
					}
					hosts[c] = these[0]->host;
					ports[c] = these[0]->port;
					commands[c] = shard_command_c(job_key, these, started, k, p->relname, job, size);
				}
				as_owner(job, [&] { run_round_c(m, hosts, ports, commands, success, results); });
				MemoryContextSwitchTo(old);
			});
			// filled by the pg_call above, which raises instead of returning without them (the
			// analyzer does not follow the setjmp of PG_TRY). A command answers for its first
			// shards, in order: those it reached.
			// A command that did not run: if its node cannot be reached now (restarting, say), the
			// job waits for it as for a lock instead of failing.
			std::vector<char> unreachable(m, 0);
			for (int c = 0; c < m; c++)
				if (!success[c]) {  // NOLINT(clang-analyzer-core.NullDereference)
					const ShardPlacementC &first = pl[where[commands_of[c][0]]];
					unreachable[c] = pg_call([&] {
						bool out = false;
						as_owner(job, [&] { out = node_unreachable_c(first.host, first.port); });
						return out;
					});
				}
			// The backoff counts from the round's end: the failed connection took part of it.
			double after_ms = pg_call([] { return double(GetCurrentTimestamp()) / 1000.0; });
			for (int c = 0; c < m; c++) {
				const std::string &node = shards[commands_of[c][0]].node;
				if (unreachable[c])
					outages.unreachable(node, after_ms);
				else
					outages.reached(node);
			}
			for (int c = 0; c < m; c++) {
				if (unreachable[c]) {
					core::ShardReply r;
					r.kind = core::ShardReplyKind::Unreachable;
					r.message = results[c];  // NOLINT(clang-analyzer-core.NullDereference)
					picked.push_back(commands_of[c][0]);
					replies.push_back(std::move(r));
					continue;
				}
				std::vector<core::ShardReply> rs = core::parse_shard_replies(
					success[c], results[c],
					commands_of[c].size());  // NOLINT(clang-analyzer-core.NullDereference)
				for (size_t j = 0; j < rs.size(); j++) {
					picked.push_back(commands_of[c][j]);
					replies.push_back(std::move(rs[j]));
				}
			}
		}
		std::vector<size_t> lost;
		core::RoundOutcome o = core::apply_round(shards, picked, replies, &lost);
		// A shard moved since the job started it keeps its position on the node it left, where its
		// batches committed (a move waits for a batch holding the shard's metadata lock, and a batch
		// after a move finds no placement and writes nothing): carry it to the shard's node now. Asked
		// for the shards lost, and, in a report round (this worker knows nothing yet: it started, or
		// the job was resumed), for every shard with no progress on its node.
		std::vector<size_t> ask = lost;
		if (report_round && (o.kind == core::RoundKind::Progress || o.kind == core::RoundKind::Done))
			for (size_t i = 0; i < shards.size(); i++)
				if (!shards[i].finished && shards[i].rows_done == 0 && where[i] >= 0)
					ask.push_back(i);
		if (!ask.empty() && (o.kind == core::RoundKind::Lost || lost.empty())) {
			bool answered = false;
			std::vector<char> adopted(ask.size(), 0);
			bool all_there = true;
			for (size_t i : ask)
				all_there = all_there && where[i] >= 0;
			if (all_there)
				pg_call([&] {
					int k = int(ask.size());
					const ShardPlacementC **these = (const ShardPlacementC **) palloc(sizeof(void *) * k);
					bool *got = (bool *) palloc(sizeof(bool) * k);
					for (int j = 0; j < k; j++)
						these[j] = &pl[where[ask[j]]];  // NOLINT(clang-analyzer-core.NullDereference)
					PgError ignored(nullptr);
					(void) in_subtransaction(
						[&] {
							as_owner(job, [&] { answered = adopt_moved_shards_c(job_key, these, k, got); });
						},
						&ignored);
					for (int j = 0; j < k; j++)
						adopted[j] = answered && got[j];
				});
			int carried = 0;
			bool lost_carried = answered && all_there;
			for (size_t j = 0; j < ask.size(); j++) {
				carried += adopted[j] ? 1 : 0;
				if (j < lost.size())
					lost_carried = lost_carried && adopted[j];
			}
			if (o.kind == core::RoundKind::Lost && lost_carried) {
				o.kind = core::RoundKind::Moved;
				o.message = "carried the backfill position of " + std::to_string(carried) +
							" moved shard(s) to their new node";
			} else if (o.kind != core::RoundKind::Lost && !answered) {
				// Not known whether a shard walked from its start here had rows done elsewhere.
				o.kind = core::RoundKind::Failure;
				o.message = "could not read the positions of moved shards from every node";
			} else if (o.kind != core::RoundKind::Lost && carried > 0) {
				o.kind = core::RoundKind::Moved;
				o.message = "carried the backfill position of " + std::to_string(carried) +
							" moved shard(s) to their new node";
			}
		}
		bool done = o.kind == core::RoundKind::Done;
		bool gave_up = false;
		std::string msg;
		if (o.kind == core::RoundKind::Progress || done) {
			// Steered by the batches' own time on their nodes (what holds the rows' locks), not by
			// the round's, which adds a new connection per batch.
			if (!report_round)
				controller.after_batch(double(o.steer_ms), o.steer_rows);
		} else if (o.kind == core::RoundKind::Conflict) {
			wait_ms = controller.after_conflict();
			gave_up = controller.gave_up();
			msg = "lock conflict: " + o.message;
		} else if (o.kind == core::RoundKind::Moved) {
			wait_ms = controller.after_outage();  // the next round reads the placements again
			gave_up = controller.gave_up();
			msg = o.message;
		} else if (o.kind == core::RoundKind::Unreachable) {
			// The node waits alone (NodeOutages); the batches of the others count and steer, and a
			// lock another node's batch met backs off and shrinks as a conflict does.
			if (o.also_conflict)
				wait_ms = controller.after_conflict();
			else if (o.steer_rows > 0 && !report_round)
				controller.after_batch(double(o.steer_ms), o.steer_rows);
			else
				wait_ms = std::max(wait_ms, outages.wait_ms(now_ms));
			gave_up = outages.gave_up() || controller.gave_up();
			msg = o.message;
		} else if (o.kind == core::RoundKind::Failure) {
			wait_ms = controller.after_failure();
			gave_up = o.timeout || controller.gave_up();
			msg = o.timeout ? "a shard batch did not finish within batch_statement_timeout: " + o.message
							: o.message;
		} else {
			gave_up = true;
			msg = o.message;
		}
		report_round = report_round && o.kind != core::RoundKind::Progress && !done;
		int64 next_size = controller.size();
		pg_call([&] {
			record_shard_progress(jobid, o.rows_done, next_size, done);
			if (!msg.empty())
				record_batch_failure(jobid, msg.c_str(), gave_up, int32(next_size));
			if (done)
				job_succeeded_c(jobid);
			commit_c();
		});
		if (done) {
			// Best effort: the positions are of no use any more (a failure here changes nothing).
			pg_call([&] {
				begin_c();
				PgError ignored(nullptr);
				(void) in_subtransaction(
					[&] { as_owner(job, [&] { forget_shards_c(job_key, job->relid); }); }, &ignored);
				commit_c();
			});
		}
		if (done || gave_up)
			break;
		pg_call([&] { sleep_ms(long(wait_ms)); });
	}
	pg_call([&] { pfree(job_key); });
}

// run_job: one job's life in this worker; false when the job was not ours to
// run (another worker owns it, it is paused or ended, or the cap is reached).
// C++ objects here hold no PostgreSQL memory; every call into the server is a pg_call.
bool run_job(int64 jobid)
{
	JobRow job{};
	KeyInfo keys{};
	Plans plans{};
	// The job row is read again before every batch into job_cxt, reset each time: memory stays flat.
	MemoryContext job_cxt = pg_call([] {
		set_appname("migration_helpers backfill starting");
		return AllocSetContextCreate(TopMemoryContext, "migration_helpers backfill job",
									 ALLOCSET_SMALL_SIZES);
	});
	Claim claim = Claim::NotOurs;
	bool sharded = false;  // a distributed table: walked shard by shard on the shards' nodes
	try {
		pg_call([&] {
			report_activity(jobid, "starting");
			begin_c();
			char *error = nullptr;
			claim = claim_c(jobid, &job, &keys, &plans, job_cxt, &error);
			if (claim == Claim::Failed)
				fail_job(jobid, error);
			// A batch's commit need not wait for its WAL to reach disk: its rows and its progress
			// record are one transaction, so a crash that loses the commit loses both, and the
			// batch runs again on resume (nothing lost, nothing done twice). Any later durable
			// commit, such as the migration's next DDL, flushes the WAL up to it anyway.
			// Not on a Citus table: the rows are in shards on other nodes, whose parts of the batch
			// commit before this node's (two-phase commit, its record in pg_dist_transaction here),
			// so a lost local commit would leave them done and the progress behind.
			core::Distribution distribution =
				claim == Claim::Claimed ? citus_table_c(job.relid).distribution : core::Distribution::Local;
			sharded = distribution == core::Distribution::Distributed;
			if (claim == Claim::Claimed && distribution == core::Distribution::Local)
				(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
										 GUC_ACTION_SET, true, 0, false);
			// The worker writes out the buffers its batches dirty faster than anyone: asked to
			// start writing them to disk every 256 kB (PostgreSQL's backend_flush_after), the
			// kernel does not pile up gigabytes of dirty pages for the checkpoint's fsync, which
			// then stalls every other session's commit (measured on a slow disk, 10M rows under
			// load, four pairs: the load's longest wait 640-753 ms with it, 784-1291 ms without).
			(void) set_config_option("backend_flush_after", "256kB", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SET, true, 0, false);
			commit_c();
		});
		if (claim == Claim::Claimed && sharded)
			walk_shards(jobid, &job, &keys, &plans, job_cxt);
		else if (claim == Claim::Claimed)
			walk(jobid, &job, &keys, &plans, job_cxt);
	} catch (const PgError &e) {
		// The postmaster died under a call that reports it as an error (Citus's executor, waiting
		// for the nodes' replies, raises "postmaster was shut down"): not the job's failure. Exit
		// as WaitLatch does; the job stays running, with its progress, for the resumer after the
		// restart.
		if (!PostmasterIsAlive())
			proc_exit(1);
		// An error outside a batch (a setting that no longer applies, a key column gone):
		// the job fails with it, once, instead of dying and being relaunched at every restart.
		char msg[512];
		strlcpy(msg, e.edata->message ? e.edata->message : "unknown error", sizeof(msg));
		pg_call([&] {
			ereport(LOG, (errmsg("backfill job %lld failed: %s", (long long) jobid, msg)));
			AbortCurrentTransaction();
			begin_c();
			read_job(jobid, &job, job_cxt, true);
			if (job.found && job.worker_pid == MyProcPid)
				fail_job(jobid, msg);
			commit_c();
		});
		claim = Claim::Failed;
	}
	pg_call([&] {
		free_plans_c(&plans);
		MemoryContextDelete(job_cxt);
	});
	return claim != Claim::NotOurs;
}

// next_job_c: the oldest queued job of this database that this worker can run
// (same login role) and that no live worker owns; 0 if none.
int64 next_job_c()
{
	int n;
	JobRef *jobs = jobs_with_status(core::JobStatus::Queued, GetSessionUserId(), &n);
	for (int i = 0; i < n; i++)
		if (!worker_is_live(jobs[i].worker_pid, jobs[i].id))
			return jobs[i].id;
	return 0;
}

// run_worker: runs its job, then the queued jobs it can run itself (no new
// process, no slot given up and taken again), then lets go of its slot and
// starts workers for the queued jobs of other roles.
void run_worker(int64 job)
{
	while (job != 0) {
		if (!run_job(job))
			break;
		job = pg_call([] {
			begin_c();
			int64 next = next_job_c();
			commit_c();
			return next;
		});
	}
	pg_call([] {
		set_appname("migration_helpers backfill exiting");
		begin_c();
		(void) start_queued(true, false);
		commit_c();
		wake_launcher();  // jobs of other databases waiting for this slot
	});
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

void mh_backfill_worker_main(Datum arg)
{
	int64 job = DatumGetInt64(arg);
	pg::WorkerArgs args;
	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.database, args.login_role, 0);
	pg::guarded_void_entry([&] { pg::run_worker(job); });
}
