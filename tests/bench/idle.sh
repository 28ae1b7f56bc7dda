#!/bin/bash
# tests/bench/idle.sh: `make bench-idle` (and the end of `make bench`).
# What strata-agent costs on a node where nothing happens: a private
# lttng-relayd and lttng-sessiond, a live session with the agent's events
# (qemu:*, strata:*, every Python logger) and no traced process, one
# strata-agent attached to it and pushing to a strata-aggregator.  Over
# STRATA_BENCH_IDLE_S seconds (60) after the agent attached: the CPU time
# (/proc/PID/stat utime + stime) of the agent, and in the same run of
# lttng-relayd and lttng-sessiond (the reference: the tracer's own idle
# cost, its consumer daemons too) and of the aggregator; each as a share of one CPU.  The target is
# the agent at <= 0.5 %.  Run from the build directory.
set -u

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"

SECS=${STRATA_BENCH_IDLE_S:-60}
for p in "$IT_AGENT" "$IT_AGGREGATOR"; do
	[ -x "$p" ] || { echo "bench: $p is not built (make all)" >&2; exit 1; }
done
for p in lttng lttng-sessiond lttng-relayd; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "bench: $p not found (lttng-tools)" >&2; exit 1; }
done
it_init bench-idle $((SECS + 120))

it_start_relayd && it_node_start cmp1 ||
    { echo "bench: the LTTng daemons did not start" >&2; exit 1; }
it_on cmp1 it_create_live_session cmp1 -a ||
    { echo "bench: cannot create the live session" >&2; exit 1; }
it_start_aggregator ||
    { echo "bench: strata-aggregator did not start" >&2; exit 1; }
it_start_node_agent cmp1 cmp1 "$IT_DIR/cmp1.jsonl" &&
    it_wait_viewer cmp1 20 ||
    { echo "bench: the agent did not attach to its session" >&2; exit 1; }
AGENT=$IT_LAST_PID
it_wait_ctl 10 "len(j) == 1" nodes >/dev/null ||
    { echo "bench: the agent did not connect to the aggregator" >&2; exit 1; }
sleep 2			# past the attach and the first heartbeat
RELAYD=$IT_RELAYD_PID
SESSIOND=${IT_NODE_SESSIONDS[0]}
CONSUMERDS=$(pgrep -P "$SESSIOND" | tr '\n' ' ')

pids="$AGENT $IT_AGG_PID $RELAYD $SESSIOND $CONSUMERDS"
declare -A t0 t1
for p in $pids; do t0[$p]=$(it_cpu_ms "$p"); done
w0=$(date +%s%N)
sleep "$SECS"
for p in $pids; do t1[$p]=$(it_cpu_ms "$p"); done
w1=$(date +%s%N)
share()
{
	python3 -c 'import sys; ms, ns = map(float, sys.argv[1:])
print("%.1f ms | %.3f %%" % (ms, 100 * ms / (ns / 1e6)))' \
	    "$((t1[$1] - t0[$1]))" "$((w1 - w0))"
}
echo
echo "idle for $(((w1 - w0) / 1000000)) ms, a live session with no traced" \
    "process, the agent attached and connected:"
echo
echo "| process | CPU | share of one CPU |"
echo "|---|---:|---:|"
echo "| strata-agent | $(share "$AGENT") |"
echo "| strata-aggregator | $(share "$IT_AGG_PID") |"
echo "| lttng-relayd (reference) | $(share "$RELAYD") |"
echo "| lttng-sessiond (reference) | $(share "$SESSIOND") |"
for p in $CONSUMERDS; do
	echo "| $(cat "/proc/$p/comm") (reference) | $(share "$p") |"
done
IT_DONE=1
exit 0
