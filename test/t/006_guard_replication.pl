# Logical replication with a subscriber: while the database has a logical replication slot, the
# guard blocks removing a table from a publication, dropping the publication and a replica identity
# that leaves out the columns subscribers find rows by; FULL and a slot-less database pass. The
# subscriber (another database of the same cluster) shows the breakage the rule names: after an
# allowed narrowing, its apply worker stops on "publisher did not send replica identity column".
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('pub');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$node->start;
my $conn = $node->connstr . ' dbname=postgres';

$node->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, balance int);
	CREATE UNIQUE INDEX accounts_email ON accounts (email);
	INSERT INTO accounts SELECT g, 'a' || g, 0 FROM generate_series(1, 100) g;
	CREATE TABLE notes (id int PRIMARY KEY, body text);
	INSERT INTO notes VALUES (1, 'x');
	CREATE PUBLICATION pub FOR TABLE accounts, notes;
	SELECT pg_create_logical_replication_slot('sub_slot', 'pgoutput');
});
$node->safe_psql('postgres', 'CREATE DATABASE sub');
$node->safe_psql('sub', q{
	CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, balance int);
	CREATE TABLE notes (id int PRIMARY KEY, body text);
});
$node->safe_psql('sub', "CREATE SUBSCRIPTION sub CONNECTION '$conn' PUBLICATION pub "
	  . "WITH (create_slot = false, slot_name = 'sub_slot')");
$node->poll_query_until('sub', 'SELECT count(*) = 100 FROM accounts')
  or die 'the initial copy did not arrive';

my ($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER PUBLICATION pub DROP TABLE notes');
like($stderr, qr/removing it from publication "pub" would stop replicating table "public.notes" to its subscribers \(rule unpublish_table:/,
	'ALTER PUBLICATION ... DROP TABLE is blocked while a slot exists');
($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER PUBLICATION pub SET TABLE accounts');
like($stderr, qr/rule unpublish_table/, 'SET TABLE that leaves a table out is blocked');
($ret, $stdout, $stderr) = $node->psql('postgres', 'DROP PUBLICATION pub');
like($stderr, qr/dropping publication "pub" would stop replicating table "public.accounts"/, 'DROP PUBLICATION is blocked');
($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER TABLE accounts REPLICA IDENTITY USING INDEX accounts_email');
like($stderr, qr/changing the replica identity of table "public.accounts" would stop subscribers .*\(rule replica_identity_change:/,
	'a replica identity on other columns is blocked');
is($node->safe_psql('postgres', 'SELECT relreplident FROM pg_class WHERE relname = \'accounts\''), 'd', 'and changed nothing');
is($node->safe_psql('postgres', 'ALTER TABLE accounts REPLICA IDENTITY FULL; SELECT 1'), '1', 'FULL (every column) passes');
($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER TABLE accounts REPLICA IDENTITY DEFAULT');
like($stderr, qr/rule replica_identity_change/, 'back from FULL to the key is blocked: a subscriber may find rows by every column');
$node->safe_psql('postgres', q{BEGIN; SET LOCAL migration_helpers.allow = 'replica_identity_change';
	ALTER TABLE accounts REPLICA IDENTITY DEFAULT; COMMIT;});

# The primary key swap under REPLICA IDENTITY DEFAULT changes the identity to the new key's columns.
$node->safe_psql('postgres', q{
	SET client_min_messages = error;
	CREATE TABLE swap (id int PRIMARY KEY, id2 bigint NOT NULL);
	CREATE UNIQUE INDEX swap_id2 ON swap (id2);
	INSERT INTO swap VALUES (1, 1);
	ALTER PUBLICATION pub ADD TABLE swap;
});
($ret, $stdout, $stderr) = $node->psql('postgres',
	'ALTER TABLE swap DROP CONSTRAINT swap_pkey, ADD CONSTRAINT swap_pkey PRIMARY KEY USING INDEX swap_id2');
like($stderr, qr/changing the replica identity of table "public.swap"/, 'a primary key swap to other columns is blocked');

# What the rule is about: allowed, the narrowing stops the subscriber's apply of UPDATEs.
$node->safe_psql('postgres', q{
	BEGIN;
	SET LOCAL migration_helpers.allow = 'replica_identity_change';
	ALTER TABLE accounts REPLICA IDENTITY USING INDEX accounts_email;
	COMMIT;
	UPDATE accounts SET balance = 1 WHERE id = 1;
});
my $log_offset = 0;
ok($node->wait_for_log(qr/publisher did not send replica identity column expected by the logical replication target relation "public.accounts"/, $log_offset),
	'the subscriber stops on the identity it no longer receives');
$node->safe_psql('sub', 'ALTER SUBSCRIPTION sub DISABLE');
$node->safe_psql('sub', 'ALTER SUBSCRIPTION sub SET (slot_name = NONE)');
$node->safe_psql('sub', 'DROP SUBSCRIPTION sub');

# Without a logical slot nobody can subscribe: the same removals pass.
$node->safe_psql('postgres', q{SELECT pg_drop_replication_slot('sub_slot')});
is($node->safe_psql('postgres', 'ALTER PUBLICATION pub DROP TABLE notes; DROP PUBLICATION pub; SELECT 1'), '1',
	'without a slot, DROP TABLE from a publication and DROP PUBLICATION pass');

$node->stop;
done_testing();
