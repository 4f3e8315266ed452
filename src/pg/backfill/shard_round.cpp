// shard_round.cpp — Citus's side of the shard walk (shard_round.hpp).
#include "pg/backfill/shard_round.hpp"

#include "core/backfill/shard_walk.hpp"
#include "pg/boundary.hpp"

namespace migration_helpers::pg {

namespace {

char *text_array_literal(char **a, int n)
{
	Datum *e = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e[i] = CStringGetTextDatum(a[i]);
	Datum arr = PointerGetDatum(construct_array(e, n, TEXTOID, -1, false, TYPALIGN_INT));
	return quote_literal_cstr(OidOutputFunctionCall(F_ARRAY_OUT, arr));
}

}  // namespace

ShardPlacementC *shard_placements_c(Oid relid, int *n)
{
	Oid types[1] = {REGCLASSOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	int rc = SPI_execute_with_args(
		"SELECT s.shardid, n.nodename::text, n.nodeport, pg_catalog.shard_name(s.logicalrelid, s.shardid) "
		"FROM pg_catalog.pg_dist_shard s "
		"JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid AND p.shardstate = 1 "
		"JOIN pg_catalog.pg_dist_node n ON n.groupid = p.groupid AND n.noderole = 'primary' "
		"WHERE s.logicalrelid = $1 ORDER BY s.shardid",
		1, types, values, nullptr, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the shards of the backfill's table: %s", SPI_result_code_string(rc));
	*n = int(SPI_processed);
	ShardPlacementC *out = (ShardPlacementC *) palloc0(sizeof(ShardPlacementC) * Max(*n, 1));
	for (int i = 0; i < *n; i++) {
		HeapTuple t = SPI_tuptable->vals[i];
		TupleDesc d = SPI_tuptable->tupdesc;
		bool isnull;
		out[i].shard = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
		out[i].host = SPI_getvalue(t, d, 2);
		out[i].port = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
		out[i].name = SPI_getvalue(t, d, 4);
	}
	return out;
}

char *shard_command_c(const char *job_key, const ShardPlacementC *const *shards, const bool *started, int n,
					  const char *alias, const JobRow *job, int64 size)
{
	StringInfoData names, flags, ids;
	initStringInfo(&names);
	initStringInfo(&flags);
	initStringInfo(&ids);
	for (int i = 0; i < n; i++) {
		appendStringInfo(&names, "%s%s", i > 0 ? ", " : "", quote_literal_cstr(shards[i]->name));
		appendStringInfo(&flags, "%s%s", i > 0 ? ", " : "", started[i] ? "true" : "false");
		appendStringInfo(&ids, "%s" INT64_FORMAT, i > 0 ? ", " : "", shards[i]->shard);
	}
	// CALL, and alone on Citus's connection: the procedure commits each batch on the node.
	return psprintf(
		"CALL migration_helpers._backfill_shard(%s, ARRAY[%s]::pg_catalog.regclass[], %s, %s, %s, %s::text[], "
		"%s::text[], %lld, %d, %d, %d, %d, %d, %d, %lld, ARRAY[%s]::boolean[], ARRAY[%s]::bigint[])",
		quote_literal_cstr(job_key), names.data, quote_literal_cstr(alias),
		quote_literal_cstr(job->set_clause),
		job->where_clause ? quote_literal_cstr(job->where_clause) : "NULL",
		text_array_literal(job->keys, job->nkeys), text_array_literal(job->settings, job->nsettings),
		(long long) size, job->min_size, job->max_size, job->target_ms, job->lock_ms, job->stmt_ms,
		job->pause_ms, (long long) core::command_budget_ms(job->target_ms), flags.data, ids.data);
}

void run_round_c(int n, char **hosts, int *ports, char **commands, bool *success, char **results)
{
	Datum *h = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	Datum *p = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	Datum *c = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++) {
		h[i] = CStringGetTextDatum(hosts[i]);
		p[i] = Int32GetDatum(ports[i]);
		c[i] = CStringGetTextDatum(commands[i]);
		success[i] = false;
		results[i] = pstrdup("no reply");
	}
	Oid types[3] = {TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID};
	Datum values[3] = {PointerGetDatum(construct_array(h, n, TEXTOID, -1, false, TYPALIGN_INT)),
					   PointerGetDatum(construct_array(p, n, INT4OID, 4, true, TYPALIGN_INT)),
					   PointerGetDatum(construct_array(c, n, TEXTOID, -1, false, TYPALIGN_INT))};
	// master_run_on_worker answers in the order of its arrays (run_command_on_placements relies on it).
	int rc =
		SPI_execute_with_args("SELECT success, result FROM pg_catalog.master_run_on_worker($1, $2, $3, true)",
							  3, types, values, nullptr, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not send the backfill's shard batches: %s", SPI_result_code_string(rc));
	for (int i = 0; i < n && uint64(i) < SPI_processed; i++) {
		bool isnull;
		HeapTuple t = SPI_tuptable->vals[i];
		Datum s = SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull);
		success[i] = !isnull && DatumGetBool(s);
		char *r = SPI_getvalue(t, SPI_tuptable->tupdesc, 2);
		results[i] = r ? r : pstrdup("");
	}
}

bool adopt_moved_shards_c(const char *job_key, const ShardPlacementC *const *shards, int n, bool *adopted)
{
	for (int i = 0; i < n; i++)
		adopted[i] = false;
	if (n == 0)
		return true;
	// Every primary node: the one a shard left may hold no shard of the table any more.
	int rc = SPI_execute("SELECT nodename::text, nodeport FROM pg_catalog.pg_dist_node "
						 "WHERE noderole = 'primary' AND isactive ORDER BY nodeid",
						 true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the cluster's nodes: %s", SPI_result_code_string(rc));
	int m = int(SPI_processed);
	if (m == 0)
		return true;
	StringInfoData ids;
	initStringInfo(&ids);
	for (int i = 0; i < n; i++)
		appendStringInfo(&ids, "%s" INT64_FORMAT, i > 0 ? ", " : "", shards[i]->shard);
	char **hosts = (char **) palloc(sizeof(char *) * m);
	int *ports = (int *) palloc(sizeof(int) * m);
	char **commands = (char **) palloc(sizeof(char *) * m);
	for (int j = 0; j < m; j++) {
		bool isnull;
		hosts[j] = SPI_getvalue(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1);
		ports[j] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 2, &isnull));
		commands[j] = psprintf("SELECT migration_helpers._backfill_shard_export(%s, ARRAY[%s]::bigint[])",
							   quote_literal_cstr(job_key), ids.data);
	}
	bool *success = (bool *) palloc(sizeof(bool) * m);
	char **results = (char **) palloc(sizeof(char *) * m);
	run_round_c(m, hosts, ports, commands, success, results);
	// For each shard, the most advanced position on a node other than its own (a shard moved twice
	// left one on each node it left). A node that did not answer may hold the newest: nothing then.
	char **best = (char **) palloc0(sizeof(char *) * n);
	int64 *best_rows = (int64 *) palloc(sizeof(int64) * n);
	for (int i = 0; i < n; i++)
		best_rows[i] = -1;
	for (int j = 0; j < m; j++) {
		if (!success[j])
			return false;
		char *line = results[j];  // NULL reads as an empty text: no position there
		while (line != nullptr && *line != '\0') {
			char *nl = strchr(line, '\n');
			if (nl != nullptr)
				*nl = '\0';
			// "<shard id> <rows done> <position as JSON>"
			char *rest = nullptr;
			int64 id = strtoll(line, &rest, 10);
			int64 rows = rest != nullptr && *rest == ' ' ? strtoll(rest + 1, &rest, 10) : -1;
			if (rows >= 0 && rest != nullptr && *rest == ' ') {
				const char *json = rest + 1;
				for (int i = 0; i < n; i++) {
					if (shards[i]->shard != id ||
						(ports[j] == shards[i]->port && strcmp(hosts[j], shards[i]->host) == 0))
						continue;
					if (rows > best_rows[i]) {
						best_rows[i] = rows;
						best[i] = pstrdup(json);
					}
				}
			}
			line = nl != nullptr ? nl + 1 : nullptr;
		}
	}
	int k = 0;
	char **adopt_hosts = (char **) palloc(sizeof(char *) * n);
	int *adopt_ports = (int *) palloc(sizeof(int) * n);
	char **adopts = (char **) palloc(sizeof(char *) * n);
	int *which = (int *) palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++) {
		if (best[i] == nullptr)
			continue;
		adopt_hosts[k] = shards[i]->host;
		adopt_ports[k] = shards[i]->port;
		adopts[k] = psprintf(
			"SELECT migration_helpers._backfill_shard_adopt(%s, %s::pg_catalog.regclass, " INT64_FORMAT
			", %s)",
			quote_literal_cstr(job_key), quote_literal_cstr(shards[i]->name), shards[i]->shard,
			quote_literal_cstr(best[i]));
		which[k++] = i;
	}
	if (k == 0)
		return true;
	bool *ok = (bool *) palloc(sizeof(bool) * k);
	char **answers = (char **) palloc(sizeof(char *) * k);
	run_round_c(k, adopt_hosts, adopt_ports, adopts, ok, answers);
	for (int c = 0; c < k; c++)
		adopted[which[c]] = ok[c] && answers[c] != nullptr && strcmp(answers[c], "t") == 0;
	return true;
}

bool node_unreachable_c(const char *host, int port)
{
	List *names =
		list_make2(makeString(pstrdup("pg_catalog")), makeString(pstrdup("citus_check_connection_to_node")));
	Oid argtypes[2] = {TEXTOID, INT4OID};
	if (!OidIsValid(LookupFuncName(names, 2, argtypes, true)))
		return false;  // not a Citus that can tell: the command's failure stands
	bool unreachable = false;
	PgError error(nullptr);
	(void) in_subtransaction(
		[&] {
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			Oid types[2] = {TEXTOID, INT4OID};
			Datum values[2] = {CStringGetTextDatum(host), Int32GetDatum(port)};
			// Citus warns of the failed connection: the job's last_error says it instead. The
			// levels are restored on return, and by the subtransaction's abort on an error.
			int nest = NewGUCNestLevel();
			(void) set_config_option("client_min_messages", "error", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			(void) set_config_option("log_min_messages", "error", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
									 true, 0, false);
			int rc = SPI_execute_with_args("SELECT pg_catalog.citus_check_connection_to_node($1, $2)", 2,
										   types, values, nullptr, false, 1);
			AtEOXact_GUC(true, nest);
			if (rc == SPI_OK_SELECT && SPI_processed == 1) {
				bool isnull;
				Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
				unreachable = !isnull && !DatumGetBool(d);
			}
			SPI_finish();
		},
		&error);
	return unreachable;
}

double shard_row_estimate(Oid relid)
{
	double rows = -1;
	PgError error(nullptr);
	(void) in_subtransaction(
		[&] {
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			int n;
			ShardPlacementC *pl = shard_placements_c(relid, &n);
			// Each shard once, on the first node that holds it (a reference table's one shard has a
			// placement on every node): one command per node, all at once.
			char **hosts = (char **) palloc(sizeof(char *) * Max(n, 1));
			int *ports = (int *) palloc(sizeof(int) * Max(n, 1));
			StringInfoData *names = (StringInfoData *) palloc(sizeof(StringInfoData) * Max(n, 1));
			int m = 0;
			for (int i = 0; i < n; i++) {
				bool seen = false;
				for (int j = 0; j < i && !seen; j++)
					seen = pl[j].shard == pl[i].shard;
				if (seen)
					continue;
				int k = 0;
				while (k < m && !(ports[k] == pl[i].port && strcmp(hosts[k], pl[i].host) == 0))
					k++;
				if (k == m) {
					hosts[m] = pl[i].host;
					ports[m] = pl[i].port;
					initStringInfo(&names[m]);
					m++;
				}
				appendStringInfo(&names[k], "%s%s", names[k].len > 0 ? ", " : "",
								 quote_literal_cstr(pl[i].name));
			}
			char **commands = (char **) palloc(sizeof(char *) * Max(m, 1));
			for (int k = 0; k < m; k++)
				commands[k] = psprintf(
					"SELECT pg_catalog.sum(GREATEST(c.reltuples, 0)) FROM pg_catalog.pg_class c WHERE c.oid IN "
					"(SELECT pg_catalog.to_regclass(s) FROM pg_catalog.unnest(ARRAY[%s]::text[]) s)",
					names[k].data);
			bool *success = (bool *) palloc(sizeof(bool) * Max(m, 1));
			char **results = (char **) palloc(sizeof(char *) * Max(m, 1));
			if (m > 0)
				run_round_c(m, hosts, ports, commands, success, results);
			double total = 0;
			bool known = true;
			for (int k = 0; k < m && known; k++) {
				char *end;
				double v = results[k][0] ? strtod(results[k], &end) : 0;  // NULL sum: no shard there now
				known = success[k] && (results[k][0] == 0 || *end == 0) && v >= 0;
				total += v;
			}
			rows = known ? total : -1;
			SPI_finish();
		},
		&error);
	return rows;
}

void forget_shards_c(const char *job_key, Oid relid)
{
	int n;
	ShardPlacementC *pl = shard_placements_c(relid, &n);
	// One command per node.
	char **hosts = (char **) palloc(sizeof(char *) * Max(n, 1));
	int *ports = (int *) palloc(sizeof(int) * Max(n, 1));
	char **commands = (char **) palloc(sizeof(char *) * Max(n, 1));
	int m = 0;
	for (int i = 0; i < n; i++) {
		bool seen = false;
		for (int j = 0; j < m && !seen; j++)
			seen = ports[j] == pl[i].port && strcmp(hosts[j], pl[i].host) == 0;
		if (seen)
			continue;
		hosts[m] = pl[i].host;
		ports[m] = pl[i].port;
		commands[m] =
			psprintf("SELECT migration_helpers._backfill_shard_forget(%s)", quote_literal_cstr(job_key));
		m++;
	}
	if (m == 0)
		return;
	bool *success = (bool *) palloc(sizeof(bool) * m);
	char **results = (char **) palloc(sizeof(char *) * m);
	run_round_c(m, hosts, ports, commands, success, results);
}

}  // namespace migration_helpers::pg
