#!/bin/sh
# Navigation → first point, before and after, in one sitting (issue #14):
# TestMeasureFirstPoint (E2E_LOADS=4: one cold load, three warm ones) run
# ROUNDS times in a worktree of each build, alternating, so that the load of
# the machine falls on both alike; the medians of the warm loads.
#
#   scripts/first-point-ab.sh BEFORE_REV [ROUNDS]
#
# BEFORE_REV is checked out into $OUT/before (a detached worktree, kept for
# the next run); the after build is this work tree. ROUNDS defaults to 8
# (24 warm loads a build). Prints each build's medians of lab:ready, Play
# pressed, the first point and Play → first point (ms after navigation).
# Needs Chromium (E2E_CHROME or chromium on PATH) and the machine to itself:
# a benchmark beside it moves the medians by ±40 ms.
set -eu
BEFORE=${1:?usage: scripts/first-point-ab.sh BEFORE_REV [ROUNDS]}
ROUNDS=${2:-8}
OUT=${OUT:-/tmp/first-point-ab}
root=$(git rev-parse --show-toplevel)
mkdir -p "$OUT"
if [ ! -d "$OUT/before" ]; then
	git -C "$root" worktree add --detach "$OUT/before" "$BEFORE" >/dev/null
else
	git -C "$OUT/before" checkout --quiet --detach "$BEFORE"
fi
: >"$OUT/before.txt"
: >"$OUT/after.txt"
# "load 2: …, lab:ready 174, socket open 150, play 221, first point drawn
# (lab:first-point) 265 ms (play → first point 44 ms), …" → "174 221 265 44"
pick='s/.*lab:ready \([0-9]*\), socket open [0-9]*, play \([0-9]*\), first point drawn (lab:first-point) \([0-9]*\) ms (play → first point \([0-9]*\).*/\1 \2 \3 \4/p'
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	for build in before after; do
		dir=$root
		[ "$build" = before ] && dir=$OUT/before
		(cd "$dir" && E2E_MEASURE=1 E2E_LOADS=4 go test ./e2e -run 'TestMeasureFirstPoint$' -count=1 -v 2>&1) |
			grep 'load [0-9]*:' | grep -v 'cold cache' | sed -n "$pick" >>"$OUT/$build.txt"
	done
	i=$((i + 1))
done
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print "-"}'; }
for build in before after; do
	f=$OUT/$build.txt
	printf '%-6s %2d warm loads, medians: lab:ready %s, play %s, first point %s, play → first point %s ms\n' "$build" "$(wc -l <"$f")" \
		"$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f2 "$f" | median)" "$(cut -d' ' -f3 "$f" | median)" "$(cut -d' ' -f4 "$f" | median)"
done
