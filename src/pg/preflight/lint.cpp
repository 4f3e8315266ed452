// lint.cpp — migration_helpers.lint(script, single_transaction, sizes): the findings the guard
// would raise on each statement of a migration script, without running any of it.
//
// One code path with the live guard: each statement's raw parse tree (what the guard's
// ddl_command_start event and ProcessUtility hook see) goes through the same analysis
// (pg/analysis: operations_of, with errors kept as results), the same assess step
// (assess_operations) and the same core policy (dispose, report_texts). What the session tells
// the live guard, the script model tells lint (core/ddl/script_model.hpp, ScriptView below);
// what the table_rewrite event tells it, predicted_rewrites() predicts.
//
// Words used here:
//   statement   one statement of the script, numbered from 1, with the line and column of its
//               first token (comments before it skipped).
//   finding     one row: a rule of the guard, or one of lint's own (kLint* below), on one
//               relation of one statement.
//   severity    error: the guard in enforce mode blocks the statement (MH001); warning: it lets
//               it run with a WARNING (a warning rule, a table without rows), or the statement
//               would fail or have no effect (lint's own rules); info: migration_helpers.allow
//               lets it through (the guard's NOTICE), or lint could not analyse it.
//
// Nothing is executed and no lock a DDL statement takes is requested: the catalog is read with
// NoLock or AccessShareLock (a USING expression is analysed against its table, as the statement
// itself does first). Each statement is analysed in an internal subtransaction, so that an
// error met while gathering its facts becomes a finding instead of ending the lint.
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/ddl/duration.hpp"
#include "core/ddl/operation.hpp"
#include "core/ddl/policy.hpp"
#include "core/ddl/rules.hpp"
#include "core/ddl/script_model.hpp"
#include "pg/analysis/analysis.hpp"
#include "pg/analysis/assess.hpp"
#include "pg/analysis/txn_view.hpp"
#include "pg/boundary.hpp"
#include "pg/guc.hpp"
#include "pg/preflight/sizes.hpp"
#include "pg/preflight/statements.hpp"
#include "pg/pg_headers.hpp"

namespace migration_helpers::pg {

namespace {

// The guard's settings the script model follows.
const char *const kAllow = "migration_helpers.allow";
const char *const kExemptEmpty = "migration_helpers.exempt_empty_tables";
const char *const kThreshold = "migration_helpers.large_table_threshold";

// lint's own rules (not in rules(): the guard never raises them).
const char *const kLintRelationMissing = "lint_relation_missing";  // warning
const char *const kLintStatementFails = "lint_statement_fails";    // warning
const char *const kLintNoEffect = "lint_no_effect";                // warning
const char *const kLintNotAnalysed = "lint_not_analysed";          // info

// ScriptView: the script model as the analysis's TxnView. Relations in the catalog existed
// before the script (the ones it creates are not there: the analysis exempts what does not
// exist), so only the locks come from the script.
class ScriptView final : public TxnView {
public:
	explicit ScriptView(const core::ScriptModel &model) : model_(model) {}
	bool relation_created(unsigned int) const override { return false; }
	bool type_created(unsigned int) const override { return false; }
	bool holds_lock(unsigned int relid, int lockmode) const override
	{
		return model_.holds_lock(relid, lockmode);
	}

private:
	const core::ScriptModel &model_;
};

// Row: one finding, as lint() returns it.
struct Row {
	std::string rule;
	std::string severity;
	std::optional<std::string> lock;
	std::optional<std::string> blocks;
	std::optional<std::string> relation;
	std::optional<int64_t> relation_size;
	std::optional<double> seconds;
	std::string message;
	std::optional<std::string> recipe;
	// set when the row is reported after its statement (decided at COMMIT): its statement
	std::optional<int> statement_no;
	std::optional<StatementPos> pos;
};

Row lint_row(const char *rule, const char *severity, std::optional<std::string> relation, std::string message,
			 std::optional<std::string> recipe = std::nullopt)
{
	Row r;
	r.rule = rule;
	r.severity = severity;
	r.relation = std::move(relation);
	r.message = std::move(message);
	r.recipe = std::move(recipe);
	return r;
}

// Extent: a relation's sizes as lint reports them (production's when the snapshot has them).
struct Extent {
	int64_t heap = 0;
	int64_t total = 0;
	bool from_snapshot = false;
	int64_t rows = -1;
};

class Linter {
public:
	Linter(const std::string &script, bool single_transaction, SizeMap sizes, bool have_sizes)
		: script_(script), locator_(script_), model_(single_transaction, session_settings()), view_(model_),
		  sizes_(std::move(sizes)), have_sizes_(have_sizes)
	{}

	// statement: the findings of one statement, in the order the guard would report them.
	std::vector<Row> statement(Node *tree, StatementPos &pos, int location, int length)
	{
		pos = locator_.locate(location, length);
		statement_no_++;
		pos_ = pos;
		std::vector<Row> rows;
		switch (nodeTag(tree)) {
		case T_TransactionStmt:
			transaction(tree, rows);
			return rows;
		case T_VariableSetStmt:
			setting(tree, rows);
			model_.statement_done();
			return rows;
		case T_DoStmt:
			rows.push_back(
				lint_row(kLintNotAnalysed, "info", std::nullopt,
						 "DO blocks are not analysed (rule lint_not_analysed: the guard judges the "
						 "statements the block runs when it runs them)"));
			model_.statement_done();
			return rows;
		default:
			break;
		}
		if (model_.in_block()) {
			if (const char *what = not_in_block(tree))
				rows.push_back(lint_row(
					kLintStatementFails, "warning", std::nullopt,
					std::string(what) + " cannot run inside a transaction block (rule lint_statement_fails: "
										"run it on its own, outside BEGIN ... COMMIT and without "
										"single_transaction)"));
		}
		missing_targets(tree, rows);
		analyse(tree, rows);
		record_creations(tree);
		bool was_block = model_.in_block();
		model_.statement_done();
		if (!was_block)
			added_columns_.clear();  // an autocommit statement was its own transaction
		return rows;
	}

	// finish: after the last statement. A runner that wraps the script in one transaction commits
	// it here; a block left open is judged as committed (the safe side: what waits is reported).
	std::vector<Row> finish()
	{
		std::vector<Row> rows;
		resolve_pending(true, rows);
		return rows;
	}

private:
	static std::map<std::string, std::string> session_settings()
	{
		return {{kAllow, guc_allow ? guc_allow : ""},
				{kExemptEmpty, guc_exempt_empty_tables ? "on" : "off"},
				{kThreshold, std::to_string(guc_large_table_threshold_kb)}};
	}

	void transaction(Node *tree, std::vector<Row> &rows)
	{
		auto *stmt = (TransactionStmt *) tree;
		switch (stmt->kind) {
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			model_.begin();
			break;
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_PREPARE:
			if (model_.in_block())
				resolve_pending(true, rows);
			model_.end(true, stmt->chain);
			break;
		case TRANS_STMT_ROLLBACK:
			if (model_.in_block())
				resolve_pending(false, rows);
			model_.end(false, stmt->chain);
			break;
		default:  // savepoints are not modelled (script_model.hpp)
			break;
		}
		model_.statement_done();
	}

	// setting: SET / SET LOCAL / RESET of one of the guard's settings.
	void setting(Node *tree, std::vector<Row> &rows)
	{
		auto *stmt = (VariableSetStmt *) tree;
		std::vector<std::string> names;
		if (stmt->kind == VAR_RESET_ALL)
			names = {kAllow, kExemptEmpty, kThreshold};
		else if (stmt->name != nullptr &&
				 (strcmp(stmt->name, kAllow) == 0 || strcmp(stmt->name, kExemptEmpty) == 0 ||
				  strcmp(stmt->name, kThreshold) == 0))
			names = {stmt->name};
		if (names.empty())
			return;
		if (stmt->is_local && !model_.in_block()) {
			rows.push_back(
				lint_row(kLintNoEffect, "warning", std::nullopt,
						 "SET LOCAL outside a transaction block has no effect (rule lint_no_effect: "
						 "put it after BEGIN, in the transaction of the statement it is for)"));
			return;
		}
		if (stmt->kind != VAR_SET_VALUE) {
			for (const auto &n : names)
				model_.reset(n, stmt->is_local);
			return;
		}
		char *args = pg_call([&] { return ExtractSetVariableArgs(stmt); });
		std::string value = args ? args : "";
		std::string error;
		if (names[0] == kAllow && !core::parse_allow_list(value, &error)) {
			rows.push_back(lint_row(kLintStatementFails, "warning", std::nullopt,
									error + " in migration_helpers.allow (rule lint_statement_fails: "
											"migration_helpers.rules() lists the rule ids)"));
			return;
		}
		model_.set(names[0], value, stmt->is_local);
	}

	core::AllowList allow_list() const
	{
		std::optional<core::AllowList> allow = core::parse_allow_list(model_.setting(kAllow), nullptr);
		return allow ? *allow : core::AllowList{};
	}

	bool exempt_empty_tables() const
	{
		std::string v = model_.setting(kExemptEmpty);
		const char *text = v.c_str();
		bool result = true;
		bool ok = pg_call([&] { return parse_bool(text, &result); });
		return ok ? result : guc_exempt_empty_tables;
	}

	int64_t threshold_bytes() const
	{
		std::string v = model_.setting(kThreshold);
		const char *text = v.c_str();
		int kb = 0;
		bool ok = pg_call([&] { return parse_int(text, &kb, GUC_UNIT_KB, nullptr); });
		return int64_t(ok ? kb : guc_large_table_threshold_kb) * 1024;
	}

	// qualified: the schema-qualified name a RangeVar names, or would create: its own schema,
	// else the first schema of search_path (pg_temp for a temporary table).
	std::string qualified(RangeVar *rv, bool creating)
	{
		if (rv->schemaname)
			return std::string(rv->schemaname) + "." + rv->relname;
		if (creating && rv->relpersistence == RELPERSISTENCE_TEMP)
			return std::string("pg_temp.") + rv->relname;
		// the creation namespace: the first schema of search_path that exists (none: the statement
		// itself will say so)
		char *nsp = pg_call([&]() -> char * {
			List *path = fetch_search_path(false);
			return path != NIL ? get_namespace_name(linitial_oid(path)) : nullptr;
		});
		return (nsp ? std::string(nsp) + "." : std::string()) + rv->relname;
	}

	bool created_now(RangeVar *rv)
	{
		return model_.created_in_transaction(qualified(rv, false)) ||
			   (rv->schemaname == nullptr &&
				model_.created_in_transaction(std::string("pg_temp.") + rv->relname));
	}
	bool created_before(RangeVar *rv) { return model_.created_earlier(qualified(rv, false)); }

	// missing_targets: a relation that is not in the catalog is a finding, unless the script
	// created it in this transaction (exempt, as the guard exempts it) or the statement allows it.
	void missing_targets(Node *tree, std::vector<Row> &rows)
	{
		for (const Target &t : targets_of(tree)) {
			RangeVar *rv = t.rv;
			Oid relid = pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
			if (OidIsValid(relid) || created_now(rv))
				continue;
			std::string name = qualified(rv, false);
			bool renamed = renamed_.count(name) > 0;
			if (created_before(rv) || renamed)
				rows.push_back(lint_row(
					kLintNotAnalysed, "info", name,
					"relation \"" + name + "\" is " + (renamed ? "renamed" : "created") +
						" by an earlier transaction of the script, so lint cannot analyse this statement "
						"(rule lint_not_analysed: the guard judges it when it runs" +
						(renamed ? ")" : "; while the table has never held a row, every rule only warns)")));
			else if (!t.missing_ok)
				rows.push_back(
					lint_row(kLintRelationMissing, "warning", name,
							 "relation \"" + name +
								 "\" does not exist (rule lint_relation_missing: the statement "
								 "would fail; create it earlier in the script or check the name)"));
		}
	}

	// record_creations: the relations the statement creates (or renames to), for the statements after it.
	void record_creations(Node *tree)
	{
		switch (nodeTag(tree)) {
		case T_AlterTableStmt: {
			// Columns added in this transaction, from the statement itself: the catalog lint reads
			// still has a column an earlier statement drops or renames (nothing ran), so the
			// analysis sees an ADD COLUMN of that name as one the server refuses.
			auto *stmt = (AlterTableStmt *) tree;
			Oid relid = pg_call([&] { return RangeVarGetRelid(stmt->relation, NoLock, true); });
			if (!OidIsValid(relid))
				break;
			char *schema = pg_call([&] { return get_namespace_name(get_rel_namespace(relid)); });
			char *relname = pg_call([&] { return get_rel_name(relid); });
			if (schema == nullptr || relname == nullptr)
				break;
			std::string table = std::string(schema) + "." + relname;
			ListCell *lc;
			foreach (lc, stmt->cmds) {
				auto *cmd = (AlterTableCmd *) lfirst(lc);
				if (cmd->subtype == AT_AddColumn && cmd->def != nullptr && IsA(cmd->def, ColumnDef))
					added_columns_.insert({table, ((ColumnDef *) cmd->def)->colname});
			}
			break;
		}
		case T_CreateStmt: {
			RangeVar *rv = ((CreateStmt *) tree)->relation;
			model_.created(qualified(rv, true), rv->relpersistence == RELPERSISTENCE_TEMP);
			break;
		}
		case T_CreateTableAsStmt: {
			RangeVar *rv = ((CreateTableAsStmt *) tree)->into->rel;
			model_.created(qualified(rv, true), rv->relpersistence == RELPERSISTENCE_TEMP);
			break;
		}
		case T_ViewStmt: {
			RangeVar *rv = ((ViewStmt *) tree)->view;
			model_.created(qualified(rv, true), rv->relpersistence == RELPERSISTENCE_TEMP);
			break;
		}
		case T_IndexStmt: {
			auto *stmt = (IndexStmt *) tree;
			if (stmt->idxname == nullptr)
				break;
			RangeVar rv = *stmt->relation;
			rv.relname = stmt->idxname;
			model_.created(qualified(&rv, false), false);
			break;
		}
		case T_RenameStmt: {
			auto *stmt = (RenameStmt *) tree;
			if (stmt->relation == nullptr || stmt->subname != nullptr || stmt->renameType == OBJECT_COLUMN)
				break;
			RangeVar rv = *stmt->relation;
			rv.relname = stmt->newname;
			if (created_now(stmt->relation))
				model_.created(qualified(&rv, false), false);
			else
				renamed_.insert(qualified(&rv, false));
			break;
		}
		default:
			break;
		}
	}

	// extent: the sizes lint reports for relid, summed over its partitions and inheritors as the
	// guard sums them: production's where the snapshot has the tables, else the local ones.
	Extent extent(Oid relid)
	{
		auto cached = extents_.find(relid);
		if (cached != extents_.end())
			return cached->second;
		List *rels = pg_call([&] {
			return get_rel_relkind(relid) == RELKIND_INDEX ? list_make1_oid(relid)
														   : find_all_inheritors(relid, NoLock, nullptr);
		});
		Extent e;
		bool any_found = false;
		Extent snap;
		snap.rows = 0;
		ListCell *lc;
		foreach (lc, rels) {
			Oid r = lfirst_oid(lc);
			int64 heap = 0, total = 0;
			char *nsp = nullptr, *name = nullptr;
			pg_call([&] {
				Relation rel = RelationIdGetRelation(r);
				if (rel == nullptr)
					return;
				if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
					heap = int64(RelationGetNumberOfBlocks(rel)) * BLCKSZ;
				nsp = get_namespace_name(rel->rd_rel->relnamespace);
				name = pstrdup(NameStr(rel->rd_rel->relname));
				RelationClose(rel);
				total = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size, ObjectIdGetDatum(r)));
			});
			e.heap += heap;
			e.total += total;
			if (have_sizes_ && nsp && name) {
				auto it = sizes_.find({nsp, name});
				if (it != sizes_.end()) {
					any_found = true;
					snap.heap += it->second.heap_bytes;
					snap.total += it->second.total_bytes;
					snap.rows = it->second.rows < 0 || snap.rows < 0 ? -1 : snap.rows + it->second.rows;
				}
			}
		}
		if (any_found) {
			snap.from_snapshot = true;
			e = snap;
		}
		extents_[relid] = e;
		return e;
	}

	// measure: the guard's measurement, with production's sizes laid over it. Production's
	// contents are what its sizes say: rows (or pages) mean rows; none may be emptied or never
	// filled, which a snapshot cannot tell apart: taken as emptied (the safe side).
	void measure(const AnalyzedOp &g, core::RelationFacts &facts)
	{
		measure_relation(view_, g, facts);
		Oid rel = g.size_relid ? g.size_relid : g.relid;
		if (!OidIsValid(rel) || !have_sizes_)
			return;
		Extent e = extent(rel);
		if (!e.from_snapshot)
			return;
		facts.size_bytes = e.heap;
		facts.contents = e.heap > 0 || e.rows > 0 ? core::TableContents::Rows : core::TableContents::Emptied;
	}

	// analyse: the guard's assess and dispose steps over the statement, in a subtransaction.
	void analyse(Node *tree, std::vector<Row> &rows)
	{
		MemoryContext outer = CurrentMemoryContext;
		ResourceOwner owner = CurrentResourceOwner;
		pg_call([&] {
			BeginInternalSubTransaction(nullptr);
			MemoryContextSwitchTo(outer);
		});
		std::vector<Row> found;
		std::vector<std::pair<Oid, int>> locks;
		try {
			found = assess_and_dispose(tree, locks);
			pg_call([&] {
				ReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(outer);
				CurrentResourceOwner = owner;
			});
		} catch (const PgError &e) {
			std::string msg = e.edata->message ? e.edata->message : "error";
			pg_call([&] {
				RollbackAndReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(outer);
				CurrentResourceOwner = owner;
			});
			found.clear();
			locks.clear();
			found.push_back(
				lint_row(kLintStatementFails, "warning", std::nullopt,
						 msg + " (rule lint_statement_fails: the server would reject the statement)"));
		}
		for (auto &r : found)
			rows.push_back(std::move(r));
		for (const auto &l : locks)
			model_.locked(l.first, l.second);
	}

	std::vector<Row> assess_and_dispose(Node *tree, std::vector<std::pair<Oid, int>> &locks)
	{
		std::vector<Row> rows;
		AnalysisContext cx;
		cx.txn = &view_;
		cx.query_string = script_.c_str();
		cx.errors_as_results = true;
		cx.predict_rewrites = true;
		std::vector<AnalyzedOp> ops = operations_of(tree, cx);
		if (cx.error_code != 0)
			rows.push_back(lint_row(
				kLintStatementFails, "warning", std::nullopt,
				cx.error_message + " (rule lint_statement_fails: the server would reject the statement)"));
		// The locks the statement takes, held to the end of its transaction.
		if (nodeTag(tree) == T_LockStmt) {
			auto *stmt = (LockStmt *) tree;
			ListCell *lc;
			foreach (lc, stmt->relations) {
				auto *rv = (RangeVar *) lfirst(lc);
				Oid relid = pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
				if (OidIsValid(relid))
					locks.emplace_back(relid, stmt->mode);
			}
		}
		if (ops.empty())
			return rows;
		int mode = statement_lock_mode(tree);
		for (const auto &g : ops)
			if (g.relid != 0 && g.op.table.exists)
				locks.emplace_back(g.relid, mode);
		std::vector<AnalyzedOp> rewrites = predicted_rewrites(cx, ops);
		for (auto &r : rewrites)
			ops.push_back(std::move(r));
		core::GuardSettings settings;
		settings.large_table_threshold_bytes = threshold_bytes();
		Assessment a = assess_operations(
			std::move(ops), settings, [this](const AnalyzedOp &g, core::RelationFacts &f) { measure(g, f); });
		core::AllowList allow = allow_list();
		core::Policy policy;
		policy.mode = core::GuardMode::Enforce;  // severity error: what enforce mode blocks
		policy.allow = &allow;
		policy.exempt_empty_tables = exempt_empty_tables();
		std::set<std::pair<unsigned int, std::string>> reported;
		for (const Finding &f : a.findings) {
			std::string id(f.verdict.rule->id);
			// the same rule on the same relation is reported once (the guard's table_rewrite
			// event skips what ddl_command_start reported)
			if (!reported.insert({f.relid, id}).second)
				continue;
			core::Disposition d = core::dispose(f.verdict, f.op, policy);
			core::Report report = core::report_texts(f.verdict, f.op, d);
			Row r;
			r.rule = id;
			r.severity = d.decision == core::Decision::Blocked  ? "error"
						 : d.decision == core::Decision::Warned ? "warning"
																: "info";
			core::LockLevel lock = f.verdict.rule->lock;
			if (lock != core::LockLevel::None) {
				r.lock = std::string(core::lock_name(lock));
				r.blocks = std::string(core::lock_blocks(lock));
			}
			r.relation = f.op.table.name;
			Oid size_rel = f.size_relid ? f.size_relid : f.relid;
			if (OidIsValid(size_rel)) {
				Extent e = extent(size_rel);
				r.relation_size = f.op.table.size_bytes;
				r.seconds = core::estimate_seconds(id, f.op.table.size_bytes,
												   e.from_snapshot || e.total > 0 ? e.total : 0);
			}
			r.message = report.message;
			r.recipe = report.hint.empty() ? f.verdict.recipe : report.hint;
			// In a transaction block the guard decides a drop or rename at COMMIT (it passes when
			// the name is there again): so does lint, at the script's COMMIT.
			if (d.decision == core::Decision::Blocked && model_.in_block() &&
				core::waits_for_commit(f.verdict, f.op)) {
				r.statement_no = statement_no_;
				r.pos = pos_;
				pending_.push_back(Pending{std::move(r), f.op});
				continue;
			}
			rows.push_back(std::move(r));
		}
		return rows;
	}

	// Pending: a blocked drop or rename in a transaction block, decided at its COMMIT.
	struct Pending {
		Row row;
		core::Operation op;
	};

	// recreated: a later statement of the transaction gave the name back: a relation of the old
	// name created (or renamed to it), or a column of the old name added to the table.
	bool recreated(const core::Operation &op) const
	{
		if (op.kind == core::OpKind::DropColumn || op.kind == core::OpKind::RenameColumn)
			return added_columns_.count({op.table.name, op.object}) > 0;
		return model_.created_in_transaction(op.table.name);
	}

	// resolve_pending: at COMMIT, a waiting verdict whose name was given back passes as the guard
	// passes it when the new relation or column has the old shape (which lint cannot see from the
	// text of a CREATE ... AS or a view: reported as info, saying what COMMIT will check); one
	// whose name was not given back is the error the guard raises at COMMIT. At ROLLBACK nothing
	// happened.
	void resolve_pending(bool commit, std::vector<Row> &rows)
	{
		for (Pending &p : pending_) {
			if (!commit)
				continue;
			if (recreated(p.op)) {
				p.row.severity = "info";
				p.row.message +=
					"; created again later in the same transaction: the guard decides at COMMIT and lets it "
					"pass if the new one has every column the old one had, each of the same type";
			} else {
				p.row.message +=
					"; the guard raises it at COMMIT (nothing in the transaction gives the name back)";
			}
			rows.push_back(std::move(p.row));
		}
		pending_.clear();
		added_columns_.clear();
	}

	int statement_no_ = 0;
	StatementPos pos_;
	std::vector<Pending> pending_;
	std::set<std::pair<std::string, std::string>> added_columns_;  // (table, column) in this transaction
	const std::string &script_;
	Locator locator_;
	core::ScriptModel model_;
	ScriptView view_;
	SizeMap sizes_;
	bool have_sizes_;
	std::map<Oid, Extent> extents_;
	std::set<std::string> renamed_;
};

// parse_script_c: the script's statements (a List of RawStmt), as the server parses a query
// string (PostgreSQL calls only).
List *parse_script_c(const char *script)
{
	return raw_parser(script, RAW_PARSE_DEFAULT);
}

Datum text_datum(const std::string &s)
{
	return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size())));
}

}  // namespace

}  // namespace migration_helpers::pg

extern "C" {
PG_FUNCTION_INFO_V1(mh_lint);
}

// mh_lint: migration_helpers.lint(script text, single_transaction boolean, sizes jsonb).
extern "C" Datum mh_lint(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("script must not be NULL")));
	text *script_arg = PG_GETARG_TEXT_PP(0);
	bool single_transaction = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	Jsonb *sizes_arg = PG_ARGISNULL(2) ? nullptr : PG_GETARG_JSONB_P(2);
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	return pg::guarded_entry([&]() -> Datum {
		const std::string script = pg::text_to_string(script_arg);
		const char *script_c = script.c_str();
		List *stmts = NIL;
		try {
			stmts = pg::pg_call([&] { return pg::parse_script_c(script_c); });
		} catch (const pg::PgError &e) {
			// The server's own syntax error, its position given in the script (not in the query
			// that called lint): as a line and column, and as the error's internal query.
			int cursor = e.edata->cursorpos;
			std::pair<int, int> lc = pg::Locator(script).line_col(cursor);
			const char *msg = e.edata->message;
			int code = e.edata->sqlerrcode;
			pg::pg_call([&] {
				ereport(ERROR, (errcode(code), errmsg("%s", msg),
								cursor > 0 ? errdetail("The error is at line %d, column %d of the script.",
													   lc.first, lc.second)
										   : 0,
								cursor > 0 ? internalerrposition(cursor) : 0,
								cursor > 0 ? internalerrquery(script_c) : 0));
			});
		}
		if (stmts == NIL)
			pg::pg_call([] {
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("script contains no statements"),
						 errhint("Pass the text of a migration: one or more SQL statements.")));
			});
		pg::SizeMap sizes;
		if (sizes_arg != nullptr)
			sizes = pg::load_sizes((struct varlena *) sizes_arg);
		pg::Linter linter(script, single_transaction, std::move(sizes), sizes_arg != nullptr);
		MemoryContext outer = CurrentMemoryContext;
		MemoryContext work = pg::pg_call([] {
			return AllocSetContextCreate(CurrentMemoryContext, "migration_helpers lint",
										 ALLOCSET_DEFAULT_SIZES);
		});
		int statement_no = 0;
		ListCell *cell;
		foreach (cell, stmts) {
			auto *raw = (RawStmt *) lfirst(cell);
			statement_no++;
			pg::pg_call([&] { CHECK_FOR_INTERRUPTS(); });
			MemoryContextSwitchTo(work);
			pg::StatementPos pos;
			std::vector<pg::Row> rows = linter.statement(raw->stmt, pos, raw->stmt_location, raw->stmt_len);
			if (lnext(stmts, cell) == nullptr)
				for (pg::Row &r : linter.finish())
					rows.push_back(std::move(r));
			for (const pg::Row &r : rows) {
				const pg::StatementPos &p = r.pos ? *r.pos : pos;
				pg::pg_call([&] {
					Datum values[13];
					bool nulls[13] = {};
					values[0] = Int32GetDatum(r.statement_no.value_or(statement_no));
					values[1] = Int32GetDatum(p.line);
					values[2] = Int32GetDatum(p.col);
					values[3] = pg::text_datum(p.text);
					values[4] = pg::text_datum(r.rule);
					values[5] = pg::text_datum(r.severity);
					auto opt_text = [&](int i, const std::optional<std::string> &v) {
						nulls[i] = !v.has_value();
						values[i] = v ? pg::text_datum(*v) : (Datum) 0;
					};
					opt_text(6, r.lock);
					opt_text(7, r.blocks);
					opt_text(8, r.relation);
					nulls[9] = !r.relation_size.has_value();
					values[9] = r.relation_size ? Int64GetDatum(*r.relation_size) : (Datum) 0;
					nulls[10] = !r.seconds.has_value();
					if (r.seconds) {
						auto *itv = (Interval *) palloc0(sizeof(Interval));
						itv->time = int64(std::llround(*r.seconds * 1e6));
						values[10] = IntervalPGetDatum(itv);
					}
					values[11] = pg::text_datum(r.message);
					opt_text(12, r.recipe);
					tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
				});
			}
			MemoryContextSwitchTo(outer);
			MemoryContextReset(work);
		}
		return (Datum) 0;
	});
}
