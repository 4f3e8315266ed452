// report_test.cpp — the command line's arguments, exit codes and every output format.
#include "core/preflight/report.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/preflight/json.hpp"

using namespace migration_helpers::core;

namespace {

std::optional<CliArgs> parse(const std::vector<std::string> &args, std::string *error = nullptr)
{
	std::string e;
	auto out = parse_cli(args, &e);
	if (error)
		*error = e;
	return out;
}

std::vector<LintFinding> findings()
{
	LintFinding e;
	e.file = "db/migrate/001, users.sql";
	e.statement_no = 2;
	e.line = 7;
	e.col = 3;
	e.statement = "CREATE INDEX i ON users (email)";
	e.rule = "index_not_concurrent";
	e.severity = "error";
	e.lock = "SHARE";
	e.blocks = "writes";
	e.relation = "public.users";
	e.relation_size = 51539607552;
	e.estimated_duration = "00:04:10";
	e.message = "creating index \"i\" would block writes on table \"public.users\" (100% sure)";
	e.recipe = "Use CREATE INDEX CONCURRENTLY.\nOutside a transaction block.";
	LintFinding w = e;
	w.statement_no = 3;
	w.line = 9;
	w.col = 1;
	w.rule = "published_table_ddl";
	w.severity = "warning";
	w.lock = "none";
	w.relation_size.reset();
	w.estimated_duration.clear();
	w.message = "a warning";
	w.recipe.clear();
	return {e, w};
}

Json parsed(const std::string &text)
{
	std::string err;
	auto v = parse_json(text, &err);
	EXPECT_TRUE(v) << err << "\n" << text;
	return v ? *v : Json{};
}

}  // namespace

TEST(Cli, ParsesEachCommand)
{
	auto a = parse({"lint", "a.sql", "b.sql", "--format", "sarif", "--single-transaction",
					"--sizes=prod.json", "-d", "postgresql://x/y", "-p5433", "--host=/tmp", "-U", "deploy"});
	ASSERT_TRUE(a);
	EXPECT_EQ(a->command, "lint");
	EXPECT_EQ(a->files, (std::vector<std::string>{"a.sql", "b.sql"}));
	EXPECT_EQ(a->format, OutputFormat::Sarif);
	EXPECT_TRUE(a->single_transaction);
	EXPECT_EQ(a->sizes_file, "prod.json");
	EXPECT_EQ(a->dbname, "postgresql://x/y");
	EXPECT_EQ(a->port, "5433");
	EXPECT_EQ(a->host, "/tmp");
	EXPECT_EQ(a->user, "deploy");
	auto s = parse({"snapshot", "--compact"});
	ASSERT_TRUE(s);
	EXPECT_FALSE(s->pretty);
	auto d = parse({"--format=json", "diff", "a.json", "b.json"});
	ASSERT_TRUE(d);
	EXPECT_EQ(d->format, OutputFormat::Json);
	EXPECT_EQ(parse({"lint", "--help"})->command, "help");
}

TEST(Cli, UsageErrorsSayWhat)
{
	std::string e;
	EXPECT_FALSE(parse({}, &e));
	EXPECT_EQ(e, "no command given (lint, snapshot or diff)");
	EXPECT_FALSE(parse({"lint"}, &e));
	EXPECT_EQ(e, "lint needs at least one FILE");
	EXPECT_FALSE(parse({"lint", "a.sql", "--format", "xml"}, &e));
	EXPECT_EQ(e, "unknown format \"xml\" (text, json, github or sarif)");
	EXPECT_FALSE(parse({"lint", "a.sql", "--format"}, &e));
	EXPECT_EQ(e, "option --format needs a value");
	EXPECT_FALSE(parse({"lint", "a.sql", "--frobnicate"}, &e));
	EXPECT_EQ(e, "unknown option \"--frobnicate\"");
	EXPECT_FALSE(parse({"diff", "a.json"}, &e));
	EXPECT_EQ(e, "diff needs two snapshot files, A.json and B.json");
	EXPECT_FALSE(parse({"snapshot", "x"}, &e));
	EXPECT_FALSE(parse({"snapshot", "--format", "github"}, &e));
	EXPECT_FALSE(parse({"diff", "a", "b", "--sizes", "s.json"}, &e));
	EXPECT_EQ(e, "--single-transaction and --sizes are options of lint");
	EXPECT_FALSE(parse({"deploy"}, &e));
	EXPECT_EQ(e, "unknown command \"deploy\" (lint, snapshot or diff)");
	EXPECT_NE(usage_text().find("Exit status: 0 clean, 1"), std::string::npos);
}

TEST(Cli, ExitCodes)
{
	auto f = findings();
	EXPECT_EQ(lint_exit_code(f), kExitFindings);
	EXPECT_EQ(lint_exit_code({f[1]}), kExitClean);
	EXPECT_EQ(lint_exit_code({}), kExitClean);
	EXPECT_EQ(diff_exit_code({DiffRow{"view v", "definition", "a", "b", false}}), kExitClean);
	EXPECT_EQ(diff_exit_code({DiffRow{"table t", "only in a", "table", std::nullopt, true}}), kExitFindings);
	EXPECT_EQ(kExitUsage, 2);
}

TEST(Cli, TextNamesFileLineColumnAndRule)
{
	std::string out = format_lint(findings(), {"db/migrate/001, users.sql", "b.sql"}, OutputFormat::Text);
	EXPECT_EQ(out, "db/migrate/001, users.sql:7:3: error: creating index \"i\" would block writes on table "
				   "\"public.users\" (100% sure) [index_not_concurrent]\n"
				   "  lock: SHARE on public.users (48 GB), blocks writes, for about 00:04:10\n"
				   "  hint: Use CREATE INDEX CONCURRENTLY. Outside a transaction block.\n"
				   "db/migrate/001, users.sql:9:1: warning: a warning [published_table_ddl]\n"
				   "2 files linted: 1 error, 1 warning\n");
}

TEST(Cli, GithubAnnotationsAreEscaped)
{
	EXPECT_EQ(github_escape_data("50%\r\nnext"), "50%25%0D%0Anext");
	EXPECT_EQ(github_escape_property("a:b,c%"), "a%3Ab%2Cc%25");
	std::string out = format_lint(findings(), {"x"}, OutputFormat::Github);
	EXPECT_EQ(
		out.substr(0, out.find('\n')),
		"::error file=db/migrate/001%2C users.sql,line=7,col=3,title=migration_helpers index_not_concurrent::"
		"creating index \"i\" would block writes on table \"public.users\" (100%25 sure)%0AUse CREATE INDEX "
		"CONCURRENTLY.%0AOutside a transaction block.");
	EXPECT_NE(out.find("\n::warning file=db/migrate/001%2C users.sql,line=9,col=1,"), std::string::npos);
}

TEST(Cli, JsonParsesAndHoldsEveryColumn)
{
	Json v = parsed(format_lint(findings(), {"a.sql"}, OutputFormat::Json));
	ASSERT_EQ(v.find("findings")->items.size(), 2u);
	const Json &f = v.find("findings")->items[0];
	EXPECT_EQ(f.find("file")->text, "db/migrate/001, users.sql");
	EXPECT_EQ(f.find("line")->as_int64(), 7);
	EXPECT_EQ(f.find("col")->as_int64(), 3);
	EXPECT_EQ(f.find("relation_size")->as_int64(), 51539607552);
	EXPECT_EQ(f.find("recipe")->text, "Use CREATE INDEX CONCURRENTLY.\nOutside a transaction block.");
	EXPECT_TRUE(v.find("findings")->items[1].find("relation_size")->is_null());
	EXPECT_TRUE(v.find("findings")->items[1].find("estimated_duration")->is_null());
	EXPECT_EQ(v.find("summary")->find("errors")->as_int64(), 1);
	EXPECT_EQ(v.find("summary")->find("warnings")->as_int64(), 1);
	Json empty = parsed(format_lint({}, {"a.sql"}, OutputFormat::Json));
	EXPECT_EQ(empty.find("findings")->items.size(), 0u);
}

TEST(Cli, SarifIsVersion210WithRulesAndRegions)
{
	Json v = parsed(format_lint(findings(), {"a.sql"}, OutputFormat::Sarif));
	EXPECT_EQ(v.find("version")->text, "2.1.0");
	const Json &run = v.find("runs")->items.at(0);
	const Json *driver = run.find("tool")->find("driver");
	EXPECT_EQ(driver->find("name")->text, "migration-helpers");
	const Json *rules = driver->find("rules");
	ASSERT_EQ(rules->items.size(), 2u);
	EXPECT_EQ(rules->items[0].find("id")->text, "index_not_concurrent");
	EXPECT_NE(rules->items[0].find("help"), nullptr);  // from the guard's catalogue
	const Json &r = run.find("results")->items.at(0);
	EXPECT_EQ(r.find("ruleId")->text, "index_not_concurrent");
	EXPECT_EQ(r.find("level")->text, "error");
	const Json *loc = r.find("locations")->items.at(0).find("physicalLocation");
	EXPECT_EQ(loc->find("artifactLocation")->find("uri")->text, "db/migrate/001, users.sql");
	EXPECT_EQ(loc->find("region")->find("startLine")->as_int64(), 7);
	EXPECT_EQ(loc->find("region")->find("startColumn")->as_int64(), 3);
	EXPECT_EQ(run.find("results")->items.at(1).find("level")->text, "warning");
	EXPECT_EQ(parsed(format_lint({}, {}, OutputFormat::Sarif))
				  .find("runs")
				  ->items.at(0)
				  .find("results")
				  ->items.size(),
			  0u);
}

TEST(Cli, DiffInEveryFormat)
{
	std::vector<DiffRow> rows{
		{"index i on public.t", "validity", std::string("valid"), std::string("INVALID"), true},
		{"view public.v", "definition", std::string("SELECT 1;"), std::string("SELECT\n 2;"), false},
		{"table public.x", "only in b", std::nullopt, std::string("table"), true}};
	EXPECT_EQ(format_diff(rows, "staging.json", "prod.json", OutputFormat::Text),
			  "unsafe: index i on public.t: validity (staging.json: valid; prod.json: INVALID)\n"
			  "note:   view public.v: definition (staging.json: SELECT 1;; prod.json: SELECT 2;)\n"
			  "unsafe: table public.x: only in b (staging.json: (none); prod.json: table)\n"
			  "3 differences, 2 unsafe\n");
	std::string gh = format_diff(rows, "staging.json", "prod.json", OutputFormat::Github);
	EXPECT_EQ(gh.substr(0, gh.find('\n')),
			  "::error file=prod.json,title=schema difference%3A validity::index i on "
			  "public.t: validity (staging.json: valid; prod.json: INVALID)");
	EXPECT_NE(gh.find("\n::notice file=prod.json"), std::string::npos);
	Json j = parsed(format_diff(rows, "a", "b", OutputFormat::Json));
	EXPECT_EQ(j.find("differences")->items.size(), 3u);
	EXPECT_TRUE(j.find("differences")->items[2].find("a_value")->is_null());
	EXPECT_EQ(j.find("summary")->find("unsafe")->as_int64(), 2);
	Json s = parsed(format_diff(rows, "a", "b", OutputFormat::Sarif));
	EXPECT_EQ(s.find("runs")->items.at(0).find("results")->items.at(1).find("level")->text, "note");
}
