# The guard never crashes the backend and never fails with an internal error,
# whatever DDL it is shown: a seeded generator builds thousands of statements,
# valid and invalid, over tables of every kind (plain, partitioned, temporary,
# unlogged, published, with foreign keys, views, materialized views, enums) and
# the other objects running code names (views, composite types with typed
# tables, domains, functions, sequences, publications), with DROP ... CASCADE,
# run one at a time, in transaction blocks, in savepoints and in DO blocks,
# first with the guard enforcing, then warning (so that the unsafe ones run
# and their ddl_command_end and table_rewrite paths are exercised too).
# Transaction blocks also drop or rename a name and create it again (checked at
# COMMIT). MH_FUZZ_STATEMENTS (default 1500 per mode) and MH_FUZZ_SEED run more
# on demand. Ordinary errors (42P01, MH001, ...) are expected; XX000, a C++ exception that
# reached the boundary, or a backend that died are failures.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{MH_FUZZ_SEED} // 20261126;
my $count = $ENV{MH_FUZZ_STATEMENTS} // 1500;
srand($seed);

my $node = PostgreSQL::Test::Cluster->new('fuzz');
# No logical slot: removals from publications are analysed (member lists, column lists), but only
# TAP 006 judges them with a subscriber (wal_level = logical and a slot made this run several times slower in a trial).
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$node->start;

my $setup = q{
	CREATE EXTENSION migration_helpers;
	SET migration_helpers.guard = off;
	CREATE SCHEMA other;
	CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
	CREATE TABLE t0 (id int PRIMARY KEY, c0 int, c1 text, c2 varchar(20), c3 mood);
	CREATE TABLE t1 (id int PRIMARY KEY, c0 int REFERENCES t0 (id), c1 text, c2 varchar(20), c3 mood);
	CREATE TABLE t2 (id int, c0 int, c1 text, c2 varchar(20), c3 mood) PARTITION BY RANGE (id);
	CREATE TABLE t2_a PARTITION OF t2 FOR VALUES FROM (0) TO (100);
	CREATE TABLE t2_b (id int, c0 int, c1 text, c2 varchar(20), c3 mood);
	CREATE TABLE t3 (id int PRIMARY KEY, c0 int CHECK (c0 > 0), c1 text, c2 varchar(20), c3 mood);
	CREATE UNLOGGED TABLE t5 (id int PRIMARY KEY, c0 int, c1 text, c2 varchar(20), c3 mood);
	CREATE TABLE t4 (id int NOT NULL, c0 int, c1 text COLLATE "C", c2 varchar(20), c3 mood);
	CREATE INDEX t0_c1 ON t0 (c1);
	CREATE INDEX t4_c1_lower ON t4 (lower(c1));
	CREATE UNIQUE INDEX t4_id ON t4 (id);
	CREATE VIEW v0 AS SELECT * FROM t0;
	CREATE MATERIALIZED VIEW m0 AS SELECT id, c0 FROM t0;
	CREATE UNIQUE INDEX m0_id ON m0 (id);
	CREATE ROLE fuzz_owner;
	CREATE TABLE owned (id int);
	ALTER TABLE owned OWNER TO fuzz_owner;
	CREATE PUBLICATION pub FOR TABLE t0, t3;
	CREATE SEQUENCE s;
	CREATE DOMAIN d_pos AS int CHECK (VALUE > 0);
	CREATE TYPE pair AS (a int, b text);
	CREATE TABLE tt OF pair;
	CREATE OR REPLACE FUNCTION f0(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
	CREATE TABLE td (id int, c0 d_pos, c1 pair, c2 int DEFAULT nextval('s'), c3 int DEFAULT f0(1));
	CREATE TABLE nk (a int, b int);
	CREATE VIEW v1 AS SELECT id, f0(c0) AS c0 FROM t0;
	INSERT INTO tt VALUES (1, 'x');
	INSERT INTO td (id, c0) VALUES (1, 1);
	INSERT INTO nk VALUES (1, 1);
	INSERT INTO t0 SELECT g, g, 'v' || g, 'w' || g, 'ok' FROM generate_series(1, 50) g;
	INSERT INTO t1 SELECT g, g, 'v' || g, 'w' || g, 'sad' FROM generate_series(1, 50) g;
	INSERT INTO t2 SELECT g, g, 'v' || g, 'w' || g, 'ok' FROM generate_series(0, 99) g;
	INSERT INTO t3 SELECT g, g, 'v' || g, 'w' || g, 'ok' FROM generate_series(1, 50) g;
	INSERT INTO t4 SELECT g, g, 'v' || g, 'w' || g, 'happy' FROM generate_series(1, 50) g;
	REFRESH MATERIALIZED VIEW m0;
};
$node->safe_psql('postgres', $setup);

sub pick { return $_[ int(rand(scalar @_)) ]; }
sub table { return pick('t0', 't1', 't2', 't2_a', 't3', 't4', 't5', 'other.t0', 'v0', 'm0', 'no_such', 'tmp', '"T0"'); }
sub col { return pick('c0', 'c1', 'c2', 'c3', 'id', 'cx', 'no_col'); }
sub type { return pick('int', 'bigint', 'text', 'varchar(40)', 'varchar(10)', 'text COLLATE "C"', 'mood', 'numeric',
	'timestamptz', 'serial', 'no_such_type'); }
sub cname { return pick('k0', 'k1', 't0_pkey', 't3_c0_check', 't1_c0_fkey', 'no_con'); }
sub iname { return pick('i0', 'i1', 't0_c1', 't4_id', 't0_pkey', 'm0_id', 'no_idx'); }
sub object { return pick('v0', 'v1', 'mood', 'pair', 'd_pos', 's', 'f0(int)', 'no_such'); }
sub pubtable { return pick('t0', 't1', 't3', 'nk', 'td', 't2', 'tt') . pick('', ' (id)', ' (a)', ' (c0, c1)')
	. pick('', ' WHERE (id > 0)', ' WHERE (c0 > 0)'); }
sub default_expr { return pick('0', "'x'", 'random()', 'now()', 'clock_timestamp()', 'nextval(\'s\')', '1/0'); }

my @makers = (
	sub { sprintf('CREATE %sINDEX %s%s %s ON %s (%s)', pick('', 'UNIQUE '), pick('', 'CONCURRENTLY '),
		pick('', 'IF NOT EXISTS'), iname(), pick('', 'ONLY ') . table(), col()) },
	sub { sprintf('DROP INDEX %s%s %s%s', pick('', 'CONCURRENTLY '), pick('', 'IF EXISTS'), iname(), pick('', ' CASCADE')) },
	sub { sprintf('ALTER TABLE %s ADD COLUMN %s %s%s%s%s', table(), pick('n0', 'n1', col()), type(),
		pick('', ' NOT NULL'), pick('', ' DEFAULT ' . default_expr()),
		pick('', ' REFERENCES t0 (id)', ' CHECK (' . col() . ' IS NOT NULL)', ' UNIQUE', ' PRIMARY KEY',
			' GENERATED ALWAYS AS IDENTITY')) },
	sub { sprintf('ALTER TABLE %s ALTER COLUMN %s TYPE %s%s', table(), col(), type(),
		pick('', ' USING ' . col() . '::text', ' USING 1')) },
	sub { sprintf('ALTER TABLE %s ALTER COLUMN %s %s', table(), col(),
		pick('SET NOT NULL', 'DROP NOT NULL', 'SET DEFAULT ' . default_expr(), 'DROP DEFAULT',
			'SET STATISTICS 100', 'ADD GENERATED ALWAYS AS IDENTITY')) },
	sub { sprintf('ALTER TABLE %s ADD CONSTRAINT %s %s%s', table(), cname(),
		pick('CHECK (' . col() . ' IS NOT NULL)', 'CHECK (' . col() . ' > 0)', 'FOREIGN KEY (' . col() . ') REFERENCES t0 (id)',
			'UNIQUE (' . col() . ')', 'PRIMARY KEY (' . col() . ')', 'UNIQUE USING INDEX ' . iname(),
			'PRIMARY KEY USING INDEX ' . iname(), 'EXCLUDE USING btree (' . col() . ' WITH =)'),
		pick('', ' NOT VALID')) },
	sub { sprintf('ALTER TABLE %s VALIDATE CONSTRAINT %s', table(), cname()) },
	sub { sprintf('ALTER TABLE %s DROP CONSTRAINT %s%s%s', table(), pick('', 'IF EXISTS '), cname(),
		pick('', ', ADD PRIMARY KEY USING INDEX ' . iname(), ', REPLICA IDENTITY FULL')) },
	sub { sprintf('ALTER TABLE %s RENAME COLUMN %s TO %s', table(), col(), pick('r0', col())) },
	sub { sprintf('ALTER TABLE %s %s', table(), pick('RENAME TO r_' . int(rand(5)), 'SET SCHEMA other', 'SET LOGGED',
		'SET UNLOGGED', 'SET TABLESPACE pg_default', 'SET ACCESS METHOD heap', 'REPLICA IDENTITY NOTHING',
		'REPLICA IDENTITY FULL', 'REPLICA IDENTITY DEFAULT', 'REPLICA IDENTITY USING INDEX ' . iname(),
		'DROP COLUMN ' . col(), 'DROP COLUMN IF EXISTS ' . col(), 'ENABLE ROW LEVEL SECURITY', 'OWNER TO fuzz_owner',
		'SET (fillfactor = 70)', 'CLUSTER ON ' . iname(), 'INHERIT t0', 'ALTER COLUMN ' . col() . ' SET STORAGE PLAIN')) },
	sub { sprintf('ALTER TABLE t2 %s', pick('ATTACH PARTITION t2_b FOR VALUES FROM (100) TO (200)',
		'DETACH PARTITION t2_a', 'DETACH PARTITION t2_b' . pick('', ' CONCURRENTLY'),
		'ATTACH PARTITION t2_a FOR VALUES FROM (0) TO (100)', 'ATTACH PARTITION t2_b DEFAULT')) },
	sub { sprintf('CREATE TABLE %s PARTITION OF t2 %s', pick('t2_c', 't2_d'),
		pick('FOR VALUES FROM (200) TO (300)', 'DEFAULT')) },
	sub { sprintf('DROP %s %s%s%s', pick('TABLE', 'VIEW', 'MATERIALIZED VIEW'), pick('', 'IF EXISTS '), table(),
		pick('', ' CASCADE')) },
	sub { pick('VACUUM FULL ' . table(), 'VACUUM ' . table(), 'VACUUM (FULL, ANALYZE)', 'CLUSTER ' . table(),
		'CLUSTER', 'REINDEX TABLE ' . table(), 'REINDEX TABLE CONCURRENTLY ' . table(), 'REINDEX INDEX ' . iname(),
		'REINDEX SCHEMA public', 'ANALYZE ' . table()) },
	sub { sprintf('REFRESH MATERIALIZED VIEW %sm0%s', pick('', 'CONCURRENTLY '), pick('', ' WITH NO DATA')) },
	sub { sprintf('ALTER TYPE mood %s', pick("RENAME VALUE 'sad' TO 'blue'", "RENAME VALUE 'blue' TO 'sad'",
		"ADD VALUE IF NOT EXISTS 'meh'", 'RENAME TO mood2', 'OWNER TO fuzz_owner')) },
	sub { pick('DROP OWNED BY fuzz_owner', 'DROP OWNED BY no_role', 'DROP SCHEMA other CASCADE',
		'CREATE SCHEMA IF NOT EXISTS other', 'REASSIGN OWNED BY fuzz_owner TO CURRENT_USER') },
	sub { sprintf('CREATE %sTABLE %s (id int PRIMARY KEY, c0 int, c1 text, c2 varchar(20), c3 mood)',
		pick('', 'TEMP ', 'UNLOGGED '), pick('tmp', 't0', 't3', 'other.t0', '"T0"')) },
	sub { sprintf("SET LOCAL migration_helpers.allow = '%s'", pick('index_not_concurrent', 'drop_table,rename_column',
		'no_such_rule', '', 'column_type_rewrite, set_not_null')) },
	sub { sprintf('COMMENT ON TABLE %s IS %s', table(), pick("'x'", 'NULL')) },
	sub { sprintf('LOCK TABLE %s IN %s MODE', table(), pick('ACCESS SHARE', 'ACCESS EXCLUSIVE')) },
	sub { sprintf('TRUNCATE %s', table()) },
	# forms the server resolves to something else than their keywords say, options read last-one-wins
	sub { pick('ALTER INDEX ' . table() . ' RENAME TO r_i', 'ALTER MATERIALIZED VIEW m0 RENAME TO m1',
		'ALTER MATERIALIZED VIEW m1 RENAME TO m0', 'ALTER MATERIALIZED VIEW m0 SET SCHEMA other',
		'DROP MATERIALIZED VIEW ' . pick('m0', 't0'), 'ALTER VIEW ' . table() . ' RENAME COLUMN c1 TO r1',
		'VACUUM (FULL false, FULL true) ' . table(), 'REINDEX (CONCURRENTLY true, CONCURRENTLY false) TABLE ' . table(),
		'ALTER ' . pick('TABLE', 'INDEX', 'MATERIALIZED VIEW') . ' ALL IN TABLESPACE pg_default '
			. pick('', 'OWNED BY fuzz_owner ', 'OWNED BY no_role ') . 'SET TABLESPACE '
			. pick('pg_default', 'no_such_space', 'pg_global')) },
	# views, types, domains, functions, sequences and what DROP ... CASCADE takes with them
	sub { pick('ALTER VIEW ' . pick('v0', 'v1') . ' RENAME TO v_r', 'ALTER VIEW v_r RENAME TO v0',
		'ALTER VIEW v1 SET SCHEMA other', 'ALTER TYPE pair RENAME TO pair2', 'ALTER TYPE pair2 RENAME TO pair',
		'ALTER DOMAIN d_pos RENAME TO d2', 'ALTER FUNCTION f0(int) RENAME TO f1', 'ALTER FUNCTION f1(int) RENAME TO f0',
		'ALTER FUNCTION f0(int) SET SCHEMA other', 'CREATE OR REPLACE VIEW v0 AS SELECT * FROM t0') },
	sub { my $k = pick('VIEW', 'TYPE', 'DOMAIN', 'FUNCTION', 'SEQUENCE');
		sprintf('DROP %s %s%s%s', $k, pick('', 'IF EXISTS '), $k eq 'FUNCTION' ? pick('f0(int)', 'f1(int)', 'f0')
			: $k eq 'VIEW' ? pick('v0', 'v1', 't0') : $k eq 'SEQUENCE' ? pick('s', 'no_seq') : pick('mood', 'pair', 'd_pos', object()),
			pick('', ' CASCADE', ' RESTRICT')) },
	sub { sprintf('ALTER TYPE pair %s%s', pick('DROP ATTRIBUTE a', 'DROP ATTRIBUTE IF EXISTS b', 'RENAME ATTRIBUTE a TO a2',
		'RENAME ATTRIBUTE a2 TO a', 'ALTER ATTRIBUTE a TYPE bigint', 'ALTER ATTRIBUTE b TYPE varchar(10)',
		'ADD ATTRIBUTE c int'), pick('', ' CASCADE', ' RESTRICT')) },
	sub { sprintf('ALTER DOMAIN %s %s', pick('d_pos', 'd2', 'no_dom'), pick('ADD CONSTRAINT dk CHECK (VALUE < 1000)',
		'ADD CONSTRAINT dk CHECK (VALUE < 1000) NOT VALID', 'VALIDATE CONSTRAINT dk', 'VALIDATE CONSTRAINT d_pos_check',
		'SET NOT NULL', 'DROP NOT NULL', 'DROP CONSTRAINT IF EXISTS dk', 'ADD NOT NULL')) },
	# publications and replica identities
	sub { sprintf('CREATE PUBLICATION %s %s%s', pick('pub', 'pub2', 'pub3'),
		pick('FOR TABLE ' . pubtable(), 'FOR TABLE ' . pubtable() . ', ' . pubtable(), 'FOR ALL TABLES',
			'FOR TABLES IN SCHEMA ' . pick('other', 'public', 'CURRENT_SCHEMA', 'no_schema')),
		pick('', " WITH (publish = 'insert')", " WITH (publish = 'insert, update')", " WITH (publish = 'bogus')")) },
	sub { sprintf('ALTER PUBLICATION %s %s', pick('pub', 'pub2', 'no_pub'),
		pick('ADD TABLE ' . pubtable(), 'SET TABLE ' . pubtable(), 'DROP TABLE ' . pick('t0', 't3', 'nk', 'no_such'),
			'ADD TABLES IN SCHEMA other', 'DROP TABLES IN SCHEMA other', "SET (publish = 'insert')",
			"SET (publish = 'insert, update, delete')", 'RENAME TO pub9', 'OWNER TO fuzz_owner')) },
	sub { sprintf('DROP PUBLICATION %s%s%s', pick('', 'IF EXISTS '), pick('pub', 'pub2', 'pub3', 'no_pub'),
		pick('', ', pub2')) },
	# a name dropped or renamed and created again in the same transaction (judged at COMMIT)
	sub { my $t = pick('t0', 't3', 't4', 'nk');
		pick("DROP TABLE $t; CREATE TABLE $t (id int PRIMARY KEY, c0 int, c1 text, c2 varchar(20), c3 mood)",
			"ALTER TABLE $t RENAME TO r_x; CREATE VIEW $t AS SELECT * FROM r_x",
			"ALTER TABLE $t DROP COLUMN c1; ALTER TABLE $t ADD COLUMN c1 " . pick('text', 'int'),
			"ALTER TABLE $t RENAME COLUMN c0 TO r0; ALTER TABLE $t ADD COLUMN c0 int",
			"DROP VIEW v0; CREATE VIEW v0 AS SELECT id FROM t0") },
	# existing tables reached through a parent created in the same transaction
	sub { 'CREATE TABLE ' . pick('np', 'np2') . ' (id int, c0 int, c1 text, c2 varchar(20), c3 mood)'
		. pick('', ' PARTITION BY RANGE (id)') },
	sub { pick('ALTER TABLE np ATTACH PARTITION t2_b FOR VALUES FROM (100) TO (200)', 'ALTER TABLE t5 INHERIT np',
		'CREATE INDEX ON np (c1)', 'ALTER TABLE np ADD CHECK (c0 > 0)', 'ALTER TABLE np ALTER COLUMN c1 SET NOT NULL',
		'DROP TABLE np') },
);

sub statement {
	my $s = $makers[ int(rand(scalar @makers)) ]->();
	my $wrap = rand();
	# Quotes doubled for the DO block's string literal.
	(my $quoted = $s) =~ s/'/''/g;
	return "DO \$\$ BEGIN EXECUTE '$quoted'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%: %', SQLSTATE, SQLERRM; END \$\$"
		if $wrap < 0.10;
	return "BEGIN; $s; " . statement_plain() . '; ' . pick('COMMIT', 'ROLLBACK') if $wrap < 0.25;
	return "BEGIN; SAVEPOINT a; $s; ROLLBACK TO a; " . statement_plain() . '; COMMIT' if $wrap < 0.32;
	return $s;
}
sub statement_plain { return $makers[ int(rand(scalar @makers)) ]->(); }

foreach my $mode ('enforce', 'warn')
{
	my @script = ('\set VERBOSITY verbose', '\set ON_ERROR_STOP 0', "SET migration_helpers.guard = $mode;",
		'SET lock_timeout = \'2s\';', 'SET statement_timeout = \'20s\';');
	# Every 100 statements, recreate what the statements dropped or renamed, so that they go on hitting tables.
	for my $i (1 .. $count)
	{
		push @script, statement() . ';';
		# ("already exists" errors are expected there)
		push @script, ($setup =~ s/CREATE EXTENSION migration_helpers;//r) . "SET migration_helpers.guard = $mode;"
			if $i % 100 == 0;
	}
	my ($ret, $stdout, $stderr) = $node->psql('postgres', join("\n", @script), on_error_stop => 0);
	my @internal = ($stderr =~ /^(?:ERROR|FATAL|PANIC):  (?:XX000|XX001|XX002): .*$/mg);
	my @cxx = ($stderr =~ /^.*unexpected C\+\+ exception.*$/mg);
	my $blocked = () = $stderr =~ /ERROR:  MH001:/g;
	is(scalar(@internal), 0, "$mode: no internal error in $count statements") or diag(join("\n", @internal[0 .. 9]));
	is(scalar(@cxx), 0, "$mode: no C++ exception reached the boundary") or diag(join("\n", @cxx[0 .. 9]));
	unlike($stderr, qr/server closed the connection unexpectedly|terminated by signal/, "$mode: the backend lived");
	cmp_ok($blocked, $mode eq 'enforce' ? '>' : '==', 0, "$mode: MH001 errors: $blocked");
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "$mode: the server still answers");
}

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/, 'no backend crashed during the fuzz run');
cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM migration_helpers.ddl_log'), '>', 0,
	'guarded statements were logged');

# The guard still guards.
$node->safe_psql('postgres', 'CREATE TABLE IF NOT EXISTS after_fuzz (id int); INSERT INTO after_fuzz VALUES (1)');
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE INDEX ON after_fuzz (id)');
like($stderr, qr/ERROR:  .*\(rule index_not_concurrent: /, 'the guard still blocks unsafe DDL after the fuzz run');

$node->stop;
done_testing();
