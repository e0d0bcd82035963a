#!/bin/sh
# t_workspace_links.sh — RELIABILITY J2: a symbolic link in place of one of
# the workspace's own folders (inbox/, archive/, rejected/, reports/), to a
# folder outside or to itself, is never followed: every writing command
# (init, ingest, nightly, report, prune) stops with exit 73 naming it,
# nothing is written through it, and the inbox file stays where it was.
. "$(dirname "$0")/lib.sh"
LC_ALL=C
export LC_ALL

DD=2026-12-05
for area in inbox archive rejected reports; do
	for target in outside self; do
		for cmd in init ingest nightly report prune; do
			what="$area -> $target, $cmd"
			ws_new "${area}_${target}_$cmd"
			OUTSIDE=$WS/outside
			mkdir -p "$OUTSIDE" "$WS/ws"
			if [ $area != inbox ]; then
				products p.csv "add,GOLD,Gold,100,," "bogus,X,x,1,,"
			fi
			rm -rf "$WS/ws/$area"
			if [ $target = outside ]; then
				ln -s "$OUTSIDE" "$WS/ws/$area"
			else
				ln -s "$area" "$WS/ws/$area"
			fi
			case $cmd in
			ingest | nightly | report) mb $cmd -q --date $DD ;;
			*) mb $cmd -q ;;
			esac
			check_rc "$what: exit 73" 73
			check_grep "$what: the message names the link" "$area" "$ERR"
			check_eq "$what: nothing written outside the workspace" "$(ls -A "$OUTSIDE")" ""
			check_eq "$what: the link is still a link" "$([ -L "$WS/ws/$area" ] && echo yes)" yes
			if [ $area != inbox ]; then
				check_eq "$what: the inbox file stays" "$(ls -A "$INBOX")" "p.csv"
			fi
		done
	done
done

# --- a link in place of the day's archive/<date>/ or rejected/<date>/ ----------------
# Made at first use, but one that is there is checked before any file is
# applied: the run stops before anything moves, nothing applied.
for area in archive rejected; do
	what="$area/$DD -> outside, ingest"
	ws_new "dated_$area"
	OUTSIDE=$WS/outside
	mkdir -p "$OUTSIDE"
	mb init -q
	# a clean file first, then one with a rejected row
	products a.csv "add,GOLD,Gold,100,,"
	products b.csv "add,SILVER,Silver,50,," "bogus,X,x,1,,"
	ln -s "$OUTSIDE" "$WS/ws/$area/$DD"
	mb ingest -q --date $DD
	check_rc "$what: exit 73" 73
	check_grep "$what: the message names the link" "$area/$DD" "$ERR"
	check_eq "$what: nothing written outside the workspace" "$(ls -A "$OUTSIDE")" ""
	check_eq "$what: nothing applied, not even the clean file before" \
		"$(sql "SELECT count(*) FROM products")" 0
	check_eq "$what: the inbox files stay" "$(ls -A "$INBOX" | tr '\n' ' ')" "a.csv b.csv "
done

# --- root in a workspace another user owns: refused before anything is made --------
# (its folders would be root's, out of reach of the owner's scheduled runs)
if [ "$(id -u)" = 0 ] && getent passwd nobody > /dev/null; then
	ws_new notmine
	mb init -q
	products p.csv "add,GOLD,Gold,100,,"
	chown -R nobody "$WS/ws"
	runs_before=$(sql "SELECT count(*) FROM runs")
	for cmd in ingest report nightly prune; do
		case $cmd in
		prune) mb $cmd -q ;;
		*) mb $cmd -q --date 2026-03-10 ;;
		esac
		check_rc "not root's workspace: $cmd as root exits 73" 73
		check_grep "not root's workspace: $cmd names the owner and the way" \
			"belongs to nobody.*run it as nobody (runuser -u nobody -- membership $cmd)" "$ERR"
	done
	check_eq "not root's workspace: nothing made or moved" \
		"$(cd "$WS/ws" && find . -path ./membership.db-wal -prune -o -path ./membership.db-shm -prune -o ! -user nobody -print)" ""
	check_eq "not root's workspace: the inbox file stays" "$(ls -A "$INBOX")" "p.csv"
	check_eq "not root's workspace: no run recorded" "$(sql "SELECT count(*) FROM runs")" "$runs_before"
	mb report -q --dry-run --date 2026-03-10
	check_rc "not root's workspace: a dry run (which makes nothing) may" 0
	mb status
	check_rc "not root's workspace: status (which writes nothing) may" 0
	chown -R root "$WS/ws"
else
	echo "(root-in-another's-workspace case skipped: needs root and the user nobody)"
fi
finish
