// snapshot.cpp — reading a schema snapshot's JSON into the structs of snapshot.hpp, with an
// error that says where the shape is wrong.
#include "core/preflight/snapshot.hpp"

#include <set>
#include <string>
#include <utility>

namespace migration_helpers::core {

namespace {

// Reader: the checks of one value, failing with its path; the first failure is kept.
class Reader {
public:
	explicit Reader(SnapshotError *error) : error_(error) {}
	bool failed() const { return failed_; }

	bool fail(const std::string &path, const std::string &message)
	{
		if (!failed_ && error_ != nullptr)
			*error_ = SnapshotError{path, message};
		failed_ = true;
		return false;
	}
	bool expect(const Json *v, Json::Type type, const std::string &path)
	{
		if (v->type == type)
			return true;
		return fail(path, "expected " + std::string(type_name(type)) + ", found " +
							  std::string(type_name(v->type)));
	}
	// required string member
	std::string name(const Json &obj, const char *key, const std::string &path)
	{
		const Json *v = obj.find(key);
		if (v == nullptr) {
			fail(path, std::string("the member \"") + key + "\" is missing");
			return "";
		}
		if (!expect(v, Json::Type::String, path + "." + key))
			return "";
		if (v->text.empty())
			fail(path + "." + key, "expected a non-empty string");
		return v->text;
	}
	// optional string: null is recorded as "" (none)
	std::optional<std::string> text(const Json &obj, const char *key, const std::string &path)
	{
		const Json *v = obj.find(key);
		if (v == nullptr)
			return std::nullopt;
		if (v->is_null())
			return std::string();
		if (!expect(v, Json::Type::String, path + "." + key))
			return std::nullopt;
		return v->text;
	}
	std::optional<bool> flag(const Json &obj, const char *key, const std::string &path)
	{
		const Json *v = obj.find(key);
		if (v == nullptr || v->is_null())
			return std::nullopt;
		if (!expect(v, Json::Type::Bool, path + "." + key))
			return std::nullopt;
		return v->boolean;
	}
	std::optional<int64_t> integer(const Json &obj, const char *key, const std::string &path)
	{
		const Json *v = obj.find(key);
		if (v == nullptr || v->is_null())
			return std::nullopt;
		if (!expect(v, Json::Type::Number, path + "." + key))
			return std::nullopt;
		std::optional<int64_t> n = v->as_int64();
		if (!n)
			fail(path + "." + key, "expected an integer, found " + v->text);
		return n;
	}
	// list: an optional array member whose items are objects, each read by item(obj, path)
	template <typename T, typename Fn>
	std::optional<std::vector<T>> list(const Json &obj, const char *key, const std::string &path, Fn item)
	{
		const Json *v = obj.find(key);
		if (v == nullptr || v->is_null())
			return std::nullopt;
		std::string p = path.empty() ? key : path + "." + key;
		if (!expect(v, Json::Type::Array, p))
			return std::nullopt;
		std::vector<T> out;
		for (size_t i = 0; i < v->items.size() && !failed_; i++) {
			std::string ip = p + "[" + std::to_string(i) + "]";
			if (!expect(&v->items[i], Json::Type::Object, ip))
				break;
			out.push_back(item(v->items[i], ip));
		}
		return out;
	}

private:
	SnapshotError *error_;
	bool failed_ = false;
};

SnapTable read_table(Reader &r, const Json &t, const std::string &p)
{
	SnapTable out;
	out.schema = r.name(t, "schema", p);
	out.name = r.name(t, "name", p);
	out.kind = r.text(t, "kind", p);
	out.persistence = r.text(t, "persistence", p);
	out.replica_identity = r.text(t, "replica_identity", p);
	out.total_bytes = r.integer(t, "total_bytes", p);
	out.heap_bytes = r.integer(t, "heap_bytes", p);
	out.rows = r.integer(t, "rows", p);
	out.columns = r.list<SnapColumn>(t, "columns", p, [&](const Json &c, const std::string &cp) {
		SnapColumn col;
		col.name = r.name(c, "name", cp);
		col.type = r.text(c, "type", cp);
		col.default_expr = r.text(c, "default", cp);
		col.not_null = r.flag(c, "not_null", cp);
		col.collation = r.text(c, "collation", cp);
		col.identity = r.text(c, "identity", cp);
		col.generated = r.text(c, "generated", cp);
		return col;
	});
	out.constraints = r.list<SnapConstraint>(t, "constraints", p, [&](const Json &c, const std::string &cp) {
		SnapConstraint con;
		con.name = r.name(c, "name", cp);
		con.type = r.text(c, "type", cp);
		con.definition = r.text(c, "definition", cp);
		con.validated = r.flag(c, "validated", cp);
		return con;
	});
	out.indexes = r.list<SnapIndex>(t, "indexes", p, [&](const Json &c, const std::string &cp) {
		SnapIndex idx;
		idx.name = r.name(c, "name", cp);
		idx.definition = r.text(c, "definition", cp);
		idx.valid = r.flag(c, "valid", cp);
		return idx;
	});
	out.triggers = r.list<SnapTrigger>(t, "triggers", p, [&](const Json &c, const std::string &cp) {
		SnapTrigger tg;
		tg.name = r.name(c, "name", cp);
		tg.definition = r.text(c, "definition", cp);
		tg.enabled = r.text(c, "enabled", cp);
		return tg;
	});
	if (const Json *pubs = t.find("publications"); pubs != nullptr && !pubs->is_null()) {
		std::string pp = p + ".publications";
		if (r.expect(pubs, Json::Type::Array, pp)) {
			std::vector<std::string> names;
			for (size_t i = 0; i < pubs->items.size(); i++) {
				if (!r.expect(&pubs->items[i], Json::Type::String, pp + "[" + std::to_string(i) + "]"))
					break;
				names.push_back(pubs->items[i].text);
			}
			out.publications = std::move(names);
		}
	}
	return out;
}

}  // namespace

std::optional<Snapshot> read_snapshot(const Json &value, SnapshotError *error)
{
	Reader r(error);
	if (!r.expect(&value, Json::Type::Object, "the snapshot"))
		return std::nullopt;
	Snapshot s;
	const Json *tables = value.find("tables");
	if (tables == nullptr) {
		r.fail("the snapshot", "the member \"tables\" is missing");
		return std::nullopt;
	}
	std::optional<std::vector<SnapTable>> t = r.list<SnapTable>(
		value, "tables", "", [&](const Json &o, const std::string &p) { return read_table(r, o, p); });
	if (!t)
		r.fail("tables", "expected an array, found null");
	else
		s.tables = std::move(*t);
	std::set<std::pair<std::string, std::string>> seen;
	for (size_t i = 0; i < s.tables.size() && !r.failed(); i++)
		if (!seen.emplace(s.tables[i].schema, s.tables[i].name).second)
			r.fail("tables[" + std::to_string(i) + "]",
				   "table " + s.tables[i].schema + "." + s.tables[i].name + " appears twice");
	if (const Json *v = value.find("server_version"); v != nullptr && !v->is_null()) {
		if (v->type == Json::Type::Number || v->type == Json::Type::String)
			s.server_version = v->text;
		else
			r.expect(v, Json::Type::String, "server_version");
	}
	s.sequences = r.list<SnapSequence>(value, "sequences", "", [&](const Json &o, const std::string &p) {
		SnapSequence q;
		q.schema = r.name(o, "schema", p);
		q.name = r.name(o, "name", p);
		q.definition = r.text(o, "definition", p);
		return q;
	});
	s.views = r.list<SnapView>(value, "views", "", [&](const Json &o, const std::string &p) {
		SnapView v;
		v.schema = r.name(o, "schema", p);
		v.name = r.name(o, "name", p);
		v.kind = r.text(o, "kind", p);
		v.definition = r.text(o, "definition", p);
		return v;
	});
	s.publications =
		r.list<SnapPublication>(value, "publications", "", [&](const Json &o, const std::string &p) {
			SnapPublication pub;
			pub.name = r.name(o, "name", p);
			pub.all_tables = r.flag(o, "all_tables", p);
			pub.actions = r.text(o, "actions", p);
			return pub;
		});
	s.extensions = r.list<SnapExtension>(value, "extensions", "", [&](const Json &o, const std::string &p) {
		SnapExtension e;
		e.name = r.name(o, "name", p);
		e.version = r.text(o, "version", p);
		return e;
	});
	if (const Json *v = value.find("settings"); v != nullptr && !v->is_null()) {
		if (r.expect(v, Json::Type::Object, "settings")) {
			std::vector<std::pair<std::string, std::string>> settings;
			for (const auto &m : v->members) {
				if (m.second.is_null())
					settings.emplace_back(m.first, "");
				else if (r.expect(&m.second, Json::Type::String, "settings." + m.first))
					settings.emplace_back(m.first, m.second.text);
			}
			s.settings = std::move(settings);
		}
	}
	if (r.failed())
		return std::nullopt;
	return s;
}

}  // namespace migration_helpers::core
