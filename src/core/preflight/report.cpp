// report.cpp — the command line's arguments, output formats and exit codes (report.hpp).
#include "core/preflight/report.hpp"

#include <set>
#include <string>

#include "core/ddl/rules.hpp"
#include "core/preflight/json.hpp"

namespace migration_helpers::core {

namespace {

constexpr const char *kToolName = "migration-helpers";

bool parse_format(const std::string &s, OutputFormat *out)
{
	if (s == "text")
		*out = OutputFormat::Text;
	else if (s == "json")
		*out = OutputFormat::Json;
	else if (s == "github")
		*out = OutputFormat::Github;
	else if (s == "sarif")
		*out = OutputFormat::Sarif;
	else
		return false;
	return true;
}

// one_line: s with its line breaks and runs of white space as single spaces (annotations and
// text output are one line per finding).
std::string one_line(const std::string &s)
{
	std::string out;
	bool space = false;
	for (char c : s) {
		bool ws = c == ' ' || c == '\n' || c == '\r' || c == '\t';
		if (ws) {
			space = !out.empty();
			continue;
		}
		if (space)
			out.push_back(' ');
		space = false;
		out.push_back(c);
	}
	return out;
}

std::string plural(size_t n, const char *word)
{
	return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void sarif_header(JsonWriter &w)
{
	w.begin_object();
	w.member("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	w.member("version", "2.1.0");
	w.key("runs");
	w.begin_array();
	w.begin_object();
	w.key("tool");
	w.begin_object();
	w.key("driver");
	w.begin_object();
	w.member("name", kToolName);
	w.member("version", "0.2");
}

void sarif_location(JsonWriter &w, const std::string &file, int line, int col)
{
	w.key("locations");
	w.begin_array();
	w.begin_object();
	w.key("physicalLocation");
	w.begin_object();
	w.key("artifactLocation");
	w.begin_object();
	w.member("uri", file);
	w.end_object();
	w.key("region");
	w.begin_object();
	w.member("startLine", int64_t(line));
	w.member("startColumn", int64_t(col));
	w.end_object();
	w.end_object();
	w.end_object();
	w.end_array();
}

void sarif_footer(JsonWriter &w)
{
	w.end_array();   // results
	w.end_object();  // run
	w.end_array();   // runs
	w.end_object();
}

}  // namespace

std::string usage_text()
{
	return "Usage:\n"
		   "  migration-helpers lint FILE... [--format text|json|github|sarif] [--single-transaction]\n"
		   "                                 [--sizes SNAPSHOT.json]\n"
		   "  migration-helpers snapshot [--compact]\n"
		   "  migration-helpers diff A.json B.json [--format text|json|github|sarif]\n"
		   "\n"
		   "Connection options (as psql; the rest comes from PGHOST, PGPORT, PGUSER, PGDATABASE, ...):\n"
		   "  -d, --dbname=DBNAME|CONNSTR   -h, --host=HOST   -p, --port=PORT   -U, --username=USER\n"
		   "\n"
		   "Exit status: 0 clean, 1 findings of severity error (lint) or unsafe differences (diff),\n"
		   "2 usage or connection error.\n";
}

std::optional<CliArgs> parse_cli(const std::vector<std::string> &args, std::string *error)
{
	CliArgs out;
	auto fail = [&](const std::string &e) -> std::optional<CliArgs> {
		*error = e;
		return std::nullopt;
	};
	bool format_given = false;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		// --name=value and --name value, -x value and -xvalue
		std::string name = a;
		std::optional<std::string> value;
		if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
			name = a.substr(0, a.find('='));
			value = a.substr(a.find('=') + 1);
		} else if (a.size() > 2 && a[0] == '-' && a[1] != '-') {
			name = a.substr(0, 2);
			value = a.substr(2);
		}
		auto take = [&](std::string *dst) -> bool {
			if (!value) {
				if (i + 1 >= args.size())
					return false;
				value = args[++i];
			}
			*dst = *value;
			return true;
		};
		if (name == "--help" || name == "-?") {
			out.command = "help";
			return out;
		}
		if (name == "--format") {
			std::string f;
			if (!take(&f))
				return fail("option --format needs a value");
			if (!parse_format(f, &out.format))
				return fail("unknown format \"" + f + "\" (text, json, github or sarif)");
			format_given = true;
		} else if (name == "--single-transaction") {
			if (value)
				return fail("option --single-transaction takes no value");
			out.single_transaction = true;
		} else if (name == "--sizes") {
			if (!take(&out.sizes_file))
				return fail("option --sizes needs a file");
		} else if (name == "--compact") {
			out.pretty = false;
		} else if (name == "-d" || name == "--dbname") {
			if (!take(&out.dbname))
				return fail("option " + name + " needs a value");
		} else if (name == "-h" || name == "--host") {
			if (!take(&out.host))
				return fail("option " + name + " needs a value");
		} else if (name == "-p" || name == "--port") {
			if (!take(&out.port))
				return fail("option " + name + " needs a value");
		} else if (name == "-U" || name == "--username") {
			if (!take(&out.user))
				return fail("option " + name + " needs a value");
		} else if (a.size() > 1 && a[0] == '-') {
			return fail("unknown option \"" + a + "\"");
		} else if (out.command.empty()) {
			out.command = a;
		} else {
			out.files.push_back(a);
		}
	}
	if (out.command.empty())
		return fail("no command given (lint, snapshot or diff)");
	if (out.command == "lint") {
		if (out.files.empty())
			return fail("lint needs at least one FILE");
	} else if (out.command == "snapshot") {
		if (!out.files.empty())
			return fail("snapshot takes no FILE (it writes the snapshot to standard output)");
		if (format_given && out.format != OutputFormat::Json)
			return fail("snapshot writes JSON only");
	} else if (out.command == "diff") {
		if (out.files.size() != 2)
			return fail("diff needs two snapshot files, A.json and B.json");
	} else {
		return fail("unknown command \"" + out.command + "\" (lint, snapshot or diff)");
	}
	if (out.command != "lint" && (out.single_transaction || !out.sizes_file.empty()))
		return fail("--single-transaction and --sizes are options of lint");
	return out;
}

int lint_exit_code(const std::vector<LintFinding> &findings)
{
	for (const LintFinding &f : findings)
		if (f.severity == "error")
			return kExitFindings;
	return kExitClean;
}

std::string github_escape_data(const std::string &s)
{
	std::string out;
	for (char c : s) {
		if (c == '%')
			out += "%25";
		else if (c == '\r')
			out += "%0D";
		else if (c == '\n')
			out += "%0A";
		else
			out.push_back(c);
	}
	return out;
}

std::string github_escape_property(const std::string &s)
{
	std::string out;
	for (char c : github_escape_data(s)) {
		if (c == ':')
			out += "%3A";
		else if (c == ',')
			out += "%2C";
		else
			out.push_back(c);
	}
	return out;
}

std::string format_lint(const std::vector<LintFinding> &findings, const std::vector<std::string> &files,
						OutputFormat format)
{
	size_t errors = 0;
	for (const LintFinding &f : findings)
		errors += f.severity == "error" ? 1 : 0;
	size_t warnings = findings.size() - errors;
	std::string out;
	switch (format) {
	case OutputFormat::Text: {
		for (const LintFinding &f : findings) {
			out += f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.col) + ": " + f.severity +
				   ": " + one_line(f.message) + " [" + f.rule + "]\n";
			if (!f.lock.empty() && f.lock != "none")
				out += "  lock: " + f.lock + " on " + f.relation +
					   (f.relation_size ? " (" + format_bytes(*f.relation_size) + ")" : "") + ", blocks " +
					   f.blocks +
					   (f.estimated_duration.empty() ? "" : ", for about " + f.estimated_duration) + "\n";
			if (!f.recipe.empty())
				out += "  hint: " + one_line(f.recipe) + "\n";
		}
		out += plural(files.size(), "file") + " linted: " + plural(errors, "error") + ", " +
			   plural(warnings, "warning") + "\n";
		return out;
	}
	case OutputFormat::Github: {
		for (const LintFinding &f : findings) {
			out += std::string("::") + (f.severity == "error" ? "error" : "warning") +
				   " file=" + github_escape_property(f.file) + ",line=" + std::to_string(f.line) +
				   ",col=" + std::to_string(f.col) +
				   ",title=" + github_escape_property("migration_helpers " + f.rule) + "::" +
				   github_escape_data(one_line(f.message) + (f.recipe.empty() ? "" : "\n" + f.recipe)) + "\n";
		}
		out += plural(files.size(), "file") + " linted: " + plural(errors, "error") + ", " +
			   plural(warnings, "warning") + "\n";
		return out;
	}
	case OutputFormat::Json: {
		JsonWriter w;
		w.begin_object();
		w.key("files");
		w.begin_array();
		for (const std::string &f : files)
			w.string(f);
		w.end_array();
		w.key("findings");
		w.begin_array();
		for (const LintFinding &f : findings) {
			w.begin_object();
			w.member("file", f.file);
			w.member("statement_no", int64_t(f.statement_no));
			w.member("line", int64_t(f.line));
			w.member("col", int64_t(f.col));
			w.member("statement", f.statement);
			w.member("rule", f.rule);
			w.member("severity", f.severity);
			w.member("lock", f.lock);
			w.member("blocks", f.blocks);
			w.member("relation", f.relation);
			w.member_or_null("relation_size", f.relation_size);
			w.key("estimated_duration");
			if (f.estimated_duration.empty())
				w.null();
			else
				w.string(f.estimated_duration);
			w.member("message", f.message);
			w.member("recipe", f.recipe);
			w.end_object();
		}
		w.end_array();
		w.key("summary");
		w.begin_object();
		w.member("errors", int64_t(errors));
		w.member("warnings", int64_t(warnings));
		w.end_object();
		w.end_object();
		return w.str() + "\n";
	}
	case OutputFormat::Sarif: {
		JsonWriter w;
		sarif_header(w);
		// the rules that were found, described from the guard's catalogue where it has them
		std::set<std::string> ids;
		for (const LintFinding &f : findings)
			ids.insert(f.rule);
		w.key("rules");
		w.begin_array();
		for (const std::string &id : ids) {
			const Rule *rule = find_rule(id);
			w.begin_object();
			w.member("id", id);
			w.key("shortDescription");
			w.begin_object();
			w.member("text", rule ? std::string(rule->catches) : id);
			w.end_object();
			if (rule) {
				w.key("help");
				w.begin_object();
				w.member("text", full_recipe(*rule));
				w.end_object();
			}
			w.end_object();
		}
		w.end_array();
		w.end_object();  // driver
		w.end_object();  // tool
		w.key("results");
		w.begin_array();
		for (const LintFinding &f : findings) {
			w.begin_object();
			w.member("ruleId", f.rule);
			w.member("level", f.severity == "error" ? "error" : "warning");
			w.key("message");
			w.begin_object();
			w.member("text", one_line(f.message) + (f.recipe.empty() ? "" : " " + one_line(f.recipe)));
			w.end_object();
			sarif_location(w, f.file, f.line, f.col);
			w.end_object();
		}
		sarif_footer(w);
		return w.str() + "\n";
	}
	}
	return out;
}

int diff_exit_code(const std::vector<DiffRow> &rows)
{
	for (const DiffRow &r : rows)
		if (r.unsafe)
			return kExitFindings;
	return kExitClean;
}

std::string format_diff(const std::vector<DiffRow> &rows, const std::string &file_a,
						const std::string &file_b, OutputFormat format)
{
	size_t unsafe = 0;
	for (const DiffRow &r : rows)
		unsafe += r.unsafe ? 1 : 0;
	auto value = [](const std::optional<std::string> &v) { return v ? one_line(*v) : std::string("(none)"); };
	auto message = [&](const DiffRow &r) {
		return r.object + ": " + r.kind + " (" + file_a + ": " + value(r.a_value) + "; " + file_b + ": " +
			   value(r.b_value) + ")";
	};
	std::string summary = plural(rows.size(), "difference") + ", " + std::to_string(unsafe) + " unsafe\n";
	std::string out;
	switch (format) {
	case OutputFormat::Text:
		for (const DiffRow &r : rows)
			out += std::string(r.unsafe ? "unsafe: " : "note:   ") + message(r) + "\n";
		return out + summary;
	case OutputFormat::Github:
		for (const DiffRow &r : rows)
			out += std::string(r.unsafe ? "::error" : "::notice") +
				   " file=" + github_escape_property(file_b) +
				   ",title=" + github_escape_property("schema difference: " + r.kind) +
				   "::" + github_escape_data(message(r)) + "\n";
		return out + summary;
	case OutputFormat::Json: {
		JsonWriter w;
		w.begin_object();
		w.member("a", file_a);
		w.member("b", file_b);
		w.key("differences");
		w.begin_array();
		for (const DiffRow &r : rows) {
			w.begin_object();
			w.member("object", r.object);
			w.member("kind", r.kind);
			w.member_or_null("a_value", r.a_value);
			w.member_or_null("b_value", r.b_value);
			w.member_bool("unsafe", r.unsafe);
			w.end_object();
		}
		w.end_array();
		w.key("summary");
		w.begin_object();
		w.member("differences", int64_t(rows.size()));
		w.member("unsafe", int64_t(unsafe));
		w.end_object();
		w.end_object();
		return w.str() + "\n";
	}
	case OutputFormat::Sarif: {
		JsonWriter w;
		sarif_header(w);
		w.key("rules");
		w.begin_array();
		w.begin_object();
		w.member("id", "schema_difference");
		w.key("shortDescription");
		w.begin_object();
		w.member("text",
				 "Staging and production schemas differ in a way that makes a migration behave differently.");
		w.end_object();
		w.end_object();
		w.end_array();
		w.end_object();
		w.end_object();
		w.key("results");
		w.begin_array();
		for (const DiffRow &r : rows) {
			w.begin_object();
			w.member("ruleId", "schema_difference");
			w.member("level", r.unsafe ? "error" : "note");
			w.key("message");
			w.begin_object();
			w.member("text", message(r));
			w.end_object();
			sarif_location(w, file_b, 1, 1);
			w.end_object();
		}
		sarif_footer(w);
		return w.str() + "\n";
	}
	}
	return out;
}

}  // namespace migration_helpers::core
