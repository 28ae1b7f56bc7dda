#!/bin/bash
# kernel-offline.sh: strata-agent --trace --once on the real lttng-modules
# traces of tests/data/kernel (README.md there: Trace Compass's test
# traces), its kernel figures checked against the same figures computed
# independently from babeltrace2's text output (kernel_figures.py):
# - many-threads (lttng-modules 2.8, 8 CPUs, 8,000 threads): every
#   thread's CPU time, run-queue wait and switches, to the nanosecond;
#   threads that exited left the agent's table;
# - scp_src (lttng-modules 2.1): block latencies of 8:0 (requests, bytes,
#   max and mean exactly, p50/p99 within the histogram's 12.5 %), and the
#   bad input it also is: babeltrace2 2.0 cannot read it to its end, the
#   agent says so, exits non-zero and keeps what it read;
# - softirq and irq time per CPU (both traces: lttng-modules 2.1's
#   softirq_* and 2.8's irq_softirq_* names) against the text too;
# - the same records pushed to an aggregator (times moved to today: the
#   store refuses times 10 years away) fill `stratactl --json disks`,
#   `--json threads` (the contract's members) and `--json cpus`, and
#   `volume ID` finds the host device under a Cinder attachment;
# - both traces again with `threads = 1` (no reader thread): the same
#   records, byte for byte, the same exit and the same word on scp_src.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init kernel-offline 240
it_need_prog "$IT_AGENT" "$IT_AGGREGATOR" "$IT_STRATACTL" \
    "$top_builddir/tests/helpers/strata-push"
command -v babeltrace2 >/dev/null || tap_skip_all "babeltrace2 not installed"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"
DATA=$top_srcdir/tests/data/kernel
FIG=$top_srcdir/tests/integration/kernel_figures.py
[ -d "$DATA/many-threads" ] || tap_skip_all "no $DATA/many-threads"

tap_plan 35

# offline NAME JSONL [AGENT ARGS]: the agent on tests/data/kernel/NAME; RC.
offline()
{
	local n=$1 out=$2
	shift 2
	timeout -k 5 120 "$IT_AGENT" --trace "$DATA/$n" --once --jsonl "$out" \
	    -D kernel.top_threads=1000000 "$@" >"$out.err" 2>&1
	RC=$?
}

# compare PY AGENT_JSONL: prints "threads N mismatches M first ..." for
# the threads, and the disks' figures side by side as JSON lines.
compare()
{
	python3 - "$1" "$2" <<'EOF'
import collections, json, sys
py = json.load(open(sys.argv[1]))
ag = collections.defaultdict(collections.Counter)
disks = {}
cpurec = {"cpus": []}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["kind"] == "kernel_thread":
        for k in ("cpu_ns", "wait_ns", "switches", "kvm_exits"):
            ag[str(r["tid"])][k] += r[k]
    elif r["kind"] == "kernel_disk":
        disks[r["device"]] = r
    elif r["kind"] == "kernel_cpu":
        cpurec = r
names = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET",
         "SCHED", "HRTIMER", "RCU"]
agc = {str(c["cpu"]): c for c in cpurec["cpus"]}
cbad = []
for cpu, x in py["cpus"].items():
    a = agc.get(cpu, {"softirq": {}, "irqs": None, "irq_ms": None})
    for vec, (cnt, ns) in x["softirq"].items():
        s = a["softirq"].get(names[int(vec)])
        if not s or s["count"] != cnt or abs(s["ms"] - ns / 1e6) > 1e-9:
            cbad.append("cpu %s %s" % (cpu, names[int(vec)]))
    if a["irqs"] != x["irqs"] or a["irq_ms"] is None or \
            abs(a["irq_ms"] - x["irq_ns"] / 1e6) > 1e-9:
        cbad.append("cpu %s irq" % cpu)
bad = []
for tid, x in py["threads"].items():
    for k, v in x.items():
        if ag[tid][k] != v:
            bad.append("%s %s agent %d babeltrace2 %d" % (tid, k, ag[tid][k], v))
extra = [t for t in ag if t not in py["threads"]]
cpu = sum(x["cpu_ns"] for x in py["threads"].values())
wait = sum(x["wait_ns"] for x in py["threads"].values())
print(json.dumps({"cpus": len(py["cpus"]), "cpu_bad": cbad,
    "softirqs": sum(v[0] for x in py["cpus"].values() for v in x["softirq"].values()),
    "threads": len(py["threads"]), "bad": len(bad),
    "first": bad[:3], "extra": len(extra), "cpu_ns": cpu, "wait_ns": wait,
    "disks": {d: {"py": x, "agent": {k: disks.get(d, {}).get(k) for k in x}}
              for d, x in py["disks"].items()}}))
EOF
}

# --- many-threads: read to its end, every thread to the nanosecond
J=$IT_DIR/mt.jsonl
offline many-threads "$J"
tap_is "$RC" 0 "many-threads: the agent reads it to its end (exit 0)" ||
    tap_diag "$(tail -n 3 "$J.err")"
babeltrace2 --clock-seconds "$DATA/many-threads" 2>"$IT_DIR/mt.bt.err" |
    python3 "$FIG" >"$IT_DIR/mt.py.json"
tap_ok $? "babeltrace2's text of many-threads read by kernel_figures.py"
C=$(compare "$IT_DIR/mt.py.json" "$J")
tap_diag "compared: $(echo "$C" | head -c 400)"
q() { echo "$C" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
tap_cmp "$(q 'd["threads"]')" -ge 8000 \
    "many-threads: $(q 'd["threads"]') threads in babeltrace2's text"
tap_is "$(q 'd["bad"]')" 0 \
    "every thread's CPU time, wait and switches as computed from the text" ||
    tap_diag "$(q 'd["first"]')"
tap_is "$(q 'd["extra"]')" 0 "and no thread the text does not have"
tap_cmp "$(q 'd["cpu_ns"] // 1000000')" -gt 1000 \
    "the threads ran $(q 'd["cpu_ns"] // 1000000') ms in all (not an empty match)"
tap_cmp "$(q 'd["wait_ns"] // 1000000')" -gt 0 \
    "and waited $(q 'd["wait_ns"] // 1000000') ms on run queues"
tap_is "$(q 'd["cpus"]'):$(q 'd["cpu_bad"]')" "8:[]" \
    "many-threads: softirq (irq_softirq_*) time and count of each vector on each of the 8 CPUs, and irq time, as computed from the text ($(q 'd["softirqs"]') softirqs)"
ST=$(sed -n 's/.*"kernel":\({[^}]*}\).*/\1/p' "$J.err")
DROPPED=$(echo "$ST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["threads_dropped"])' 2>/dev/null)
LEFT=$(echo "$ST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["threads"])' 2>/dev/null)
tap_cmp "${DROPPED:-x}" -ge 7000 \
    "threads that exited left the agent's table ($DROPPED dropped, $LEFT left)"
offline many-threads "$IT_DIR/mt1.jsonl" -D threads=1
tap_ok "$( [ "$RC" = 0 ] && cmp -s "$J" "$IT_DIR/mt1.jsonl"; echo $?)" \
    "many-threads, threads = 1: exit 0 and the same $(wc -l <"$J") records, byte for byte" ||
    tap_diag "exit $RC; $(cmp "$J" "$IT_DIR/mt1.jsonl" 2>&1 | head -n 1)"

# --- scp_src: cut short by babeltrace2, block latencies
J=$IT_DIR/scp.jsonl
offline scp_src "$J"
tap_cmp "$RC" -ge 1 "scp_src: not readable to its end: exit $RC"
tap_cmp "$RC" -lt 124 "scp_src: no signal, no timeout"
grep -q "trace not read to its end: the [0-9]* events read before the error are analysed" "$J.err"
tap_ok $? "the agent says the trace was not read to its end and what it kept" ||
    tap_diag "$(tail -n 3 "$J.err")"
RC2=$RC
offline scp_src "$IT_DIR/scp1.jsonl" -D threads=1
tap_is "$RC" "$RC2" "scp_src, threads = 1: the same exit ($RC)"
grep -q "trace not read to its end: the [0-9]* events read before the error are analysed" \
    "$IT_DIR/scp1.jsonl.err"
tap_ok $? "scp_src, threads = 1: the same word on what was kept" ||
    tap_diag "$(tail -n 3 "$IT_DIR/scp1.jsonl.err")"
cmp -s "$J" "$IT_DIR/scp1.jsonl"
tap_ok $? "scp_src, threads = 1: the same $(wc -l <"$J") records, byte for byte" ||
    tap_diag "$(cmp "$J" "$IT_DIR/scp1.jsonl" 2>&1 | head -n 1)"
babeltrace2 --clock-seconds "$DATA/scp_src" 2>/dev/null |
    python3 "$FIG" >"$IT_DIR/scp.py.json"
C=$(compare "$IT_DIR/scp.py.json" "$J")
tap_diag "compared: $(echo "$C" | head -c 600)"
tap_is "$(q 'd["bad"]')" 0 \
    "scp_src: $(q 'd["threads"]') threads' figures as babeltrace2's text has them"
tap_is "$(q 'd["cpu_bad"]')" "[]" \
    "scp_src: softirq (softirq_*, lttng-modules 2.1's names) and irq time as the text has them ($(q 'd["softirqs"]') softirqs)"
D='d["disks"]["8:0"]'
tap_cmp "$(q "$D[\"py\"][\"requests\"]")" -ge 5 \
    "8:0: $(q "$D[\"py\"][\"requests\"]") requests completed in babeltrace2's text"
tap_is "$(q "$D[\"agent\"][\"requests\"]")" "$(q "$D[\"py\"][\"requests\"]")" \
    "the agent's kernel_disk 8:0 has as many"
tap_is "$(q "$D[\"agent\"][\"bytes\"]")" "$(q "$D[\"py\"][\"bytes\"]")" \
    "and the same bytes ($(q "$D[\"py\"][\"bytes\"]"))"
tap_is "$(q "round($D[\"agent\"][\"max_ms\"], 6)")" \
    "$(q "round($D[\"py\"][\"max_ms\"], 6)")" \
    "max latency $(q "$D[\"py\"][\"max_ms\"]") ms"
tap_is "$(q "round($D[\"agent\"][\"mean_ms\"], 6)")" \
    "$(q "round($D[\"py\"][\"mean_ms\"], 6)")" \
    "mean latency $(q "round($D[\"py\"][\"mean_ms\"], 4)") ms"
tap_is "$(q "all($D[\"py\"][p] <= $D[\"agent\"][p] <= $D[\"py\"][p] * 1.125 + 0.001 for p in ('p50_ms', 'p99_ms'))")" \
    True "p50 $(q "$D[\"agent\"][\"p50_ms\"]") and p99 $(q "$D[\"agent\"][\"p99_ms\"]") ms within a bucket of the text's $(q "$D[\"py\"][\"p50_ms\"]") and $(q "$D[\"py\"][\"p99_ms\"]")"

# --- the same records through an aggregator: stratactl disks and threads.
# The aggregator refuses times more than 10 years from its clock
# (docs/store.md, "Range checks") and these traces are from 2013 and 2016:
# their records are pushed (tests/helpers/strata-push, the agent's push
# code) with every time moved by one whole number of days to the last
# day; durations and counts are the agent's.
PUSH=$top_builddir/tests/helpers/strata-push
it_start_aggregator
tap_ok $? "strata-aggregator starts" || tap_skip_rest
for n in scp mt; do
	python3 - "$IT_DIR/$n.jsonl" >"$IT_DIR/$n.now.jsonl" <<'EOF'
import json, sys, time
recs = [json.loads(l) for l in open(sys.argv[1])]
last = max(r["t_ns"] for r in recs)
day = 86400 * 10**9
shift = (int(time.time() * 1e9) - last) // day * day
for r in recs:
    for k, v in list(r.items()):
        if k in ("t_ns", "start_ns", "end_ns", "since_ns", "last_ns",
                 "first_ns") and isinstance(v, int) and v > 0:
            r[k] = v + shift
    print(json.dumps(r))
EOF
	"$PUSH" "127.0.0.1:$IT_AGG_PORT" "k-$n" "$IT_DIR/$n.now.jsonl" "" 60 \
	    >"$IT_DIR/push-$n.log" 2>&1 ||
	    tap_diag "push $n: $(tail -n 2 "$IT_DIR/push-$n.log")"
done
it_ctl --json disks >"$IT_DIR/disks.json" 2>"$IT_DIR/disks.err"
tap_ok $? "stratactl --json disks answers" || tap_diag "$(cat "$IT_DIR/disks.err")"
DK=$(python3 - "$IT_DIR/disks.json" "$IT_DIR/scp.py.json" <<'EOF'
import json, sys
arr = json.load(open(sys.argv[1]))
py = json.load(open(sys.argv[2]))["disks"]["8:0"]
keys = {"node", "device", "requests", "bytes", "p50_ms", "p99_ms", "max_ms",
        "since_ns", "source"}
d = [x for x in arr if x.get("node") == "k-scp" and x.get("device") == "8:0"]
print("ok" if d and keys <= set(d[0]) and d[0]["requests"] == py["requests"]
      and d[0]["bytes"] == py["bytes"] and d[0]["source"] == "lttng-modules"
      and abs(d[0]["max_ms"] - py["max_ms"]) < 1e-6 and d[0]["since_ns"] > 0
      else "bad %r" % d)
EOF
)
tap_is "$DK" ok "--json disks: k-scp 8:0 with the contract's members and the figures above"
it_ctl disks >"$IT_DIR/disks.txt" 2>&1
grep -q "8:0" "$IT_DIR/disks.txt"
tap_ok $? "stratactl disks prints a table with 8:0" || tap_diag "$(cat "$IT_DIR/disks.txt")"
it_ctl --json threads --node k-mt --limit 100000 >"$IT_DIR/threads.json" 2>"$IT_DIR/threads.err"
tap_ok $? "stratactl --json threads --node k-mt --limit 100000 answers" ||
    tap_diag "$(cat "$IT_DIR/threads.err")"
TH=$(python3 - "$IT_DIR/threads.json" "$IT_DIR/mt.py.json" <<'EOF'
import json, sys
arr = json.load(open(sys.argv[1]))
py = json.load(open(sys.argv[2]))["threads"]
keys = {"node", "pid", "tid", "comm", "role", "cpu_ms", "wait_ms",
        "switches", "kvm_exits"}
# *_ms to the microsecond (3 decimals), *_ns exactly
bad = [x for x in arr if not keys <= set(x) or
       abs(x["cpu_ms"] - py[str(x["tid"])]["cpu_ns"] / 1e6) > 0.0006 or
       abs(x["wait_ms"] - py[str(x["tid"])]["wait_ns"] / 1e6) > 0.0006 or
       x["cpu_ns"] != py[str(x["tid"])]["cpu_ns"] or
       x["wait_ns"] != py[str(x["tid"])]["wait_ns"] or
       x["switches"] != py[str(x["tid"])]["switches"]]
print(len(arr), len(bad) if arr else "none", bad[:2])
EOF
)
tap_cmp "${TH%% *}" -ge 20 "--json threads: ${TH%% *} threads of k-mt"
R=${TH#* }
tap_is "${R%% *}" 0 "each with the contract's members and the figures of the text" ||
    tap_diag "$TH"
it_ctl --json cpus --node k-mt >"$IT_DIR/cpus.json" 2>&1
tap_json c="$IT_DIR/cpus.json" p="$IT_DIR/mt.py.json" <<'EOF'
--json cpus: k-mt's 8 CPUs with the softirq counts of the text
	len(c["cpus"]) == 8 and sum(v["count"] for x in c["cpus"]
	 for v in x["softirq"].values()) == sum(v[0] for x in p["cpus"].values()
	 for v in x["softirq"].values()) and all({"node", "cpu", "softirq_ms",
	 "net_rx_ms", "net_tx_ms", "irq_ms", "irqs"} <= set(x) for x in c["cpus"])
EOF

# --- the host's device under a Cinder volume: `volume ID` links the
# attachment (iSCSI target and LUN) to the disk whose udev by-path name is
# that LUN's (the agent reads /dev/disk/by-path; here a record says it).
python3 - >"$IT_DIR/vol.jsonl" <<'EOF'
import json, time
now = int(time.time() * 1e9)
V = "5b1c0a2e-1111-4c2d-9e3f-0a1b2c3d4e5f"
IQN = "iqn.2010-10.org.openstack:volume-" + V
print(json.dumps({"kind": "volume", "node": "k-cmp", "id": "k-cmp/" + V,
    "t_ns": now, "last_ns": now, "volume_id": V, "name": "data",
    "size_gb": 1, "status": "in-use", "backend": "ctl@lvm#lvm",
    "attachments": [{"attachment_id": "a1", "instance_uuid": "i-1",
        "host": "k-cmp", "mountpoint": "/dev/vdb", "target": None,
        "connection": {"driver_volume_type": "iscsi", "target_iqn": IQN,
            "target_portal": "192.0.2.10:3260", "target_lun": 1}}]}))
print(json.dumps({"kind": "kernel_disk", "node": "k-cmp",
    "id": "k-cmp/sdc", "t_ns": now, "device": "sdc", "dev": (8 << 20) | 32,
    "source": "lttng-modules", "since_ns": now - 10**9, "last_ns": now,
    "requests": 40, "bytes": 163840, "p50_ms": 2.5, "p99_ms": 9.0,
    "max_ms": 9.5, "mean_ms": 3.0,
    "paths": ["/dev/disk/by-path/ip-192.0.2.10:3260-iscsi-" + IQN + "-lun-1"]}))
print(json.dumps({"kind": "kernel_disk", "node": "k-cmp",
    "id": "k-cmp/sdd", "t_ns": now, "device": "sdd", "dev": (8 << 20) | 48,
    "source": "lttng-modules", "since_ns": now - 10**9, "last_ns": now,
    "requests": 1, "bytes": 4096, "p50_ms": 1, "p99_ms": 1, "max_ms": 1,
    "paths": ["/dev/disk/by-path/ip-192.0.2.10:3260-iscsi-" + IQN + "-lun-2"]}))
EOF
"$PUSH" "127.0.0.1:$IT_AGG_PORT" k-cmp "$IT_DIR/vol.jsonl" "" 30 \
    >"$IT_DIR/push-vol.log" 2>&1
it_ctl --json volume 5b1c0a2e-1111-4c2d-9e3f-0a1b2c3d4e5f >"$IT_DIR/vol.json" 2>&1
tap_json v="$IT_DIR/vol.json" <<'EOF'
volume ID: its attachment's host device is sdc (LUN 1's by-path name), not sdd (LUN 2), with its latency
	[(a["device"]["device"], a["device"]["node"], a["device"]["p99_ms"],
	  a["device"]["requests"]) for a in v["attachments"]] ==
	[("sdc", "k-cmp", 9.0, 40)]
EOF

# --- bad kernel records: skipped and counted, the aggregator unharmed
python3 - >"$IT_DIR/bad.jsonl" <<'EOF'
import json, time
now = int(time.time() * 1e9)
base = {"kind": "kernel_thread", "node": "k-bad", "t_ns": now, "tid": 5,
        "start_ns": now - 10**9, "end_ns": now, "cpu_ns": 1, "wait_ns": 1,
        "switches": 1, "kvm_exits": 0}
def rec(i, **kw):
    r = dict(base, id="k-bad/%d" % i)
    for k, v in kw.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    print(json.dumps(r))
rec(1, tid=None)                        # no tid
rec(2, tid="five")                      # a string tid
rec(3, cpu_ns=-5)                       # negative time
rec(4, start_ns=now, end_ns=now - 10)   # ends before it starts
rec(5, end_ns=10**30)                   # past every range
rec(6, neighbours="burn")               # neighbours not an array
rec(7, neighbours=[{"tid": "x"}, 3, None], comm=["a"], role=7)
rec(8)                                  # a good one
print(json.dumps({"kind": "kernel_disk", "node": "k-bad", "id": "k-bad/d",
                  "t_ns": now}))        # no device
print(json.dumps({"kind": "kernel_cpu", "node": "k-bad", "t_ns": now}))
print(json.dumps({"kind": "kernel_cpu", "node": "k-bad", "id": "k-bad/cpus",
                  "t_ns": now, "cpus": "none", "interfaces": {"a": 1}}))
EOF
"$PUSH" "127.0.0.1:$IT_AGG_PORT" k-bad "$IT_DIR/bad.jsonl" "" 30 \
    >"$IT_DIR/push-bad.log" 2>&1
tap_ok $? "bad kernel records: the aggregator acknowledges the batch" ||
    tap_diag "$(tail -n 3 "$IT_DIR/push-bad.log")"
it_ctl --json threads --node k-bad >"$IT_DIR/bad-threads.json" 2>&1
it_ctl --json cpus --node k-bad >"$IT_DIR/bad-cpus.json" 2>&1
it_ctl --json status >"$IT_DIR/bad-status.json" 2>&1
tap_json t="$IT_DIR/bad-threads.json" c="$IT_DIR/bad-cpus.json" st="$IT_DIR/bad-status.json" <<'EOF'
bad kernel records: the good thread kept (and the one with odd neighbours, comm and role, their members left out), the rest skipped; cpus answers
	sorted((x["tid"], x["neighbours"] in (None, [])) for x in t) == [(5, True)] and
	c["cpus"] == [] and c["interfaces"] == [] and
	st["kernel_samples"] >= 2
EOF
tap_done
