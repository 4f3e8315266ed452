// report.hpp — what the migration-helpers command line prints and returns, without a
// connection: its arguments, lint findings in each output format (text, JSON, GitHub
// workflow annotations, SARIF 2.1.0), schema diff rows, and the exit code. The program itself
// (src/cli/main.cpp) only connects, calls the SQL functions and hands their rows here.
//
// Words used here:
//   finding   one row of migration_helpers.lint(), with the file it came from.
//   exit code 0 clean, 1 a finding of severity error (lint) or an unsafe difference (diff),
//             2 usage or connection error (kExitClean, kExitFindings, kExitUsage).
//
// No PostgreSQL header is included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/preflight/diff.hpp"

namespace migration_helpers::core {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;

enum class OutputFormat { Text, Json, Github, Sarif };

// CliArgs: a parsed command line.
struct CliArgs {
	std::string command;  // "lint", "snapshot", "diff", "help"
	std::vector<std::string> files;
	OutputFormat format = OutputFormat::Text;
	bool single_transaction = false;
	std::string sizes_file;  // lint --sizes
	bool pretty = true;      // snapshot: indented JSON (--compact: one line)
	// connection, as psql takes it: -d/--dbname (a name or a connection string), -h, -p, -U;
	// what is not given comes from libpq's environment (PGHOST, PGPORT, PGUSER, ...)
	std::string dbname, host, port, user;
};

// parse_cli: argv[1..] as a command line; nullopt and *error (one line) when it is not valid.
std::optional<CliArgs> parse_cli(const std::vector<std::string> &args, std::string *error);
// usage_text: the help text (--help, and after a usage error).
std::string usage_text();

struct LintFinding {
	std::string file;
	int statement_no = 0;
	int line = 1;
	int col = 1;
	std::string statement;
	std::string rule;
	std::string severity;  // "error" or "warning"
	std::string lock;
	std::string blocks;
	std::string relation;
	std::optional<int64_t> relation_size;
	std::string estimated_duration;  // as the server prints an interval; "" when none
	std::string message;
	std::string recipe;
};

// lint_exit_code: kExitFindings when some finding has severity error, else kExitClean.
int lint_exit_code(const std::vector<LintFinding> &findings);
// format_lint: the findings of the files linted, in format (files: every file, with findings
// or not, for the summary).
std::string format_lint(const std::vector<LintFinding> &findings, const std::vector<std::string> &files,
						OutputFormat format);

// github_escape_data / github_escape_property: the escaping of workflow commands
// (::error file=F,line=L::message): % \r \n in both, and : , in properties.
std::string github_escape_data(const std::string &s);
std::string github_escape_property(const std::string &s);

// diff_exit_code: kExitFindings when some difference is unsafe, else kExitClean.
int diff_exit_code(const std::vector<DiffRow> &rows);
// format_diff: diff rows as text, JSON, GitHub annotations (on file b) or SARIF.
std::string format_diff(const std::vector<DiffRow> &rows, const std::string &file_a,
						const std::string &file_b, OutputFormat format);

}  // namespace migration_helpers::core
