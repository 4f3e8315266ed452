// diff.cpp — the schema diff of diff.hpp: matching objects by name, section by section.
#include "core/preflight/diff.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "core/ddl/rules.hpp"

namespace migration_helpers::core {

namespace {

using Rows = std::vector<DiffRow>;

void add(Rows *out, std::string object, std::string kind, std::optional<std::string> a,
		 std::optional<std::string> b, bool unsafe)
{
	out->push_back(DiffRow{std::move(object), std::move(kind), std::move(a), std::move(b), unsafe});
}

// field: one compared field, when both snapshots recorded it.
void field(Rows *out, const std::string &object, const char *kind, const std::optional<std::string> &a,
		   const std::optional<std::string> &b, bool unsafe)
{
	if (a && b && *a != *b)
		add(out, object, kind, a->empty() ? std::nullopt : a, b->empty() ? std::nullopt : b, unsafe);
}

void flag(Rows *out, const std::string &object, const char *kind, const std::optional<bool> &a,
		  const std::optional<bool> &b, const char *yes, const char *no, bool unsafe)
{
	if (a && b && *a != *b)
		add(out, object, kind, std::string(*a ? yes : no), std::string(*b ? yes : no), unsafe);
}

// match: pairs the items of two lists by key, in key order; only-in-one items reported.
template <typename T, typename Key, typename Both>
void match(Rows *out, const std::vector<T> &a, const std::vector<T> &b, Key key,
		   const std::function<std::string(const T &)> &object,
		   const std::function<std::string(const T &)> &what, bool unsafe_when_missing, Both both)
{
	std::map<std::string, std::pair<const T *, const T *>> pairs;
	for (const T &x : a)
		pairs[key(x)].first = &x;
	for (const T &x : b)
		pairs[key(x)].second = &x;
	for (const auto &kv : pairs) {
		const T *x = kv.second.first;
		const T *y = kv.second.second;
		if (x && y)
			both(*x, *y);
		else if (x)
			add(out, object(*x), "only in a", what(*x), std::nullopt, unsafe_when_missing);
		else
			add(out, object(*y), "only in b", std::nullopt, what(*y), unsafe_when_missing);
	}
}

std::string qualified(const std::string &schema, const std::string &name)
{
	return schema + "." + name;
}

// major: the major version of a server_version_num ("150020" -> "15"; "9.6" style kept whole).
std::string major(const std::string &v)
{
	bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
	if (digits && v.size() >= 5)
		return v.substr(0, v.size() - 4);
	return v;
}

void diff_table(Rows *out, const SnapTable &a, const SnapTable &b)
{
	const std::string tname = qualified(a.schema, a.name);
	const std::string tobj = "table " + tname;
	field(out, tobj, "kind", a.kind, b.kind, true);
	field(out, tobj, "persistence", a.persistence, b.persistence, true);
	field(out, tobj, "replica identity", a.replica_identity, b.replica_identity, true);
	if (a.total_bytes && b.total_bytes && sizes_far_apart(*a.total_bytes, *b.total_bytes))
		add(out, tobj, "size", format_bytes(*a.total_bytes), format_bytes(*b.total_bytes), true);
	if (a.columns && b.columns)
		match<SnapColumn>(
			out, *a.columns, *b.columns, [](const SnapColumn &c) { return c.name; },
			[&](const SnapColumn &c) { return "column " + tname + "." + c.name; },
			[](const SnapColumn &c) { return c.type.value_or("column"); }, true,
			[&](const SnapColumn &x, const SnapColumn &y) {
				std::string o = "column " + tname + "." + x.name;
				field(out, o, "type", x.type, y.type, true);
				field(out, o, "default", x.default_expr, y.default_expr, true);
				flag(out, o, "nullability", x.not_null, y.not_null, "NOT NULL", "NULL", true);
				field(out, o, "collation", x.collation, y.collation, true);
				field(out, o, "identity", x.identity, y.identity, true);
				field(out, o, "generated", x.generated, y.generated, true);
			});
	if (a.constraints && b.constraints)
		match<SnapConstraint>(
			out, *a.constraints, *b.constraints, [](const SnapConstraint &c) { return c.name; },
			[&](const SnapConstraint &c) { return "constraint " + c.name + " on " + tname; },
			// pg_get_constraintdef says NOT VALID itself
			[](const SnapConstraint &c) { return c.definition.value_or(c.type.value_or("constraint")); },
			true,
			[&](const SnapConstraint &x, const SnapConstraint &y) {
				std::string o = "constraint " + x.name + " on " + tname;
				field(out, o, "type", x.type, y.type, true);
				flag(out, o, "validity", x.validated, y.validated, "valid", "NOT VALID", true);
				// pg_get_constraintdef ends a NOT VALID one with " NOT VALID": compared without it
				auto bare = [](const std::optional<std::string> &d) -> std::optional<std::string> {
					const std::string suffix = " NOT VALID";
					if (d && d->size() >= suffix.size() &&
						d->compare(d->size() - suffix.size(), suffix.size(), suffix) == 0)
						return d->substr(0, d->size() - suffix.size());
					return d;
				};
				field(out, o, "definition", bare(x.definition), bare(y.definition), true);
			});
	if (a.indexes && b.indexes)
		match<SnapIndex>(
			out, *a.indexes, *b.indexes, [](const SnapIndex &i) { return i.name; },
			[&](const SnapIndex &i) { return "index " + i.name + " on " + tname; },
			[](const SnapIndex &i) {
				std::string d = i.definition.value_or("index");
				return i.valid && !*i.valid ? d + " (INVALID)" : d;
			},
			true,
			[&](const SnapIndex &x, const SnapIndex &y) {
				std::string o = "index " + x.name + " on " + tname;
				flag(out, o, "validity", x.valid, y.valid, "valid", "INVALID", true);
				field(out, o, "definition", x.definition, y.definition, true);
			});
	if (a.triggers && b.triggers)
		match<SnapTrigger>(
			out, *a.triggers, *b.triggers, [](const SnapTrigger &t) { return t.name; },
			[&](const SnapTrigger &t) { return "trigger " + t.name + " on " + tname; },
			[](const SnapTrigger &t) { return t.definition.value_or("trigger"); }, true,
			[&](const SnapTrigger &x, const SnapTrigger &y) {
				std::string o = "trigger " + x.name + " on " + tname;
				field(out, o, "definition", x.definition, y.definition, true);
				field(out, o, "enabled", x.enabled, y.enabled, true);
			});
	if (a.publications && b.publications)
		match<std::string>(
			out, *a.publications, *b.publications, [](const std::string &p) { return p; },
			[&](const std::string &p) { return "table " + tname + " in publication " + p; },
			[](const std::string &p) { return p; }, true, [](const std::string &, const std::string &) {});
}

}  // namespace

bool sizes_far_apart(int64_t a_bytes, int64_t b_bytes)
{
	int64_t x = std::max(a_bytes, kDiffSizeFloorBytes);
	int64_t y = std::max(b_bytes, kDiffSizeFloorBytes);
	if (x > y)
		std::swap(x, y);
	// y >= x * ratio, written so that it cannot overflow (a hand-written snapshot may hold anything)
	return y / kDiffSizeRatio >= x;
}

std::vector<DiffRow> diff_snapshots(const Snapshot &a, const Snapshot &b)
{
	Rows out;
	if (a.server_version && b.server_version && *a.server_version != *b.server_version)
		add(&out, "server", "server version", a.server_version, b.server_version,
			major(*a.server_version) != major(*b.server_version));
	using Setting = std::pair<std::string, std::string>;
	if (a.settings && b.settings)
		match<Setting>(
			&out, *a.settings, *b.settings, [](const Setting &s) { return s.first; },
			[](const Setting &s) { return "setting " + s.first; }, [](const Setting &s) { return s.second; },
			true,
			[&](const Setting &x, const Setting &y) {
				if (x.second != y.second)
					add(&out, "setting " + x.first, "value", x.second, y.second, true);
			});
	if (a.extensions && b.extensions)
		match<SnapExtension>(
			&out, *a.extensions, *b.extensions, [](const SnapExtension &e) { return e.name; },
			[](const SnapExtension &e) { return "extension " + e.name; },
			[](const SnapExtension &e) { return e.version.value_or("installed"); }, true,
			[&](const SnapExtension &x, const SnapExtension &y) {
				// the guard's own version decides what it blocks; another extension's is informational
				field(&out, "extension " + x.name, "version", x.version, y.version,
					  x.name == "migration_helpers");
			});
	match<SnapTable>(
		&out, a.tables, b.tables, [](const SnapTable &t) { return qualified(t.schema, t.name); },
		[](const SnapTable &t) { return "table " + qualified(t.schema, t.name); },
		[](const SnapTable &t) { return t.kind.value_or("table"); }, true,
		[&](const SnapTable &x, const SnapTable &y) { diff_table(&out, x, y); });
	if (a.views && b.views)
		match<SnapView>(
			&out, *a.views, *b.views, [](const SnapView &v) { return qualified(v.schema, v.name); },
			[](const SnapView &v) { return v.kind.value_or("view") + " " + qualified(v.schema, v.name); },
			[](const SnapView &v) { return v.definition.value_or("view"); }, true,
			[&](const SnapView &x, const SnapView &y) {
				std::string o = x.kind.value_or("view") + " " + qualified(x.schema, x.name);
				field(&out, o, "kind", x.kind, y.kind, true);
				field(&out, o, "definition", x.definition, y.definition, false);
			});
	if (a.sequences && b.sequences)
		match<SnapSequence>(
			&out, *a.sequences, *b.sequences,
			[](const SnapSequence &s) { return qualified(s.schema, s.name); },
			[](const SnapSequence &s) { return "sequence " + qualified(s.schema, s.name); },
			[](const SnapSequence &s) { return s.definition.value_or("sequence"); }, true,
			[&](const SnapSequence &x, const SnapSequence &y) {
				field(&out, "sequence " + qualified(x.schema, x.name), "definition", x.definition,
					  y.definition, false);
			});
	if (a.publications && b.publications)
		match<SnapPublication>(
			&out, *a.publications, *b.publications, [](const SnapPublication &p) { return p.name; },
			[](const SnapPublication &p) { return "publication " + p.name; },
			[](const SnapPublication &p) { return p.actions.value_or("publication"); }, true,
			[&](const SnapPublication &x, const SnapPublication &y) {
				std::string o = "publication " + x.name;
				flag(&out, o, "all tables", x.all_tables, y.all_tables, "FOR ALL TABLES", "FOR listed tables",
					 true);
				field(&out, o, "actions", x.actions, y.actions, true);
			});
	return out;
}

}  // namespace migration_helpers::core
