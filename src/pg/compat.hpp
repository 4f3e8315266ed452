// compat.hpp — the server names that differ between the PostgreSQL major
// versions this glue is meant to build against (13 to 17), in one place.
// Glue code uses the mh_* names below wherever such a name appears; each
// branch names the version that changed it. Include after pg_headers.hpp.
#pragma once

#include "pg/pg_headers.hpp"

// pg_class_ownercheck became object_ownercheck(RelationRelationId, ...) in 16.
#if PG_VERSION_NUM >= 160000
#define mh_relation_ownercheck(relid, role) object_ownercheck(RelationRelationId, (relid), (role))
#else
#define mh_relation_ownercheck(relid, role) pg_class_ownercheck((relid), (role))
#endif

// pg_database_ownercheck likewise became object_ownercheck(DatabaseRelationId, ...) in 16.
#if PG_VERSION_NUM >= 160000
#define mh_database_ownercheck(dbid, role) object_ownercheck(DatabaseRelationId, (dbid), (role))
#else
#define mh_database_ownercheck(dbid, role) pg_database_ownercheck((dbid), (role))
#endif

// mh_alter_table_objtype: what ALTER TABLE, ALTER TYPE, ALTER VIEW ... names (objtype from 14 on,
// relkind before).
static inline ObjectType mh_alter_table_objtype(const AlterTableStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	return stmt->objtype;
#else
	return stmt->relkind;
#endif
}

// The AT_*Recurse subcommands of ALTER TABLE are gone in 16 (recursion became a flag of the
// command). mh_at_subtype folds them into their plain form before 16, so that glue code names
// only the plain ones (AT_AddColumn, AT_DropColumn, AT_AddConstraint, AT_ValidateConstraint,
// AT_DropConstraint), whichever form the tree carries.
static inline AlterTableType mh_at_subtype(const AlterTableCmd *cmd)
{
#if PG_VERSION_NUM < 160000
	switch (cmd->subtype) {
	case AT_AddColumnRecurse:
		return AT_AddColumn;
	case AT_DropColumnRecurse:
		return AT_DropColumn;
	case AT_AddConstraintRecurse:
		return AT_AddConstraint;
	case AT_ValidateConstraintRecurse:
		return AT_ValidateConstraint;
	case AT_DropConstraintRecurse:
		return AT_DropConstraint;
	default:
		break;
	}
#endif
	return cmd->subtype;
}

// The local copy of another backend's status: by position in 13-16, renamed in 17.
#if PG_VERSION_NUM >= 170000
#define mh_local_backend_status(i) pgstat_get_local_beentry_by_index(i)
#else
#define mh_local_backend_status(i) pgstat_fetch_stat_local_beentry(i)
#endif

// Dropping the cached copy of pg_stat_activity: its own function since 15.
#if PG_VERSION_NUM >= 150000
#define mh_clear_backend_status_snapshot() pgstat_clear_backend_activity_snapshot()
#else
#define mh_clear_backend_status_snapshot() pgstat_clear_snapshot()
#endif

// This backend's pending table statistics: the counters lost their t_ prefix in 16 (and the
// struct its t_counts), the rows set aside by TRUNCATE count drops too since 15.
#if PG_VERSION_NUM >= 160000
#define mh_tabstat_tuples_inserted(status) ((status)->counts.tuples_inserted)
#else
#define mh_tabstat_tuples_inserted(status) ((status)->t_counts.t_tuples_inserted)
#endif
#if PG_VERSION_NUM >= 150000
#define mh_xact_inserted_pre_truncdrop(trans) ((trans)->inserted_pre_truncdrop)
#else
#define mh_xact_inserted_pre_truncdrop(trans) ((trans)->inserted_pre_trunc)
#endif

// The PGPROC of a virtual transaction's backend: BackendId became ProcNumber in 17.
#if PG_VERSION_NUM >= 170000
#define mh_vxid_proc(vxid) ProcNumberGetProc((vxid).procNumber)
#else
#define mh_vxid_proc(vxid) BackendIdGetProc((vxid).backendId)
#endif

// raw_parser took a parse mode in 14.
#if PG_VERSION_NUM >= 140000
#define mh_raw_parse(sql) raw_parser((sql), RAW_PARSE_DEFAULT)
#else
#define mh_raw_parse(sql) raw_parser(sql)
#endif

// Tree walkers take a typed callback from 16 on (the walker macros cast it); before 16 the
// parameter is an unprototyped bool (*)(), reached through void (*)() so that the cast is not an
// incompatible-function-type one.
#if PG_VERSION_NUM >= 160000
#define mh_walker(fn) (fn)
#else
#define mh_walker(fn) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(fn))
#endif
