// script_model.cpp — the transaction context of a script walked by lint() (script_model.hpp).
#include "core/ddl/script_model.hpp"

#include <utility>

namespace migration_helpers::core {

ScriptModel::ScriptModel(bool single_transaction, std::map<std::string, std::string> settings)
	: in_block_(single_transaction), initial_(settings), committed_(std::move(settings))
{}

bool ScriptModel::begin()
{
	if (in_block_)
		return false;
	in_block_ = true;
	return true;
}

bool ScriptModel::end(bool commit, bool chain)
{
	if (!in_block_)
		return false;
	finish_transaction(commit);
	in_block_ = chain;
	return true;
}

void ScriptModel::statement_done()
{
	if (!in_block_)
		finish_transaction(true);
}

void ScriptModel::finish_transaction(bool commit)
{
	if (commit) {
		for (auto &kv : txn_session_)
			committed_[kv.first] = kv.second;
		created_before_.insert(created_now_.begin(), created_now_.end());
	} else {
		// the tables created in a rolled back transaction do not exist afterwards
		for (const auto &name : created_now_)
			temporary_.erase(name);
	}
	txn_session_.clear();
	local_.clear();
	created_now_.clear();
	locks_.clear();
}

bool ScriptModel::set(const std::string &name, const std::string &value, bool local)
{
	if (local) {
		if (!in_block_)
			return false;
		local_[name] = value;
		return true;
	}
	txn_session_[name] = value;
	local_.erase(name);  // a later SET overrides an earlier SET LOCAL for the rest of the transaction
	return true;
}

bool ScriptModel::reset(const std::string &name, bool local)
{
	auto it = initial_.find(name);
	return set(name, it == initial_.end() ? std::string() : it->second, local);
}

std::string ScriptModel::setting(const std::string &name) const
{
	for (const auto *layer : {&local_, &txn_session_, &committed_}) {
		auto it = layer->find(name);
		if (it != layer->end())
			return it->second;
	}
	return {};
}

void ScriptModel::created(const std::string &name, bool temporary)
{
	created_now_.insert(name);
	if (temporary)
		temporary_.insert(name);
}

bool ScriptModel::created_in_transaction(const std::string &name) const
{
	return created_now_.count(name) > 0 || temporary_.count(name) > 0;
}

bool ScriptModel::created_earlier(const std::string &name) const
{
	return created_before_.count(name) > 0 && !created_in_transaction(name);
}

void ScriptModel::locked(unsigned int relid, int lockmode)
{
	int &held = locks_[relid];
	if (lockmode > held)
		held = lockmode;
}

bool ScriptModel::holds_lock(unsigned int relid, int lockmode) const
{
	auto it = locks_.find(relid);
	return it != locks_.end() && it->second >= lockmode;
}

}  // namespace migration_helpers::core
