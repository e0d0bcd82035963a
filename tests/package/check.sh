#!/bin/sh
# check.sh DEB — checks the built Debian package from outside, as .ci/run
# does after `make deb`: lintian (no error), its content extracted with
# `dpkg-deb -x` into a scratch root (the program's --version, its man pages
# through `man -l` without warnings, `init` and `nightly` on a scratch
# workspace with the installed config pointed there). Run as root, it also
# installs the package on this machine, runs the program from / as the
# system user, and checks that purge keeps the workspace (then removes what
# it made itself). Ends with "package: N passed, N failed".
set -u
deb=$1
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # WHAT COMMAND…: passes when the command does
	what=$1; shift
	if "$@" > "$tmp/out" 2>&1; then ok; else not_ok "$what"; sed 's/^/  /' "$tmp/out" | head -n 20; fi
}
tmp=$(mktemp -d)
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

[ -f "$deb" ] || { echo "check.sh: no package $deb"; echo "package: 0 passed, 1 failed"; exit 1; }
cp "$deb" "$tmp/membership.deb" && chmod 0644 "$tmp/membership.deb"

# lintian: no error (as an unprivileged user when run as root)
lint() {
	if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
		runuser -u nobody -- lintian -I --pedantic "$tmp/membership.deb"
	else
		lintian -I --pedantic "$tmp/membership.deb"
	fi
}
lint > "$tmp/lintian" 2>&1
cat "$tmp/lintian"
if grep -q '^E:' "$tmp/lintian"; then not_ok "lintian reports errors"; else ok; fi

# the content, extracted
R=$tmp/root
dpkg-deb -x "$tmp/membership.deb" "$R"
bin=$R/usr/bin/membership
check "--version" sh -c "'$bin' --version | grep -q '^membership'"
for p in man1/membership.1.gz man5/membership.yaml.5.gz; do
	check "man -l $p" sh -c "w=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$R/usr/share/man/$p' 2>&1 > '$tmp/page'); [ -z \"\$w\" ] || { echo \"\$w\"; exit 1; }; grep -q 'SEE ALSO' '$tmp/page'"
done
check "the config is a conffile" sh -c "dpkg-deb -e '$tmp/membership.deb' '$tmp/ctl' && grep -qx /etc/membership/membership.yaml '$tmp/ctl/conffiles'"
# enabled again on upgrade only when the operator had enabled them; never started
check "postinst does not enable the timers" awk '/was-enabled/ { w = NR } /deb-systemd-helper enable/ && NR - w > 3 { bad = 1 }
	/systemctl .*(enable|start)|deb-systemd-invoke .*start/ { bad = 1 } END { exit bad }' "$tmp/ctl/postinst"
check "no workspace in the package" sh -c "! dpkg-deb -c '$tmp/membership.deb' | grep -q 'var/lib/membership'"
sed "s|^workspace: *[^ #]*|workspace: $tmp/ws|" "$R/etc/membership/membership.yaml" > "$tmp/membership.yaml"
check "init on a scratch workspace" sh -c "cd / && MEMBERSHIP_CONFIG='$tmp/membership.yaml' '$bin' -q init"
check "nightly on a scratch workspace" sh -c "cd / && '$bin' -q -c '$tmp/membership.yaml' nightly --date 2026-11-23"
check "reports written" test -f "$tmp/ws/reports/2026-11-23/sales.csv"

# installed on this machine (root only), run as the system user, purged
if [ "$(id -u)" = 0 ] && ! dpkg-query -W membership > /dev/null 2>&1; then
	had_user=$(getent passwd membership > /dev/null && echo yes)
	had_ws=$([ -e /var/lib/membership ] && echo yes)
	check "dpkg -i" dpkg -i "$tmp/membership.deb"
	check "the system user" getent passwd membership
	check "the workspace, 0750, the user's" sh -c "[ \"\$(stat -c '%U %a' /var/lib/membership)\" = 'membership 750' ]"
	check "init as the user, from /" sh -c "cd / && runuser -u membership -- membership -q init"
	check "nightly as the user, from /" sh -c "cd / && runuser -u membership -- membership -q nightly"
	check "status as the user, from /" sh -c "cd / && runuser -u membership -- membership status"
	check "the timers are not enabled" sh -c "! ls /etc/systemd/system/timers.target.wants/membership* 2> /dev/null"
	check "purge" sh -c "dpkg --purge membership > '$tmp/purge' 2>&1; cat '$tmp/purge'; grep -q 'workspace /var/lib/membership .* kept' '$tmp/purge'"
	check "purge keeps the books" test -f /var/lib/membership/membership.db
	check "purge removes the config" test ! -e /etc/membership/membership.yaml
	[ -n "$had_ws" ] || rm -rf /var/lib/membership
	[ -n "$had_user" ] || { userdel membership; getent group membership > /dev/null && groupdel membership; }
else
	echo "package: install on this machine skipped (not root, or membership already installed)"
fi
echo "package: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
