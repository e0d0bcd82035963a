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
finish
