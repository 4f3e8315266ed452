-- Type changes that need no rewrite but build indexes again (column_type_index_rebuild): a new
-- operator class or collation, or an expression or partial index on the column; ones that keep
-- every index pass.
\set SHOW_CONTEXT never
CREATE EXTENSION migration_helpers;
SET TimeZone = 'UTC';
CREATE TABLE posts (id int PRIMARY KEY, published timestamp, edited timestamp, title varchar(20),
	body varchar(20), slug varchar(20));
INSERT INTO posts VALUES (1, now(), now(), 't', 'b', 's');
CREATE INDEX CONCURRENTLY posts_published ON posts (published);
CREATE INDEX CONCURRENTLY posts_title_lower ON posts (lower(title));
CREATE INDEX CONCURRENTLY posts_recent ON posts (id) WHERE body IS NOT NULL;
CREATE UNIQUE INDEX CONCURRENTLY posts_slug ON posts (slug);
-- timestamp -> timestamptz under UTC: no rewrite, but timestamp_ops becomes timestamptz_ops
ALTER TABLE posts ALTER COLUMN published TYPE timestamptz USING published;
ALTER TABLE posts ALTER COLUMN published TYPE timestamptz;
ALTER TABLE posts ALTER COLUMN edited TYPE timestamptz;                 -- no index on it: passes
-- an expression or partial index is always built again
ALTER TABLE posts ALTER COLUMN title TYPE varchar(40);
ALTER TABLE posts ALTER COLUMN body TYPE varchar(40);
-- a plain index whose operator class and collation stay is kept: passes
ALTER TABLE posts ALTER COLUMN slug TYPE varchar(40);
ALTER TABLE posts ALTER COLUMN slug TYPE text;
-- an index behind a constraint is judged through its constraint
ALTER TABLE posts ADD CONSTRAINT posts_slug_key UNIQUE USING INDEX posts_slug;
ALTER TABLE posts ALTER COLUMN slug TYPE text COLLATE "C";
ALTER TABLE posts ALTER COLUMN slug TYPE varchar;                      -- text_ops and the collation stay
-- outside UTC the change rewrites: the table_rewrite verdict, once
SET TimeZone = 'Europe/Paris';
ALTER TABLE posts ALTER COLUMN published TYPE timestamptz;
RESET TimeZone;
SELECT command_tag, relation FROM migration_helpers.ddl_log ORDER BY id;
DROP EXTENSION migration_helpers;
DROP TABLE posts;
