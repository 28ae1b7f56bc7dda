#!/bin/bash
# tests/integration/aggregator_ctl.sh: strata-aggregator end to end on a
# temporary database and control socket.  The real agent pushes what it
# finds in the recorded qemu-mig trace (strata-agent --trace --aggregator);
# a destination side and a stalled, cancelled migration written here go
# over the same protocol (test_ctl_push, the transport's push API); then
# stratactl's JSON contract, `alerts --follow` latency, alert ack, the exec
# hook (alert JSON on stdin; a hung hook killed at its timeout), malformed
# control requests, query latencies, node.stale, and a clean SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-ctl 120
AGG="$top_builddir/aggregator/strata-aggregator"
CTL="$top_builddir/clients/stratactl"
PUSH="$top_builddir/tests/helpers/strata-push"
it_need_prog "$AGG" "$CTL" "$PUSH" "$IT_AGENT"
tap_plan 38

SOCK="$IT_DIR/ctl.sock"
HOOKDIR="$IT_DIR/hook"
mkdir -p "$HOOKDIR"
PORT=$(it_free_ports 1)

ms_now() { date +%s%3N; }
ctl() { "$CTL" -s "$SOCK" "$@"; }
# py EXPR FILE: EXPR over j = the JSON in FILE (exit 1 on a false value).
py()
{
	python3 -c '
import json, sys
j = json.load(open(sys.argv[2]))
v = eval(sys.argv[1])
print(v)
sys.exit(0 if v not in (False, None) else 1)' "$1" "$2"
}
# wait_file FILE PATTERN TIMEOUT_MS: waits until FILE has a line matching.
wait_file()
{
	local end=$(($(ms_now) + $3))
	while [ "$(ms_now)" -lt "$end" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# ---- the hook: saves what it gets; hangs for migration.failed -------------
cat >"$IT_DIR/hook.sh" <<EOF
#!/bin/sh
cat >"$HOOKDIR/alert-\$STRATA_ALERT_ID-\$STRATA_ALERT_EVENT.json"
echo "\$STRATA_ALERT \$STRATA_ALERT_EVENT \$STRATA_SEVERITY \$STRATA_NODE \$STRATA_MESSAGE_ID" >>"$HOOKDIR/env.log"
if [ "\$STRATA_ALERT" = migration.failed ]; then
	echo \$\$ >"$HOOKDIR/hang.pid"
	sleep 60 &
	echo \$! >"$HOOKDIR/sleep.pid"
	wait
fi
EOF
chmod 755 "$IT_DIR/hook.sh"

# ---- records ----------------------------------------------------------------
# The destination side is made from what the agent finds in the trace.
"$IT_AGENT" --node cmp1 --trace "$top_srcdir/tests/data/traces/qemu-mig" \
    --jsonl "$IT_DIR/cmp1.jsonl" --once >"$IT_DIR/agent.log" 2>&1
python3 - "$IT_DIR" <<'EOF'
import json, sys, time
d = sys.argv[1]
src = [json.loads(l) for l in open(d + "/cmp1.jsonl")]
final = [r for r in src if r["kind"] == "migration"][-1]
# The destination side of the same migration, as cmp2's agent reports it.
t0 = final["started_ns"] + 2000000
dst = {"kind": "migration", "node": "cmp2", "id": "cmp2/31337/%d" % t0,
       "t_ns": final["ended_ns"] + 3000000, "vm_uuid": final["vm_uuid"],
       "vm_name": final["vm_name"], "vpid": 31337, "role": "destination",
       "state": "completed", "outcome": "completed", "error": None,
       "started_ns": t0, "ended_ns": final["ended_ns"] + 3000000,
       "vm_resume_ns": final["ended_ns"] + 2000000, "total_ms": 100.0,
       "stages": [{"name": "load", "start_ns": t0,
                   "end_ns": final["ended_ns"] + 2000000,
                   "duration_ms": (final["ended_ns"] - t0) / 1e6 + 2}],
       "rounds": [], "pages_loaded_iterations": 5}
json.dump(dst, open(d + "/cmp2.jsonl", "w"))
# A stalled migration of another VM on cmp1, cancelled: rounds, alerts.
now = time.time_ns() - 60 * 10**9
sid = "cmp1/4242/%d" % now
uuid = "0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11"
recs = []
rounds = []
for n in range(1, 9):
    r = {"n": n, "t_ns": now + n * 8 * 10**9, "start_ns": now + (n - 1) * 8 * 10**9,
         "dirty_pages": 65536 - 37 * n, "duration_ms": 8000.0,
         "pending_bytes": 268435456, "bytes": 268435456,
         "bandwidth_bps": 33554432.0, "dirty_rate_bps": 33000000.0,
         "predicted_downtime_ms": 7996.0 - n, "throttle_pct": None,
         "verdict": "stalled" if n > 3 else "converging"}
    rounds.append(r)
    rr = dict(r, kind="migration_round", node="cmp1", id="%s#%d" % (sid, n),
              migration_id=sid, vm_uuid=uuid, vm_name="instance-0000002b")
    recs.append(rr)
end = now + 70 * 10**9
recs.append({"kind": "migration", "node": "cmp1", "id": sid, "t_ns": end,
             "vm_uuid": uuid, "vm_name": "instance-0000002b", "vpid": 4242,
             "role": "source", "state": "cancelled", "outcome": "cancelled",
             "error": None, "started_ns": now, "ended_ns": end,
             "total_ms": 70000.0, "downtime_ms": None, "verdict": "stalled",
             "predicted_downtime_ms": 7988.0, "downtime_limit_ms": 300.0,
             "stages": [{"name": "setup", "start_ns": now, "end_ns": now + 10**7,
                         "duration_ms": 10.0},
                        {"name": "precopy", "start_ns": now + 10**7,
                         "end_ns": now + 8 * 10**9, "duration_ms": 7990.0},
                        {"name": "iterative", "start_ns": now + 8 * 10**9,
                         "end_ns": end, "duration_ms": 62000.0}],
             "rounds": rounds})
for name, sev, t in (("migration.not_converging", "warning", now + 32 * 10**9),
                     ("migration.failed", "error", end)):
    recs.append({"kind": "alert", "node": "cmp1", "id": sid + "!" + name,
                 "name": name, "severity": sev, "migration_id": sid,
                 "vm_uuid": uuid, "vm_name": "instance-0000002b", "t_ns": t,
                 "message": "live migration of instance-0000002b: " + name,
                 "evidence": {"verdict": "stalled", "downtime_limit_ms": 300}})
with open(d + "/stalled.jsonl", "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
EOF

# ---- start ------------------------------------------------------------------
"$AGG" -d --listen "127.0.0.1:$PORT" --db "$IT_DIR/agg.db" --ctl "$SOCK" \
    --stale-after 4s --hook "$IT_DIR/hook.sh" --hook-timeout 1s \
    --alert-log none >"$IT_DIR/aggregator.log" 2>&1 &
AGG_PID=$!
IT_PIDS+=("$AGG_PID")
n=50
while [ ! -S "$SOCK" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
tap_ok "$([ -S "$SOCK" ]; echo $?)" "aggregator up: control socket $SOCK"
tap_is "$(stat -c %a "$SOCK")" 660 "control socket mode is 0660"
ctl --json status >"$IT_DIR/status.json"
tap_is "$(py 'j["aggregator"]["protocol"]' "$IT_DIR/status.json")" 1 \
    "stratactl --json status: protocol 1"

"$CTL" -s "$IT_DIR/nothere.sock" status >/dev/null 2>"$IT_DIR/err"
st=$?
tap_ok "$([ $st -eq 3 ] && grep -q 'is strata-aggregator running' \
    "$IT_DIR/err"; echo $?)" "no aggregator: exit 3 with a clear message"
"$CTL" -s "$SOCK" frobnicate >/dev/null 2>&1
tap_is $? 2 "unknown command: exit 2"
ctl migration no-such-thing >/dev/null 2>"$IT_DIR/err"
st=$?
tap_ok "$([ $st -eq 1 ] && grep -q 'no migration' "$IT_DIR/err"; echo $?)" \
    "unknown migration: exit 1, the aggregator's message"

# ---- push, follow -------------------------------------------------------------
ctl --json alerts --follow >"$IT_DIR/follow.out" 2>"$IT_DIR/follow.err" &
FOLLOW_PID=$!
IT_PIDS+=("$FOLLOW_PID")
wait_file "$IT_DIR/aggregator.log" "follows alerts" 3000
t0=$(ms_now)
# cmp1: the real agent reads the recorded trace and pushes to us.
timeout -k 5 30 "$IT_AGENT" --node cmp1 --once \
    --trace "$top_srcdir/tests/data/traces/qemu-mig" \
    --aggregator "127.0.0.1:$PORT" >>"$IT_DIR/agent.log" 2>&1 &&
"$PUSH" "127.0.0.1:$PORT" cmp2 "$IT_DIR/cmp2.jsonl" >>"$IT_DIR/push.log" 2>&1 &&
"$PUSH" "127.0.0.1:$PORT" cmp1 "$IT_DIR/stalled.jsonl" >>"$IT_DIR/push.log" 2>&1
tap_is $? 0 "strata-agent --aggregator (cmp1, real trace) and cmp2's side pushed, acknowledged"
t1=$(ms_now)
wait_file "$IT_DIR/follow.out" "migration.not_converging" 3000
t2=$(ms_now)
tap_ok "$(grep -q '"name":"migration.not_converging"' "$IT_DIR/follow.out"; \
    echo $?)" "alerts --follow prints the not_converging alert"
tap_diag "push of the last batch took $((t1 - t0)) ms; alert seen by the follower $((t2 - t0)) ms after the first push, $((t2 - t1)) ms after the last ack"
tap_cmp "$((t2 - t1))" -lt 1000 "the follower has it within 1 s of the ack"

# ---- the JSON contract ---------------------------------------------------------
ctl --json migrations >"$IT_DIR/migs.json"
ctl --json migrations --failed >"$IT_DIR/failed.json"
ctl --json migrations --vm instance-0000002a --node cmp2 >"$IT_DIR/vm.json"
ctl --json alerts >"$IT_DIR/alerts.json"
# One python for every check (its start is slow on a loaded machine).
python3 - "$IT_DIR" >"$IT_DIR/checks.txt" <<'PY'
import json, sys
d = sys.argv[1]
L = lambda n: json.load(open(d + "/" + n))
m, f, v, a = L("migs.json"), L("failed.json"), L("vm.json"), L("alerts.json")
MK = ("id", "vm_uuid", "vm_name", "src_node", "dst_node", "state", "outcome",
      "verdict", "rounds", "downtime_ms", "total_ms", "started_ns", "ended_ns")
AK = ("id", "name", "state", "severity", "node", "vm_uuid", "migration_id",
      "t_ns", "message")
by = {x["vm_name"]: x for x in m}
ok, st = by.get("instance-0000002a", {}), by.get("instance-0000002b", {})
mig_alerts = [x for x in a if x["name"].startswith("migration.")]
print("array", isinstance(m, list) and len(m))
print("mfields", all(all(k in x for k in MK) for x in m))
print("ok", ok.get("src_node"), ok.get("dst_node"), ok.get("outcome"), ok.get("rounds"))
print("stalled", st.get("state"), st.get("outcome"), st.get("verdict"), st.get("rounds"))
print("failed", [x["vm_name"] for x in f])
print("vm", len(v))
print("aarray", isinstance(a, list) and all(all(k in x for k in AK) for x in a))
print("anames", sorted(x["name"] for x in mig_alerts))
print("NC", [x["id"] for x in a if x["name"] == "migration.not_converging"][0])
print("MID", st.get("id"))
print("MOK", ok.get("id"))
PY
chk() { sed -n "s/^$1 //p" "$IT_DIR/checks.txt"; }
tap_is "$(chk array)" 2 "stratactl --json migrations: a JSON array of 2"
tap_is "$(chk mfields)" True "every migration has the contract fields"
tap_is "$(chk ok)" "cmp1 cmp2 completed 4" \
    "the real trace's migration: cmp1 -> cmp2 (sides correlated), completed, 4 rounds"
tap_is "$(chk stalled)" "cancelled cancelled stalled 8" \
    "the stalled migration: cancelled, stalled, 8 rounds"
tap_is "$(chk failed)" "['instance-0000002b']" \
    "migrations --failed lists only the cancelled one"
tap_is "$(chk vm)" 1 "migrations --vm --node filters"
tap_is "$(chk aarray)" True \
    "stratactl --json alerts: an array, every alert with the contract fields"
tap_is "$(chk anames)" "['migration.failed', 'migration.not_converging']" \
    "alerts: not_converging and failed"
NC=$(chk NC)
MID=$(chk MID)
MOK=$(chk MOK)

ctl migration "$MOK" >"$IT_DIR/mig-ok.txt"
tap_ok "$(grep -q 'source on cmp1' "$IT_DIR/mig-ok.txt" &&
    grep -q 'destination on cmp2' "$IT_DIR/mig-ok.txt" &&
    grep -q 'iterative' "$IT_DIR/mig-ok.txt" &&
    grep -q '^  load' "$IT_DIR/mig-ok.txt"; echo $?)" \
    "stratactl migration: both sides with their stages"
ctl migration "$MID" >"$IT_DIR/mig-stalled.txt"
tap_is "$(grep -c '█.* over$' "$IT_DIR/mig-stalled.txt")" 8 \
    "the stalled migration's plot: 8 bars, each over the 300 ms limit"
tap_diag "$(sed -n '/^round/,$p' "$IT_DIR/mig-stalled.txt")"
tap_ok "$(grep -q 'pending bytes after each sync against the threshold 9.6 MiB (bandwidth x downtime limit)' \
    "$IT_DIR/mig-stalled.txt"; echo $?)" \
    "without threshold_bytes the plot's threshold is bandwidth x downtime limit (32 MiB/s x 300 ms)"

# ---- the plot charts what the verdict decides on; a resolved alert --------------
# instance-0000002c: dirty_pages grows while the pending bytes fall below
# QEMU's threshold (8 MiB) in round 3; its not_converging alert is resolved
# by migration.converged.
CID=$(python3 - "$IT_DIR" <<'EOF2'
import json, sys, time
d = sys.argv[1]
now = time.time_ns() - 30 * 10**9
sid = "cmp1/4343/%d" % now
uuid = "5c1d0f7e-8a4b-4c2e-b1f3-9e7d6a5b4c3d"
common = dict(vm_uuid=uuid, vm_name="instance-0000002c")
rounds, recs = [], []
for n, dirty, pend in ((1, 1000, 64 << 20), (2, 50000, 16 << 20), (3, 90000, 4 << 20)):
    r = {"n": n, "t_ns": now + n * 10**9, "start_ns": now + (n - 1) * 10**9,
         "dirty_pages": dirty, "duration_ms": 1000.0, "pending_bytes": pend,
         "bytes": 64 << 20, "bandwidth_bps": 67108864.0,
         "dirty_rate_bps": 16777216.0 * n, "predicted_downtime_ms": 2000.0,
         "throttle_pct": None, "verdict": "converging"}
    rounds.append(r)
    recs.append(dict(r, kind="migration_round", node="cmp1",
                     id="%s#%d" % (sid, n), migration_id=sid, **common))
recs.append(dict(kind="migration", node="cmp1", id=sid, t_ns=now + 4 * 10**9,
                 vpid=4343, role="source", state="completed",
                 outcome="completed", error=None, started_ns=now,
                 ended_ns=now + 4 * 10**9, total_ms=4000.0, downtime_ms=50.0,
                 verdict="converging", downtime_limit_ms=300.0,
                 threshold_bytes=8 << 20, bandwidth_bps=67108864.0,
                 stages=[], rounds=rounds, **common))
for name, sev, t in (("migration.not_converging", "warning", now + 2 * 10**9),
                     ("migration.converged", "info", now + 3 * 10**9)):
    recs.append(dict(kind="alert", node="cmp1", id=sid + "!" + name, name=name,
                     severity=sev, migration_id=sid, t_ns=t,
                     message="live migration of instance-0000002c is not converging"
                     if name.endswith("not_converging") else "converged",
                     evidence={"threshold_bytes": 8 << 20}, **common))
with open(d + "/converged.jsonl", "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
print(sid)
EOF2
)
"$PUSH" "127.0.0.1:$PORT" cmp1 "$IT_DIR/converged.jsonl" >>"$IT_DIR/push.log" 2>&1
ctl migration "$CID" >"$IT_DIR/mig-conv.txt"
tap_diag "$(sed -n '/^pending bytes/,$p' "$IT_DIR/mig-conv.txt")"
tap_ok "$(grep -q 'pending bytes after each sync against the threshold 8.0 MiB$' \
    "$IT_DIR/mig-conv.txt" && grep -q 'dirty rate against the bandwidth' \
    "$IT_DIR/mig-conv.txt"; echo $?)" \
    "the plot names pending bytes against threshold_bytes (8 MiB) and the dirty rate against the bandwidth"
tap_is "$(sed -n '/^round  pending/,$p' "$IT_DIR/mig-conv.txt" | tail -n +2 | awk '{print $1, $NF}' | tr '\n' ' ')" \
    "1 over 2 over 3 ok " \
    "rounds 1-2 over the threshold, round 3 (4 MiB pending, most dirty pages) under it"
ctl alerts >"$IT_DIR/alerts-conv.txt"
tap_diag "$(cat "$IT_DIR/alerts-conv.txt")"
# The VM column: its name (the alert's vm_name), as the other lists.
tap_ok "$(grep 'migration.not_converging .*instance-0000002c' \
    "$IT_DIR/alerts-conv.txt" | grep -q 'resolved .*resolved: migration.converged$' &&
    ! grep -q 'instance-0000002c .*is not converging' \
    "$IT_DIR/alerts-conv.txt"; echo $?)" "a resolved not_converging alert prints its VM's name and its resolution, not 'is not converging'"

# ---- ack -------------------------------------------------------------------------
ctl alert ack "$NC" >"$IT_DIR/ack.txt"
tap_is $? 0 "alert ack $NC"
ctl alert ack "$NC" >/dev/null 2>"$IT_DIR/err"
tap_is $? 1 "a second ack of the same alert: exit 1"
wait_file "$IT_DIR/follow.out" '"event":"acked"' 2000
tap_ok $? "the follower sees the acked event"

# ---- hook ----------------------------------------------------------------------------
wait_file "$HOOKDIR/env.log" "migration.not_converging fired" 3000
f="$HOOKDIR/alert-$NC-fired.json"
tap_ok "$(py 'j["name"] == "migration.not_converging" and j["id"] == '"$NC" \
    "$f" >/dev/null; echo $?)" "the hook got the alert JSON on stdin"
tap_ok "$(grep -q 'migration.not_converging fired warning cmp1 9102c94da33740808bc698c7084da0e3' \
    "$HOOKDIR/env.log"; echo $?)" "and STRATA_* in its environment (MESSAGE_ID too)"
wait_file "$IT_DIR/aggregator.log" "killed" 4000
HANG=$(cat "$HOOKDIR/hang.pid" 2>/dev/null)
SLEEP=$(cat "$HOOKDIR/sleep.pid" 2>/dev/null)
# Running: exists and is no zombie (an orphan's zombie waits for pid 1).
running() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]; }
n=40
while { running "$HANG" || running "$SLEEP"; } && [ "$n" -gt 0 ]; do
	sleep 0.05
	n=$((n - 1))
done
tap_ok "$([ -n "$HANG" ] && [ -n "$SLEEP" ] && ! running "$HANG" &&
    ! running "$SLEEP"; echo $?)" \
    "the hung hook and its child were killed at the 1 s timeout"
ctl --json status >"$IT_DIR/status.json"
tap_is "$(py 'j["aggregator"]["alert_delivery"]["hooks_killed"]' \
    "$IT_DIR/status.json")" 1 "status counts 1 hook killed"

# ---- malformed requests, latency ------------------------------------------------------------
python3 - "$SOCK" >"$IT_DIR/bad.out" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
other = socket.socket(socket.AF_UNIX)
other.connect(sys.argv[1])
f = s.makefile("rwb")
bad = [b"hello\n", b"\x00\xff\xfe\n", b"[1,2]\n", b'{"cmd":"nope"}\n',
       b'{"cmd":"migrations","args":{"since":"yesterday"}}\n',
       b'{"cmd":"migration"}\n', b"{" * 5000 + b"\n", b"x" * 100000 + b"\n"]
n_err = 0
for b in bad:
    f.write(b); f.flush()
    r = json.loads(f.readline())
    if r.get("ok") is False and isinstance(r.get("error"), str) and r["error"]:
        n_err += 1
f.write(b'{"cmd":"status"}\n'); f.flush()
after = json.loads(f.readline()).get("ok")
other.sendall(b'{"cmd":"nodes"}\n')
o = json.loads(other.makefile("rb").readline()).get("ok")
print(n_err, len(bad), after, o)
EOF
tap_is "$(cat "$IT_DIR/bad.out")" "8 8 True True" \
    "8 malformed requests: 8 error objects; the connection and another client still served"

python3 - "$SOCK" >"$IT_DIR/lat.out" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
out = []
for cmd in ("status", "migrations", "alerts", "nodes"):
    t = []
    for i in range(200):
        t0 = time.perf_counter()
        f.write(json.dumps({"cmd": cmd}).encode() + b"\n"); f.flush()
        json.loads(f.readline())
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    out.append("%s p50 %.3f ms p99 %.3f ms" % (cmd, t[100], t[197]))
worst = max(float(x.split()[5]) for x in out)
print("; ".join(out))
print(int(worst))
EOF
tap_diag "query latency over one connection (200 each): $(head -1 "$IT_DIR/lat.out")"
tap_cmp "$(tail -1 "$IT_DIR/lat.out")" -lt 50 "p99 of every query < 50 ms"
t0=$(ms_now)
for i in 1 2 3 4 5 6 7 8 9 10; do ctl --json migrations >/dev/null; done
t1=$(ms_now)
tap_diag "stratactl --json migrations: $(((t1 - t0) / 10)) ms per run (process start included)"

# ---- stale, stop ---------------------------------------------------------------------------------
wait_file "$IT_DIR/follow.out" '"name":"node.stale"' 8000
tap_ok $? "node.stale reaches the follower once the agents are silent for 4 s"
# cmp1 pushed last (instance-0000002c): wait until it is stale too.
n=100
while ctl --json nodes >"$IT_DIR/nodes.json" &&
    ! py 'all(n["stale"] for n in j)' "$IT_DIR/nodes.json" >/dev/null &&
    [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
tap_is "$(py '[(n["name"], n["stale"]) for n in j]' "$IT_DIR/nodes.json")" \
    "[('cmp1', True), ('cmp2', True)]" "nodes: cmp1 and cmp2, both stale"

t0=$(ms_now)
kill -TERM "$AGG_PID"
wait "$AGG_PID"
st=$?
t1=$(ms_now)
tap_is "$st" 0 "SIGTERM: the aggregator exits 0"
tap_diag "stopped in $((t1 - t0)) ms"
tap_cmp "$((t1 - t0))" -lt 3000 "within 3 s"
wait "$FOLLOW_PID"
st=$?
tap_ok "$([ $st -eq 0 ] && tail -1 "$IT_DIR/follow.out" | grep -q '"end":true'
    echo $?)" "the follow stream ended with the end object, stratactl exit 0"
tap_ok "$([ ! -e "$SOCK" ]; echo $?)" "the control socket is removed"
tap_diag "follower lines: $(wc -l <"$IT_DIR/follow.out")"
