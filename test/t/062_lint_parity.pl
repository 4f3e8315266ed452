# lint() and the live guard are one code path: every DDL statement of the guard's regression
# suites (sql/guard_*.sql and sql/migrate_guard.sql) gets the same error rules from both.
#
# The mechanism, not a hand list: each suite is run as it is, with a parity check inserted before
# each top-level DDL statement (and before each statement it runs through sqlstate_of('...')),
# outside transaction blocks, where its context is the session's. The check asks lint() for the
# statement's findings, then runs the statement under the guard in enforce mode in a
# subtransaction that is always rolled back: each MH001 error names one blocking rule, which is
# then allowed (SET LOCAL migration_helpers.allow) to find the next one, until the statement
# passes or fails otherwise. lint's rules of severity 'error' must be exactly the guard's
# blocking rules. The suite itself then runs the statement as before. The same check runs over
# the statements of TAP 003's fuzz generator (MH_FUZZ_SEED, MH_PARITY_FUZZ_STATEMENTS).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('parity');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migration_helpers'");
$node->start;

my $parity_function = <<'SQL';
CREATE FUNCTION pg_temp.mh_parity(stmt text) RETURNS text LANGUAGE plpgsql AS $mhp$
DECLARE
	base text := current_setting('migration_helpers.allow', true);
	lint_errors text[];
	guard_errors text[] := '{}';
	st text;
	msg text;
	lint_state text;
	lint_msg text;
	first_state text;
	r text;
BEGIN
	IF current_setting('migration_helpers.guard', true) IS DISTINCT FROM 'enforce'
		OR NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'migration_helpers') THEN
		RETURN 'MHPARITY skipped';
	END IF;
	-- lint raises only what the server's parser raises (a syntax error, NOT VALID on a UNIQUE):
	-- then the statement must fail the same way, before the guard sees it.
	BEGIN
		SELECT coalesce(array_agg(DISTINCT rule ORDER BY rule), '{}') INTO lint_errors
		FROM migration_helpers.lint(stmt) WHERE severity = 'error';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS lint_state = RETURNED_SQLSTATE, lint_msg = MESSAGE_TEXT;
		lint_errors := '{}';
	END;
	LOOP
		BEGIN
			PERFORM set_config('migration_helpers.allow',
				concat_ws(',', nullif(base, ''), nullif(array_to_string(guard_errors, ','), '')), true);
			EXECUTE stmt;
			RAISE EXCEPTION USING ERRCODE = 'MHP01', MESSAGE = 'ran';
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		END;
		first_state := coalesce(first_state, st);
		EXIT WHEN st <> 'MH001';
		r := substring(msg from '\(rule ([a-z_]+):');
		EXIT WHEN r IS NULL OR r = ANY (guard_errors);
		guard_errors := guard_errors || r;
	END LOOP;
	SELECT coalesce(array_agg(x ORDER BY x), '{}') INTO guard_errors FROM unnest(guard_errors) x;
	IF lint_state IS NOT NULL THEN
		IF first_state = lint_state THEN
			RETURN 'MHPARITY same';
		END IF;
		RETURN format('MHPARITY DIFF lint failed: %s %s, the statement: %s %s | %s', lint_state, lint_msg,
			first_state, msg, stmt);
	END IF;
	IF lint_errors = guard_errors THEN
		RETURN 'MHPARITY same ' || array_to_string(lint_errors, ',');
	END IF;
	RETURN format('MHPARITY DIFF lint=%s guard=%s (last: %s %s) | %s', lint_errors, guard_errors, st, msg, stmt);
END $mhp$;
SQL

# transform: the suite with a parity check before each DDL statement outside a transaction block.
sub transform
{
	my ($path) = @_;
	open my $fh, '<', $path or die "$path: $!";
	my @out = ($parity_function);
	my ($stmt, $dollar, $in_block) = ('', 0, 0);
	while (my $line = <$fh>)
	{
		if ($stmt eq '' && ($line =~ /^\s*\\/ || $line =~ /^\s*(--.*)?$/))
		{
			push @out, $line;
			next;
		}
		$stmt .= $line;
		my $tags = () = $line =~ /\$[A-Za-z_]*\$/g;
		$dollar = ($dollar + $tags) % 2;
		# a query sent by psql's \g, \gset or \gexec ends there, without a semicolon: no DDL
		if (!$dollar && $line =~ /\\g[a-z]*\b[^\n]*$/)
		{
			push @out, $stmt;
			$stmt = '';
			next;
		}
		next if $dollar || $line !~ /;\s*(--.*)?$/;
		my $text = $stmt;
		$stmt = '';
		(my $bare = $text) =~ s/;\s*(--[^\n]*)?\s*$//;
		$bare =~ s/^\s+//;
		my @checks;
		if (!$in_block && $bare =~ /^(CREATE|ALTER|DROP|VACUUM|CLUSTER|REINDEX|REFRESH)\b/i
			&& $bare !~ /^(CREATE|DROP|ALTER)\s+(EXTENSION|FUNCTION|PROCEDURE|ROLE|DATABASE|PUBLICATION|EVENT)\b/i
			&& $bare !~ /^CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b/i)
		{
			push @checks, $bare;
		}
		if (!$in_block)
		{
			while ($bare =~ /sqlstate_of\('((?:[^']|'')*)'\)/g)
			{
				(my $inner = $1) =~ s/''/'/g;
				push @checks, $inner;
			}
		}
		push @out, "SELECT pg_temp.mh_parity(\$mhq\$$_\$mhq\$);\n" for @checks;
		push @out, $text;
		$in_block = 1 if $bare =~ /^(BEGIN|START\s+TRANSACTION)\b/i;
		$in_block = 0 if $bare =~ /^(COMMIT|END|ABORT)\b/i || ($bare =~ /^ROLLBACK\b/i && $bare !~ /^ROLLBACK\s+TO\b/i);
	}
	push @out, $stmt;
	return join('', @out);
}

my @suites = (sort(glob('sql/guard_*.sql')), 'sql/migrate_guard.sql');
my ($same, $checked) = (0, 0);
my %rules;
foreach my $suite (@suites)
{
	(my $name = $suite) =~ s{.*/(.*)\.sql$}{$1};
	my $script = "${PostgreSQL::Test::Utils::tmp_check}/parity_$name.sql";
	open my $fh, '>', $script or die "$script: $!";
	print $fh transform($suite);
	close $fh;
	$node->safe_psql('postgres', "CREATE DATABASE parity_$name");
	my ($stdout, $stderr);
	$node->psql("parity_$name", undef, extra_params => ['-f', $script], stdout => \$stdout,
		stderr => \$stderr);
	my @lines = grep { /MHPARITY/ } split /\n/, $stdout;
	ok(@lines > 0, "$name: parity checks ran") or diag($stderr);
	foreach my $l (@lines)
	{
		next if $l =~ /MHPARITY skipped/;
		$checked++;
		if ($l =~ /MHPARITY same ?(.*)$/)
		{
			$same++;
			$rules{$_} = 1 for grep { $_ ne '' } split /,/, $1;
		}
		else
		{
			fail("$name: $l");
		}
	}
}
cmp_ok($checked, '>=', 150, "statements checked through lint and the guard: $checked");
is($same, $checked, 'lint and the guard agree on every one');
cmp_ok(scalar(keys %rules), '>=', 25, 'blocking rules seen: ' . join(' ', sort keys %rules));

# The fuzz generator of TAP 003 (its setup and statement makers, loaded from that file, so that
# what it learns to generate is checked here too): every statement it makes, one at a time on
# its setup, each checked in a subtransaction that is rolled back, so the state stays the setup's.
my $fuzz_source = slurp_file('test/t/003_guard_fuzz.pl');
my ($generator) = $fuzz_source =~ /^(my \$setup = q\{.*?)^sub statement \{/ms;
ok(defined $generator, 'the fuzz generator of 003 is found') or BAIL_OUT('003_guard_fuzz.pl changed shape');
our ($setup, @makers);
{
	no strict 'vars';
	$generator =~ s/^\$node->safe_psql\('postgres', \$setup\);$//m;  # run on our own database below
	$generator =~ s/^my //mg;
	eval "$generator; 1" or die "the fuzz generator of 003 does not load: $@";
}
srand($ENV{MH_FUZZ_SEED} // 20261126);
my $fuzz_count = $ENV{MH_PARITY_FUZZ_STATEMENTS} // 600;
$node->safe_psql('postgres', 'CREATE DATABASE parity_fuzz');
$node->safe_psql('parity_fuzz', $setup);
my @fuzz = map { $makers[ int(rand(scalar @makers)) ]->() } 1 .. $fuzz_count;
my ($fuzz_out, $fuzz_err);
$node->psql('parity_fuzz', join("\n", $parity_function, map { "SELECT pg_temp.mh_parity(\$mhq\$$_\$mhq\$);" } @fuzz),
	stdout => \$fuzz_out, stderr => \$fuzz_err);
my @fuzz_lines = grep { /MHPARITY/ } split /\n/, $fuzz_out;
is(scalar(@fuzz_lines), $fuzz_count, "fuzz: every generated statement checked") or diag($fuzz_err);
my @fuzz_diffs = grep { !/MHPARITY same/ } @fuzz_lines;
my %fuzz_rules;
for (@fuzz_lines) { $fuzz_rules{$_} = 1 for /MHPARITY same (.+)$/ ? split(/,/, $1) : (); }
is(scalar(@fuzz_diffs), 0, "fuzz: lint and the guard agree on all $fuzz_count") or diag(join("\n", @fuzz_diffs[0 .. 19]));
cmp_ok(scalar(keys %fuzz_rules), '>=', 15, 'fuzz: blocking rules seen: ' . join(' ', sort keys %fuzz_rules));

# The check can tell them apart: in a transaction that created the table, the guard exempts it,
# while lint, given the one statement, has no script before it that created the table.
$node->safe_psql('postgres', 'CREATE EXTENSION migration_helpers');
my $control = $node->safe_psql('postgres', $parity_function . q{
	BEGIN;
	CREATE TABLE control_t (id int);
	INSERT INTO control_t VALUES (1);
	SELECT pg_temp.mh_parity('CREATE INDEX ON control_t (id)');
	ROLLBACK;});
like($control, qr/MHPARITY DIFF lint=\{index_not_concurrent\} guard=\{\}/, 'a disagreement is reported as one');

$node->stop;
done_testing();
