// job.cpp — the backfill job's status machine and argument checks (see job.hpp).
#include "core/backfill/job.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace migration_helpers::core {

namespace {

struct StatusName {
	JobStatus status;
	const char *name;
};
constexpr StatusName kNames[] = {
	{JobStatus::Queued, "queued"},       {JobStatus::Running, "running"}, {JobStatus::Paused, "paused"},
	{JobStatus::Succeeded, "succeeded"}, {JobStatus::Failed, "failed"},   {JobStatus::Cancelled, "cancelled"},
};

}  // namespace

const char *status_name(JobStatus s)
{
	for (const auto &n : kNames)
		if (n.status == s)
			return n.name;
	return "unknown";
}

std::optional<JobStatus> parse_status(std::string_view name)
{
	for (const auto &n : kNames)
		if (name == n.name)
			return n.status;
	return std::nullopt;
}

bool has_ended(JobStatus s)
{
	return s == JobStatus::Succeeded || s == JobStatus::Cancelled;
}

bool can_transition(JobStatus from, JobStatus to)
{
	using S = JobStatus;
	switch (from) {
	case S::Queued:  // a worker claims it, or it is paused, cancelled, or cannot start
		return to == S::Running || to == S::Paused || to == S::Cancelled || to == S::Failed;
	case S::Running:  // its worker finishes or gives up; paused, cancelled; resumed after its worker died
		return to == S::Succeeded || to == S::Failed || to == S::Paused || to == S::Cancelled ||
			   to == S::Queued;
	case S::Paused:  // resumed (a new worker, or the one still alive goes on), or cancelled
		return to == S::Queued || to == S::Running || to == S::Cancelled;
	case S::Failed:  // resumed from where it stopped, or given up for good
		return to == S::Queued || to == S::Cancelled;
	case S::Succeeded:
	case S::Cancelled:
		return false;
	}
	return false;
}

ControlVerdict decide_control(Control op, JobStatus current, bool worker_live)
{
	using S = JobStatus;
	ControlVerdict v;
	const char *name = status_name(current);
	switch (op) {
	case Control::Pause:
		if (current != S::Queued && current != S::Running) {
			v.error = std::string("is ") + name + ", not running";
			return v;
		}
		v.next = S::Paused;
		v.wake = worker_live;
		return v;
	case Control::Cancel:
		if (has_ended(current)) {
			v.error = std::string("has already ended (") + name + ")";
			return v;
		}
		v.next = S::Cancelled;
		v.wake = worker_live;
		return v;
	case Control::Resume:
		if (has_ended(current)) {
			v.error = std::string("has ended (") + name + ") and cannot be resumed";
			return v;
		}
		if ((current == S::Queued || current == S::Running) && worker_live) {
			v.error = "is already running";
			return v;
		}
		if (current == S::Queued) {
			// waiting for a worker slot: start one now if a slot is free
			v.next = S::Queued;
			v.launch = true;
			return v;
		}
		if (current == S::Paused && worker_live) {
			// its worker has not yet seen the pause: it simply goes on
			v.next = S::Running;
			v.wake = true;
			return v;
		}
		v.next = S::Queued;
		v.launch = true;
		v.reset_errors = current == S::Failed;
		return v;
	}
	v.error = "unknown control";
	return v;
}

std::string validate_interval_ms(const char *name, double ms, bool zero_allowed)
{
	char buf[160];
	if (std::isnan(ms) || ms < 0 || (!zero_allowed && ms < 1)) {
		std::snprintf(buf, sizeof(buf), "%s must be %s", name,
					  zero_allowed ? "zero or positive" : "at least 1 ms");
		return buf;
	}
	if (ms > double(INT32_MAX)) {
		std::snprintf(buf, sizeof(buf), "%s must be at most 24 days", name);
		return buf;
	}
	return {};
}

const std::vector<std::string_view> &validated_settings()
{
	// How the texts parse: standard_conforming_strings, backslash_quote, and the
	// settings read by input functions of literals (DateStyle, IntervalStyle,
	// TimeZone and its abbreviations, extra_float_digits through casts to text,
	// bytea_output, the lc_* of to_char/money, xml settings, array_nulls,
	// default_text_search_config). What names resolve to: search_path.
	// What the statement means: transform_null_equals, row_security.
	static const std::vector<std::string_view> kSettings = {
		"search_path",
		"standard_conforming_strings",
		"backslash_quote",
		"DateStyle",
		"IntervalStyle",
		"TimeZone",
		"timezone_abbreviations",
		"extra_float_digits",
		"bytea_output",
		"lc_monetary",
		"lc_numeric",
		"lc_time",
		"xmlbinary",
		"xmloption",
		"array_nulls",
		"default_text_search_config",
		"transform_null_equals",
		"row_security",
	};
	return kSettings;
}

const std::vector<std::pair<std::string_view, std::string_view>> &canonical_key_settings()
{
	static const std::vector<std::pair<std::string_view, std::string_view>> kSettings = {
		{"DateStyle", "ISO, YMD"},   {"IntervalStyle", "postgres"}, {"TimeZone", "UTC"},
		{"extra_float_digits", "3"}, {"bytea_output", "hex"},       {"lc_monetary", "C"},
	};
	return kSettings;
}

}  // namespace migration_helpers::core
