#!/bin/sh
# t_manpages — man/membership.1 and man/membership.yaml.5 keep up with the
# program: every command and option `membership --help` lists has its entry
# in membership(1), every key of config/membership.yaml its entry in
# membership.yaml(5) with the same default, and both render without a
# warning.
. "$(dirname "$0")/lib.sh"
M1=$TOP/man/membership.1
M5=$TOP/man/membership.yaml.5

# The headings of a page's .TP entries, \- unescaped: "ingest", "-c, --config file"…
headings() {
	awk '/^\.TP/ { getline; print }' "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/^\.[BIR]* *//' -e 's/""""""/@@/' -e 's/"//g' -e 's/@@/""/' | tr -s ' '
}

# Every command of --help: a .TP entry of its own in membership(1).
"$MEMBERSHIP_BIN" --help > "$TMPROOT/help" 2>&1
cmds=$(sed -n -e '/^options/q' -e 's/^  \([a-z][a-z]*\)  .*/\1/p' "$TMPROOT/help")
check_grep "--help lists commands" "ingest" "$cmds"
headings "$M1" > "$TMPROOT/h1"
for c in $cmds backup prune; do
	if grep -q "^$c\\b" "$TMPROOT/h1"; then ok "membership.1 has $c"; else not_ok "membership.1 has no entry for the command $c"; fi
done

# Every option of --help and of each command's --help, in an entry's heading.
opts=$(for c in "" $cmds; do "$MEMBERSHIP_BIN" $c --help 2>&1; done |
	grep -oE -- '(^|[][ (|,])--?[a-z][a-z-]*' | sed 's/^[^-]*//' | sort -u)
check_grep "--help lists options" "--dry-run" "$opts"
for o in $opts; do
	if grep -q -- "$o\\b" "$TMPROOT/h1"; then ok "membership.1 has $o"; else not_ok "membership.1 has no entry for the option $o"; fi
done

# Every exit code of SPEC §2 under EXIT STATUS.
for code in 0 64 65 66 70 73 74 75 78; do
	if sed -n '/^\.SH EXIT STATUS/,/^\.SH ENV/p' "$M1" | grep -qx "\.B $code"; then ok "exit $code"; else not_ok "membership.1 has no exit status $code"; fi
done

# Every key of config/membership.yaml (as section.key) and its default.
awk '
	/^[a-z_]+:/ { section = $0; sub(/:.*/, "", section) }
	/^[a-z_]+: *[^ #]/ { v = $0; sub(/^[a-z_]+: */, "", v); sub(/ *#.*/, "", v); print section "\t" v; next }
	/^  [a-z_]+:/ { k = $1; sub(/:$/, "", k); v = $0; sub(/^ *[a-z_]+: */, "", v); sub(/ *#.*/, "", v); print section "." k "\t" v }
' "$TOP/config/membership.yaml" > "$TMPROOT/keys"
check_eq "every key of config/membership.yaml read" "$(wc -l < "$TMPROOT/keys" | tr -d ' ')" \
	"$(grep -cE '^ *[a-z_]+: *[^ #]' "$TOP/config/membership.yaml")"
headings "$M5" > "$TMPROOT/h5"
while IFS='	' read -r key val; do
	# the repository's config names its own workspace; installed, it is this one
	[ "$key" = workspace ] && val=/var/lib/membership
	line=$(grep "^$key (default" "$TMPROOT/h5")
	if [ -z "$line" ]; then not_ok "membership.yaml.5 has no entry for $key"; continue; fi
	check_eq "membership.yaml.5: default of $key" "$line" "$key (default $val )"
done < "$TMPROOT/keys"

# Rendered as a reader sees them, without one warning.
if command -v man > /dev/null && command -v groff > /dev/null; then
	for p in "$M1" "$M5"; do
		w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 > "$TMPROOT/page")
		check_eq "man --warnings -l $(basename "$p")" "$w" ""
		check_grep "$(basename "$p") renders" "SEE ALSO" "$(cat "$TMPROOT/page")"
		check_eq "groff -ww $(basename "$p")" "$(groff -ww -z -man "$p" 2>&1)" ""
	done
else
	echo "$NAME: rendering skipped (no man or groff: apt-get install man-db groff-base)"
fi
finish
