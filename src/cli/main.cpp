// main.cpp — the migration-helpers command line for CI pipelines: connects like psql (libpq's
// environment, a connection string or -d/-h/-p/-U), calls migration_helpers.lint(),
// schema_snapshot() or schema_diff() and prints their rows in the format asked for. Arguments,
// formats and exit codes are core's (src/core/preflight/report.hpp); this file only talks to
// the server and to files.
//
//   migration-helpers lint FILE... [--format text|json|github|sarif] [--single-transaction]
//                                  [--sizes SNAPSHOT.json]
//   migration-helpers snapshot [--compact]
//   migration-helpers diff A.json B.json [--format ...]
//
// Exit status: 0 clean, 1 findings of severity error / unsafe differences, 2 usage or
// connection error (or a server error other than a script's syntax error).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/preflight/diff.hpp"
#include "core/preflight/locks.hpp"
#include "core/preflight/report.hpp"

#include <libpq-fe.h>

namespace core = migration_helpers::core;

namespace {

struct ConnCloser {
	void operator()(PGconn *c) const { PQfinish(c); }
};
struct ResultCloser {
	void operator()(PGresult *r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

// Failure: an error that ends the program with its exit code, after its message.
struct Failure {
	int code;
	std::string message;
};

bool read_file(const std::string &path, std::string *out)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return false;
	std::ostringstream ss;
	ss << in.rdbuf();
	*out = ss.str();
	return !in.bad();
}

Conn connect(const core::CliArgs &args)
{
	std::vector<const char *> keys;
	std::vector<const char *> values;
	auto add = [&](const char *k, const std::string &v) {
		if (!v.empty()) {
			keys.push_back(k);
			values.push_back(v.c_str());
		}
	};
	add("dbname", args.dbname);  // a name or a connection string (expand_dbname)
	add("host", args.host);
	add("port", args.port);
	add("user", args.user);
	keys.push_back("fallback_application_name");
	values.push_back("migration-helpers");
	keys.push_back(nullptr);
	values.push_back(nullptr);
	Conn conn(PQconnectdbParams(keys.data(), values.data(), 1));
	if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
		throw Failure{core::kExitUsage, std::string("could not connect: ") +
											(conn ? PQerrorMessage(conn.get()) : "out of memory")};
	return conn;
}

std::string field(const PGresult *r, char code)
{
	const char *v = PQresultErrorField(r, code);
	return v ? v : "";
}

// server_error: the message of a failed query, with its DETAIL and HINT.
std::string server_error(const PGresult *r)
{
	std::string msg = field(r, PG_DIAG_MESSAGE_PRIMARY);
	if (msg.empty())
		msg = PQresultErrorMessage(r);
	std::string detail = field(r, PG_DIAG_MESSAGE_DETAIL);
	std::string hint = field(r, PG_DIAG_MESSAGE_HINT);
	if (!detail.empty())
		msg += " (" + detail + ")";
	if (!hint.empty())
		msg += " " + hint;
	return msg;
}

Result exec(PGconn *conn, const char *sql, const std::vector<std::optional<std::string>> &params)
{
	std::vector<const char *> values;
	values.reserve(params.size());
	for (const auto &p : params)
		values.push_back(p ? p->c_str() : nullptr);
	return Result(PQexecParams(conn, sql, int(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
}

std::string value(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

int to_int(const std::string &s, int fallback)
{
	return s.empty() ? fallback : std::atoi(s.c_str());
}

int run_lint(const core::CliArgs &args)
{
	std::vector<std::string> scripts;
	for (const std::string &f : args.files) {
		std::string text;
		if (!read_file(f, &text))
			throw Failure{core::kExitUsage, "could not read \"" + f + "\": " + std::strerror(errno)};
		scripts.push_back(std::move(text));
	}
	std::optional<std::string> sizes;
	if (!args.sizes_file.empty()) {
		std::string text;
		if (!read_file(args.sizes_file, &text))
			throw Failure{core::kExitUsage,
						  "could not read \"" + args.sizes_file + "\": " + std::strerror(errno)};
		sizes = std::move(text);
	}
	Conn conn = connect(args);
	std::vector<core::LintFinding> findings;
	for (size_t i = 0; i < args.files.size(); i++) {
		Result r = exec(conn.get(),
						"SELECT statement_no, line, col, statement, rule, severity, lock, blocks, relation, "
						"relation_size, estimated_duration::text, message, recipe "
						"FROM migration_helpers.lint($1::text, $2::boolean, $3::jsonb)",
						{scripts[i], std::string(args.single_transaction ? "true" : "false"), sizes});
		if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
			// A script the server cannot parse is the file's fault: a finding at its position.
			// Anything else (no extension, no lint(), a bad --sizes file) is a setup error.
			if (field(r.get(), PG_DIAG_SQLSTATE) != "42601")
				throw Failure{core::kExitUsage, args.files[i] + ": " + server_error(r.get())};
			core::LintFinding f;
			f.file = args.files[i];
			f.rule = "syntax_error";
			f.severity = "error";
			f.message = server_error(r.get());
			std::string internal = field(r.get(), PG_DIAG_INTERNAL_QUERY);
			int pos = to_int(field(r.get(), PG_DIAG_INTERNAL_POSITION), 0);
			if (pos > 0 && internal == scripts[i]) {
				// the position counts characters from 1
				size_t offset = 0;
				for (int chars = 1; offset < internal.size() && chars < pos; chars++) {
					offset++;
					while (offset < internal.size() &&
						   (static_cast<unsigned char>(internal[offset]) & 0xC0) == 0x80)
						offset++;
				}
				core::TextPosition p = core::position_of(internal, offset);
				f.line = p.line;
				f.col = p.col;
			}
			findings.push_back(std::move(f));
			continue;
		}
		for (int row = 0; row < PQntuples(r.get()); row++) {
			core::LintFinding f;
			f.file = args.files[i];
			f.statement_no = to_int(value(r.get(), row, 0), 0);
			f.line = to_int(value(r.get(), row, 1), 1);
			f.col = to_int(value(r.get(), row, 2), 1);
			f.statement = value(r.get(), row, 3);
			f.rule = value(r.get(), row, 4);
			f.severity = value(r.get(), row, 5);
			f.lock = value(r.get(), row, 6);
			f.blocks = value(r.get(), row, 7);
			f.relation = value(r.get(), row, 8);
			if (!PQgetisnull(r.get(), row, 9))
				f.relation_size = std::strtoll(PQgetvalue(r.get(), row, 9), nullptr, 10);
			f.estimated_duration = value(r.get(), row, 10);
			f.message = value(r.get(), row, 11);
			f.recipe = value(r.get(), row, 12);
			findings.push_back(std::move(f));
		}
	}
	std::cout << core::format_lint(findings, args.files, args.format);
	return core::lint_exit_code(findings);
}

int run_snapshot(const core::CliArgs &args)
{
	Conn conn = connect(args);
	Result r = exec(conn.get(),
					args.pretty ? "SELECT pg_catalog.jsonb_pretty(migration_helpers.schema_snapshot())"
								: "SELECT migration_helpers.schema_snapshot()::text",
					{});
	if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1)
		throw Failure{core::kExitUsage, "could not take a snapshot: " + server_error(r.get())};
	std::cout << PQgetvalue(r.get(), 0, 0) << "\n";
	return core::kExitClean;
}

int run_diff(const core::CliArgs &args)
{
	std::string a, b;
	if (!read_file(args.files[0], &a))
		throw Failure{core::kExitUsage, "could not read \"" + args.files[0] + "\": " + std::strerror(errno)};
	if (!read_file(args.files[1], &b))
		throw Failure{core::kExitUsage, "could not read \"" + args.files[1] + "\": " + std::strerror(errno)};
	Conn conn = connect(args);
	Result r =
		exec(conn.get(),
			 "SELECT object, kind, a_value, b_value, unsafe FROM migration_helpers.schema_diff($1::jsonb, "
			 "$2::jsonb)",
			 {a, b});
	if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
		throw Failure{core::kExitUsage, "could not compare the snapshots: " + server_error(r.get())};
	std::vector<core::DiffRow> rows;
	for (int row = 0; row < PQntuples(r.get()); row++) {
		core::DiffRow d;
		d.object = value(r.get(), row, 0);
		d.kind = value(r.get(), row, 1);
		if (!PQgetisnull(r.get(), row, 2))
			d.a_value = value(r.get(), row, 2);
		if (!PQgetisnull(r.get(), row, 3))
			d.b_value = value(r.get(), row, 3);
		d.unsafe = value(r.get(), row, 4) == "t";
		rows.push_back(std::move(d));
	}
	std::cout << core::format_diff(rows, args.files[0], args.files[1], args.format);
	return core::diff_exit_code(rows);
}

}  // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> argv_s(argv + 1, argv + argc);
	std::string error;
	std::optional<core::CliArgs> args = core::parse_cli(argv_s, &error);
	if (!args) {
		std::cerr << "migration-helpers: " << error << "\n\n" << core::usage_text();
		return core::kExitUsage;
	}
	try {
		if (args->command == "help") {
			std::cout << core::usage_text();
			return core::kExitClean;
		}
		if (args->command == "lint")
			return run_lint(*args);
		if (args->command == "snapshot")
			return run_snapshot(*args);
		return run_diff(*args);
	} catch (const Failure &f) {
		std::string msg = f.message;
		while (!msg.empty() && msg.back() == '\n')
			msg.pop_back();
		std::cerr << "migration-helpers: " << msg << "\n";
		return f.code;
	} catch (const std::exception &e) {
		std::cerr << "migration-helpers: " << e.what() << "\n";
		return core::kExitUsage;
	}
}
