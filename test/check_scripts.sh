#!/usr/bin/env bash
# Lint of the extension's install and upgrade scripts (run by make test):
# no CREATE OR REPLACE, no IF NOT EXISTS, no SECURITY DEFINER, and every
# CREATE FUNCTION states its volatility and its parallel safety.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
status=0
for f in cxm--*.sql; do
	perl -e '
		my $file = shift; local $/; open my $fh, "<", $file or die; my $s = <$fh>;
		my $bad = 0;
		# split into statements, keeping dollar-quoted bodies intact
		my @stmts; my $cur = ""; my $q;
		while ($s =~ /\G(\$[A-Za-z_]*\$|;|--[^\n]*\n|.)/gs) {
			my $t = $1;
			if (defined $q) { $q = undef if $t eq $q; $cur .= $t; next }
			if ($t =~ /^\$[A-Za-z_]*\$$/) { $q = $t; $cur .= $t; next }
			if ($t =~ /^--/) { $cur .= "\n"; next }
			if ($t eq ";") { push @stmts, $cur; $cur = ""; next }
			$cur .= $t;
		}
		for my $st (@stmts) {
			(my $head = $st) =~ s/\$([A-Za-z_]*)\$.*?\$\1\$/\$\$BODY\$\$/gs;
			my $first = ($head =~ /^\s*(.{0,60})/s)[0]; $first =~ s/\s+/ /g;
			if ($head =~ /\bCREATE\s+OR\s+REPLACE\b/i) { print "$file: CREATE OR REPLACE: $first\n"; $bad++ }
			if ($head =~ /\bIF\s+NOT\s+EXISTS\b/i) { print "$file: IF NOT EXISTS: $first\n"; $bad++ }
			if ($head =~ /\bSECURITY\s+DEFINER\b/i) { print "$file: SECURITY DEFINER: $first\n"; $bad++ }
			if ($head =~ /^\s*CREATE\s+FUNCTION\b/i) {
				$head =~ /\b(IMMUTABLE|STABLE|VOLATILE)\b/i or do { print "$file: no volatility: $first\n"; $bad++ };
				$head =~ /\bPARALLEL\s+(SAFE|RESTRICTED|UNSAFE)\b/i or do { print "$file: no PARALLEL: $first\n"; $bad++ };
			}
			if ($head =~ /^\s*CREATE\s+AGGREGATE\b/i) {
				$head =~ /\bPARALLEL\s*=\s*(SAFE|RESTRICTED|UNSAFE)\b/i or do { print "$file: aggregate without PARALLEL: $first\n"; $bad++ };
			}
		}
		exit($bad ? 1 : 0);
	' "$f" || status=1
done
exit $status
