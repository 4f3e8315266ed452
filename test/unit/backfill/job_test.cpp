// job_test.cpp — the job status machine, the control decisions, argument checks.
#include "core/backfill/job.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace migration_helpers::core;

namespace {
const JobStatus kAll[] = {JobStatus::Queued,    JobStatus::Running, JobStatus::Paused,
						  JobStatus::Succeeded, JobStatus::Failed,  JobStatus::Cancelled};
}

TEST(JobStatus, NamesRoundTrip)
{
	for (JobStatus s : kAll)
		EXPECT_EQ(parse_status(status_name(s)), s);
	EXPECT_FALSE(parse_status("interrupted").has_value());
	EXPECT_FALSE(parse_status("").has_value());
	EXPECT_FALSE(parse_status("Queued").has_value());
}

TEST(JobStatus, EndedStatesHaveNoWayOut)
{
	for (JobStatus to : kAll) {
		EXPECT_FALSE(can_transition(JobStatus::Succeeded, to));
		EXPECT_FALSE(can_transition(JobStatus::Cancelled, to));
	}
	EXPECT_TRUE(has_ended(JobStatus::Succeeded));
	EXPECT_TRUE(has_ended(JobStatus::Cancelled));
	EXPECT_FALSE(has_ended(JobStatus::Failed));  // resumable
}

TEST(JobStatus, Edges)
{
	EXPECT_TRUE(can_transition(JobStatus::Queued, JobStatus::Running));
	EXPECT_FALSE(can_transition(JobStatus::Queued, JobStatus::Succeeded));  // only a worker that ran it
	EXPECT_TRUE(can_transition(JobStatus::Running, JobStatus::Succeeded));
	EXPECT_TRUE(can_transition(JobStatus::Paused, JobStatus::Running));
	EXPECT_FALSE(can_transition(JobStatus::Paused, JobStatus::Succeeded));
	EXPECT_TRUE(can_transition(JobStatus::Failed, JobStatus::Queued));
	EXPECT_FALSE(can_transition(JobStatus::Failed, JobStatus::Running));  // through queued, by a new worker
	for (JobStatus s : kAll)
		EXPECT_FALSE(can_transition(s, s) && s != JobStatus::Queued) << status_name(s);
}

TEST(Control, EveryVerdictIsAnAllowedTransition)
{
	for (Control op : {Control::Pause, Control::Resume, Control::Cancel})
		for (JobStatus s : kAll)
			for (bool live : {false, true}) {
				ControlVerdict v = decide_control(op, s, live);
				if (v.error.empty() && v.next != s) {
					EXPECT_TRUE(can_transition(s, v.next)) << status_name(s) << " -> " << status_name(v.next);
				}
			}
}

TEST(Control, PauseAndCancelWakeALiveWorker)
{
	ControlVerdict v = decide_control(Control::Pause, JobStatus::Running, true);
	EXPECT_EQ(v.error, "");
	EXPECT_EQ(v.next, JobStatus::Paused);
	EXPECT_TRUE(v.wake);
	EXPECT_FALSE(v.launch);
	v = decide_control(Control::Cancel, JobStatus::Paused, false);
	EXPECT_EQ(v.next, JobStatus::Cancelled);
	EXPECT_FALSE(v.wake);
	EXPECT_EQ(decide_control(Control::Pause, JobStatus::Paused, false).error, "is paused, not running");
	EXPECT_EQ(decide_control(Control::Cancel, JobStatus::Succeeded, false).error,
			  "has already ended (succeeded)");
}

TEST(Control, ResumeNeverStartsASecondWorker)
{
	// The worker that has not yet seen the pause goes on: no new worker.
	ControlVerdict v = decide_control(Control::Resume, JobStatus::Paused, true);
	EXPECT_EQ(v.next, JobStatus::Running);
	EXPECT_FALSE(v.launch);
	EXPECT_EQ(decide_control(Control::Resume, JobStatus::Running, true).error, "is already running");
	EXPECT_EQ(decide_control(Control::Resume, JobStatus::Queued, true).error, "is already running");
	// Its worker gone (interrupted), paused with no worker, failed: a new worker.
	for (JobStatus s : {JobStatus::Running, JobStatus::Paused, JobStatus::Failed}) {
		v = decide_control(Control::Resume, s, false);
		EXPECT_EQ(v.error, "");
		EXPECT_EQ(v.next, JobStatus::Queued);
		EXPECT_TRUE(v.launch);
		EXPECT_EQ(v.reset_errors, s == JobStatus::Failed);
	}
	EXPECT_EQ(decide_control(Control::Resume, JobStatus::Cancelled, false).error,
			  "has ended (cancelled) and cannot be resumed");
}

TEST(Arguments, IntervalRanges)
{
	EXPECT_EQ(validate_interval_ms("pause", 0, true), "");
	EXPECT_EQ(validate_interval_ms("pause", -1, true), "pause must be zero or positive");
	EXPECT_EQ(validate_interval_ms("target_batch_time", 0, false), "target_batch_time must be at least 1 ms");
	EXPECT_EQ(validate_interval_ms("target_batch_time", 0.5, false),
			  "target_batch_time must be at least 1 ms");
	EXPECT_EQ(validate_interval_ms("target_batch_time", 25.0 * 86400000, false),
			  "target_batch_time must be at most 24 days");
	EXPECT_EQ(validate_interval_ms("batch_lock_timeout", 2147483647.0, false), "");
	EXPECT_EQ(validate_interval_ms("batch_lock_timeout", 2147483648.0, false),
			  "batch_lock_timeout must be at most 24 days");
}

TEST(Settings, ValidatedSettingsCoverParsingAndNameResolution)
{
	const auto &s = validated_settings();
	for (const char *needed : {"search_path", "standard_conforming_strings", "DateStyle", "IntervalStyle",
							   "TimeZone", "transform_null_equals", "extra_float_digits"})
		EXPECT_NE(std::find(s.begin(), s.end(), needed), s.end()) << needed;
	bool has_datestyle = false;
	for (const auto &kv : canonical_key_settings())
		has_datestyle |= kv.first == "DateStyle";
	EXPECT_TRUE(has_datestyle);
}
