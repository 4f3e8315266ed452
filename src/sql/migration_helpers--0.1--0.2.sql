\echo Use "ALTER EXTENSION migration_helpers UPDATE TO '0.2'" to load this file. \quit

-- migration_helpers 0.1 -> 0.2. A fresh install of 0.2 runs the 0.1 script and
-- then this one, so an upgraded database and a fresh one are built by the same
-- statements (sql/upgrade_paths.sql proves they end equal). Sections per
-- capability, so that changes to different capabilities do not collide.

-- ---------------------------------------------------------------------------
-- Guard
-- ---------------------------------------------------------------------------

-- session_role: the session's role, next to role_name (the current role, which in a SECURITY
-- DEFINER function is its owner). NULL in rows logged by 0.1.
ALTER TABLE migration_helpers._ddl_log ADD COLUMN session_role name;

-- ddl_log shows a role the rows whose statement pg_stat_activity would show it: those whose
-- session role (pg_stat_activity's usename) or current role is one whose privileges it has,
-- its own included, and every row to members of pg_read_all_stats (superusers too). Rows of
-- roles that no longer exist only to the latter. security_barrier: a function in the caller's
-- WHERE clause must not see the hidden rows first.
CREATE OR REPLACE VIEW migration_helpers.ddl_log WITH (security_barrier) AS
SELECT l.id, l.logged_at, l.role_name, l.backend_pid, l.command_tag, l.statement, l.relation, l.lock_mode,
	l.duration, l.rules_allowed, l.rules_warned, l.guard_mode, l.session_role
FROM migration_helpers._ddl_log l
WHERE pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
	OR EXISTS (SELECT FROM pg_catalog.pg_roles r
			   WHERE r.rolname IN (l.role_name, l.session_role) AND pg_catalog.pg_has_role(r.oid, 'USAGE'));

-- ---------------------------------------------------------------------------
-- Backfill engine
-- ---------------------------------------------------------------------------
