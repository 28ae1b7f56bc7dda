#!/bin/bash
# ovs-emit.sh: synthetic Open vSwitch traffic with known per-component
# latencies (tests/data/ovs/ovs-latency.scn, played by strata-emit at a
# quarter of its speed: 40 loops of 100 ms, on two CPUs and a handler
# thread) through a
# real LTTng live session, strata-agent (the ovs analyzer, 1 s summaries)
# and strata-aggregator (alert thresholds: p99 50 ms, 5 upcalls/s);
# checked through stratactl: the fast, slow and
# total latencies and the components within one histogram bucket of what
# was injected, the counts exact, the install and upcall rates of the
# whole windows as emitted (10/s), nothing unmatched, evicted or timed out,
# ovs.latency_high on tap2 only and ovs.upcall_storm fired, then resolved
# once the traffic stops.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init ovs-emit 120
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
tap_plan 9
J=$IT_DIR/cmp1.jsonl
LOOPS=40
# At a quarter of the scenario's speed: every latency x4, rates / 4 (a
# loop is 100 ms), so that the emitter's sleeping (tens of us late, more
# on a loaded machine) stays well inside a bucket (12.5 %).
SPEED=0.25

if ! { it_start_relayd && it_node_start cmp1 && it_start_aggregator &&
    it_on cmp1 it_ovs_session cmp1 'strata:*' &&
    it_start_node_agent cmp1 cmp1 "$J" -D ovs.summary_s=1 \
	-D ovs.latency_p99_us=50000 -D ovs.alert_window_s=2 \
	-D ovs.alert_min_packets=10 -D ovs.upcall_storm_per_s=5 &&
    it_wait_viewer cmp1 20; }; then
	tap_ok 1 "relayd, session daemon, aggregator, agent"
	tap_skip_rest "setup failed"
	
it_ctl --json alerts --all >"$IT_DIR/alerts.json" 2>>"$IT_DIR/ctl.log"
v=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
lat = [a for a in j if a["name"] == "ovs.latency_high"]
st = [a for a in j if a["name"] == "ovs.upcall_storm"]
ok = any(a["subject"] == {"kind": "ovs", "id": "br-int/tap2"} for a in lat) and \
    len(st) == 1 and st[0]["subject"] == {"kind": "ovs", "id": "br-int"} and \
    st[0]["state"] == "resolved" and st[0]["node"] == "cmp1"
print(1 if ok else 0)' "$IT_DIR/alerts.json" 2>&1)
tap_ok "$([ "$v" = 1 ] && echo 0 || echo 1)" \
    "alerts: ovs.latency_high for br-int/tap2 (68 ms > 50 ms), ovs.upcall_storm for br-int (10/s > 5/s) resolved when the traffic stopped" ||
    tap_diag "$(cat "$IT_DIR/alerts.json")"
# tap1 (24 ms) is under the threshold, but with fewer than 100 packets a
# window's p99 is its slowest packet: one late wake-up of the emitter can
# raise it, so this is said, not checked.
tap_diag "ovs.latency_high subjects: $(python3 -c '
import json, sys
print(sorted({a["subject"]["id"] for a in json.load(open(sys.argv[1])) if a["name"] == "ovs.latency_high"}))' "$IT_DIR/alerts.json")"
tap_done
fi
SCN=$top_srcdir/tests/data/ovs/ovs-latency.scn
TICK=$top_srcdir/tests/data/ovs/ovs-tick.scn
it_on cmp1 it_emit --speed $SPEED --loop $LOOPS "$SCN" && it_on cmp1 it_emit "$TICK"
tap_ok $? "strata-emit played $LOOPS loops of ovs-latency.scn, then a tick"

H='[r for r in R if r["kind"] == "ovs_handlers"]'
it_wait_record "$J" 20 "sum(r[\"paths\"][\"slow\"][\"count\"] for r in R if r[\"kind\"] == \"ovs_latency\" and r[\"port\"] == \"tap2\") >= $LOOPS"
tap_rec "$J" "$H and sum(r[\"unmatched\"] + r[\"evicted\"] + r[\"timed_out\"] for r in $H) == 0" \
    "the join matched every event: nothing unmatched, evicted or timed out"

# near GOT_US WANT_US [N]: within N log-linear buckets (12.5 % each) of WANT.
near='
def near(got, want, buckets=1):
    import math
    e = int(math.log2(want * 1000))
    return abs(got - want) * 1000 <= buckets * 2 ** (e - 3)
'
n=100
while [ "$n" -gt 0 ]; do
	it_ctl --json ovs >"$IT_DIR/ovs.json" 2>>"$IT_DIR/ctl.log"
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if sum(r["count"] for r in j if r["port"] == "tap2" and r["path"] == "slow") >= int(sys.argv[2]) else 1)' \
	    "$IT_DIR/ovs.json" $LOOPS 2>/dev/null && break
	sleep 0.2
	n=$((n - 1))
done
# check JSON-FILE PY-EXPR DESCRIPTION: r(port, path) is a row of stratactl --json ovs.
check()
{
	local v
	v=$(python3 -c "$near"'
import json, sys
j = json.load(open(sys.argv[1]))
def r(port, path):
    return [x for x in j if x["node"] == "cmp1" and x["bridge"] == "br-int" and
        x["port"] == port and x["path"] == path][0]
h = j
print(1 if eval(sys.argv[2]) else 0)' "$1" "$2" 2>&1)
	tap_ok "$([ "$v" = 1 ] && echo 0 || echo 1)" "$3" ||
	    tap_diag "expression: $2" "value: $v" "$(cat "$1")"
}
check "$IT_DIR/ovs.json" \
    "r('tap1', 'fast')['count'] == $LOOPS and near(r('tap1', 'fast')['p50_us'], 24000) and near(r('tap1', 'fast')['p90_us'], 24000, 2) and r('tap1', 'fast')['max_us'] >= 21000" \
    "stratactl --json ovs: tap1 fast path, $LOOPS packets, p50 within one bucket of 24 ms, p90 within two (the emitter wakes up late on a busy machine)"
check "$IT_DIR/ovs.json" \
    "r('tap2', 'slow')['count'] == $LOOPS and near(r('tap2', 'slow')['p50_us'], 56000) and near(r('tap2', 'slow')['p90_us'], 56000, 2) and r('tap2', 'total')['count'] == $LOOPS and near(r('tap2', 'total')['p50_us'], 68000)" \
    "tap2 slow path 56 ms and total 68 ms (upcall queued, handler 700, put, execute), $LOOPS packets"
check "$IT_DIR/ovs.json" \
    "all(set(x) == {'node', 'bridge', 'port', 'path', 'count', 'p50_us', 'p90_us', 'p99_us', 'p999_us', 'max_us'} for x in j) and len(j) == 4 and r('tap1', 'total')['count'] == $LOOPS" \
    "exactly the contract's members; 4 rows: tap1 fast and total, tap2 slow and total (a packet that upcalled is no fast-path sample)"

# Components through `ovs hist`.
ok=0
for pc in "tap1 lookup 8000" "tap1 actions 6000" "tap1 send 2000" \
    "tap2 queue 16000" "tap2 handler 20000" "tap2 put 4000" \
    "tap2 execute 14000"; do
	set -- $pc
	it_ctl --json ovs hist cmp1 "$1" --path "$2" >"$IT_DIR/hist-$1-$2.json" 2>>"$IT_DIR/ctl.log"
	v=$(python3 -c "$near"'
import json, sys
h = json.load(open(sys.argv[1]))
print(1 if h["count"] == int(sys.argv[3]) and near(h["p50_us"], float(sys.argv[2])) and
    sum(b["count"] for b in h["buckets"]) == h["count"] else 0)' \
	    "$IT_DIR/hist-$1-$2.json" "$3" $LOOPS 2>&1)
	[ "$v" = 1 ] || { ok=1; tap_diag "$1 $2: $(cat "$IT_DIR/hist-$1-$2.json")"; }
done
tap_ok $ok "stratactl ovs hist --path: lookup 8, actions 6, send 2 ms on tap1; queue 16, handler 20, put 4, execute 14 ms on tap2 (p50 within one bucket, buckets summing to $LOOPS)"
it_ctl ovs hist cmp1 tap2 >"$IT_DIR/hist.txt" 2>&1
tap_ok "$(grep -q "^cmp1 br-int total port tap2: $LOOPS packets" "$IT_DIR/hist.txt" && grep -q '|##' "$IT_DIR/hist.txt"; echo $?)" \
    "stratactl ovs hist cmp1 tap2: the terminal histogram" || tap_diag "$(cat "$IT_DIR/hist.txt")"

# Rates: the whole windows (not the first or last, which are partial) of
# br-int have 10 installs and upcalls per second, as played.
tap_rec "$J" "len([r for r in R if r[\"kind\"] == \"ovs_flows\" and r[\"bridge\"] == \"br-int\" and r[\"installs\"] > 0][1:-1]) >= 1 and all(9 <= r[\"installs_per_s\"] <= 11 and 9 <= r[\"upcalls_per_s\"] <= 11 for r in [r for r in R if r[\"kind\"] == \"ovs_flows\" and r[\"bridge\"] == \"br-int\" and r[\"installs\"] > 0][1:-1]) and sum(r[\"installs\"] for r in R if r[\"kind\"] == \"ovs_flows\") == $LOOPS" \
    "ovs_flows: 10 installs/s and 10 upcalls/s (±10 %) in the whole windows, $LOOPS installs in all"

it_ctl --json alerts --all >"$IT_DIR/alerts.json" 2>>"$IT_DIR/ctl.log"
v=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
lat = [a for a in j if a["name"] == "ovs.latency_high"]
st = [a for a in j if a["name"] == "ovs.upcall_storm"]
ok = any(a["subject"] == {"kind": "ovs", "id": "br-int/tap2"} for a in lat) and \
    len(st) == 1 and st[0]["subject"] == {"kind": "ovs", "id": "br-int"} and \
    st[0]["state"] == "resolved" and st[0]["node"] == "cmp1"
print(1 if ok else 0)' "$IT_DIR/alerts.json" 2>&1)
tap_ok "$([ "$v" = 1 ] && echo 0 || echo 1)" \
    "alerts: ovs.latency_high for br-int/tap2 (68 ms > 50 ms), ovs.upcall_storm for br-int (10/s > 5/s) resolved when the traffic stopped" ||
    tap_diag "$(cat "$IT_DIR/alerts.json")"
# tap1 (24 ms) is under the threshold, but with fewer than 100 packets a
# window's p99 is its slowest packet: one late wake-up of the emitter can
# raise it, so this is said, not checked.
tap_diag "ovs.latency_high subjects: $(python3 -c '
import json, sys
print(sorted({a["subject"]["id"] for a in json.load(open(sys.argv[1])) if a["name"] == "ovs.latency_high"}))' "$IT_DIR/alerts.json")"
tap_done
