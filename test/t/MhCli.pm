# MhCli.pm — what the migration-helpers command-line TAP tests (060, 061) share.
package MhCli;
use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
our @EXPORT = qw(cli_run write_file);

# cli_run: the command line with node's connection in the environment; (exit code, stdout, stderr)
sub cli_run
{
	my ($node, @args) = @_;
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'postgres';
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run([ 'migration-helpers', @args ], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

# write_file: text into dir/name; returns the path
sub write_file
{
	my ($dir, $name, $text) = @_;
	open(my $fh, '>', "$dir/$name") or die "$name: $!";
	print $fh $text;
	close($fh);
	return "$dir/$name";
}

1;
