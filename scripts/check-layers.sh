#!/bin/sh
# The layering of src/ (src/*/README.md), checked:
#   sql       no .c outside src/store/ holds SQL in a string literal, or runs
#             a statement itself (db_query, db_exec, db_begin..., PQexec...)
#   pure      src/core/ and src/base/ include no libpq, libcurl or fcgi header;
#             src/core/ includes no project header outside base/ and core/
#   include   each layer includes only the layers its README allows
# Usage: scripts/check-layers.sh [ROOT]   (ROOT holds src/; default: the
# checkout this script is in). Prints every violation as file:line: rule: text
# and exits 1 when there is one.
set -eu

root=${1:-$(dirname "$0")/..}
cd "$root"

exec perl -e '
use strict; use warnings;

# Which project folders each layer may include (src/<layer>/README.md).
my %may = (
	base   => [qw(base)],
	core   => [qw(base core)],
	vendor => [qw(base core store vendor)],
	store  => [qw(base core store)],
	apply  => [qw(base core store vendor apply)],
	web    => [qw(base core store vendor apply web)],
	cli    => [qw(base core store vendor apply cli)],
);
# SQL as this code base writes it (lower or upper case, never Capitalised
# like a sentence): a statement opening a literal, or a fragment only SQL has.
my $kw = qr/select|insert|update|delete|with|listen|notify|create|alter|drop|truncate|lock|copy|begin|commit|rollback/;
my $open = qr/^\s*(?:(?:$kw)|(?:\U$kw\E))\b(?:\s+\S|\s*;)/;
my $txn = qr/^\s*(?:begin|commit|rollback|BEGIN|COMMIT|ROLLBACK)\s*;?\s*$/;
my $frag = qr/\b(?:insert\s+into|delete\s+from|update\s+\w+\s+set|on\s+conflict|returning\s+\w|
	pg_(?:try_)?advisory\w*|pg_notify|hashtext\s*\(|\$[0-9]+::\w|from\s+\w+\s+where|
	INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|ON\s+CONFLICT|FROM\s+\w+\s+WHERE)\b/x;
my $bad = 0;

sub report { my ($f, $l, $rule, $t) = @_; $t =~ s/\s+/ /g; $t = substr($t, 0, 100);
	print "$f:$l: $rule: $t\n"; $bad = 1; }

# The string literals of a C file, with their line numbers (comments and
# character constants skipped).
sub literals {
	my ($text) = @_;
	my @out; my $line = 1; my $n = length $text; my $i = 0;
	while ($i < $n) {
		my $c = substr($text, $i, 1);
		if ($c eq "\n") { $line++; $i++; next; }
		if (substr($text, $i, 2) eq "//") { $i++ while $i < $n && substr($text, $i, 1) ne "\n"; next; }
		if (substr($text, $i, 2) eq "/*") {
			my $e = index($text, "*/", $i + 2); $e = $n - 2 if $e < 0;
			$line += () = substr($text, $i, $e + 2 - $i) =~ /\n/g; $i = $e + 2; next;
		}
		if ($c eq "\x27" || $c eq "\"") {
			my ($start, $s) = ($line, ""); $i++;
			while ($i < $n && substr($text, $i, 1) ne $c) {
				my $d = substr($text, $i, 1);
				if ($d eq "\\") { $s .= substr($text, $i, 2); $i += 2; next; }
				$line++ if $d eq "\n";
				$s .= $d; $i++;
			}
			$i++;
			push @out, [$start, $s] if $c eq "\"";
			next;
		}
		$i++;
	}
	return @out;
}

for my $f (sort glob("src/*/*.c src/*/*.h src/*.c")) {
	my ($layer) = $f =~ m{^src/([^/]+)/};
	open my $fh, "<", $f or die "$f: $!";
	my $text = do { local $/; <$fh> };
	close $fh;

	if ($f =~ /\.c$/ && (!defined $layer || $layer ne "store")) {
		for my $lit (literals($text)) {
			my ($l, $s) = @$lit;
			report($f, $l, "sql outside src/store", $s) if $s =~ $open || $s =~ $txn || $s =~ $frag;
		}
		my $l = 0;
		for my $row (split /\n/, $text) {
			$l++;
			(my $code = $row) =~ s{//.*|/\*.*?\*/|"(?:[^"\\]|\\.)*"}{}g;
			report($f, $l, "statement run outside src/store", $1)
				if $code =~ /\b(db_(?:query\w*|exec\w*|begin|commit|rollback)\s*\(|PQ(?:exec\w*|prepare|sendQuery\w*)\s*\()/;
		}
	}
	next unless defined $layer && $may{$layer};
	my $l = 0;
	for my $row (split /\n/, $text) {
		$l++;
		next unless $row =~ /^\s*#\s*include\s*([<"])([^>"]+)[>"]/;
		my ($q, $h) = ($1, $2);
		if (($layer eq "core" || $layer eq "base") &&
		    $h =~ m{^(?:libpq-fe\.h|libpq/|postgresql/|curl/|fcgi)}) {
			report($f, $l, "$layer/ does no I/O (no libpq, libcurl or fcgi)", "#include $h");
		}
		next unless $q eq "\"";
		my ($dir) = $h =~ m{^([^/]+)/};
		if (!defined $dir) {
			report($f, $l, "include names its layer", "#include \"$h\"");
		} elsif (!grep { $_ eq $dir } @{$may{$layer}}) {
			report($f, $l, "$layer/ may not include $dir/ (src/$layer/README.md)", "#include \"$h\"");
		}
	}
}
exit $bad;
'
