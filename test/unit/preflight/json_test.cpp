// json_test.cpp — the pre-flight core's JSON parser and writer.
#include "core/preflight/json.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace migration_helpers::core;

TEST(Json, ParsesEveryKindOfValue)
{
	std::string err;
	auto v = parse_json(
		R"( {"a": [1, -2.5e3, true, false, null], "s": "x\"\\\n\u00e9\ud83d\ude00", "o": {}} )", &err);
	ASSERT_TRUE(v) << err;
	ASSERT_EQ(v->type, Json::Type::Object);
	const Json *a = v->find("a");
	ASSERT_NE(a, nullptr);
	ASSERT_EQ(a->items.size(), 5u);
	EXPECT_EQ(a->items[0].as_int64(), 1);
	EXPECT_EQ(a->items[1].text, "-2.5e3");
	EXPECT_FALSE(a->items[1].as_int64());
	EXPECT_TRUE(a->items[2].boolean);
	EXPECT_TRUE(a->items[4].is_null());
	EXPECT_EQ(v->find("s")->text, "x\"\\\n\xc3\xa9\xf0\x9f\x98\x80");
	EXPECT_EQ(v->find("o")->type, Json::Type::Object);
	EXPECT_EQ(v->find("missing"), nullptr);
}

TEST(Json, BigintSizesKeepEveryDigit)
{
	auto v = parse_json("9223372036854775807", nullptr);
	ASSERT_TRUE(v);
	EXPECT_EQ(v->as_int64(), INT64_MAX);
	EXPECT_FALSE(parse_json("9223372036854775808", nullptr)->as_int64());
}

TEST(Json, RepeatedKeyKeepsTheLast)
{
	auto v = parse_json(R"({"k": 1, "k": 2})", nullptr);
	EXPECT_EQ(v->find("k")->as_int64(), 2);
}

TEST(Json, RejectsWhatIsNotJsonWithTheOffset)
{
	std::string err;
	EXPECT_FALSE(parse_json("", &err));
	EXPECT_EQ(err, "unexpected end of input at offset 0");
	EXPECT_FALSE(parse_json("{\"a\": 1,}", &err));
	EXPECT_EQ(err, "expected a string as an object key at offset 8");
	EXPECT_FALSE(parse_json("[1 2]", &err));
	EXPECT_FALSE(parse_json("01", &err));
	EXPECT_FALSE(parse_json("\"\\ud800\"", &err));
	EXPECT_FALSE(parse_json("nul", &err));
	EXPECT_FALSE(parse_json("[1] x", &err));
	EXPECT_EQ(err, "unexpected text after the value at offset 4");
	EXPECT_FALSE(parse_json(std::string(600, '['), &err));
	EXPECT_EQ(err.rfind("too deeply nested", 0), 0u);
}

TEST(Json, QuoteEscapesControlCharacters)
{
	EXPECT_EQ(json_quote("a\"b\\c\n\x01\xc3\xa9"), "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
}

TEST(Json, WriterOutputParsesBack)
{
	JsonWriter w;
	w.begin_object();
	w.member("name", "a \"b\"");
	w.member("n", int64_t(-5));
	w.key("list");
	w.begin_array();
	w.number(1);
	w.null();
	w.boolean(true);
	w.begin_object();
	w.end_object();
	w.end_array();
	w.key("empty");
	w.begin_array();
	w.end_array();
	w.end_object();
	std::string err;
	auto v = parse_json(w.str(), &err);
	ASSERT_TRUE(v) << err << "\n" << w.str();
	EXPECT_EQ(v->find("name")->text, "a \"b\"");
	EXPECT_EQ(v->find("n")->as_int64(), -5);
	EXPECT_EQ(v->find("list")->items.size(), 4u);
	EXPECT_EQ(v->find("empty")->items.size(), 0u);
	EXPECT_EQ(w.str(),
			  "{\n  \"name\": \"a \\\"b\\\"\",\n  \"n\": -5,\n  \"list\": [\n    1,\n    null,\n    true,\n"
			  "    {}\n  ],\n  \"empty\": []\n}");
}
