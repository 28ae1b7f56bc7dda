#!/bin/bash
# tests/bench/run.sh: `make bench`.  How fast strata-agent analyzes a trace
# compared with babeltrace2's own decode floor; then the aggregator's
# benchmark (tests/bench/aggregator.sh: ingest rate, query latency).
#
# Records an offline LTTng trace of >= 5 million qemu:* events (strata-emit
# replaying the source-side scenarios in a loop at full speed into a
# private, non-live session in blocking mode, so no event is discarded),
# then times, alternating in the same run:
#   babeltrace2 -o dummy TRACE                            (the decode floor)
#   strata-agent --trace TRACE --once --jsonl /dev/null   (decode + analysis)
# each STRATA_BENCH_RUNS times under /usr/bin/time -v, and prints the
# medians: events/s, the agent/dummy ratio (target >= 0.85) and peak RSS.
# Run from the build directory (make bench does).
#
# Environment: STRATA_BENCH_EVENTS (5000000), STRATA_BENCH_RUNS (5),
# STRATA_BENCH_TRACE=DIR reuses a recorded trace instead of recording,
# STRATA_KEEP_TMP=1 keeps the trace, STRATA_BENCH_PERF=1 also records a
# perf profile of one agent run and prints its top symbols,
# STRATA_BENCH_ONLY=agent|aggregator|idle runs only that part (idle:
# tests/bench/idle.sh, the agent's CPU on a live session with nothing
# happening); STRATA_BENCH_KIND=kernel records the sched_switch-heavy
# kernel trace instead (kernel-sched.scn: lttng-modules' events through
# strata-emit's strata_kernel provider; make bench-kernel).
set -u

if [ "${STRATA_BENCH_ONLY:-}" = aggregator ]; then
	exec bash "$(dirname "$0")/aggregator.sh"
elif [ "${STRATA_BENCH_ONLY:-}" = idle ]; then
	exec bash "$(dirname "$0")/idle.sh"
fi

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/bench-lib.sh"

EVENTS=${STRATA_BENCH_EVENTS:-5000000}
RUNS=${STRATA_BENCH_RUNS:-5}
SCNS="converge nonconverge failed postcopy autoconverge rollback cancel-early"
[ "${STRATA_BENCH_KIND:-}" = kernel ] && SCNS="kernel-sched"

for p in "$IT_AGENT" "$IT_EMIT"; do
	[ -x "$p" ] || { echo "bench: $p is not built" >&2; exit 1; }
done
for p in lttng lttng-sessiond babeltrace2 python3 /usr/bin/time; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "bench: $p not found" >&2; exit 1; }
done

it_init bench 1800

# ---- the trace -----------------------------------------------------------------

if [ -n "${STRATA_BENCH_TRACE:-}" ]; then
	TRACE=$STRATA_BENCH_TRACE
	NEV=
	echo "bench: reusing the trace in $TRACE"
else
	TRACE=$IT_DIR/traces/bench
	if ! it_start_sessiond; then
		echo "bench: lttng-sessiond did not start" >&2
		exit 1
	fi
	# Blocking mode: the emitter waits for buffer space instead of
	# discarding; big sub-buffers keep the consumer's work per event low.
	if ! it_create_local_session bench "$TRACE" --subbuf-size=4M \
	    --num-subbuf=8 --blocking-timeout=inf; then
		echo "bench: cannot create the session" >&2
		exit 1
	fi
	args=()
	for s in $SCNS; do
		args+=("$(it_data "$(it_scenario "$s")")")
	done
	per_loop=$("$IT_EMIT" --list "${args[@]}" |
	    awk '/^# .*: [0-9]+ events/ { n += $(NF - 3) } END { print n }')
	loops=$(((EVENTS + per_loop - 1) / per_loop))
	bin=$(it_bin "$IT_EMIT")
	echo "bench: recording $((per_loop * loops))+ events:" \
	    "strata-emit --speed 0 --loop $loops ($SCNS; $per_loop events a loop)"
	t0=$(date +%s.%N)
	it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 "$bin" --speed 0 \
	    --loop "$loops" "${args[@]}" >>"$IT_DIR/emit.log" 2>&1 ||
	    { echo "bench: strata-emit failed" >&2; cat "$IT_DIR/emit.log"; exit 1; }
	t1=$(date +%s.%N)
	it_lttng stop bench >>"$IT_DIR/lttng.log" 2>&1
	discarded=$(it_lttng list bench | awk '/Discarded events:/ { n += $3 }
	    END { print n + 0 }')
	lost=$(it_lttng list bench | awk '/Lost packets:/ { n += $3 }
	    END { print n + 0 }')
	it_destroy_session bench
	NEV=$(sed -n 's/^strata-emit: \([0-9]*\) events.*/\1/p' "$IT_DIR/emit.log")
	echo "bench: emitted $NEV events in $(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.2f", b - a }') s;" \
	    "discarded events $discarded, lost packets $lost;" \
	    "trace $(du -sh "$TRACE" | cut -f1)"
	if [ "$discarded" != 0 ] || [ "$lost" != 0 ]; then
		echo "bench: the tracer lost events; the numbers would lie" >&2
		exit 1
	fi
fi

# Page cache warm, so both readers start from the same place.
find "$TRACE" -type f -exec cat {} + >/dev/null

# ---- timing ----------------------------------------------------------------------

# The agent both ways: its reader thread (the default), and threads = 1
# (the source run by the loop, one core).
BT_WALL=() BT_CPU=() BT_RSS=() AG_WALL=() AG_CPU=() AG_RSS=()
A1_WALL=() A1_CPU=() A1_RSS=()
for ((i = 1; i <= RUNS; i++)); do
	timed "$IT_DIR/bt$i" babeltrace2 -o dummy "$TRACE"
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: babeltrace2 failed:" >&2;
	    cat "$IT_DIR/bt$i.err" >&2; exit 1; }
	BT_WALL+=("$WALL") BT_CPU+=("$CPU") BT_RSS+=("$RSS")
	timed "$IT_DIR/ag$i" "$IT_AGENT" --trace "$TRACE" --once --jsonl /dev/null
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: strata-agent failed:" >&2;
	    tail -n 5 "$IT_DIR/ag$i.err" >&2; exit 1; }
	AG_WALL+=("$WALL") AG_CPU+=("$CPU") AG_RSS+=("$RSS")
	timed "$IT_DIR/a1$i" "$IT_AGENT" --trace "$TRACE" --once \
	    --jsonl /dev/null -D threads=1
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: strata-agent -D threads=1 failed:" >&2;
	    tail -n 5 "$IT_DIR/a1$i.err" >&2; exit 1; }
	A1_WALL+=("$WALL") A1_CPU+=("$CPU") A1_RSS+=("$RSS")
	echo "bench: run $i: babeltrace2 dummy ${BT_WALL[i - 1]} s" \
	    "(cpu ${BT_CPU[i - 1]} s), strata-agent ${AG_WALL[i - 1]} s" \
	    "(cpu ${AG_CPU[i - 1]} s), one thread ${A1_WALL[i - 1]} s" \
	    "(cpu ${A1_CPU[i - 1]} s)"
done

# The agent's own count of what it read (and what it made of it).
stats=$(grep 'stats:' "$IT_DIR/ag1.err" | tail -n 1)
AG_EV=$(sed -n 's/.*stats: events \([0-9]*\) .*/\1/p' <<<"$stats")
[ -z "$NEV" ] && NEV=$AG_EV
if [ "$AG_EV" != "$NEV" ]; then
	echo "bench: the agent read $AG_EV events, $NEV were recorded" >&2
	exit 1
fi

bw=$(median "${BT_WALL[@]}") bc_=$(median "${BT_CPU[@]}")
aw=$(median "${AG_WALL[@]}") ac=$(median "${AG_CPU[@]}")
br=$(median "${BT_RSS[@]}") ar=$(median "${AG_RSS[@]}")
a1w=$(median "${A1_WALL[@]}") a1c=$(median "${A1_CPU[@]}")
a1r=$(median "${A1_RSS[@]}")

python3 - "$NEV" "$bw" "$bc_" "$br" "$aw" "$ac" "$ar" "$RUNS" \
    "$a1w" "$a1c" "$a1r" <<'EOF'
import sys
n = int(sys.argv[1])
bw, bc, br, aw, ac, ar = map(float, sys.argv[2:8])
runs = sys.argv[8]
ow, oc, orss = map(float, sys.argv[9:12])
print()
print("| reader (median of %s runs, %d events) | wall s | events/s | cpu s "
      "| events/cpu-s | peak RSS MiB |" % (runs, n))
print("|---|---:|---:|---:|---:|---:|")
print("| babeltrace2 -o dummy | %.2f | %.0f | %.2f | %.0f | %.1f |"
      % (bw, n / bw, bc, n / bc, br / 1024))
print("| strata-agent --trace --once | %.2f | %.0f | %.2f | %.0f | %.1f |"
      % (aw, n / aw, ac, n / ac, ar / 1024))
print("| strata-agent --trace --once -D threads=1 | %.2f | %.0f | %.2f | %.0f | %.1f |"
      % (ow, n / ow, oc, n / oc, orss / 1024))
print()
print("ratio agent/dummy (events/s, wall): %.3f   (cpu: %.3f)   target >= 0.85"
      % (bw / aw, bc / ac))
print("ratio agent/dummy, threads = 1 (wall): %.3f   (cpu: %.3f)"
      % (bw / ow, bc / oc))
EOF
echo "agent: $stats" | sed 's/strata-agent: //'

if [ "${STRATA_BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	perf record -q -g -o "$IT_DIR/perf.data" "$IT_AGENT" --trace "$TRACE" \
	    --once --jsonl /dev/null >/dev/null 2>&1
	echo
	echo "perf: where strata-agent spends its time (self, top 25)"
	perf report -q -i "$IT_DIR/perf.data" --no-children --sort dso,symbol \
	    --stdio 2>/dev/null | grep -v '^$' | grep '%' | head -n 25
fi
if [ "${STRATA_BENCH_ONLY:-}" != agent ]; then
	echo
	echo "== strata-aggregator (tests/bench/aggregator.sh)"
	bash "$top_srcdir/tests/bench/aggregator.sh" || exit 1
fi
if [ -z "${STRATA_BENCH_ONLY:-}" ]; then
	echo
	echo "== strata-agent idle (tests/bench/idle.sh)"
	bash "$top_srcdir/tests/bench/idle.sh" || exit 1
fi
IT_DONE=1
exit 0
