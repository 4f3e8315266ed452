// json.cpp — the JSON value, parser and writer of json.hpp.
#include "core/preflight/json.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace migration_helpers::core {

const Json *Json::find(std::string_view key) const
{
	if (type != Type::Object)
		return nullptr;
	const Json *found = nullptr;
	for (const auto &m : members)
		if (m.first == key)
			found = &m.second;  // the last one wins, as in jsonb
	return found;
}

std::optional<int64_t> Json::as_int64() const
{
	if (type != Type::Number || text.empty())
		return std::nullopt;
	size_t i = text[0] == '-' ? 1 : 0;
	if (i == text.size())
		return std::nullopt;
	for (; i < text.size(); i++)
		if (text[i] < '0' || text[i] > '9')
			return std::nullopt;  // a fraction or an exponent: not an integer as written
	errno = 0;
	char *end = nullptr;
	long long v = std::strtoll(text.c_str(), &end, 10);
	if (errno == ERANGE || end != text.c_str() + text.size())
		return std::nullopt;
	return int64_t(v);
}

std::string_view type_name(Json::Type type)
{
	switch (type) {
	case Json::Type::Null:
		return "null";
	case Json::Type::Bool:
		return "a boolean";
	case Json::Type::Number:
		return "a number";
	case Json::Type::String:
		return "a string";
	case Json::Type::Array:
		return "an array";
	case Json::Type::Object:
		return "an object";
	}
	return "null";
}

namespace {

// Parser: recursive descent over RFC 8259 JSON.
class Parser {
public:
	explicit Parser(std::string_view s) : s_(s) {}

	bool document(Json *out)
	{
		skip_space();
		if (!value(out, 0))
			return false;
		skip_space();
		if (pos_ != s_.size())
			return fail("unexpected text after the value");
		return true;
	}
	std::string error;

private:
	static constexpr int kMaxDepth = 512;

	bool fail(const std::string &what)
	{
		if (error.empty())
			error = what + " at offset " + std::to_string(pos_);
		return false;
	}
	void skip_space()
	{
		while (pos_ < s_.size() &&
			   (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
			pos_++;
	}
	bool literal(std::string_view word)
	{
		if (s_.substr(pos_, word.size()) != word)
			return fail("invalid token");
		pos_ += word.size();
		return true;
	}
	bool value(Json *out, int depth)
	{
		if (depth > kMaxDepth)
			return fail("too deeply nested");
		if (pos_ >= s_.size())
			return fail("unexpected end of input");
		char c = s_[pos_];
		switch (c) {
		case 'n':
			out->type = Json::Type::Null;
			return literal("null");
		case 't':
			out->type = Json::Type::Bool;
			out->boolean = true;
			return literal("true");
		case 'f':
			out->type = Json::Type::Bool;
			out->boolean = false;
			return literal("false");
		case '"':
			out->type = Json::Type::String;
			return string(&out->text);
		case '[':
			return array(out, depth);
		case '{':
			return object(out, depth);
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
				return number(out);
			return fail("invalid token");
		}
	}
	bool digits()
	{
		size_t start = pos_;
		while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
			pos_++;
		return pos_ > start;
	}
	bool number(Json *out)
	{
		size_t start = pos_;
		if (s_[pos_] == '-')
			pos_++;
		if (pos_ < s_.size() && s_[pos_] == '0')
			pos_++;
		else if (!digits())
			return fail("invalid number");
		if (pos_ < s_.size() && s_[pos_] == '.') {
			pos_++;
			if (!digits())
				return fail("invalid number");
		}
		if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
			pos_++;
			if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
				pos_++;
			if (!digits())
				return fail("invalid number");
		}
		out->type = Json::Type::Number;
		out->text = std::string(s_.substr(start, pos_ - start));
		return true;
	}
	bool hex4(unsigned *cp)
	{
		if (pos_ + 4 > s_.size())
			return fail("invalid \\u escape");
		unsigned v = 0;
		for (int i = 0; i < 4; i++) {
			char h = s_[pos_++];
			v <<= 4;
			if (h >= '0' && h <= '9')
				v |= unsigned(h - '0');
			else if (h >= 'a' && h <= 'f')
				v |= unsigned(h - 'a' + 10);
			else if (h >= 'A' && h <= 'F')
				v |= unsigned(h - 'A' + 10);
			else
				return fail("invalid \\u escape");
		}
		*cp = v;
		return true;
	}
	static void utf8(unsigned cp, std::string *out)
	{
		if (cp < 0x80) {
			out->push_back(char(cp));
		} else if (cp < 0x800) {
			out->push_back(char(0xC0 | (cp >> 6)));
			out->push_back(char(0x80 | (cp & 0x3F)));
		} else if (cp < 0x10000) {
			out->push_back(char(0xE0 | (cp >> 12)));
			out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
			out->push_back(char(0x80 | (cp & 0x3F)));
		} else {
			out->push_back(char(0xF0 | (cp >> 18)));
			out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
			out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
			out->push_back(char(0x80 | (cp & 0x3F)));
		}
	}
	bool string(std::string *out)
	{
		pos_++;  // the opening quote
		while (true) {
			if (pos_ >= s_.size())
				return fail("unterminated string");
			char c = s_[pos_++];
			if (c == '"')
				return true;
			if (static_cast<unsigned char>(c) < 0x20)
				return fail("control character in a string");
			if (c != '\\') {
				out->push_back(c);
				continue;
			}
			if (pos_ >= s_.size())
				return fail("unterminated string");
			char e = s_[pos_++];
			switch (e) {
			case '"':
			case '\\':
			case '/':
				out->push_back(e);
				break;
			case 'b':
				out->push_back('\b');
				break;
			case 'f':
				out->push_back('\f');
				break;
			case 'n':
				out->push_back('\n');
				break;
			case 'r':
				out->push_back('\r');
				break;
			case 't':
				out->push_back('\t');
				break;
			case 'u': {
				unsigned cp = 0;
				if (!hex4(&cp))
					return false;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned lo = 0;
					if (s_.substr(pos_, 2) != "\\u")
						return fail("unpaired surrogate in a \\u escape");
					pos_ += 2;
					if (!hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF)
						return fail("unpaired surrogate in a \\u escape");
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
					return fail("unpaired surrogate in a \\u escape");
				}
				utf8(cp, out);
				break;
			}
			default:
				return fail("invalid escape in a string");
			}
		}
	}
	bool array(Json *out, int depth)
	{
		out->type = Json::Type::Array;
		pos_++;
		skip_space();
		if (pos_ < s_.size() && s_[pos_] == ']') {
			pos_++;
			return true;
		}
		while (true) {
			Json item;
			skip_space();
			if (!value(&item, depth + 1))
				return false;
			out->items.push_back(std::move(item));
			skip_space();
			if (pos_ >= s_.size())
				return fail("unterminated array");
			char c = s_[pos_++];
			if (c == ']')
				return true;
			if (c != ',')
				return fail("expected , or ] in an array");
		}
	}
	bool object(Json *out, int depth)
	{
		out->type = Json::Type::Object;
		pos_++;
		skip_space();
		if (pos_ < s_.size() && s_[pos_] == '}') {
			pos_++;
			return true;
		}
		while (true) {
			skip_space();
			if (pos_ >= s_.size() || s_[pos_] != '"')
				return fail("expected a string as an object key");
			std::string key;
			if (!string(&key))
				return false;
			skip_space();
			if (pos_ >= s_.size() || s_[pos_] != ':')
				return fail("expected : after an object key");
			pos_++;
			skip_space();
			Json v;
			if (!value(&v, depth + 1))
				return false;
			out->members.emplace_back(std::move(key), std::move(v));
			skip_space();
			if (pos_ >= s_.size())
				return fail("unterminated object");
			char c = s_[pos_++];
			if (c == '}')
				return true;
			if (c != ',')
				return fail("expected , or } in an object");
		}
	}

	std::string_view s_;
	size_t pos_ = 0;
};

}  // namespace

std::optional<Json> parse_json(std::string_view text, std::string *error)
{
	Parser p(text);
	Json out;
	if (!p.document(&out)) {
		if (error != nullptr)
			*error = p.error;
		return std::nullopt;
	}
	return out;
}

std::string json_quote(std::string_view s)
{
	static const char kHex[] = "0123456789abcdef";
	std::string out;
	out.reserve(s.size() + 2);
	out.push_back('"');
	for (char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		default:
			if (static_cast<unsigned char>(c) < 0x20) {
				out += "\\u00";
				out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
				out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
			} else {
				out.push_back(c);
			}
		}
	}
	out.push_back('"');
	return out;
}

void JsonWriter::newline()
{
	out_.push_back('\n');
	out_.append(counts_.size() * 2, ' ');
}

void JsonWriter::before_value()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (!counts_.empty()) {
		if (counts_.back() > 0)
			out_.push_back(',');
		newline();
		counts_.back()++;
	}
}

void JsonWriter::begin_object()
{
	before_value();
	out_.push_back('{');
	counts_.push_back(0);
}

void JsonWriter::end_object()
{
	bool empty = counts_.back() == 0;
	counts_.pop_back();
	if (!empty)
		newline();
	out_.push_back('}');
}

void JsonWriter::begin_array()
{
	before_value();
	out_.push_back('[');
	counts_.push_back(0);
}

void JsonWriter::end_array()
{
	end_object();
	out_.back() = ']';
}

void JsonWriter::key(std::string_view k)
{
	before_value();
	out_ += json_quote(k);
	out_ += ": ";
	after_key_ = true;
}

void JsonWriter::string(std::string_view s)
{
	before_value();
	out_ += json_quote(s);
}

void JsonWriter::number(int64_t n)
{
	before_value();
	out_ += std::to_string(n);
}

void JsonWriter::boolean(bool b)
{
	before_value();
	out_ += b ? "true" : "false";
}

void JsonWriter::null()
{
	before_value();
	out_ += "null";
}

}  // namespace migration_helpers::core
