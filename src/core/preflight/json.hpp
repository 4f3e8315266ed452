// json.hpp — a small JSON value, its parser and its writer, for the pre-flight core: schema
// snapshots arrive as JSON text (jsonb's output, or a file the command line read), and the
// command line writes JSON and SARIF reports.
//
// Words used here:
//   value   null, true/false, a number (kept as its text, so bigint sizes lose nothing), a
//           string, an array, or an object (members in their order; a repeated key keeps the
//           last value, as jsonb does).
//
// No PostgreSQL header is included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migration_helpers::core {

struct Json {
	enum class Type { Null, Bool, Number, String, Array, Object };
	Type type = Type::Null;
	bool boolean = false;
	std::string text;  // Number: the literal as written; String: the decoded string
	std::vector<Json> items;
	std::vector<std::pair<std::string, Json>> members;

	// find: the member named key of an object, or nullptr (also for a value that is no object).
	const Json *find(std::string_view key) const;
	// as_int64: a Number that is an integer within int64 (nullopt otherwise).
	std::optional<int64_t> as_int64() const;
	bool is_null() const { return type == Type::Null; }
};

// type_name: "null", "a boolean", "a number", "a string", "an array", "an object".
std::string_view type_name(Json::Type type);

// parse_json: the value of text, which must hold exactly one JSON value; nullopt and a
// message naming the offset when it is not JSON.
std::optional<Json> parse_json(std::string_view text, std::string *error);

// json_quote: s as a JSON string literal, quotes included (control characters escaped; bytes
// of multi-byte UTF-8 characters copied as they are).
std::string json_quote(std::string_view s);

// JsonWriter: builds JSON text with two-space indentation, for reports people read too.
class JsonWriter {
public:
	void begin_object();
	void end_object();
	void begin_array();
	void end_array();
	void key(std::string_view k);
	void string(std::string_view s);
	void number(int64_t n);
	void boolean(bool b);
	void null();
	// member helpers: key then value
	void member(std::string_view k, std::string_view s)
	{
		key(k);
		string(s);
	}
	void member(std::string_view k, const char *s)
	{
		key(k);
		string(s);
	}
	void member(std::string_view k, int64_t n)
	{
		key(k);
		number(n);
	}
	// a value that may be absent: null then
	void member_or_null(std::string_view k, const std::optional<std::string> &s)
	{
		key(k);
		if (s)
			string(*s);
		else
			null();
	}
	void member_or_null(std::string_view k, const std::optional<int64_t> &n)
	{
		key(k);
		if (n)
			number(*n);
		else
			null();
	}
	void member_bool(std::string_view k, bool b)
	{
		key(k);
		boolean(b);
	}
	const std::string &str() const { return out_; }

private:
	void before_value();
	void newline();
	std::string out_;
	// per open container: how many values it holds so far
	std::vector<int> counts_;
	bool after_key_ = false;
};

}  // namespace migration_helpers::core
