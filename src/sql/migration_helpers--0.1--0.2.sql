\echo Use "ALTER EXTENSION migration_helpers UPDATE TO '0.2'" to load this file. \quit

-- migration_helpers 0.1 -> 0.2. A fresh install of 0.2 runs the 0.1 script and
-- then this one, so an upgraded database and a fresh one are built by the same
-- statements (sql/upgrade_paths.sql proves they end equal). Sections per
-- capability, so that changes to different capabilities do not collide.

-- ---------------------------------------------------------------------------
-- Guard
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Backfill engine
-- ---------------------------------------------------------------------------
