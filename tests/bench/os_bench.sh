#!/bin/bash
# tests/bench/os_bench.sh: `make bench-openstack`.  How fast strata-agent
# analyzes OpenStack's Python-agent events, against babeltrace2's dummy
# sink on the same trace, and how much memory it keeps.
#
# Records an offline LTTng trace of >= 1 million notifications: the
# application scenarios of tests/data/openstack/scenarios played by
# emit/strata-os-emit.py --speed 0 --loop N (distinct uuids and request ids
# per pass) through the real lttng-ust Python agent (/usr/bin/python3,
# python3-lttngust) into a private non-live session whose Python channel
# blocks instead of discarding.  The session enables the plain route
# (oslo.messaging.notification.* and the services' loggers: one JSON parse
# per notification) or, with STRATA_BENCH_ROUTE=json, strata.json.* (the
# oslo.log JSON lines: a notification is JSON inside JSON, two parses).
# Then, alternating in the same run, STRATA_BENCH_RUNS times each under
# /usr/bin/time -v:
#   babeltrace2 -o dummy TRACE                               (decode floor)
#   strata-agent -f WINDOWS --trace TRACE --once --jsonl /dev/null
# with the analyzers' idle windows short (5 s of trace time: the trace is
# dense, a whole cloud's hour in seconds) so finished requests and idle
# instances leave the agent's memory; and once more with the default
# windows (nothing leaves) for the peak RSS without eviction.  Prints
# events/s, events per CPU-second, the agent/dummy ratio (target >= 0.85)
# and the peak RSS.  Run from the build directory.
#
# Environment: STRATA_BENCH_NOTIFICATIONS (1000000), STRATA_BENCH_RUNS (3),
# STRATA_BENCH_ROUTE (plain|json), STRATA_BENCH_TRACE=DIR reuses a trace,
# STRATA_KEEP_TMP=1 keeps it, STRATA_BENCH_PERF=1 adds a perf profile.
set -u

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/bench-lib.sh"

NOTES=${STRATA_BENCH_NOTIFICATIONS:-1000000}
RUNS=${STRATA_BENCH_RUNS:-3}
ROUTE=${STRATA_BENCH_ROUTE:-plain}
PY=/usr/bin/python3
SCNS="boot stopstart volume migrate network migrate-timeout migrate-abort"

[ -x "$IT_AGENT" ] || { echo "bench: $IT_AGENT is not built" >&2; exit 1; }
for p in lttng lttng-sessiond babeltrace2 /usr/bin/time $PY; do
	command -v "$p" >/dev/null 2>&1 || { echo "bench: $p not found" >&2; exit 1; }
done
$PY -c 'import lttngust.loghandler' 2>/dev/null ||
    { echo "bench: no lttngust for $PY (python3-lttngust)" >&2; exit 1; }

it_init os-bench 7200

# ---- the trace ----------------------------------------------------------------
OS=$IT_DIR/os
it_os_stage "$OS"
scns=()
for s in $SCNS; do scns+=("$OS/tests/data/openstack/scenarios/$s.scn"); done

if [ -n "${STRATA_BENCH_TRACE:-}" ]; then
	TRACE=$STRATA_BENCH_TRACE
	echo "bench: reusing the trace in $TRACE"
else
	TRACE=$IT_DIR/traces/os
	it_start_sessiond || { echo "bench: lttng-sessiond did not start" >&2; exit 1; }
	if [ "$ROUTE" = json ]; then
		loggers=('strata.json.*')
	else
		loggers=('oslo.messaging.notification.*' 'nova.*' 'neutron.*' 'cinder.*')
	fi
	{
		it_lttng create os --output="$TRACE" &&
		it_lttng enable-channel -u -s os --subbuf-size=4M --num-subbuf=8 \
		    --blocking-timeout=inf lttng_python_channel &&
		for l in "${loggers[@]}"; do
			it_lttng enable-event --python -s os "$l" || exit 1
		done &&
		it_lttng start os
	} >>"$IT_DIR/lttng.log" 2>&1 || { echo "bench: cannot create the session" >&2;
	    tail -n 5 "$IT_DIR/lttng.log" >&2; exit 1; }
	per_loop=$($PY - "${scns[@]}" <<'EOF'
import json, sys
n = 0
for p in sys.argv[1:]:
    for l in open(p):
        l = l.strip()
        if l and not l.startswith("#") and '"notify"' in l:
            n += 1
print(n)
EOF
)
	loops=$(((NOTES + per_loop - 1) / per_loop))
	echo "bench: recording $((per_loop * loops)) notifications (route $ROUTE):" \
	    "strata-os-emit.py --speed 0 --loop $loops ($per_loop notifications a loop)"
	extra=()
	[ "$ROUTE" = plain ] && extra=(--plain-only)
	t0=$(date +%s.%N)
	it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 $PY "$OS/emit/strata-os-emit.py" \
	    --speed 0 --loop "$loops" --linger 1000 "${extra[@]}" "${scns[@]}" \
	    >>"$IT_DIR/emit.log" 2>&1 ||
	    { echo "bench: the emitter failed" >&2; cat "$IT_DIR/emit.log"; exit 1; }
	t1=$(date +%s.%N)
	it_lttng stop os >>"$IT_DIR/lttng.log" 2>&1
	discarded=$(it_lttng list os | awk '/Discarded events:/ { n += $3 } END { print n + 0 }')
	lost=$(it_lttng list os | awk '/Lost packets:/ { n += $3 } END { print n + 0 }')
	it_destroy_session os
	echo "bench: $(tail -n 1 "$IT_DIR/emit.log" | sed 's/^strata-os-emit: //')"
	echo "bench: recorded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s;" \
	    "discarded events $discarded, lost packets $lost; trace $(du -sh "$TRACE" | cut -f1)"
	if [ "$discarded" != 0 ] || [ "$lost" != 0 ]; then
		echo "bench: the tracer lost events; the numbers would lie" >&2
		exit 1
	fi
fi
find "$TRACE" -type f -exec cat {} + >/dev/null

# Short windows: the trace holds hours of a cloud in a minute or two.
W=$IT_DIR/windows.conf
cat >"$W" <<'EOF'
vm.window_s = 5
vm.mig_window_s = 5
request.window_s = 5
volume.window_s = 5
port.window_s = 5
service.window_s = 5
EOF

BT_WALL=() BT_CPU=() BT_RSS=() AG_WALL=() AG_CPU=() AG_RSS=()
for ((i = 1; i <= RUNS; i++)); do
	timed "$IT_DIR/bt$i" babeltrace2 -o dummy "$TRACE"
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: babeltrace2 failed" >&2; cat "$IT_DIR/bt$i.err" >&2; exit 1; }
	BT_WALL+=("$WALL") BT_CPU+=("$CPU") BT_RSS+=("$RSS")
	timed "$IT_DIR/ag$i" "$IT_AGENT" -f "$W" --node bench --trace "$TRACE" \
	    --once --jsonl /dev/null
	[ "$TIMED_RC" -eq 0 ] || { echo "bench: strata-agent failed" >&2; tail -n 5 "$IT_DIR/ag$i.err" >&2; exit 1; }
	AG_WALL+=("$WALL") AG_CPU+=("$CPU") AG_RSS+=("$RSS")
	echo "bench: run $i: babeltrace2 dummy ${BT_WALL[i - 1]} s (cpu ${BT_CPU[i - 1]} s," \
	    "$((BT_RSS[i - 1] / 1024)) MiB), strata-agent ${AG_WALL[i - 1]} s" \
	    "(cpu ${AG_CPU[i - 1]} s, $((AG_RSS[i - 1] / 1024)) MiB)"
done
timed "$IT_DIR/agdef" "$IT_AGENT" --node bench --trace "$TRACE" --once --jsonl /dev/null
DEF_RSS=$RSS DEF_WALL=$WALL
timed "$IT_DIR/agrec" "$IT_AGENT" -f "$W" --node bench --trace "$TRACE" --once \
    --jsonl "$IT_DIR/records.jsonl"
REC_WALL=$WALL REC_CPU=$CPU
nrec=$(wc -l <"$IT_DIR/records.jsonl")

stats=$(grep 'stats:' "$IT_DIR/ag1.err" | tail -n 1)
dstats=$(grep 'stats:' "$IT_DIR/agdef.err" | tail -n 1)
bw=$(median "${BT_WALL[@]}") bc_=$(median "${BT_CPU[@]}")
aw=$(median "${AG_WALL[@]}") ac=$(median "${AG_CPU[@]}")
br=$(median "${BT_RSS[@]}") ar=$(median "${AG_RSS[@]}")

$PY - "$bw" "$bc_" "$br" "$aw" "$ac" "$ar" "$RUNS" "$DEF_RSS" "$DEF_WALL" \
    "$REC_WALL" "$REC_CPU" "$nrec" "$stats" "$dstats" "$ROUTE" <<'EOF'
import json, re, sys
bw, bc, br, aw, ac, ar = map(float, sys.argv[1:7])
runs, def_rss, def_wall = sys.argv[7], float(sys.argv[8]), float(sys.argv[9])
rec_wall, rec_cpu, nrec = float(sys.argv[10]), float(sys.argv[11]), int(sys.argv[12])
stats, dstats, route = sys.argv[13], sys.argv[14], sys.argv[15]
n = int(re.search(r"stats: events (\d+)", stats).group(1))
an = json.loads(re.search(r"analyzers (\{.*\})", stats).group(1))
dan = json.loads(re.search(r"analyzers (\{.*\})", dstats).group(1))
o = an["oslo"]
print()
print("route %s: %d lttng_python:event events, %d notifications, %d log lines"
      % (route, n, o["notifications"], o["json_logs"] + o["plain_logs"]))
print()
print("| reader (median of %s runs) | wall s | events/s | cpu s | events/cpu-s | peak RSS MiB |" % runs)
print("|---|---:|---:|---:|---:|---:|")
print("| babeltrace2 -o dummy | %.2f | %.0f | %.2f | %.0f | %.1f |" % (bw, n / bw, bc, n / bc, br / 1024))
print("| strata-agent --trace --once (windows 5 s) | %.2f | %.0f | %.2f | %.0f | %.1f |" % (aw, n / aw, ac, n / ac, ar / 1024))
print("| strata-agent, default windows (nothing leaves) | %.2f | %.0f | | | %.1f |" % (def_wall, n / def_wall, def_rss / 1024))
print("| strata-agent, windows 5 s, records written (%d) | %.2f | %.0f | %.2f | %.0f | |" % (nrec, rec_wall, n / rec_wall, rec_cpu, n / rec_cpu))
print()
print("ratio agent/dummy (events/s, wall): %.3f   (cpu: %.3f)   target >= 0.85" % (bw / aw, bc / ac))
print("kept at the end, windows 5 s: instances %d, requests %d, migrations %d, ports %d, volumes %d;"
      " evicted: instances %d, requests %d"
      % (an["vm"]["instances"], an["request"]["requests_kept"], an["vm"]["migrations_kept"],
         an["port"]["ports"], an["volume"]["volumes"], an["vm"]["instances_evicted"],
         an["request"]["requests_evicted"]))
print("kept at the end, default windows: instances %d, requests %d, migrations %d"
      % (dan["vm"]["instances"], dan["request"]["requests_kept"], dan["vm"]["migrations_kept"]))
EOF
echo "agent: $stats" | sed 's/strata-agent: //'

if [ "${STRATA_BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
	perf record -q -g -o "$IT_DIR/perf.data" "$IT_AGENT" -f "$W" --node bench \
	    --trace "$TRACE" --once --jsonl /dev/null >/dev/null 2>&1
	echo
	echo "perf: where strata-agent spends its time (self, top 25)"
	perf report -q -i "$IT_DIR/perf.data" --no-children --sort dso,symbol \
	    --stdio 2>/dev/null | grep -v '^$' | grep '%' | head -n 25
fi
IT_DONE=1
exit 0
