// shard_walk.cpp — rounds of shard batches (shard_walk.hpp).
#include "core/backfill/shard_walk.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

namespace migration_helpers::core {

namespace {

const char *kind_word(ShardReplyKind k)
{
	switch (k) {
	case ShardReplyKind::Ok:
		return "ok";
	case ShardReplyKind::Conflict:
		return "conflict";
	case ShardReplyKind::Timeout:
		return "timeout";
	case ShardReplyKind::Lost:
		return "lost";
	case ShardReplyKind::Unreachable:
		return "unreachable";
	case ShardReplyKind::Moved:
		return "moved";
	case ShardReplyKind::Error:
		break;
	}
	return "error";
}

// read_int: a non-negative decimal at the start of s, advancing s past it and one blank.
bool read_int(std::string_view &s, int64_t *out)
{
	size_t n = 0;
	int64_t v = 0;
	while (n < s.size() && s[n] >= '0' && s[n] <= '9' && n < 18) {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0 || (n < s.size() && s[n] != ' '))
		return false;
	*out = v;
	s.remove_prefix(n < s.size() ? n + 1 : n);
	return true;
}

}  // namespace

std::string format_shard_reply(const ShardReply &r)
{
	std::string out = kind_word(r.kind);
	if (r.kind == ShardReplyKind::Ok)
		return out + " " + std::to_string(r.batch_rows) + " " + std::to_string(r.rows_done) + " " +
			   (r.finished ? "1" : "0") + " " + std::to_string(r.batch_ms);
	if (r.kind == ShardReplyKind::Lost || r.kind == ShardReplyKind::Moved)
		return out;
	return out + " " + r.message;
}

ShardReply parse_shard_reply(bool success, std::string_view text)
{
	ShardReply r;
	r.kind = ShardReplyKind::Error;
	r.message = std::string(text);
	if (!success)
		return r;
	auto starts = [&](std::string_view word) {
		return text.size() >= word.size() && text.substr(0, word.size()) == word &&
			   (text.size() == word.size() || text[word.size()] == ' ');
	};
	auto rest = [&](std::string_view word) {
		return std::string(text.size() > word.size() ? text.substr(word.size() + 1) : std::string_view());
	};
	if (starts("ok")) {
		std::string_view s = text.substr(std::min(text.size(), size_t(3)));
		int64_t batch, done, fin, ms;
		if (read_int(s, &batch) && read_int(s, &done) && read_int(s, &fin) && read_int(s, &ms) && s.empty() &&
			fin <= 1 && batch <= done) {
			r.batch_ms = ms;
			r.kind = ShardReplyKind::Ok;
			r.batch_rows = batch;
			r.rows_done = done;
			r.finished = fin == 1;
			r.message.clear();
		}
		return r;
	}
	if (text == "lost" || text == "moved") {
		r.kind = text == "lost" ? ShardReplyKind::Lost : ShardReplyKind::Moved;
		r.message.clear();
		return r;
	}
	for (ShardReplyKind k : {ShardReplyKind::Conflict, ShardReplyKind::Timeout, ShardReplyKind::Error,
							 ShardReplyKind::Unreachable})
		if (starts(kind_word(k))) {
			r.kind = k;
			r.message = rest(kind_word(k));
			return r;
		}
	return r;
}

std::string format_shard_replies(const std::vector<ShardReply> &replies)
{
	std::string out;
	for (const ShardReply &r : replies) {
		std::string line = format_shard_reply(r);
		std::replace(line.begin(), line.end(), '\n', ' ');
		std::replace(line.begin(), line.end(), '\r', ' ');
		if (!out.empty())
			out += '\n';
		out += line;
	}
	return out;
}

std::vector<ShardReply> parse_shard_replies(bool success, std::string_view text, size_t sent)
{
	std::vector<ShardReply> out;
	if (success && !text.empty()) {
		size_t pos = 0;
		for (;;) {
			size_t nl = text.find('\n', pos);
			std::string_view line =
				text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
			out.push_back(parse_shard_reply(true, line));
			if (nl == std::string_view::npos)
				break;
			pos = nl + 1;
		}
		if (out.size() <= sent)
			return out;
		out.clear();
	}
	out.push_back(parse_shard_reply(false, text));
	return out;
}

int64_t command_budget_ms(double target_ms)
{
	double ms = target_ms > 0 ? target_ms * 10 : 200;
	return int64_t(std::clamp(ms, 200.0, 5000.0));
}

bool ShardRun::after(const ShardReply &batch, double batch_ms, double elapsed_ms)
{
	if (batch.kind != ShardReplyKind::Ok) {
		if (batches_ == 0)
			reply_ = batch;
		return false;
	}
	if (batches_ == 0) {
		reply_ = ShardReply{};
		reply_.kind = ShardReplyKind::Ok;
	}
	batches_++;
	ms_ += batch_ms;
	reply_.batch_rows += batch.batch_rows;
	reply_.batch_ms = int64_t(std::llround(ms_));
	reply_.rows_done = batch.rows_done;
	reply_.finished = batch.finished;
	controller_.after_batch(batch_ms, batch.batch_rows);
	return !batch.finished && elapsed_ms < double(budget_ms_);
}

bool ShardRun::next_shard(double elapsed_ms)
{
	if (batches_ == 0 || reply_.kind != ShardReplyKind::Ok || !reply_.finished ||
		elapsed_ms >= double(budget_ms_))
		return false;
	reply_ = ShardReply{};
	ms_ = 0;
	batches_ = 0;
	return true;
}

void NodeOutages::unreachable(const std::string &node, double now_ms)
{
	auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const auto &n) { return n.first == node; });
	if (it == nodes_.end())
		it = nodes_.insert(nodes_.end(), {node, Outage{}});
	Outage &o = it->second;
	o.failures++;
	double wait = s_.backoff_base_ms * std::pow(2.0, double(std::min(o.failures - 1, 30)));
	o.retry_at_ms = now_ms + std::min(wait, s_.backoff_max_ms);
}

void NodeOutages::reached(const std::string &node)
{
	nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(), [&](const auto &n) { return n.first == node; }),
				 nodes_.end());
}

bool NodeOutages::waiting(const std::string &node, double now_ms) const
{
	for (const auto &n : nodes_)
		if (n.first == node)
			return now_ms < n.second.retry_at_ms;
	return false;
}

double NodeOutages::wait_ms(double now_ms) const
{
	double wait = 0;
	bool any = false;
	for (const auto &n : nodes_) {
		double w = n.second.retry_at_ms - now_ms;
		if (w > 0 && (!any || w < wait)) {
			wait = w;
			any = true;
		}
	}
	return any ? wait : 0;
}

bool NodeOutages::gave_up() const
{
	for (const auto &n : nodes_)
		if (n.second.failures >= s_.max_conflicts)
			return true;
	return false;
}

int NodeOutages::failures(const std::string &node) const
{
	for (const auto &n : nodes_)
		if (n.first == node)
			return n.second.failures;
	return 0;
}

std::vector<std::vector<size_t>> pick_commands(const std::vector<ShardState> &shards, size_t per_command,
											   const NodeOutages *outages, double now_ms)
{
	std::vector<std::vector<size_t>> out;
	std::map<std::string, size_t> command_of;
	for (size_t i = 0; i < shards.size(); i++) {
		if (shards[i].finished)
			continue;
		if (outages != nullptr && outages->waiting(shards[i].node, now_ms))
			continue;
		auto it = command_of.find(shards[i].node);
		if (it == command_of.end()) {
			it = command_of.emplace(shards[i].node, out.size()).first;
			out.emplace_back();
		}
		std::vector<size_t> &c = out[it->second];
		if (c.size() < std::max(per_command, size_t(1)))
			c.push_back(i);
	}
	return out;
}

RoundOutcome apply_round(std::vector<ShardState> &shards, const std::vector<size_t> &picked,
						 const std::vector<ShardReply> &replies, std::vector<size_t> *lost_shards)
{
	RoundOutcome out;
	bool lost = false, failed = false, conflict = false, unreachable = false, moved = false;
	std::string lost_msg, fail_msg, conflict_msg, unreachable_msg, moved_msg;
	for (size_t i = 0; i < picked.size() && i < replies.size(); i++) {
		ShardState &s = shards.at(picked[i]);
		const ShardReply &r = replies[i];
		switch (r.kind) {
		case ShardReplyKind::Ok:
			// Started once it has updated a row: a shard whose walk updated nothing may be walked
			// again from its start without updating anything twice.
			s.started = s.started || r.rows_done > 0;
			s.finished = r.finished;
			s.rows_done = r.rows_done;
			out.rows += r.batch_rows;
			// the slowest per row (products, not quotients: exact for integers)
			if (r.batch_rows > 0 &&
				(out.steer_rows == 0 || r.batch_ms * out.steer_rows > out.steer_ms * r.batch_rows)) {
				out.steer_rows = r.batch_rows;
				out.steer_ms = r.batch_ms;
			}
			break;
		case ShardReplyKind::Lost:
			if (!lost)
				lost_msg = "shard " + std::to_string(s.shard) + " on " + s.node +
						   " has no backfill position although the job had started it (moved during the "
						   "backfill?)";
			lost = true;
			if (lost_shards != nullptr)
				lost_shards->push_back(picked[i]);
			break;
		case ShardReplyKind::Moved:
			if (!moved)
				moved_msg = "shard " + std::to_string(s.shard) + " has left " + s.node;
			moved = true;
			break;
		case ShardReplyKind::Conflict:
			if (!conflict)
				conflict_msg = r.message;
			conflict = true;
			break;
		case ShardReplyKind::Unreachable:
			if (!unreachable)
				unreachable_msg = "node " + s.node + " could not be reached: " + r.message;
			unreachable = true;
			break;
		case ShardReplyKind::Timeout:
			out.timeout = true;
			[[fallthrough]];
		case ShardReplyKind::Error:
			if (!failed)
				fail_msg = "shard " + std::to_string(s.shard) + " on " + s.node + ": " + r.message;
			failed = true;
			break;
		}
	}
	if (picked.size() != replies.size() && !failed) {
		failed = true;
		fail_msg = "the round got " + std::to_string(replies.size()) + " replies for " +
				   std::to_string(picked.size()) + " shard batches";
	}
	bool all_finished = true;
	for (const ShardState &s : shards) {
		out.rows_done += s.rows_done;
		all_finished = all_finished && s.finished;
	}
	if (lost) {
		out.kind = RoundKind::Lost;
		out.message = lost_msg;
	} else if (failed) {
		out.kind = RoundKind::Failure;
		out.message = fail_msg;
	} else if (unreachable) {
		out.kind = RoundKind::Unreachable;
		out.message = unreachable_msg;
		out.also_conflict = conflict;
	} else if (moved) {
		out.kind = RoundKind::Moved;
		out.message = moved_msg;
		out.also_conflict = conflict;
	} else if (conflict) {
		out.kind = RoundKind::Conflict;
		out.message = conflict_msg;
	} else {
		out.kind = all_finished ? RoundKind::Done : RoundKind::Progress;
	}
	return out;
}

}  // namespace migration_helpers::core
