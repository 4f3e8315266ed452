// steps_column.cpp — the steps rename_column and change_column_type: the new
// column beside the old one, the C++ sync trigger (sync_trigger.cpp), a
// backfill through the engine, and on the new column what the old one has
// (src/core/migrate/plan.hpp, plan_column_change, says what moves when).
//
// Words used here:
//   old, new    the column the running application version uses and the one
//               the next version uses during the migration (a rename: the new
//               name; a type change: column_name_new, which takes the old
//               name at contract).
//   carried     an object on the old column that is recreated on the new one:
//               NOT NULL, CHECK constraints, indexes (unique, partial,
//               expression, primary key), foreign keys both ways, default,
//               sequence ownership or identity, comment, column privileges,
//               statistics target.
//   dependent   any other object that depends on the old column (a view, a
//               rule, a generated column, a trigger with a column list, a
//               policy, extended statistics, a publication column list, an
//               exclusion constraint): the step refuses to start, naming it.
// Carried expressions (CHECK constraints, index expressions and predicates)
// are the stored node trees (conbin, indexprs, indpred) deparsed by the
// server's deparser against a range table whose column list names the old
// column by its new name (deparse_renamed_c): a Var is the column or it is
// not, so a keyword equal to the name (`time` in `timestamp with time zone`,
// `year` in EXTRACT) is never taken for it. Column lists of foreign keys are
// the server's text (pg_get_constraintdef) with the column's identifiers
// renamed token by token (rename_in_lists_c) inside those lists only.
#include <optional>
#include <string>
#include <vector>

#include "core/migrate/plan.hpp"
#include "pg/backfill/engine.hpp"
#include "pg/boundary.hpp"
#include "pg/migrate/common.hpp"
#include "pg/migrate/steps.hpp"
#include "pg/pg_headers.hpp"

// i.indnullsnotdistinct exists from PostgreSQL 15 on.
#if PG_VERSION_NUM >= 150000
#define MH_INDNULLSNOTDISTINCT "i.indnullsnotdistinct"
#else
#define MH_INDNULLSNOTDISTINCT "false"
#endif

namespace migration_helpers::pg {

void check_sync_expression_c(Oid relid, const char *text, Oid type, int32 typmod, const char *what);

namespace {

// rename_in_lists_c: text, a foreign key's definition as pg_get_constraintdef
// prints it, with every identifier equal to from inside its column lists
// replaced by to (quoted): the referencing table's lists (after FOREIGN KEY,
// and PG15's ON DELETE SET NULL / SET DEFAULT (...)) when referencing, else
// the referenced table's (after REFERENCES name). The lists are found by the
// server's scanner: a quoted name holding ")" or "," is one token.
char *rename_in_lists_c(const char *text, const char *from, const char *to, bool referencing)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner = scanner_init(text, &extra, &ScanKeywords, ScanKeywordTokens);
	StringInfoData out;
	initStringInfo(&out);
	int copied = 0, prev = 0, prev2 = 0, depth = 0;
	bool in_list = false, after_references = false;
	core_YYSTYPE val;
	YYLTYPE loc;
	for (int tok = core_yylex(&val, &loc, scanner); tok != 0; tok = core_yylex(&val, &loc, scanner)) {
		if (tok == REFERENCES)
			after_references = true;
		if (tok == '(') {
			if (depth == 0) {
				in_list = referencing ? prev == KEY || (prev2 == SET && (prev == NULL_P || prev == DEFAULT))
									  : after_references;
				after_references = false;
			}
			depth++;
		} else if (tok == ')') {
			depth--;
			if (depth == 0)
				in_list = false;
		} else if (in_list && depth == 1) {
			const char *word = tok == IDENT ? val.str : tok >= ABORT_P ? val.keyword : nullptr;
			if (word != nullptr && strcmp(word, from) == 0) {
				int len = 0;
				if (text[loc] == '"') {
					len = 1;
					while (text[loc + len] != '\0' && !(text[loc + len] == '"' && text[loc + len + 1] != '"'))
						len += text[loc + len] == '"' ? 2 : 1;
					len++;
				} else {
					len = int(strlen(word));
				}
				appendBinaryStringInfo(&out, text + copied, loc - copied);
				appendStringInfoString(&out, to);
				copied = loc + len;
			}
		}
		prev2 = prev;
		prev = tok;
	}
	scanner_finish(scanner);
	appendStringInfoString(&out, text + copied);
	return out.data;
}

// deparse_renamed_c: expr, a node tree over the columns of relid (varno 1, as
// conbin, indexprs and indpred store them), deparsed by the server's deparser
// with column attnum named new_name: the range table entry's alias column list
// renames it, so every Var of that column prints as new_name and nothing else does.
char *deparse_renamed_c(Node *expr, Oid relid, AttrNumber attnum, const char *new_name)
{
	Relation rel = relation_open(relid, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	List *colnames = NIL;
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = att->attnum == attnum ? new_name : NameStr(att->attname);
		colnames = lappend(colnames, makeString(pstrdup(att->attisdropped ? "" : name)));
	}
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = AccessShareLock;
	rte->alias = makeAlias(pstrdup(RelationGetRelationName(rel)), colnames);
	rte->eref = rte->alias;
	rte->inFromCl = true;
	relation_close(rel, AccessShareLock);
	PlannedStmt *stmt = makeNode(PlannedStmt);
	stmt->rtable = list_make1(rte);
	List *context = deparse_context_for_plan_tree(stmt, list_make1(rte->alias->aliasname));
	return deparse_expression(expr, context, false, false);
}

// index_elements_c: the key elements of index indexrelid ("a, (lower(b)) COLLATE
// x DESC", suffixes[k] following key k) and its INCLUDE columns, with column
// attnum named new_name.
void index_elements_c(Oid relid, Oid indexrelid, Datum suffix_array, AttrNumber attnum, const char *new_name,
					  char **keys, char **include)
{
	HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexrelid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", indexrelid);
	auto *ix = (Form_pg_index) GETSTRUCT(tup);
	bool isnull = true;
	Datum exprs = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indexprs, &isnull);
	List *exprlist = isnull ? NIL : (List *) stringToNode(TextDatumGetCString(exprs));
	Datum *suffixes = nullptr;
	int nsuffixes = 0;
	deconstruct_array(DatumGetArrayTypeP(suffix_array), TEXTOID, -1, false, TYPALIGN_INT, &suffixes, nullptr,
					  &nsuffixes);
	StringInfoData k, inc;
	initStringInfo(&k);
	initStringInfo(&inc);
	ListCell *next = list_head(exprlist);
	for (int i = 0; i < ix->indnatts; i++) {
		AttrNumber a = ix->indkey.values[i];
		StringInfo out = i < ix->indnkeyatts ? &k : &inc;
		if (out->len > 0)
			appendStringInfoString(out, ", ");
		if (a != 0) {
			appendStringInfoString(out,
								   quote_identifier(a == attnum ? new_name : get_attname(relid, a, false)));
		} else {
			if (next == nullptr)
				elog(ERROR, "too few entries in indexprs of index %u", indexrelid);
			appendStringInfo(out, "(%s)", deparse_renamed_c((Node *) lfirst(next), relid, attnum, new_name));
			next = lnext(exprlist, next);
		}
		if (i < ix->indnkeyatts && i < nsuffixes)
			appendStringInfoString(out, TextDatumGetCString(suffixes[i]));
	}
	ReleaseSysCache(tup);
	*keys = k.data;
	*include = inc.data;
}

// The sync trigger's name: "~mh_sync_<migration id>_<step no>". BEFORE ROW
// triggers fire in the bytewise order of their names, and "~" sorts after
// every ASCII letter, digit and "_": the sync runs after the user's triggers
// (one that normalizes NEW.old_column does so before it is copied). A user
// trigger whose name sorts after it is refused at the start.
#define SYNC_TRIGGER_PREFIX "~mh_sync_"
#define SYNC_TRIGGER_LIKE "~mh\\_sync\\_%"

char *temp_name_c(const char *name)
{
	return makeObjectName(name, nullptr, "new");
}

// Facts: what the step learns of the old column (SPI procedure memory, until SPI_finish).
struct Facts {
	AttrNumber attnum;
	Oid type;
	int32 typmod;
	Oid collation;
	bool notnull, generated, inherited;
	char identity;
	int statistics;
	char *type_name;       // qualified, with typmod
	char *collation_name;  // qualified, quoted; nullptr: the type's default
	char *default_expr, *comment, *sequence;
	char *dependents;                           // objects that cannot be carried, described; nullptr: none
	char *late_triggers;                        // BEFORE ROW triggers that would fire after the sync trigger
	List *grants;                               // of char *: "privilege[ WITH GRANT OPTION]|grantee"
	List *checks, *fkeys, *incoming, *indexes;  // of char ** (see gather_c)
	char *
		seq_options;  // of an identity: INCREMENT ... START ... CACHE ...[ MINVALUE ...][ MAXVALUE ...][ CYCLE]
	char *seq_schema;   // of an identity sequence, quoted
	char *seq_relname;  // of an identity sequence, unquoted
};

char *value_c(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

// rows_c: the result rows as arrays of ncols strings.
List *rows_c(int ncols)
{
	List *out = NIL;
	for (uint64 r = 0; r < SPI_processed; r++) {
		char **row = (char **) palloc0(sizeof(char *) * ncols);
		for (int c = 0; c < ncols; c++)
			row[c] = value_c(int(r), c + 1);
		out = lappend(out, row);
	}
	return out;
}

void query_c(const char *sql, Oid relid, AttrNumber attnum)
{
	Oid types[2] = {OIDOID, INT2OID};
	Datum values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	// As the caller: the catalogs are readable by every role.
	if (SPI_execute_with_args(sql, 2, types, values, nullptr, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the catalog for a column step");
}

// gather_c: the old column's facts, its expressions deparsed with the column
// named new_name. False: no such column.
bool gather_c(Oid relid, const char *column, const char *new_name, Facts *f)
{
	HeapTuple tup = SearchSysCacheAttName(relid, column);
	if (!HeapTupleIsValid(tup))
		return false;
	auto *att = (Form_pg_attribute) GETSTRUCT(tup);
	f->attnum = att->attnum;
	f->type = att->atttypid;
	f->typmod = att->atttypmod;
	f->collation = att->attcollation;
	f->notnull = att->attnotnull;
	f->generated = att->attgenerated != '\0';
	f->identity = att->attidentity;
	f->inherited = att->attinhcount > 0 || !att->attislocal;
	f->statistics = att->attstattarget;
	ReleaseSysCache(tup);
	f->type_name =
		format_type_extended(f->type, f->typmod, FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
	f->collation_name = nullptr;
	if (OidIsValid(f->collation) && f->collation != get_typcollation(f->type))
		f->collation_name = generate_collation_name(f->collation);
	AttrNumber a = f->attnum;
	query_c("SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid), pg_catalog.col_description($1, $2), "
			"pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname), "
			"c.relhassubclass OR c.relkind = 'p' OR EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE "
			"i.inhrelid = $1) "
			"FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
			"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
			"LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
			"WHERE a.attrelid = $1 AND a.attnum = $2",
			relid, a);
	f->default_expr = value_c(0, 1);
	f->comment = value_c(0, 2);
	f->sequence = value_c(0, 3);
	f->inherited = f->inherited || strcmp(value_c(0, 4), "t") == 0;
	if (f->identity != '\0')
		f->default_expr = nullptr;  // an identity column's nextval is the identity's
	f->seq_options = nullptr;
	if (f->identity != '\0' && f->sequence) {
		Oid types[1] = {TEXTOID};
		Datum values[1] = {CStringGetTextDatum(f->sequence)};
		if (SPI_execute_with_args(
				// MINVALUE and MAXVALUE only when they are not the defaults of the sequence's
				// type: a type change gives the new type's defaults, as an in-place ALTER does.
				"SELECT pg_catalog.format('INCREMENT BY %s START WITH %s CACHE %s%s%s%s', "
				"s.seqincrement, s.seqstart, s.seqcache, "
				"CASE WHEN s.seqmin = CASE WHEN s.seqincrement > 0 THEN 1 ELSE lim.lo END THEN '' "
				"ELSE ' MINVALUE ' || s.seqmin END, "
				"CASE WHEN s.seqmax = CASE WHEN s.seqincrement > 0 THEN lim.hi ELSE -1 END THEN '' "
				"ELSE ' MAXVALUE ' || s.seqmax END, "
				"CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END), "
				"pg_catalog.quote_ident(n.nspname), c.relname "
				"FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid "
				"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, "
				"LATERAL (SELECT CASE s.seqtypid WHEN 'pg_catalog.int2'::pg_catalog.regtype THEN -32768 "
				"WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN -2147483648 "
				"ELSE -9223372036854775808 END::pg_catalog.int8 AS lo, "
				"CASE s.seqtypid WHEN 'pg_catalog.int2'::pg_catalog.regtype THEN 32767 "
				"WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN 2147483647 "
				"ELSE 9223372036854775807 END::pg_catalog.int8 AS hi) lim "
				"WHERE s.seqrelid = $1::pg_catalog.regclass",
				1, types, values, nullptr, true, 0) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "could not read the identity sequence of a column step");
		f->seq_options = value_c(0, 1);
		f->seq_schema = value_c(0, 2);
		f->seq_relname = value_c(0, 3);
	}
	query_c(
		"SELECT x.privilege_type || CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END || '|' "
		"|| CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END "
		"FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) x "
		"LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee "
		"WHERE a.attrelid = $1 AND a.attnum = $2 ORDER BY 1",
		relid, a);
	f->grants = NIL;
	for (uint64 r = 0; r < SPI_processed; r++)
		f->grants = lappend(f->grants, value_c(int(r), 1));
	// Everything that depends on the column and is not carried, and what of the column and its
	// indexes is not carried: an index's storage parameters or NULLS NOT DISTINCT, the column's
	// own options (ALTER COLUMN ... SET (n_distinct ...)).
	query_c(
		"SELECT pg_catalog.concat_ws(', ', (SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, "
		"d.objid, d.objsubid), ', ' ORDER BY 1) FROM pg_catalog.pg_depend d "
		"WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1 "
		"AND d.refobjsubid = $2 AND d.deptype IN ('n', 'a') "
		"AND NOT (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND EXISTS (SELECT FROM "
		"pg_catalog.pg_constraint c WHERE c.oid = d.objid AND (c.contype IN ('c', 'p', 'u') AND c.conrelid = $1 "
		"OR c.contype = 'f' AND (c.conrelid = $1) <> (c.confrelid = $1)))) "
		"AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND EXISTS (SELECT FROM "
		"pg_catalog.pg_index i WHERE i.indexrelid = d.objid AND i.indrelid = $1)) "
		"AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND EXISTS (SELECT FROM "
		"pg_catalog.pg_class s WHERE s.oid = d.objid AND s.relkind = 'S')) "
		"AND NOT (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND EXISTS (SELECT FROM "
		"pg_catalog.pg_attrdef ad WHERE ad.oid = d.objid AND ad.adrelid = $1 AND ad.adnum = $2))), "
		"(SELECT pg_catalog.string_agg(pg_catalog.format('the %s of index %I', pg_catalog.concat_ws(' and ', "
		"CASE WHEN ic.reloptions IS NOT NULL THEN 'storage parameters (' || "
		"pg_catalog.array_to_string(ic.reloptions, ', ') || ')' END, "
		"CASE WHEN " MH_INDNULLSNOTDISTINCT
		" THEN 'NULLS NOT DISTINCT' END), ic.relname), ', ' ORDER BY ic.relname) "
		"FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
		"WHERE i.indrelid = $1 AND (ic.reloptions IS NOT NULL OR " MH_INDNULLSNOTDISTINCT ") "
		"AND ($2 = ANY (i.indkey) OR EXISTS (SELECT FROM pg_catalog.pg_depend d "
		"WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = i.indexrelid "
		"AND d.refobjid = $1 AND d.refobjsubid = $2))), "
		"(SELECT 'the options (' || x.o || ') of the column' FROM (SELECT pg_catalog.string_agg(o, ', ' "
		"ORDER BY o) AS o FROM pg_catalog.pg_attribute at, pg_catalog.unnest(at.attoptions) o "
		"WHERE at.attrelid = $1 AND at.attnum = $2 AND o NOT LIKE 'pg\\_%') x WHERE x.o IS NOT NULL))",
		relid, a);
	f->dependents = value_c(0, 1);
	if (f->dependents != nullptr && f->dependents[0] == '\0')
		f->dependents = nullptr;
	// User BEFORE INSERT/UPDATE ROW triggers whose names sort after the sync trigger's
	// (triggers fire in name order, bytewise): they would change NEW after the sync.
	query_c("SELECT pg_catalog.string_agg(pg_catalog.quote_ident(t.tgname), ', ' ORDER BY t.tgname) "
			"FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1 AND $2 > 0 AND NOT t.tgisinternal "
			"AND t.tgtype & 3 = 3 AND t.tgtype & 20 <> 0 "
			"AND t.tgname::pg_catalog.text COLLATE \"C\" > '" SYNC_TRIGGER_PREFIX "' "
			"AND t.tgname::pg_catalog.text NOT LIKE '" SYNC_TRIGGER_LIKE "'",
			relid, a);
	f->late_triggers = value_c(0, 1);
	query_c(
		"SELECT c.conname, c.conbin, c.convalidated, c.connoinherit "
		"FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'c' AND $2 = ANY (c.conkey) "
		"ORDER BY c.conname",
		relid, a);
	f->checks = rows_c(4);
	ListCell *lc;
	foreach (lc, f->checks) {
		auto **row = (char **) lfirst(lc);
		row[1] =
			psprintf("CHECK (%s)%s", deparse_renamed_c((Node *) stringToNode(row[1]), relid, a, new_name),
					 strcmp(row[3], "t") == 0 ? " NO INHERIT" : "");
	}
	query_c(
		"SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid), c.convalidated "
		"FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'f' AND $2 = ANY (c.conkey) "
		"AND c.confrelid <> $1 ORDER BY c.conname",
		relid, a);
	f->fkeys = rows_c(3);
	query_c("SELECT pg_catalog.format('%I.%I', n.nspname, r.relname), c.conname, "
			"pg_catalog.pg_get_constraintdef(c.oid), c.conrelid, c.convalidated "
			"FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid = c.conrelid "
			"JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
			"WHERE c.confrelid = $1 AND c.contype = 'f' AND $2 = ANY (c.confkey) AND c.conrelid <> $1 "
			"ORDER BY 1, 2",
			relid, a);
	f->incoming = rows_c(5);
	// Indexes on the column (keys, INCLUDE, expressions, predicate), valid ones, with their elements.
	query_c(
		"SELECT ic.relname, am.amname, i.indisunique, con.contype, pg_catalog.quote_ident(con.conname), "
		"CASE WHEN con.condeferred THEN ' DEFERRABLE INITIALLY DEFERRED' WHEN con.condeferrable "
		"THEN ' DEFERRABLE' ELSE '' END, i.indpred, "
		"(SELECT pg_catalog.array_agg(COALESCE((SELECT ' COLLATE ' || pg_catalog.format('%I.%I', cn.nspname, co.collname) "
		"FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
		"WHERE co.oid = i.indcollation[k - 1] AND co.oid <> COALESCE((SELECT at.attcollation FROM "
		"pg_catalog.pg_attribute at WHERE at.attrelid = i.indrelid AND at.attnum = i.indkey[k - 1]), 0) "
		"AND i.indkey[k - 1] <> 0), '') "
		"|| COALESCE((SELECT ' ' || pg_catalog.format('%I.%I', on_.nspname, oc.opcname) FROM "
		"pg_catalog.pg_opclass oc JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.opcnamespace "
		"WHERE oc.oid = i.indclass[k - 1] AND NOT oc.opcdefault), '') "
		"|| CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' DESC' || CASE WHEN i.indoption[k - 1] & 2 = 0 "
		"THEN ' NULLS LAST' ELSE '' END WHEN i.indoption[k - 1] & 2 = 2 THEN ' NULLS FIRST' ELSE '' END "
		"ORDER BY k) FROM pg_catalog.generate_series(1, i.indnkeyatts) k), i.indexrelid "
		"FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
		"JOIN pg_catalog.pg_am am ON am.oid = ic.relam "
		"LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = $1 "
		"AND con.contype IN ('p', 'u') "
		"WHERE i.indrelid = $1 AND i.indisvalid AND ($2 = ANY (i.indkey) OR EXISTS (SELECT FROM "
		"pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
		"AND d.objid = i.indexrelid AND d.refobjid = $1 AND d.refobjsubid = $2)) ORDER BY ic.relname",
		relid, a);
	f->indexes = rows_c(9);
	int r = 0;
	foreach (lc, f->indexes) {
		auto **row = (char **) lfirst(lc);
		bool isnull = false;
		Datum suffixes = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 8, &isnull);
		Oid indexrelid =
			DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 9, &isnull));
		if (row[6])
			row[6] = deparse_renamed_c((Node *) stringToNode(row[6]), relid, a, new_name);
		index_elements_c(relid, indexrelid, suffixes, a, new_name, &row[7], &row[8]);
		r++;
	}
	return true;
}

bool relation_exists_c(Oid nsp, const char *name)
{
	return OidIsValid(get_relname_relid(name, nsp));
}

std::string literal(const std::string &s)
{
	const char *c = s.c_str();
	return std::string(pg_call([&] { return (const char *) quote_literal_cstr(c); }));
}

std::string renamed_in_lists(const std::string &text, const std::string &from, const std::string &to_quoted,
							 bool referencing)
{
	const char *t = text.c_str(), *f = from.c_str(), *q = to_quoted.c_str();
	return std::string(pg_call([&] { return (const char *) rename_in_lists_c(t, f, q, referencing); }));
}

std::string strip_suffix(std::string s, const std::string &suffix)
{
	if (s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
		s.resize(s.size() - suffix.size());
	return s;
}

Datum column_step_entry(FunctionCallInfo fcinfo, bool type_change)
{
	const char *helper = type_change ? "change_column_type" : "rename_column";
	require_args(fcinfo, 4, helper);
	return guarded_entry([&]() -> Datum {
		Recording r;
		r.migration = text_arg(fcinfo, 0);
		r.kind = type_change ? core::StepKind::ChangeColumnType : core::StepKind::RenameColumn;
		r.relid = PG_GETARG_OID(1);
		std::string column = name_arg(fcinfo, 2);
		std::string new_name, type_text;
		std::optional<std::string> using_expr;
		if (type_change) {
			type_text = text_arg(fcinfo, 3);
			if (!PG_ARGISNULL(4))
				using_expr = text_arg(fcinfo, 4);
		} else {
			new_name = name_arg(fcinfo, 3);
		}
		pg_call([] { SPI_connect(); });
		r.table = table_info(r.relid, "relation");
		TableInfo t = r.table;
		struct {
			Oid typid;
			int32 typmod;
			const char *name;
		} nt{};
		if (type_change) {
			const char *tt = type_text.c_str();
			pg_call([&] {
				parseTypeString(tt, &nt.typid, &nt.typmod, false);
				nt.name = format_type_extended(nt.typid, nt.typmod,
											   FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
			});
			if (using_expr)
				check_expression(*using_expr, "using_expr");
			const char *c = column.c_str();
			new_name = std::string(pg_call([&] { return (const char *) temp_name_c(c); }));
		} else if (new_name == column) {
			raise_error(ERRCODE_INVALID_PARAMETER_VALUE, "new_name must differ from column_name",
						"Column \"" + column + "\" of relation \"" + t.name + "\" would keep its name.");
		}
		r.key = "column " + column;
		r.column = column;
		r.index_schema = t.schema;
		if (type_change)
			r.arguments = {column, std::string(nt.name), using_expr};
		else
			r.arguments = {column, new_name};

		Facts f{};
		core::ColumnChangeArgs a;
		std::string qold = quote_ident(column), qnew = quote_ident(new_name);
		r.validate = [&](int64) {
			const char *c = column.c_str();
			Oid relid = r.relid;
			const char *nn = new_name.c_str();
			if (!pg_call([&] { return gather_c(relid, c, nn, &f); }) || f.attnum <= 0)
				raise_error(ERRCODE_UNDEFINED_COLUMN,
							"column \"" + column + "\" of relation \"" + t.name + "\" does not exist");
			if (column_exists(r.relid, new_name))
				raise_error(ERRCODE_DUPLICATE_COLUMN,
							"column \"" + new_name + "\" of relation \"" + t.name + "\" already exists",
							type_change
								? "change_column_type() adds the column of the new type under this name "
								  "until contract."
								: "",
							type_change ? "Rename or drop that column first." : "Choose another new_name.");
			std::string what = std::string(type_change ? "change the type of" : "rename") + " column \"" +
							   column + "\" of table \"" + t.name + "\"";
			if (f.generated)
				raise_error(ERRCODE_FEATURE_NOT_SUPPORTED, "cannot " + what + " through a migration",
							"It is a generated column: its values come from its expression.",
							"Drop it and add a new generated column instead.");
			if (f.inherited)
				raise_error(ERRCODE_FEATURE_NOT_SUPPORTED, "cannot " + what + " through a migration",
							"The table takes part in inheritance or partitioning; the column would have to "
							"change in every table of the hierarchy.");
			if (f.dependents)
				raise_error(
					ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, "cannot " + what + " through a migration",
					"These objects depend on the column and cannot be carried over to the new column: " +
						std::string(f.dependents) + ".",
					"Drop them (or change them not to use the column) first, and create them again "
					"on the new column after complete_migration().");
			if (f.late_triggers)
				raise_error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
							"cannot " + what + " through a migration",
							"BEFORE INSERT or UPDATE row triggers fire in the order of their names; these "
							"would fire after the migration's sync trigger (\"" SYNC_TRIGGER_PREFIX
							"...\"), and a change they make to NEW would not reach the other column: " +
								std::string(f.late_triggers) + ".",
							"Rename them so that their names sort before \"" SYNC_TRIGGER_PREFIX "\".");
			if (type_change) {
				Oid from = f.type, to = nt.typid;
				if (from == to && f.typmod == nt.typmod)
					raise_error(ERRCODE_INVALID_PARAMETER_VALUE, "column \"" + column + "\" of relation \"" +
																	 t.name + "\" already has type " +
																	 nt.name);
				if (using_expr) {
					std::string wrapped = "(\n" + *using_expr + "\n)";
					const char *w = wrapped.c_str();
					int32 typmod = nt.typmod;
					pg_call([&] { check_sync_expression_c(relid, w, to, typmod, "using_expr"); });
				} else if (!pg_call([&] { return can_coerce_type(1, &from, &to, COERCION_ASSIGNMENT); })) {
					raise_error(ERRCODE_CANNOT_COERCE,
								"column \"" + column + "\" cannot be cast automatically to type " + nt.name,
								"There is no assignment cast from " + std::string(f.type_name) + " to " +
									nt.name + ".",
								"Give using_expr, an expression over the row that computes the new value.");
				}
				if (!pg_call([&] { return can_coerce_type(1, &to, &from, COERCION_ASSIGNMENT); }))
					raise_error(
						ERRCODE_CANNOT_COERCE,
						"values of type " + std::string(nt.name) + " cannot be cast back to type " +
							f.type_name + " of column \"" + column + "\"",
						"The sync trigger fills the old column from the new one for the application "
						"version that still uses it; that needs an assignment cast.",
						"Create an assignment cast, or migrate through a column of a type that has one.");
			}
			// Temporary names of the carried objects must be free.
			Oid nsp = t.nsp;
			auto free_name = [&](const std::string &name) {
				const char *n = name.c_str();
				if (pg_call([&] { return relation_exists_c(nsp, n); }))
					raise_error(ERRCODE_DUPLICATE_TABLE, "relation \"" + name + "\" already exists",
								"The step builds an index of that name on the new column.",
								"Rename or drop that relation first.");
			};
			auto temp = [&](const char *name) {
				return std::string(pg_call([&] { return (const char *) temp_name_c(name); }));
			};

			// What every build of the plan shares.
			a.type_change = type_change;
			a.table = t.qualified;
			a.schema = quote_ident(t.schema);
			a.old_column = qold;
			a.new_column = qnew;
			a.final_name = type_change ? qold : qnew;
			if (type_change) {
				a.type = nt.name;
				Oid nt_type = nt.typid;
				bool collatable = pg_call([&] { return type_is_collatable(nt_type); });
				if (collatable && f.collation_name)
					a.type += std::string(" COLLATE ") + f.collation_name;
			} else {
				a.type = std::string(f.type_name) +
						 (f.collation_name ? std::string(" COLLATE ") + f.collation_name : "");
			}
			if (f.notnull)
				a.not_null_constraint = quote_ident(make_object_name(t.name, new_name, "not_null"));
			if (f.default_expr)
				a.default_expr = f.default_expr;
			if (f.identity != '\0' && f.sequence) {
				core::ColumnChangeArgs::Identity id;
				id.kind = f.identity == 'a' ? "ALWAYS" : "BY DEFAULT";
				id.options = f.seq_options;
				// Built under a temporary name, renamed to the old sequence's once that is dropped.
				std::string temp_seq = temp(f.seq_relname);
				free_name(temp_seq);
				id.new_sequence = std::string(f.seq_schema) + "." + quote_ident(temp_seq);
				id.final_sequence_name = quote_ident(f.seq_relname);
				id.old_sequence = f.sequence;
				id.table_literal = literal(t.qualified);
				id.column_literal = literal(new_name);  // the column it has when the action runs
				a.identity = id;
			} else if (f.sequence) {
				a.owned_sequence = f.sequence;
			}
			if (f.comment)
				a.comment = literal(f.comment);
			ListCell *lc;
			foreach (lc, f.grants)
				a.grants.emplace_back((const char *) lfirst(lc));
			if (f.statistics >= 0)
				a.statistics = f.statistics;
			foreach (lc, f.checks) {
				auto **row = (char **) lfirst(lc);
				a.checks.push_back(
					{quote_ident(row[0]), quote_ident(temp(row[0])), row[1], strcmp(row[2], "t") == 0});
			}
			foreach (lc, f.fkeys) {
				auto **row = (char **) lfirst(lc);
				std::string def = strip_suffix(row[1], " NOT VALID");
				a.foreign_keys.push_back({quote_ident(row[0]), quote_ident(temp(row[0])),
										  renamed_in_lists(def, column, qnew, true),
										  strcmp(row[2], "t") == 0});
			}
			r.more_relids.clear();
			foreach (lc, f.incoming) {
				auto **row = (char **) lfirst(lc);
				Oid referencing = Oid(strtoul(row[3], nullptr, 10));
				bool seen = false;
				for (Oid o : r.more_relids)
					seen = seen || o == referencing;
				if (!seen)
					r.more_relids.push_back(referencing);
				std::string def = strip_suffix(row[2], " NOT VALID");
				a.incoming.push_back({row[0], quote_ident(row[1]),
									  renamed_in_lists(def, column, type_change ? qold : qnew, false),
									  strcmp(row[4], "t") == 0});
			}
			foreach (lc, f.indexes) {
				auto **row = (char **) lfirst(lc);
				core::ColumnChangeArgs::Index i;
				i.old_name = quote_ident(row[0]);
				i.new_unquoted = temp(row[0]);
				free_name(i.new_unquoted);
				i.new_name = quote_ident(i.new_unquoted);
				i.method = quote_ident(row[1]);
				i.unique = strcmp(row[2], "t") == 0;
				if (row[3] && row[3][0] == 'p')
					i.constraint = "PRIMARY KEY";
				else if (row[3] && row[3][0] == 'u')
					i.constraint = "UNIQUE";
				i.constraint_name = row[4] ? row[4] : "";
				i.deferrable = row[5] ? row[5] : "";
				if (row[6])
					i.where = row[6];
				i.columns = row[7];
				i.include = row[8];
				a.indexes.push_back(i);
			}
			return true;
		};
		r.build = [&](int64 id, int step_no, std::optional<long long> job) {
			core::ColumnChangeArgs b = a;
			std::string trigger = SYNC_TRIGGER_PREFIX + std::to_string(id) + "_" + std::to_string(step_no);
			b.trigger = quote_ident(trigger);
			b.trigger_args = literal(r.migration) + ", " + literal(column) + ", " + literal(new_name);
			if (using_expr)
				b.trigger_args += ", " + literal("(\n" + *using_expr + "\n)");
			b.backfill_job = job;
			return core::plan_column_change(b);
		};
		r.backfill = [&](int64 id) -> std::optional<long long> {
			Request req;
			req.relation = r.relid;
			req.set_clause = qnew + " = " + (using_expr ? "(\n" + *using_expr + "\n)" : qold);
			// Rows the application writes meanwhile are filled by the trigger.
			req.where_clause = qnew + " IS NULL" + (using_expr ? "" : " AND " + qold + " IS NOT NULL");
			req.migration_id = id;
			req.force = true;
			return start_backfill(req).job;
		};
		// The tables of incoming foreign keys are kept from other migrations too (validate fills
		// more_relids; record_step checks them after it).
		return record_step(fcinfo, r);
	});
}

}  // namespace

}  // namespace migration_helpers::pg

using namespace migration_helpers;

extern "C" {
PG_FUNCTION_INFO_V1(mh_rename_column);
PG_FUNCTION_INFO_V1(mh_change_column_type);
}

Datum mh_rename_column(PG_FUNCTION_ARGS)
{
	return pg::column_step_entry(fcinfo, false);
}

Datum mh_change_column_type(PG_FUNCTION_ARGS)
{
	return pg::column_step_entry(fcinfo, true);
}
