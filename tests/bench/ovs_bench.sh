#!/bin/bash
# tests/bench/ovs_bench.sh: `make bench-ovs`.  How fast strata-agent joins
# Open vSwitch packets (the ovs analyzer) from an offline trace, against
# babeltrace2's dummy sink on the same trace, per wall and CPU second,
# and the memory it keeps.
#
# Records an offline LTTng trace: tests/data/ovs/ovs-latency.scn played by
# strata-emit --speed 0 --loop N (30 events and 2 packets a loop: 15
# events per packet, a fast-path packet and an upcalled one through a
# handler thread) into a private non-live session whose channel blocks
# instead of discarding.  Then, alternating, STRATA_BENCH_RUNS times each
# under /usr/bin/time -v:
#   babeltrace2 -o dummy TRACE                                  (decode floor)
#   strata-agent --trace TRACE --once --jsonl /dev/null
# and prints packets joined per second and per CPU-second, the agent/dummy
# ratio (target >= 0.85) and the peak RSS.  Run from the build directory.
#
# Environment: STRATA_BENCH_LOOPS (100000), STRATA_BENCH_RUNS (3),
# STRATA_BENCH_TRACE=DIR reuses a trace, STRATA_KEEP_TMP=1 keeps it.
set -u

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/bench-lib.sh"

LOOPS=${STRATA_BENCH_LOOPS:-100000}
RUNS=${STRATA_BENCH_RUNS:-3}

for p in "$IT_AGENT" "$IT_EMIT"; do
	[ -x "$p" ] || { echo "bench: $p is not built" >&2; exit 1; }
done
for p in lttng lttng-sessiond babeltrace2 /usr/bin/time python3; do
	command -v "$p" >/dev/null 2>&1 || { echo "bench: $p not found" >&2; exit 1; }
done

it_init ovs-bench 7200

if [ -n "${STRATA_BENCH_TRACE:-}" ]; then
	TRACE=$STRATA_BENCH_TRACE
	echo "bench: reusing the trace in $TRACE"
else
	TRACE=$IT_DIR/traces/ovs
	it_start_sessiond || { echo "bench: lttng-sessiond did not start" >&2; exit 1; }
	{
		it_lttng create ovs --output="$TRACE" &&
		it_lttng enable-channel -u -s ovs --subbuf-size=4M --num-subbuf=8 \
		    --blocking-timeout=inf chan &&
		it_lttng enable-event -u -s ovs -c chan 'ovs:*' &&
		it_lttng enable-event -u -s ovs -c chan 'strata:*' &&
		it_lttng add-context -u -s ovs -c chan -t vpid -t vtid &&
		it_lttng start ovs
	} >>"$IT_DIR/lttng.log" 2>&1 || { echo "bench: cannot create the session" >&2;
	    tail -n 5 "$IT_DIR/lttng.log" >&2; exit 1; }
	echo "bench: recording strata-emit --speed 0 --loop $LOOPS ovs-latency.scn"
	t0=$(date +%s.%N)
	it_emit --speed 0 --loop "$LOOPS" --linger 1000 \
	    "$top_srcdir/tests/data/ovs/ovs-latency.scn" ||
	    { echo "bench: the emitter failed" >&2; cat "$IT_DIR/emit.log"; exit 1; }
	t1=$(date +%s.%N)
	it_lttng stop ovs >>"$IT_DIR/lttng.log" 2>&1
	discarded=$(it_lttng list ovs | awk '/Discarded events:/ { n += $3 } END { print n + 0 }')
	lost=$(it_lttng list ovs | awk '/Lost packets:/ { n += $3 } END { print n + 0 }')
	it_destroy_session ovs
	echo "bench: $(tail -n 1 "$IT_DIR/emit.log" | sed 's/^strata-emit: //')"
	echo "bench: recorded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s;" \
	    "discarded events $discarded, lost packets $lost; trace $(du -sh "$TRACE" | cut -f1)"
	if [ "$discarded" != 0 ] || [ "$lost" != 0 ]; then
		echo "bench: the tracer lost events; the numbers would lie" >&2
		exit 1
	fi
fi
find "$TRACE" -type f -exec cat {} + >/dev/null

# The agent both ways: its reader thread (the default), and threads = 1.
BT_WALL=() BT_CPU=() BT_RSS=() AG_WALL=() AG_CPU=() AG_RSS=()
A1_WALL=() A1_CPU=() A1_RSS=()
for ((i = 1; i <= RUNS; i++)); do
	timed "$IT_DIR/bt$i" babeltrace2 -o dummy "$TRACE"
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: babeltrace2 failed" >&2; cat "$IT_DIR/bt$i.err" >&2; exit 1; }
	BT_WALL+=("$WALL") BT_CPU+=("$CPU") BT_RSS+=("$RSS")
	timed "$IT_DIR/ag$i" "$IT_AGENT" --node bench --trace "$TRACE" --once \
	    --jsonl /dev/null
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: strata-agent failed" >&2; tail -n 5 "$IT_DIR/ag$i.err" >&2; exit 1; }
	AG_WALL+=("$WALL") AG_CPU+=("$CPU") AG_RSS+=("$RSS")
	timed "$IT_DIR/a1$i" "$IT_AGENT" --node bench --trace "$TRACE" --once \
	    --jsonl /dev/null -D threads=1
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: strata-agent -D threads=1 failed" >&2; tail -n 5 "$IT_DIR/a1$i.err" >&2; exit 1; }
	A1_WALL+=("$WALL") A1_CPU+=("$CPU") A1_RSS+=("$RSS")
	echo "bench: run $i: babeltrace2 dummy ${BT_WALL[i - 1]} s (cpu ${BT_CPU[i - 1]} s," \
	    "$((BT_RSS[i - 1] / 1024)) MiB), strata-agent ${AG_WALL[i - 1]} s" \
	    "(cpu ${AG_CPU[i - 1]} s, $((AG_RSS[i - 1] / 1024)) MiB), one thread" \
	    "${A1_WALL[i - 1]} s (cpu ${A1_CPU[i - 1]} s)"
done
stats=$(grep 'stats:' "$IT_DIR/ag1.err" | tail -n 1)
stats1=$(grep 'stats:' "$IT_DIR/a11.err" | tail -n 1)
[ "${stats#*stats: }" = "${stats1#*stats: }" ] ||
    { echo "bench: the two modes did not count the same" >&2; exit 1; }
python3 - "$(median "${BT_WALL[@]}")" "$(median "${BT_CPU[@]}")" \
    "$(median "${BT_RSS[@]}")" "$(median "${AG_WALL[@]}")" \
    "$(median "${AG_CPU[@]}")" "$(median "${AG_RSS[@]}")" "$RUNS" "$stats" \
    "$(median "${A1_WALL[@]}")" "$(median "${A1_CPU[@]}")" \
    "$(median "${A1_RSS[@]}")" <<'PY'
import json, re, sys
bw, bc, br, aw, ac, ar = map(float, sys.argv[1:7])
runs, stats = sys.argv[7], sys.argv[8]
ow, oc, orss = map(float, sys.argv[9:12])
n = int(re.search(r"stats: events (\d+)", stats).group(1))
o = json.loads(re.search(r"analyzers (\{.*\})", stats).group(1))["ovs"]
p = o["packets_fast"] + o["packets_slow"]
print()
print("%d events, %d packets joined (%d fast path, %d slow path), %.1f events a packet;"
      " unmatched %d, evicted %d, timed out %d" % (n, p, o["packets_fast"],
      o["packets_slow"], n / p, o["unmatched"], o["evicted"], o["timed_out"]))
print()
print("| reader (median of %s runs) | wall s | events/s | packets/s | cpu s | packets/cpu-s | peak RSS MiB |" % runs)
print("|---|---:|---:|---:|---:|---:|---:|")
print("| babeltrace2 -o dummy | %.2f | %.0f | %.0f | %.2f | %.0f | %.1f |" % (bw, n / bw, p / bw, bc, p / bc, br / 1024))
print("| strata-agent --trace --once | %.2f | %.0f | %.0f | %.2f | %.0f | %.1f |" % (aw, n / aw, p / aw, ac, p / ac, ar / 1024))
print("| strata-agent --trace --once -D threads=1 | %.2f | %.0f | %.0f | %.2f | %.0f | %.1f |" % (ow, n / ow, p / ow, oc, p / oc, orss / 1024))
print()
print("ratio agent/dummy (wall): %.3f   (cpu: %.3f)   target >= 0.85" % (bw / aw, bc / ac))
print("ratio agent/dummy, threads = 1 (wall): %.3f   (cpu: %.3f)" % (bw / ow, bc / oc))
PY
