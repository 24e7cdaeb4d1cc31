#!/usr/bin/perl
# Lint of one extension script; called by test/check_scripts.sh.
use strict;
use warnings;

my $file = shift;
local $/;
open my $fh, "<", $file or die "$file: $!";
my $s = <$fh>;
my $bad = 0;
# split into statements, keeping dollar-quoted bodies intact
my @stmts; my $cur = ""; my $q;
while ($s =~ /\G(\$[A-Za-z_]*\$|'(?:[^']|'')*'|;|--[^\n]*\n|.)/gs) {
	my $t = $1;
	if (defined $q) { $q = undef if $t eq $q; $cur .= $t; next }
	if ($t =~ /^\$[A-Za-z_]*\$$/) { $q = $t; $cur .= $t; next }
	if ($t =~ /^--/) { $cur .= "\n"; next }
	if ($t eq ";") { push @stmts, $cur; $cur = ""; next }
	$cur .= $t;
}
my @builtins = qw(count sum avg min max array_agg string_agg jsonb_agg json_agg
	jsonb_build_object jsonb_object_agg format quote_ident quote_literal quote_nullable
	length lower upper round trunc floor ceil sqrt ln log exp abs power
	date_trunc date_part to_char to_date to_timestamp age now clock_timestamp
	generate_series unnest array_length array_position cardinality array_append
	row_number rank dense_rank lag lead first_value last_value percentile_cont
	percentile_disc ntile stddev variance random setseed regexp_replace regexp_match
	split_part substr replace concat concat_ws md5 hashtext left right btrim
	jsonb_typeof jsonb_array_elements jsonb_each to_jsonb to_json bool_or bool_and
	every width_bucket greatest_common pg_typeof has_table_privilege);
my $re = join "|", @builtins;
for my $st (@stmts) {
	while ($st =~ /\$([A-Za-z_]*)\$(.*?)\$\1\$/gs) {
		my $body = $2;
		$body =~ s/--[^\n]*//g;
		$body =~ s/'(?:[^']|'')*'//g;
		while ($body =~ /(?<![.\w"])($re)\s*\(/gi) {
			my $fn = $1;
			my $first = ($st =~ /^\s*(.{0,60})/s)[0]; $first =~ s/\s+/ /g;
			print "$file: unqualified built-in $fn() in the body of: $first\n"; $bad++;
		}
	}
}
for my $st (@stmts) {
	(my $head = $st) =~ s/\$([A-Za-z_]*)\$.*?\$\1\$/\$\$BODY\$\$/gs;
	$head =~ s/'(?:[^']|'')*'/'...'/g;
	my $first = ($head =~ /^\s*(.{0,60})/s)[0]; $first =~ s/\s+/ /g;
	if ($head =~ /\bCREATE\s+OR\s+REPLACE\b/i) { print "$file: CREATE OR REPLACE: $first\n"; $bad++ }
	if ($head =~ /\bIF\s+NOT\s+EXISTS\b/i) { print "$file: IF NOT EXISTS: $first\n"; $bad++ }
	# one exception, documented in doc/layer.md ("Change capture"): the capture
	# trigger function writes cxm's change log for whoever writes a mapped table
	if ($head =~ /\bSECURITY\s+DEFINER\b/i &&
	    !($head =~ /^\s*CREATE\s+FUNCTION\s+\@extschema\@\.layer_capture\(\)/ && $head =~ /\bSET\s+search_path\s*=\s*pg_catalog,\s*pg_temp\b/)) {
		print "$file: SECURITY DEFINER: $first\n"; $bad++
	}
	if ($head =~ /^\s*CREATE\s+FUNCTION\b/i) {
		$head =~ /\b(IMMUTABLE|STABLE|VOLATILE)\b/i or do { print "$file: no volatility: $first\n"; $bad++ };
		$head =~ /\bPARALLEL\s+(SAFE|RESTRICTED|UNSAFE)\b/i or do { print "$file: no PARALLEL: $first\n"; $bad++ };
	}
	if ($head =~ /^\s*CREATE\s+AGGREGATE\b/i) {
		$head =~ /\bPARALLEL\s*=\s*(SAFE|RESTRICTED|UNSAFE)\b/i or do { print "$file: aggregate without PARALLEL: $first\n"; $bad++ };
	}
}
exit($bad ? 1 : 0);
