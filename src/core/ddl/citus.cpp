// citus.cpp — the guard's Citus-only decisions (citus.hpp).
#include "core/ddl/citus.hpp"

#include <array>

namespace migration_helpers::core {

bool citus_internal_application_name(std::string_view name)
{
	// Citus's CitusBackendPrefixes (transaction/backend_data.c, Citus 11 to 13).
	static constexpr std::array<std::string_view, 3> prefixes = {
		"citus_internal gpid=", "citus_rebalancer gpid=", "citus_run_command gpid="};
	for (std::string_view prefix : prefixes) {
		if (name.substr(0, prefix.size()) != prefix)
			continue;
		// A global process id: digits, not 0 (Citus's INVALID_CITUS_INTERNAL_BACKEND_GPID).
		std::string_view gpid = name.substr(prefix.size());
		bool nonzero = false;
		for (char c : gpid) {
			if (c < '0' || c > '9')
				return false;
			nonzero = nonzero || c != '0';
		}
		return nonzero && gpid.size() <= 20;
	}
	return false;
}

bool judged_elsewhere(const CitusSessionFacts &facts)
{
	return facts.citus_installed && facts.role_may_disable_guard &&
		   citus_internal_application_name(facts.application_name);
}

}  // namespace migration_helpers::core
