// rules_function.cpp — migration_helpers.rules(): the core rule catalogue as rows.
#include <string>
#include <string_view>

#include "core/ddl/rules.hpp"
#include "pg/boundary.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(mh_rules);
}

// mh_rules: migration_helpers.rules(), one row per rule of the core catalogue.
extern "C" Datum mh_rules(PG_FUNCTION_ARGS)
{
	using namespace migration_helpers;
	return pg::guarded_entry([&]() -> Datum {
		pg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
		auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		for (const core::Rule &r : core::rules()) {
			const std::string recipe = core::full_recipe(r);  // built outside: pg_call holds PG calls only
			pg::pg_call([&] {
				Datum values[8];
				bool nulls[8] = {false, false, false, false, false, false, false, false};
				auto txt = [](std::string_view s) {
					return PointerGetDatum(cstring_to_text_with_len(s.data(), int(s.size())));
				};
				values[0] = txt(r.id);
				values[1] = txt(r.severity == core::Severity::Error ? "error" : "warning");
				values[2] = txt(core::lock_name(r.lock));
				values[3] = txt(core::lock_blocks(r.lock));
				values[4] = txt(r.effect == core::Effect::BlocksTraffic ? "blocks traffic"
								: r.effect == core::Effect::BreaksCode  ? "breaks running code"
								: r.effect == core::Effect::SilentNoOp  ? "silently does nothing"
																		: "breaks replication");
				values[5] = txt(r.catches);
				values[6] = txt(recipe);
				values[7] = BoolGetDatum(r.needs_preload);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum) 0;
	});
}
