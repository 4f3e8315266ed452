// job.hpp — the backfill job's status machine, the decisions of the control
// functions (pause, resume, cancel) on it, the checks of backfill()'s
// arguments, and the session settings a job runs under.
//
// Words used here:
//   job        one batched UPDATE of one table, run by a background worker.
//   status     where the job is: queued (waiting for a worker or a free slot),
//              running (a worker owns it), paused, succeeded, failed (resumable
//              from where it stopped), cancelled.
//   live       a job is live while a worker process owns it; a running job
//              without a live worker is shown as "interrupted".
//   validated  settings: the caller's values, when backfill() checked the SET
//              and WHERE texts, of every setting that changes how those texts
//              parse or what their names resolve to. The worker runs the job
//              under exactly these values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migration_helpers::core {

enum class JobStatus { Queued, Running, Paused, Succeeded, Failed, Cancelled };

// status_name: the name SQL stores and shows ("queued", ...).
const char *status_name(JobStatus s);
// parse_status: the status of a name, none for anything else.
std::optional<JobStatus> parse_status(std::string_view name);
// has_ended: no worker will ever run the job again (succeeded or cancelled).
bool has_ended(JobStatus s);
// can_transition: the edges of the status machine; everything else is refused.
bool can_transition(JobStatus from, JobStatus to);

enum class Control { Pause, Resume, Cancel };

// ControlVerdict: what a control function does to a job: the new status and
// whether a worker must be started for it, or the error text (then nothing
// changes). wake: the live worker is signalled so that it sees the change
// within one batch or one pause.
struct ControlVerdict {
	std::string error;  // empty: allowed
	JobStatus next = JobStatus::Queued;
	bool launch = false;
	bool wake = false;
	bool reset_errors = false;
};
ControlVerdict decide_control(Control op, JobStatus current, bool worker_live);

// validate_interval_ms: an error text when an interval argument (in ms) is out
// of range: negative, zero where zero is not allowed, or beyond what the job
// row stores (INT32_MAX ms, about 24 days).
std::string validate_interval_ms(const char *name, double ms, bool zero_allowed);

// validated_settings: the settings recorded by backfill() and applied by the
// worker (see "validated" above), in the order they are applied.
const std::vector<std::string_view> &validated_settings();

// canonical_key_settings: the settings under which key values are converted
// to and from text for the job row, so that a stored position reads back as
// the same value whatever the session's DateStyle, TimeZone or float digits.
const std::vector<std::pair<std::string_view, std::string_view>> &canonical_key_settings();

}  // namespace migration_helpers::core
