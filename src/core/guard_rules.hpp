// guard_rules.hpp — the old name of core/ddl/rules.hpp, kept only so that code written before
// the move (core/migrate/checklist.cpp uses format_bytes()) builds unchanged.
// TODO(issue 9): remove once nothing includes it; include core/ddl/rules.hpp instead.
#pragma once

#include "core/ddl/rules.hpp"
