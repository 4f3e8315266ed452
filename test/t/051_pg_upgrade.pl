# pg_upgrade of a cluster with an unfinished migration and a paused backfill
# job: pg_upgrade keeps the tables' and roles' OIDs, and the state tables'
# rows record where their OIDs are valid by the database's instance id (kept
# by pg_upgrade with the extension's tables), not by the cluster's system
# identifier (which pg_upgrade's new cluster draws anew). So after the
# upgrade the paused job resumes and ends, the migration still names its
# table, and its contract completes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

sub poll
{
	my ($node, $sql, $want, $secs) = @_;
	my $got = '';
	for (my $i = 0; $i < $secs * 10; $i++)
	{
		my ($ret, $out, $err) = $node->psql('postgres', $sql);
		$got = $ret == 0 ? $out : "error: $err";
		return 1 if $ret == 0 && $got eq $want;
		usleep(100_000);
	}
	diag("last value of [$sql]: $got");
	return 0;
}

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$old->start;
$old->safe_psql('postgres', q{
	CREATE EXTENSION migration_helpers;
	CREATE TABLE users (id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
	INSERT INTO users SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 20000) g;
	ANALYZE users;
});
# The migration's backfill, paused in the transaction that starts it: its worker starts at the
# commit and finds it paused, so it cannot end first (paused in a later statement, the 20,000
# rows were sometimes all done before the pause came).
$old->safe_psql('postgres', q{
	BEGIN;
	SELECT migration_helpers.start_migration('full_name');
	SELECT migration_helpers.add_column('full_name', 'users', 'full_name', 'text',
		backfill_expr => $$first_name || ' ' || last_name$$);
	SELECT migration_helpers.backfill_pause(id) FROM migration_helpers.backfills;
	COMMIT;
});
my $job = $old->safe_psql('postgres', q{SELECT id FROM migration_helpers.backfills});
ok(poll($old, "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'paused', 30),
	'the job is paused before the upgrade');
my $sysid_old = $old->safe_psql('postgres', 'SELECT system_identifier FROM pg_control_system()');
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;
$new->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
my $bindir = $new->config_data('--bindir');
# pg_upgrade writes its logs in the current directory and next to the new data directory.
chdir $new->basedir;
command_ok(
	[
		'pg_upgrade', '--no-sync',
		'-d', $old->data_dir, '-D', $new->data_dir,
		'-b', $bindir, '-B', $bindir,
		'-s', $new->host, '-p', $old->port, '-P', $new->port
	],
	'pg_upgrade');
$new->start;
isnt($new->safe_psql('postgres', 'SELECT system_identifier FROM pg_control_system()'), $sysid_old,
	'the upgraded cluster has another system identifier');

is($new->safe_psql('postgres', q{SELECT name, tables FROM migration_helpers.migrations}),
	'full_name|{users}', 'the migration still names its table');
$new->safe_psql('postgres', "SELECT migration_helpers.backfill_resume($job)");
ok(poll($new, "SELECT status FROM migration_helpers.backfills WHERE id = $job", 'succeeded', 60),
	'the paused job resumes after the upgrade and ends');
is($new->safe_psql('postgres', q{SELECT count(*) FROM users WHERE full_name = first_name || ' ' || last_name}),
	'20000', 'every row filled');
is($new->safe_psql('postgres', q{SELECT migration_helpers.complete_migration('full_name')}), 'completed',
	'the migration completes');

$new->stop;
done_testing();
