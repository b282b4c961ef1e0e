#!/bin/sh
# Before/after figures of the server's frame path (issue #14), in one sitting:
# the frame benchmark and the load tool at 2,000 and 3,000 sessions, runs of
# the two builds interleaved, medians of 3.
#
#   scripts/frames-before-after.sh [BEFORE_REV] [AFTER_REV]
#
# BEFORE_REV defaults to where HEAD left main (git merge-base main HEAD; on
# main itself, pass the revision before the change), AFTER_REV to the work tree (HEAD plus
# uncommitted changes). Builds go to $OUT (default /tmp/frames-ba), the raw
# output of every run to $OUT/log. Environment: PORT (default 19300; the
# server's debug listener is PORT+1), SESSIONS ("2000 3000"), ROUNDS (3),
# DURATION (20s), BENCH (1: also the benchmarks; 0: load only).
#
# Prints one line per run (build, sessions, points delivered %, lateness p50,
# p99, server µs per frame, other processes' CPU-seconds during the run, the
# load average at its start) and then the medians per build and session count. Needs
# the machine to itself for lateness figures worth comparing: the lateness
# follows other tenants' CPU use more than the build.
set -eu
BEFORE=${1:-$(git merge-base main HEAD)}
AFTER=${2:-}
OUT=${OUT:-/tmp/frames-ba}
PORT=${PORT:-19300}
SESSIONS=${SESSIONS:-2000 3000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20s}
BENCH=${BENCH:-1}
DPORT=$((PORT + 1))
root=$(git rev-parse --show-toplevel)
mkdir -p "$OUT/log"

build() { # build NAME REV: REV empty = the work tree
	dir=$OUT/$1
	mkdir -p "$dir"
	if [ -z "$2" ]; then
		src=$root
	else
		src=$OUT/src-$1
		rm -rf "$src"
		git -C "$root" worktree add --detach -f "$src" "$2" >/dev/null 2>&1
	fi
	(cd "$src" && go build -o "$dir/lab" ./cmd/server && go build -o "$dir/loadtest" ./cmd/loadtest &&
		go test -c -o "$dir/server.test" ./server && go test -c -o "$dir/sim.test" ./sim)
	if [ -n "$2" ]; then git -C "$root" worktree remove --force "$src"; fi
	echo "built $1 from ${2:-the work tree} ($(git -C "$root" rev-parse --short "${2:-HEAD}"))"
}
build before "$BEFORE"
build after "$AFTER"

median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }

if [ "$BENCH" = 1 ]; then
	echo "== BenchmarkSessionFrame (ns per frame, 2 runs at 60 steps/s) and BenchmarkRunStep (ns per step)"
	for r in $(seq "$ROUNDS"); do
		for v in before after; do
			(cd "$root/server" && "$OUT/$v/server.test" -test.run XXX -test.bench 'BenchmarkSessionFrame$' \
				-test.count 2) | awk -v v=$v '/^BenchmarkSessionFrame/ {print v, "frame", $3}' >>"$OUT/log/bench.$$"
			(cd "$root/sim" && "$OUT/$v/sim.test" -test.run XXX -test.bench 'BenchmarkRunStep$' \
				-test.count 2) | awk -v v=$v '/^BenchmarkRunStep/ {print v, $1, $3}' >>"$OUT/log/bench.$$"
		done
	done
	for key in $(awk '{print $2}' "$OUT/log/bench.$$" | sort -u); do
		for v in before after; do
			printf '%-8s %-45s median %s ns of %s\n' $v "$key" \
				"$(awk -v v=$v -v k="$key" '$1==v && $2==k {print $3}' "$OUT/log/bench.$$" | median)" \
				"$(awk -v v=$v -v k="$key" '$1==v && $2==k {printf "%s ", $3}' "$OUT/log/bench.$$")"
		done
	done
	rm -f "$OUT/log/bench.$$"
fi

echo "== load: 2 runs per session at 60 steps/s, 30 frames/s, $DURATION"
res=$OUT/log/load.$$
: >"$res"
for n in $SESSIONS; do
	for r in $(seq "$ROUNDS"); do
		for v in before after; do
			log=$OUT/log/$v-$n-$r.txt
			"$OUT/$v/lab" -addr 127.0.0.1:$PORT -debug-addr 127.0.0.1:$DPORT -max-sessions 10000 \
				-max-sessions-per-ip 10000 -requests-per-minute 1000000 -log-format json >"$OUT/log/$v-server.log" 2>&1 &
			pid=$!
			sleep 1.5
			load=$(cut -d' ' -f1 /proc/loadavg)
			"$OUT/after/loadtest" -url http://127.0.0.1:$PORT -debug-url http://127.0.0.1:$DPORT \
				-sessions "$n" -duration "$DURATION" >"$log" 2>&1 || true
			kill $pid
			wait $pid 2>/dev/null || true
			line=$(awk -v v=$v -v n=$n -v load="$load" '
				/points delivered/ {d=$0; sub(/.*\(/, "", d); sub(/%.*/, "", d)}
				/^frame lateness/ {p50=$4; p99=$6}
				/µs per frame/ {us=$0; sub(/ µs per frame.*/, "", us); sub(/.*\(/, "", us)}
				/others/ {o=$0; sub(/.*others /, "", o); sub(/ CPU-s.*/, "", o)}
				END {print v, n, d, p50, p99, us, o, load}' "$log")
			echo "$line"
			echo "$line" >>"$res"
		done
	done
done
echo "== medians of $ROUNDS (build, sessions: points delivered %, lateness p50 and p99 in ms, server µs per frame, others' CPU-s, load average at the starts)"
ms() { awk '{x=$1; if (x ~ /µs$/) {sub(/µs/,"",x); x/=1000} else if (x ~ /ms$/) {sub(/ms/,"",x)} else {sub(/s$/,"",x); x*=1000}; print x}'; }
for n in $SESSIONS; do
	for v in before after; do
		rows=$(grep "^$v $n " "$res")
		printf '%-7s %5s  delivered %s %%  p50 %s ms  p99 %s ms  µs/frame %s  others %s  (p99s: %s; loads: %s)\n' $v $n \
			"$(echo "$rows" | awk '{print $3}' | median)" \
			"$(echo "$rows" | awk '{print $4}' | ms | median)" \
			"$(echo "$rows" | awk '{print $5}' | ms | median)" \
			"$(echo "$rows" | awk '{print $6}' | median)" \
			"$(echo "$rows" | awk '{print $7}' | median)" \
			"$(echo "$rows" | awk '{printf "%s ", $5}')" \
			"$(echo "$rows" | awk '{printf "%s ", $8}')"
	done
done
