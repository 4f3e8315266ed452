// errcodes.hpp — SQLSTATEs of class MH, owned by migration_helpers.
#pragma once

#include "pg/pg_headers.hpp"

// MH001: a guarded DDL statement was blocked as unsafe.
#define ERRCODE_MH_UNSAFE_DDL MAKE_SQLSTATE('M', 'H', '0', '0', '1')
