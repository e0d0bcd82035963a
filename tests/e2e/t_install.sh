#!/bin/sh
# t_install — `make install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=…` lays out
# SPEC §8.1; the installed program finds its config in /etc from any folder;
# the installed config, pointed at a scratch workspace, runs a day; `make
# uninstall` removes everything but the workspace and an edited config; the
# units pass `systemd-analyze verify` and score below 5 on
# `systemd-analyze security` (skipped, and said so, without systemd-analyze).
. "$(dirname "$0")/lib.sh"
R=$TMPROOT/root
mk() { make -s --no-print-directory -C "$TOP" PREFIX=/usr SYSCONFDIR=/etc DESTDIR="$R" "$@" > "$TMPROOT/make.out" 2>&1; }

# CC, CFLAGS, CPPFLAGS and LDFLAGS from the environment (as dpkg-buildflags
# exports them) are added after the project's own flags, never instead.
n=$(cd "$TOP" && CC=gcc CFLAGS=-DMARK_CFLAGS CPPFLAGS=-DMARK_CPPFLAGS LDFLAGS=-Wl,-O1,--mark \
	make -n -B BUILD="$TMPROOT/b" BIN="$TMPROOT/b/bin" all 2> /dev/null)
cc_line=$(printf '%s\n' "$n" | grep -- ' -c jobs/main.c ')
check_grep "CFLAGS added to compiling" "-Werror .*-DMARK_CPPFLAGS .*-DMARK_CFLAGS" "$cc_line"
check_grep "CFLAGS and LDFLAGS added to linking" "^gcc .*-DMARK_CFLAGS .*-Wl,-O1,--mark .*-o $TMPROOT/b/bin/membership" "$n"
check_grep "the config path built in" "-DMEMBERSHIP_SYSCONFDIR='\"/etc\"'" "$cc_line"

mk install
check_eq "make install" "$?" "0"
for f in usr/bin/membership etc/membership/membership.yaml \
	usr/share/man/man1/membership.1 usr/share/man/man5/membership.yaml.5 \
	usr/share/bash-completion/completions/membership usr/share/doc/membership/examples/crontab \
	lib/systemd/system/membership-ingest.service lib/systemd/system/membership-ingest.timer \
	lib/systemd/system/membership-nightly.service lib/systemd/system/membership-nightly.timer \
	lib/systemd/system/membership-ingest@.service lib/systemd/system/membership-ingest@.timer \
	lib/systemd/system/membership-nightly@.service lib/systemd/system/membership-nightly@.timer; do
	if [ -f "$R/$f" ]; then ok "installed /$f"; else not_ok "installed /$f"; fi
done
check_eq "workspace folder mode" "$(stat -c %a "$R/var/lib/membership" 2> /dev/null)" "750"
check_eq "binary mode" "$(stat -c %a "$R/usr/bin/membership")" "755"
check_eq "installed config names the workspace" "$(grep '^workspace:' "$R/etc/membership/membership.yaml" | awk '{ print $2 }')" "/var/lib/membership"
check_eq "units run the installed program" "$(grep -h '^ExecStart=' "$R"/lib/systemd/system/*.service | grep -vc '^ExecStart=/usr/bin/membership ')" "0"
check_eq "crontab runs the installed program" "$(grep -c '/usr/local' "$R/usr/share/doc/membership/examples/crontab")" "0"
check_grep "crontab names the installed config" "^MEMBERSHIP_CONFIG=/etc/membership/membership.yaml" "$(cat "$R/usr/share/doc/membership/examples/crontab")"
check_grep "ingest timer: minutes 5, 15, … 55 in the shop's zone" "^OnCalendar=\*-\*-\* \*:05/10:00 Asia/Seoul" "$(cat "$R/lib/systemd/system/membership-ingest.timer")"
check_grep "nightly timer: 23:50 in the shop's zone" "^OnCalendar=\*-\*-\* 23:50:00 Asia/Seoul" "$(cat "$R/lib/systemd/system/membership-nightly.timer")"
check_grep "nightly does not take 75 for success" "^Restart=on-failure" "$(cat "$R/lib/systemd/system/membership-nightly.service")"
check_eq "nightly: no SuccessExitStatus=75" "$(grep -c '^SuccessExitStatus=.*75' "$R/lib/systemd/system/membership-nightly.service")" "0"
check_grep "shop template: its own config" "^Environment=MEMBERSHIP_CONFIG=/etc/membership/%i.yaml" "$(cat "$R/lib/systemd/system/membership-nightly@.service")"
check_grep "shop template: its own workspace" "^StateDirectory=membership/%i" "$(cat "$R/lib/systemd/system/membership-nightly@.service")"

# The installed program, run from /, reads /etc/membership/membership.yaml
# by default (its --help says so) and $MEMBERSHIP_CONFIG when set.
bin=$R/usr/bin/membership
check_grep "default config path" "else /etc/membership/membership.yaml" "$(cd / && "$bin" --help 2>&1)"
check_grep "--version" "0\.1\.0" "$(cd / && "$bin" --version 2>&1)"
sed "s|^workspace: *[^ #]*|workspace: $TMPROOT/scratch|" "$R/etc/membership/membership.yaml" > "$R/etc/membership/membership.yaml.tmp"
mv "$R/etc/membership/membership.yaml.tmp" "$R/etc/membership/membership.yaml"
(cd / && MEMBERSHIP_CONFIG=$R/etc/membership/membership.yaml "$bin" -q init) 2> "$TMPROOT/init.err"
check_eq "init from / with \$MEMBERSHIP_CONFIG" "$?" "0"
(cd / && MEMBERSHIP_CONFIG=$R/etc/membership/membership.yaml "$bin" -q nightly --date 2026-11-23) 2> "$TMPROOT/nightly.err"
check_eq "nightly from / with \$MEMBERSHIP_CONFIG" "$?" "0"
if [ -f "$TMPROOT/scratch/reports/2026-11-23/sales.csv" ]; then ok "reports in the configured workspace"; else not_ok "reports in the configured workspace"; fi
check_eq "nothing written beside the config" "$(ls "$R/etc/membership")" "membership.yaml"

# A second install keeps the edited config and puts the new one beside it.
mk install
check_grep "reinstall keeps an edited config" "was edited: kept" "$(cat "$TMPROOT/make.out")"
check_grep "edited config kept" "$TMPROOT/scratch" "$(cat "$R/etc/membership/membership.yaml")"

mk uninstall
check_eq "make uninstall" "$?" "0"
left=$(cd "$R" && find . -type f | sort)
check_eq "uninstall leaves the edited config only" "$left" "./etc/membership/membership.yaml"
if [ -d "$R/var/lib/membership" ]; then ok "uninstall keeps the workspace"; else not_ok "uninstall keeps the workspace"; fi
check_grep "uninstall says the workspace is kept" "workspace .* is kept" "$(cat "$TMPROOT/make.out")"
mk install && mk uninstall
rm -f "$R/etc/membership/membership.yaml"
mk install && mk uninstall
check_eq "an unedited config goes" "$(cd "$R" && find . -type f | wc -l | tr -d ' ')" "0"

# The units, as systemd reads them (ExecStart pointed at the installed tree).
if command -v systemd-analyze > /dev/null; then
	mk install
	U=$TMPROOT/units
	mkdir -p "$U"
	for f in "$R"/lib/systemd/system/membership*; do
		sed "s|/usr/bin/membership|$R/usr/bin/membership|" "$f" > "$U/$(basename "$f")"
	done
	out=$(cd "$U" && MANPATH=$R/usr/share/man systemd-analyze verify ./*.service ./*.timer 2>&1)
	check_eq "systemd-analyze verify" "$out" ""
	for u in membership-ingest.service membership-nightly.service membership-ingest@.service \
		membership-nightly@.service membership-check@.service; do
		level=$(cd "$U" && systemd-analyze security --offline=true "$u" 2>&1 |
			sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
		if [ -n "$level" ] && awk "BEGIN { exit !($level < 5) }"; then ok "$u exposure $level"; else
			not_ok "$u exposure '$level' (want below 5)"
		fi
	done
else
	echo "$NAME: units skipped: no systemd-analyze (apt-get install systemd)"
fi
finish
