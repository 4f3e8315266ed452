// script_model.hpp — the transaction context lint() walks a migration script with, in place of
// the session the live guard reads it from: which statements share a transaction, the tables
// the script created (in this transaction or an earlier one), the locks held since the
// transaction began, and the guard's settings as SET / SET LOCAL / RESET in the script leave
// them. Nothing here runs a statement: the glue (pg/preflight/lint.cpp) tells the model what
// each statement of the script is, in order.
//
// Words used here:
//   block         an explicit transaction block (BEGIN ... COMMIT), or the whole script when
//                 the runner wraps it in one transaction (single_transaction).
//   transaction   the block, or, outside a block, the one statement being walked (autocommit).
//   setting       one of the guard's settings (migration_helpers.allow, .exempt_empty_tables,
//                 .large_table_threshold) as text; the glue parses the values.
//
// Savepoints are not modelled (ROLLBACK TO keeps what it would undo): the safe side for lint,
// which then reports locks and tables as still held or created.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace migration_helpers::core {

class ScriptModel {
public:
	// single_transaction: the runner wraps the script in one transaction (psql --single-transaction,
	// most migration tools); settings: the values the session has when lint starts.
	ScriptModel(bool single_transaction, std::map<std::string, std::string> settings);

	bool in_block() const { return in_block_; }
	// begin: BEGIN / START TRANSACTION; false when a block is open already (the server warns and
	// goes on in it).
	bool begin();
	// end: COMMIT (commit = true) or ROLLBACK / ABORT; false outside a block (the server warns).
	// chain: COMMIT AND CHAIN / ROLLBACK AND CHAIN, which opens a new block at once.
	bool end(bool commit, bool chain = false);
	// statement_done: after each statement; outside a block it was its own transaction.
	void statement_done();

	// set: SET (local = false) or SET LOCAL of a setting to value. SET LOCAL outside a block has
	// no effect (the server warns): false then. reset: RESET, back to the value lint started with.
	bool set(const std::string &name, const std::string &value, bool local);
	bool reset(const std::string &name, bool local);
	// setting: the value in effect now ("" when never set).
	std::string setting(const std::string &name) const;

	// created: the script creates relation name (schema-qualified) in the current transaction;
	// temporary: a temporary table, exempt in every transaction of the session.
	void created(const std::string &name, bool temporary);
	// created_in_transaction: the current transaction created it (or it is temporary): exempt.
	bool created_in_transaction(const std::string &name) const;
	// created_earlier: an earlier, committed transaction of the script created it.
	bool created_earlier(const std::string &name) const;

	// locked: a statement of the current transaction takes lockmode (a LOCKMODE number, weakest
	// 1 to strongest 8) on relid; holds_lock: it holds that mode or a stronger one now.
	void locked(unsigned int relid, int lockmode);
	bool holds_lock(unsigned int relid, int lockmode) const;

private:
	void finish_transaction(bool commit);

	bool in_block_ = false;
	std::map<std::string, std::string> initial_;      // as lint started
	std::map<std::string, std::string> committed_;    // session values of committed transactions
	std::map<std::string, std::string> txn_session_;  // SET in the open transaction
	std::map<std::string, std::string> local_;        // SET LOCAL in the open transaction
	std::set<std::string> created_now_;
	std::set<std::string> created_before_;
	std::set<std::string> temporary_;
	std::map<unsigned int, int> locks_;
};

}  // namespace migration_helpers::core
