# The extension loads from shared_preload_libraries, guards commands that fire
# no event trigger from a session's first statement, survives a restart and
# an immediate (crash) restart, and pg_dump keeps its state rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id int PRIMARY KEY, first_name text, last_name text);
	INSERT INTO users SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 1000) g;
});

is($node->safe_psql('postgres', 'SHOW migration_helpers.guard'), 'enforce', 'GUCs are defined at server start');

# VACUUM FULL fires no event trigger: only the preloaded hook can stop it,
# and it must do so in a brand-new session before any event trigger ran.
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'VACUUM FULL users');
isnt($ret, 0, 'VACUUM FULL is refused in a fresh session');
like($stderr, qr/VACUUM FULL would block reads and writes on table "public.users"/, 'with the guard message');
($ret, $stdout, $stderr) = $node->psql('postgres', 'CLUSTER users USING users_pkey');
like($stderr, qr/rule cluster/i, 'CLUSTER is refused too');
($ret, $stdout, $stderr) = $node->psql('postgres', 'REINDEX TABLE users');
like($stderr, qr/Rule reindex_not_concurrent/, 'REINDEX without CONCURRENTLY is refused');
is($node->safe_psql('postgres', 'REINDEX TABLE CONCURRENTLY users; SELECT 1'), '1', 'REINDEX CONCURRENTLY passes');

# SQLSTATE MH001 reaches the client.
($ret, $stdout, $stderr) = $node->psql('postgres', q{
	\set VERBOSITY verbose
	CREATE INDEX ON users (last_name);
});
like($stderr, qr/ERROR:  MH001:/, 'SQLSTATE MH001 is sent to the client');

# Allowed runs are logged even for hook-guarded commands.
$node->safe_psql('postgres', q{
	BEGIN; SET LOCAL migration_helpers.allow = 'index_not_concurrent';
	CREATE INDEX users_last_idx ON users (last_name); COMMIT;
});
is($node->safe_psql('postgres', q{SELECT count(*) FROM migration_helpers.ddl_log WHERE 'index_not_concurrent' = ANY (rules_allowed)}),
	'1', 'allowed DDL is in ddl_log');

# Preloaded, the hook runs in every database, but guards only those with the extension.
$node->safe_psql('postgres', 'CREATE DATABASE unguarded');
$node->safe_psql('unguarded', 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
is($node->safe_psql('unguarded', 'VACUUM FULL t; CREATE INDEX ON t (id); SELECT 1'), '1',
	'a database without the extension is not guarded');

$node->restart;
($ret, $stdout, $stderr) = $node->psql('postgres', 'VACUUM FULL users');
like($stderr, qr/Rule vacuum_full/, 'guard works after a restart');

$node->stop('immediate');
$node->start;
($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER TABLE users RENAME COLUMN first_name TO given_name');
like($stderr, qr/Rule rename_column/, 'guard works after crash recovery');
is($node->safe_psql('postgres', 'SELECT count(*) FROM migration_helpers.ddl_log'), '1', 'ddl_log survived the crash');

# pg_dump keeps the extension's state rows; a restore needs the guard off,
# because it builds indexes and constraints on tables it filled in earlier transactions.
$node->safe_psql('postgres', q{INSERT INTO migration_helpers._migrations (name) VALUES ('kept_by_dump')});
my $dump = $node->basedir . '/dump.sql';
$node->command_ok(['pg_dump', '-d', $node->connstr('postgres'), '-f', $dump], 'pg_dump runs');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('restored'),
	  '-c', 'SET migration_helpers.guard = off', '-f', $dump ],
	'dump restores with the guard off');
is($node->safe_psql('restored', 'SELECT name FROM migration_helpers.migrations'), 'kept_by_dump', 'state rows restored');
is($node->safe_psql('restored', 'SELECT count(*) FROM migration_helpers.ddl_log'), '1', 'ddl_log restored');
is($node->safe_psql('restored', q{SELECT nextval('migration_helpers._migrations_id_seq') > 1}), 't', 'sequences restored');

$node->stop;
done_testing();
