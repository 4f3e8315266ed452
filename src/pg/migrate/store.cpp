// store.cpp — the statements on the migration state tables (see store.hpp).
#include "pg/migrate/store.hpp"
#include "pg/common/owner_spi.hpp"

namespace migration_helpers::pg {

namespace {

Oid state_owner()
{
	return state_table_owner("_migrations");
}

char *col_str(int col)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

char **text_array(HeapTuple t, TupleDesc d, int col, int *n)
{
	bool isnull;
	Datum v = SPI_getbinval(t, d, col, &isnull);
	*n = 0;
	if (isnull)
		return nullptr;
	Datum *elems;
	bool *nulls;
	deconstruct_array(DatumGetArrayTypeP(v), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	char **out = (char **) palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
	return out;
}

int *int_array(HeapTuple t, TupleDesc d, int col, int *n)
{
	bool isnull;
	Datum v = SPI_getbinval(t, d, col, &isnull);
	*n = 0;
	if (isnull)
		return nullptr;
	Datum *elems;
	bool *nulls;
	deconstruct_array(DatumGetArrayTypeP(v), INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, n);
	int *out = (int *) palloc(sizeof(int) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? 1 : DatumGetInt32(elems[i]);
	return out;
}

}  // namespace

uint64 spi_state(const char *what, int expected_rc, const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls)
{
	return spi_as_owner(state_owner(), nullptr, what, expected_rc, sql, nargs, types, values, nulls);
}

MigrationRow read_migration(const char *name, bool lock)
{
	MigrationRow m{};
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(name)};
	uint64 n =
		spi_state("read migration", SPI_OK_SELECT,
				  lock ? "SELECT id, name, description, phase, owner_oid, created_by::text, "
						 "pg_catalog.to_char(created_at, 'YYYY-MM-DD HH24:MI:SSOF'), "
						 "lock_retry_budget_ms, contract_done, undo_done FROM migration_helpers._migrations "
						 "WHERE name = $1 ORDER BY phase = 'aborted', id DESC LIMIT 1 FOR UPDATE"
					   : "SELECT id, name, description, phase, owner_oid, created_by::text, "
						 "pg_catalog.to_char(created_at, 'YYYY-MM-DD HH24:MI:SSOF'), "
						 "lock_retry_budget_ms, contract_done, undo_done FROM migration_helpers._migrations "
						 "WHERE name = $1 ORDER BY phase = 'aborted', id DESC LIMIT 1",
				  1, types, values, nullptr);
	if (n == 0)
		return m;
	HeapTuple t = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool isnull;
	m.found = true;
	m.id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
	m.name = col_str(2);
	m.description = col_str(3);
	m.phase = col_str(4);
	Datum owner = SPI_getbinval(t, d, 5, &isnull);
	m.owner = isnull ? InvalidOid : DatumGetObjectId(owner);
	if (OidIsValid(m.owner) && !SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(m.owner)))
		m.owner = InvalidOid;
	m.created_by = col_str(6);
	m.created_at = col_str(7);
	m.budget_ms = DatumGetInt32(SPI_getbinval(t, d, 8, &isnull));
	m.contract_done = DatumGetInt32(SPI_getbinval(t, d, 9, &isnull));
	m.undo_done = DatumGetInt32(SPI_getbinval(t, d, 10, &isnull));
	return m;
}

int64 insert_migration(const char *name, const char *description, int budget_ms)
{
	Oid types[5] = {TEXTOID, TEXTOID, OIDOID, NAMEOID, INT4OID};
	Datum values[5] = {CStringGetTextDatum(name), description ? CStringGetTextDatum(description) : (Datum) 0,
					   ObjectIdGetDatum(GetUserId()),
					   DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false))),
					   Int32GetDatum(budget_ms)};
	char nulls[6] = {' ', description ? ' ' : 'n', ' ', ' ', ' ', '\0'};
	spi_state("record the migration", SPI_OK_INSERT_RETURNING,
			  "INSERT INTO migration_helpers._migrations (name, description, owner_oid, created_by, "
			  "lock_retry_budget_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			  5, types, values, nulls);
	bool isnull;
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void set_stored_phase(int64 id, const char *phase)
{
	Oid types[2] = {INT8OID, TEXTOID};
	Datum values[2] = {Int64GetDatum(id), CStringGetTextDatum(phase)};
	spi_state(
		"record the migration's phase", SPI_OK_UPDATE,
		"UPDATE migration_helpers._migrations SET phase = $2, updated_at = pg_catalog.now(), "
		"finished_at = CASE WHEN $2 IN ('completed', 'aborted') THEN pg_catalog.now() END WHERE id = $1",
		2, types, values, nullptr);
}

void advance_cursor(int64 id, bool contract)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	spi_state("record the migration's cursor", SPI_OK_UPDATE,
			  contract ? "UPDATE migration_helpers._migrations SET contract_done = contract_done + 1, "
						 "updated_at = pg_catalog.now() WHERE id = $1"
					   : "UPDATE migration_helpers._migrations SET undo_done = undo_done + 1, "
						 "updated_at = pg_catalog.now() WHERE id = $1",
			  1, types, values, nullptr);
}

void set_step_status(int64 id, int step_no, const char *status)
{
	Oid types[3] = {INT8OID, INT4OID, TEXTOID};
	Datum values[3] = {Int64GetDatum(id), Int32GetDatum(step_no), CStringGetTextDatum(status)};
	spi_state(
		"record the step's status", SPI_OK_UPDATE,
		"UPDATE migration_helpers._migration_steps SET status = $3 WHERE migration_id = $1 AND step_no = $2",
		3, types, values, nullptr);
}

void notify_phase(int64 id, const char *name, const char *phase, const char *previous)
{
	Oid types[5] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID};
	Datum values[5] = {CStringGetTextDatum(kNotifyChannel), CStringGetTextDatum(name), Int64GetDatum(id),
					   CStringGetTextDatum(phase), previous ? CStringGetTextDatum(previous) : (Datum) 0};
	char nulls[6] = {' ', ' ', ' ', ' ', previous ? ' ' : 'n', '\0'};
	spi_state("announce the migration's phase", SPI_OK_SELECT,
			  "SELECT pg_catalog.pg_notify($1, pg_catalog.json_build_object('migration', $2, 'id', $3, "
			  "'phase', $4, 'previous', $5)::text)",
			  5, types, values, nulls);
}

AsyncCounts read_async(int64 id)
{
	AsyncCounts a{};
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	spi_state("read the migration's work", SPI_OK_SELECT,
			  "SELECT (SELECT pg_catalog.count(*) FROM migration_helpers._migration_steps WHERE migration_id "
			  "= $1), "
			  "pg_catalog.count(*) FILTER (WHERE b.status IN ('queued', 'running', 'paused')), "
			  "pg_catalog.count(*) FILTER (WHERE b.status IN ('failed', 'cancelled')), "
			  "pg_catalog.count(*) FILTER (WHERE b.status = 'succeeded'), "
			  "pg_catalog.count(*) FILTER (WHERE b.status IN ('queued', 'running', 'paused') "
			  "AND b.creator_xid = pg_catalog.pg_current_xact_id_if_assigned()) "
			  "FROM migration_helpers._backfill_jobs b LEFT JOIN migration_helpers._migration_steps s "
			  "ON s.migration_id = $1 AND s.backfill_job = b.id "
			  "WHERE b.migration_id = $1 AND COALESCE(s.status, 'applied') = 'applied'",
			  1, types, values, nullptr);
	HeapTuple t = SPI_tuptable->vals[0];
	TupleDesc d = SPI_tuptable->tupdesc;
	bool isnull;
	a.steps = int(DatumGetInt64(SPI_getbinval(t, d, 1, &isnull)));
	a.running = int(DatumGetInt64(SPI_getbinval(t, d, 2, &isnull)));
	a.failed = int(DatumGetInt64(SPI_getbinval(t, d, 3, &isnull)));
	a.succeeded = int(DatumGetInt64(SPI_getbinval(t, d, 4, &isnull)));
	a.created_here = int(DatumGetInt64(SPI_getbinval(t, d, 5, &isnull)));
	// Index builds of steps still applied (drops after contract do not hold a migration back).
	spi_state("read the migration's tasks", SPI_OK_SELECT,
			  "SELECT pg_catalog.count(*) FILTER (WHERE t.status IN ('queued', 'running')), "
			  "pg_catalog.count(*) FILTER (WHERE t.status IN ('failed', 'cancelled')), "
			  "pg_catalog.count(*) FILTER (WHERE t.status = 'succeeded'), "
			  "pg_catalog.count(*) FILTER (WHERE t.status IN ('queued', 'running') "
			  "AND t.creator_xid = pg_catalog.pg_current_xact_id_if_assigned()) "
			  "FROM migration_helpers._migration_tasks t JOIN migration_helpers._migration_steps s "
			  "ON s.migration_id = t.migration_id AND s.step_no = t.step_no "
			  "WHERE t.migration_id = $1 AND t.builds AND s.status = 'applied'",
			  1, types, values, nullptr);
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	a.builds_running = int(DatumGetInt64(SPI_getbinval(t, d, 1, &isnull)));
	a.running += a.builds_running;
	a.failed += int(DatumGetInt64(SPI_getbinval(t, d, 2, &isnull)));
	a.succeeded += int(DatumGetInt64(SPI_getbinval(t, d, 3, &isnull)));
	a.created_here += int(DatumGetInt64(SPI_getbinval(t, d, 4, &isnull)));
	return a;
}

List *unfinished_jobs(int64 id)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	uint64 n =
		spi_state("read the migration's backfills", SPI_OK_SELECT,
				  "SELECT b.id FROM migration_helpers._backfill_jobs b LEFT JOIN "
				  "migration_helpers._migration_steps s ON s.migration_id = $1 AND s.backfill_job = b.id "
				  "WHERE b.migration_id = $1 AND COALESCE(s.status, 'applied') = 'applied' "
				  "AND b.status IN ('queued', 'running', 'paused') ORDER BY b.id",
				  1, types, values, nullptr);
	List *out = NIL;
	for (uint64 i = 0; i < n; i++) {
		bool isnull;
		int64 *job = (int64 *) palloc(sizeof(int64));
		*job = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		out = lappend(out, job);
	}
	return out;
}

List *read_steps(int64 id)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	uint64 n = spi_state(
		"read the migration's steps", SPI_OK_SELECT,
		"SELECT step_no, action, status, relation_oid, ref_relation_oid, "
		"COALESCE((SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = s.relation_oid), "
		"pg_catalog.format('%I.%I', relation_schema, relation_name)), "
		"contract_actions, contract_passes, undo_actions, action_locks, "
		"pg_catalog.cardinality(forward_actions), index_schema::text, index_name::text "
		"FROM migration_helpers._migration_steps s WHERE migration_id = $1 ORDER BY step_no",
		1, types, values, nullptr);
	List *out = NIL;
	SPITupleTable *tt = SPI_tuptable;
	for (uint64 i = 0; i < n; i++) {
		HeapTuple t = tt->vals[i];
		TupleDesc d = tt->tupdesc;
		bool isnull;
		auto *s = (StepRow *) palloc0(sizeof(StepRow));
		s->step_no = DatumGetInt32(SPI_getbinval(t, d, 1, &isnull));
		s->action = SPI_getvalue(t, d, 2);
		s->status = SPI_getvalue(t, d, 3);
		Datum rel = SPI_getbinval(t, d, 4, &isnull);
		s->relid = isnull ? InvalidOid : DatumGetObjectId(rel);
		Datum ref = SPI_getbinval(t, d, 5, &isnull);
		s->ref_relid = isnull ? InvalidOid : DatumGetObjectId(ref);
		s->table = SPI_getvalue(t, d, 6);
		s->contract = text_array(t, d, 7, &s->ncontract);
		int npasses;
		s->passes = int_array(t, d, 8, &npasses);
		if (npasses != s->ncontract)
			elog(ERROR, "step %d of migration %lld has %d contract actions but %d passes", s->step_no,
				 (long long) id, s->ncontract, npasses);
		s->undo = text_array(t, d, 9, &s->nundo);
		s->locks = text_array(t, d, 10, &s->nlocks);
		Datum nf = SPI_getbinval(t, d, 11, &isnull);
		s->nforward = isnull ? 0 : DatumGetInt32(nf);
		s->index_schema = SPI_getvalue(t, d, 12);
		s->index_name = SPI_getvalue(t, d, 13);
		out = lappend(out, s);
	}
	return out;
}

ExistingStep find_step(int64 id, Oid relid, const char *action, const char *key, Datum arguments)
{
	ExistingStep e{};
	Oid types[5] = {INT8OID, OIDOID, TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum values[5] = {Int64GetDatum(id), ObjectIdGetDatum(relid), CStringGetTextDatum(action),
					   CStringGetTextDatum(key), arguments};
	uint64 n =
		spi_state("read the migration's steps", SPI_OK_SELECT,
				  "SELECT step_no, arguments::text, arguments = $5 FROM migration_helpers._migration_steps "
				  "WHERE migration_id = $1 AND relation_oid = $2 AND action = $3 AND step_key = $4",
				  5, types, values, nullptr);
	if (n == 0)
		return e;
	bool isnull;
	e.found = true;
	e.step_no = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	e.arguments = col_str(2);
	e.same = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)) && !isnull;
	return e;
}

int next_step_no(int64 id)
{
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(id)};
	spi_state("number the step", SPI_OK_SELECT,
			  "SELECT COALESCE(pg_catalog.max(step_no), 0) + 1 FROM migration_helpers._migration_steps "
			  "WHERE migration_id = $1",
			  1, types, values, nullptr);
	bool isnull;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

Conflict find_conflict(int64 id, Oid relid)
{
	Conflict c{};
	Oid types[2] = {INT8OID, OIDOID};
	Datum values[2] = {Int64GetDatum(id), ObjectIdGetDatum(relid)};
	uint64 n = spi_state("read other migrations", SPI_OK_SELECT,
						 "SELECT m.name, m.phase, m.created_by::text, pg_catalog.to_char(m.created_at, "
						 "'YYYY-MM-DD HH24:MI:SSOF') "
						 "FROM migration_helpers._migrations m "
						 "WHERE m.id <> $1 AND m.phase NOT IN ('completed', 'aborted') AND EXISTS ("
						 "SELECT FROM migration_helpers._migration_steps s WHERE s.migration_id = m.id "
						 "AND (s.relation_oid = $2 OR s.ref_relation_oid = $2 OR $2 = ANY "
						 "(s.more_relation_oids))) ORDER BY m.id LIMIT 1",
						 2, types, values, nullptr);
	if (n == 0)
		return c;
	c.found = true;
	c.name = col_str(1);
	c.phase = col_str(2);
	c.created_by = col_str(3);
	c.created_at = col_str(4);
	return c;
}

void insert_step(const NewStep &s)
{
	Relation rel = relation_open(s.relid, AccessShareLock);
	char *schema = get_namespace_name(RelationGetNamespace(rel));
	char *relname = pstrdup(RelationGetRelationName(rel));
	relation_close(rel, AccessShareLock);
	// The other tables, by OID and by name (to pin them again after a restore).
	Datum *more_oids = (Datum *) palloc(sizeof(Datum) * Max(s.nmore, 1));
	Datum *more_names = (Datum *) palloc(sizeof(Datum) * Max(s.nmore, 1));
	for (int i = 0; i < s.nmore; i++) {
		more_oids[i] = ObjectIdGetDatum(s.more[i]);
		more_names[i] = CStringGetTextDatum(quote_qualified_identifier(
			get_namespace_name(get_rel_namespace(s.more[i])), get_rel_name(s.more[i])));
	}
	Oid types[23] = {INT8OID,      INT4OID,      TEXTOID,      NAMEOID,      NAMEOID,      NAMEOID,
					 TEXTOID,      TEXTOID,      TEXTOID,      OIDOID,       OIDOID,       TEXTOID,
					 TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
					 INT8OID,      NAMEOID,      NAMEOID,      OIDARRAYOID,  TEXTARRAYOID};
	Datum values[23];
	char nulls[24];
	memset(nulls, ' ', 23);
	nulls[23] = '\0';
	values[0] = Int64GetDatum(s.migration_id);
	values[1] = Int32GetDatum(s.step_no);
	values[2] = CStringGetTextDatum(s.action);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[4] = DirectFunctionCall1(namein, CStringGetDatum(relname));
	values[5] = s.column ? DirectFunctionCall1(namein, CStringGetDatum(s.column)) : (Datum) 0;
	nulls[5] = s.column ? ' ' : 'n';
	values[6] = CStringGetTextDatum(s.forward_sql);
	values[7] = s.undo_sql ? CStringGetTextDatum(s.undo_sql) : (Datum) 0;
	nulls[7] = s.undo_sql ? ' ' : 'n';
	values[8] = s.contract_sql ? CStringGetTextDatum(s.contract_sql) : (Datum) 0;
	nulls[8] = s.contract_sql ? ' ' : 'n';
	values[9] = ObjectIdGetDatum(s.relid);
	values[10] = ObjectIdGetDatum(s.ref_relid);
	nulls[10] = OidIsValid(s.ref_relid) ? ' ' : 'n';
	values[11] = CStringGetTextDatum(s.key);
	values[12] = s.arguments;
	values[13] = s.forward;
	values[14] = s.undo;
	values[15] = s.contract;
	values[16] = s.passes;
	values[17] = s.locks;
	values[18] = Int64GetDatum(s.job);
	nulls[18] = s.has_job ? ' ' : 'n';
	values[19] = s.index_schema ? DirectFunctionCall1(namein, CStringGetDatum(s.index_schema)) : (Datum) 0;
	nulls[19] = s.index_schema ? ' ' : 'n';
	values[20] = s.index_name ? DirectFunctionCall1(namein, CStringGetDatum(s.index_name)) : (Datum) 0;
	nulls[20] = s.index_name ? ' ' : 'n';
	values[21] =
		PointerGetDatum(construct_array(more_oids, s.nmore, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	values[22] = PointerGetDatum(construct_array(more_names, s.nmore, TEXTOID, -1, false, TYPALIGN_INT));
	spi_state(
		"record the step", SPI_OK_INSERT,
		"INSERT INTO migration_helpers._migration_steps (migration_id, step_no, action, relation_schema, "
		"relation_name, column_name, forward_sql, undo_sql, contract_sql, relation_oid, ref_relation_oid, "
		"step_key, arguments, forward_actions, undo_actions, contract_actions, contract_passes, "
		"action_locks, "
		"backfill_job, index_schema, index_name, more_relation_oids, more_relation_names) VALUES ($1, $2, $3, "
		"$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
		23, types, values, nulls);
}

bool steps_fill_column(int64 id, Oid relid, const char *column)
{
	Oid types[3] = {INT8OID, OIDOID, NAMEOID};
	Datum values[3] = {Int64GetDatum(id), ObjectIdGetDatum(relid),
					   DirectFunctionCall1(namein, CStringGetDatum(column))};
	uint64 n = spi_state(
		"read the migration's steps", SPI_OK_SELECT,
		"SELECT FROM migration_helpers._migration_steps WHERE migration_id = $1 AND relation_oid = $2 "
		"AND action = 'add_column' AND column_name = $3 AND backfill_job IS NOT NULL "
		"AND status = 'applied'",
		3, types, values, nullptr);
	return n > 0;
}

}  // namespace migration_helpers::pg
