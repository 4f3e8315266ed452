// diff_test.cpp — reading snapshots (every bad shape names its path) and the schema diff
// (which differences are unsafe).
#include "core/preflight/diff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/preflight/json.hpp"
#include "core/preflight/snapshot.hpp"

using namespace migration_helpers::core;

namespace {

Snapshot snap(const std::string &json)
{
	std::string err;
	auto v = parse_json(json, &err);
	EXPECT_TRUE(v) << err;
	SnapshotError se;
	auto s = read_snapshot(*v, &se);
	EXPECT_TRUE(s) << se.path << ": " << se.message;
	return s ? *s : Snapshot{};
}

SnapshotError shape_error(const std::string &json)
{
	auto v = parse_json(json, nullptr);
	EXPECT_TRUE(v);
	SnapshotError se;
	EXPECT_FALSE(read_snapshot(*v, &se)) << json;
	return se;
}

std::string row(const DiffRow &r)
{
	return r.object + " | " + r.kind + " | " + r.a_value.value_or("NULL") + " | " +
		   r.b_value.value_or("NULL") + " | " + (r.unsafe ? "unsafe" : "safe");
}

std::vector<std::string> rows(const std::string &a, const std::string &b)
{
	std::vector<std::string> out;
	for (const auto &r : diff_snapshots(snap(a), snap(b)))
		out.push_back(row(r));
	return out;
}

const char *kUsers = R"J({"schema": "public", "name": "users", "kind": "table", "total_bytes": 8192,
	"heap_bytes": 8192, "rows": 10, "replica_identity": "default", "persistence": "permanent",
	"columns": [{"name": "id", "type": "bigint", "default": null, "not_null": true, "collation": null,
	             "identity": "", "generated": ""},
	            {"name": "email", "type": "text", "default": null, "not_null": false, "collation": "default",
	             "identity": "", "generated": ""}],
	"constraints": [{"name": "users_pkey", "type": "primary key", "definition": "PRIMARY KEY (id)", "validated": true}],
	"indexes": [{"name": "users_pkey", "definition": "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", "valid": true}],
	"triggers": [], "publications": []})J";

std::string with_tables(const std::string &tables, const std::string &rest = "")
{
	return "{\"tables\": [" + tables + "]" + rest + "}";
}

std::string replace(std::string s, const std::string &from, const std::string &to)
{
	size_t at = s.find(from);
	EXPECT_NE(at, std::string::npos) << from;
	if (at != std::string::npos)
		s.replace(at, from.size(), to);
	return s;
}

}  // namespace

TEST(Snapshot, ReadsTheShapeLintReadsSizesFrom)
{
	Snapshot s = snap(R"J({"tables": [{"schema": "public", "name": "users", "total_bytes": 51539607552,
		"heap_bytes": 40000000000, "rows": 300000000}]})J");
	ASSERT_EQ(s.tables.size(), 1u);
	EXPECT_EQ(s.tables[0].total_bytes, 51539607552);
	EXPECT_EQ(s.tables[0].rows, 300000000);
	EXPECT_FALSE(s.tables[0].columns);  // not recorded: not compared
	EXPECT_FALSE(s.views);
}

TEST(Snapshot, EveryBadShapeSaysWhere)
{
	auto e = shape_error("[1]");
	EXPECT_EQ(e.path, "the snapshot");
	EXPECT_EQ(e.message, "expected an object, found an array");
	e = shape_error("{}");
	EXPECT_EQ(e.message, "the member \"tables\" is missing");
	e = shape_error(R"J({"tables": {}})J");
	EXPECT_EQ(e.path, "tables");
	EXPECT_EQ(e.message, "expected an array, found an object");
	e = shape_error(R"J({"tables": null})J");
	EXPECT_EQ(e.path, "tables");
	e = shape_error(R"J({"tables": [{"schema": "public", "name": 3}]})J");
	EXPECT_EQ(e.path, "tables[0].name");
	EXPECT_EQ(e.message, "expected a string, found a number");
	e = shape_error(R"J({"tables": [{"schema": "public"}]})J");
	EXPECT_EQ(e.path, "tables[0]");
	EXPECT_EQ(e.message, "the member \"name\" is missing");
	e = shape_error(R"J({"tables": [{"schema": "", "name": "t"}]})J");
	EXPECT_EQ(e.message, "expected a non-empty string");
	e = shape_error(R"J({"tables": [{"schema": "s", "name": "t", "total_bytes": "big"}]})J");
	EXPECT_EQ(e.path, "tables[0].total_bytes");
	e = shape_error(R"J({"tables": [{"schema": "s", "name": "t", "rows": 1.5}]})J");
	EXPECT_EQ(e.message, "expected an integer, found 1.5");
	e = shape_error(
		R"J({"tables": [{"schema": "s", "name": "t", "columns": [{"name": "c", "not_null": "yes"}]}]})J");
	EXPECT_EQ(e.path, "tables[0].columns[0].not_null");
	EXPECT_EQ(e.message, "expected a boolean, found a string");
	e = shape_error(R"J({"tables": [7]})J");
	EXPECT_EQ(e.path, "tables[0]");
	e = shape_error(R"J({"tables": [{"schema": "s", "name": "t", "publications": [1]}]})J");
	EXPECT_EQ(e.path, "tables[0].publications[0]");
	e = shape_error(R"J({"tables": [{"schema": "s", "name": "t"}, {"schema": "s", "name": "t"}]})J");
	EXPECT_EQ(e.path, "tables[1]");
	EXPECT_EQ(e.message, "table s.t appears twice");
	e = shape_error(R"J({"tables": [], "settings": {"migration_helpers.guard": 1}})J");
	EXPECT_EQ(e.path, "settings.migration_helpers.guard");
	e = shape_error(R"J({"tables": [], "views": [{"schema": "s"}]})J");
	EXPECT_EQ(e.path, "views[0]");
}

TEST(Diff, EqualSnapshotsHaveNoDifference)
{
	EXPECT_TRUE(rows(with_tables(kUsers), with_tables(kUsers)).empty());
}

TEST(Diff, IndexMissingOrInvalidInOneIsUnsafe)
{
	std::string b = replace(kUsers, R"J("valid": true)J", R"J("valid": false)J");
	EXPECT_EQ(
		rows(with_tables(kUsers), with_tables(b)),
		std::vector<std::string>{"index users_pkey on public.users | validity | valid | INVALID | unsafe"});
	std::string c = replace(
		kUsers,
		R"J("indexes": [{"name": "users_pkey", "definition": "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", "valid": true}])J",
		R"J("indexes": [])J");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(c)),
			  std::vector<std::string>{
				  "index users_pkey on public.users | only in a | CREATE UNIQUE INDEX users_pkey "
				  "ON public.users USING btree (id) | NULL | unsafe"});
	EXPECT_EQ(rows(with_tables(c), with_tables(kUsers))[0].substr(0, 45),
			  "index users_pkey on public.users | only in b ");
}

TEST(Diff, ConstraintNotValidInOneIsUnsafeAndOnlyThat)
{
	std::string b = replace(replace(kUsers, R"J("validated": true)J", R"J("validated": false)J"),
							"PRIMARY KEY (id)\"", "PRIMARY KEY (id) NOT VALID\"");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(b)),
			  std::vector<std::string>{
				  "constraint users_pkey on public.users | validity | valid | NOT VALID | unsafe"});
}

TEST(Diff, ColumnTypeNullabilityDefaultCollation)
{
	std::string b = replace(kUsers, R"J("name": "id", "type": "bigint", "default": null, "not_null": true)J",
							R"J("name": "id", "type": "integer", "default": "0", "not_null": false)J");
	b = replace(b, R"J("collation": "default")J", R"J("collation": "C")J");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(b)),
			  (std::vector<std::string>{"column public.users.email | collation | default | C | unsafe",
										"column public.users.id | type | bigint | integer | unsafe",
										"column public.users.id | default | NULL | 0 | unsafe",
										"column public.users.id | nullability | NOT NULL | NULL | unsafe"}));
}

TEST(Diff, TriggerAndPublicationInOneOnly)
{
	std::string b = replace(
		kUsers, R"J("triggers": [], "publications": [])J",
		R"J("triggers": [{"name": "audit", "definition": "CREATE TRIGGER audit ...", "enabled": "origin"}],
							   "publications": ["pub"])J");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(b)),
			  (std::vector<std::string>{
				  "trigger audit on public.users | only in b | NULL | CREATE TRIGGER audit ... | unsafe",
				  "table public.users in publication pub | only in b | NULL | pub | unsafe"}));
	std::string c = replace(b, R"J("enabled": "origin")J", R"J("enabled": "disabled")J");
	EXPECT_EQ(
		rows(with_tables(b), with_tables(c)),
		std::vector<std::string>{"trigger audit on public.users | enabled | origin | disabled | unsafe"});
}

TEST(Diff, SizesTwoOrdersOfMagnitudeApart)
{
	EXPECT_FALSE(sizes_far_apart(0, 40960));  // both under the floor
	EXPECT_FALSE(sizes_far_apart(0, 99 * kDiffSizeFloorBytes));
	EXPECT_TRUE(sizes_far_apart(0, 100 * kDiffSizeFloorBytes));
	EXPECT_TRUE(sizes_far_apart(100 * kDiffSizeFloorBytes, 8192));
	EXPECT_FALSE(sizes_far_apart(10LL << 30, 999LL << 30));
	EXPECT_TRUE(sizes_far_apart(10LL << 30, 1000LL << 30));
	EXPECT_TRUE(sizes_far_apart(INT64_MAX, 0));
	std::string b = replace(kUsers, R"J("total_bytes": 8192)J", R"J("total_bytes": 51539607552)J");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(b)),
			  std::vector<std::string>{"table public.users | size | 8192 bytes | 48 GB | unsafe"});
	std::string c = replace(kUsers, R"J("total_bytes": 8192)J", R"J("total_bytes": 50000000)J");
	EXPECT_TRUE(rows(with_tables(kUsers), with_tables(c)).empty());  // 48 MB: the same order as the floor
}

TEST(Diff, TablesAndColumnsInOneOnly)
{
	std::string b = replace(
		kUsers,
		R"J({"name": "email", "type": "text", "default": null, "not_null": false, "collation": "default",
	             "identity": "", "generated": ""})J",
		R"J({"name": "mail", "type": "text"})J");
	EXPECT_EQ(rows(with_tables(kUsers), with_tables(b)),
			  (std::vector<std::string>{"column public.users.email | only in a | text | NULL | unsafe",
										"column public.users.mail | only in b | NULL | text | unsafe"}));
	EXPECT_EQ(rows(with_tables(kUsers), with_tables("")),
			  std::vector<std::string>{"table public.users | only in a | table | NULL | unsafe"});
}

TEST(Diff, FieldsRecordedInOneOnlyAreNotCompared)
{
	EXPECT_TRUE(rows(with_tables(kUsers), with_tables(R"J({"schema": "public", "name": "users"})J")).empty());
	EXPECT_TRUE(
		rows(with_tables(kUsers, R"J(, "views": [{"schema": "public", "name": "v"}])J"), with_tables(kUsers))
			.empty());
}

TEST(Diff, ViewsSequencesPublicationsExtensionsSettingsServer)
{
	std::string a = with_tables("", R"J(, "server_version": "150020",
		"settings": {"migration_helpers.guard": "enforce", "migration_helpers.large_table_threshold": "0"},
		"extensions": [{"name": "migration_helpers", "version": "0.2"}, {"name": "pg_trgm", "version": "1.6"}],
		"views": [{"schema": "public", "name": "v", "kind": "view", "definition": " SELECT 1;"}],
		"sequences": [{"schema": "public", "name": "s", "definition": "bigint start 1 increment 1"}],
		"publications": [{"name": "pub", "all_tables": false, "actions": "insert, update, delete, truncate"}])J");
	std::string b = with_tables("", R"J(, "server_version": "160004",
		"settings": {"migration_helpers.guard": "warn", "migration_helpers.large_table_threshold": "0"},
		"extensions": [{"name": "migration_helpers", "version": "0.1"}, {"name": "pg_trgm", "version": "1.5"}],
		"views": [{"schema": "public", "name": "v", "kind": "view", "definition": " SELECT 2;"}],
		"sequences": [{"schema": "public", "name": "s", "definition": "integer start 1 increment 1"}],
		"publications": [{"name": "pub", "all_tables": true, "actions": "insert"}])J");
	EXPECT_EQ(
		rows(a, b),
		(std::vector<std::string>{
			"server | server version | 150020 | 160004 | unsafe",
			"setting migration_helpers.guard | value | enforce | warn | unsafe",
			"extension migration_helpers | version | 0.2 | 0.1 | unsafe",
			"extension pg_trgm | version | 1.6 | 1.5 | safe",
			"view public.v | definition |  SELECT 1; |  SELECT 2; | safe",
			"sequence public.s | definition | bigint start 1 increment 1 | integer start 1 increment 1 | safe",
			"publication pub | all tables | FOR listed tables | FOR ALL TABLES | unsafe",
			"publication pub | actions | insert, update, delete, truncate | insert | unsafe",
		}));
	std::string c = replace(a, "\"150020\"", "\"150004\"");
	EXPECT_EQ(rows(a, c), std::vector<std::string>{"server | server version | 150020 | 150004 | safe"});
}
