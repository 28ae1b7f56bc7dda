#!/bin/bash
# tests/integration/chain-bad.sh: bad input at the aggregator's doors while
# a real node keeps delivering.  strata-aggregator runs with a token and a
# hook that hangs; node cmp1's agent (the right token) pushes a live
# stream.  Meanwhile: agents with a wrong token or none are refused (the
# reason in both logs, nothing stored); raw connections send garbage, a
# wrong version, an oversized frame, a truncated one, a body that is not
# JSON, a batch before HELLO (python3 sockets): each closes only that
# connection; malformed control requests each get {"ok":false,"error":...}
# and the connection stays usable; every hanging hook is killed, with its
# child, at its 1 s timeout (status: hooks_killed).  cmp1's records all
# arrive, over one connection, never interrupted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-bad 120
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
tap_plan 26

J=$IT_DIR/cmp1.jsonl
CHAIN=$IT_CHAIN_CTL
TOKEN=$IT_DIR/token
BADTOKEN=$IT_DIR/token.bad
HOOKDIR=$IT_DIR/hooks
mkdir -p "$HOOKDIR"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOKEN"
echo "not-the-token" >"$BADTOKEN"
chmod 600 "$TOKEN" "$BADTOKEN"

# The hook: notes its start, then hangs in a child (the whole process
# group must be killed at the timeout).
cat >"$IT_DIR/hook.sh" <<EOF
#!/bin/sh
cat >/dev/null
sleep 300 &
echo "\$\$ \$! \$(date +%s%N) \$STRATA_ALERT \$STRATA_ALERT_EVENT" >>"$HOOKDIR/started"
wait
EOF
chmod 755 "$IT_DIR/hook.sh"

if ! { it_start_relayd && it_node_start cmp1 &&
    it_start_aggregator --token-file "$TOKEN" --hook "$IT_DIR/hook.sh" \
	--hook-timeout 1s &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_start_node_agent cmp1 cmp1 "$J" --token-file "$TOKEN" &&
    it_wait_viewer cmp1 20; }; then
	tap_ok 1 "relayd, session daemon, aggregator (token, hook), agent attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, session daemon, aggregator (token, hook), agent attached"
AGENT=$IT_LAST_PID

# ---- bad tokens -------------------------------------------------------------
# an_agent NAME ARGS...: an offline agent (the recorded qemu-mig trace) as
# node NAME pushing to the aggregator, bounded; log agent-NAME.log.
an_agent()
{
	local node=$1
	shift
	timeout -k 2 20 "$IT_AGENT" --node "$node" --once \
	    --trace "$top_srcdir/tests/data/traces/qemu-mig" \
	    --jsonl "$IT_DIR/$node.jsonl" --spool "$IT_DIR/spool-$node" \
	    --aggregator "127.0.0.1:$IT_AGG_PORT" "$@" \
	    >"$IT_DIR/agent-$node.log" 2>&1
}
an_agent badtok --token-file "$BADTOKEN"
tap_ok "$(grep -q 'bad token for node badtok' "$IT_DIR/agent-badtok.log"; echo $?)" \
    "wrong token: the agent logs the aggregator's reason (bad token for node badtok)"
tap_diag "$(grep -m1 'bad token' "$IT_DIR/agent-badtok.log")"
tap_ok "$(grep -q 'closing: bad token for node badtok' "$IT_DIR/aggregator.log"; echo $?)" \
    "wrong token: the aggregator logs it too"
an_agent notok
# The same address and failure as badtok's: the aggregator logged that
# once and counts the rest (ingest.c rate-limits lines about strangers).
tap_ok "$(grep -q 'bad token for node notok' "$IT_DIR/agent-notok.log" &&
    python3 "$CHAIN" batch s=<(it_ctl --json status) <<'EOF' | grep -q '^1'
x
	s["aggregator"]["ingest"]["log_suppressed"] >= 1
EOF
    echo $?)" "no token: refused the same way; the agent logs it, the aggregator counts it in log_suppressed (same address and failure as badtok)"
python3 - "$IT_AGG_DB" >"$IT_DIR/refused-rows" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
n = 0
for t in ("nodes", "migration_sides", "alerts"):
    col = "name" if t == "nodes" else "node"
    n += c.execute("SELECT count(*) FROM %s WHERE %s IN ('badtok', 'notok')"
                   % (t, col)).fetchone()[0]
print(n)
EOF
tap_is "$(cat "$IT_DIR/refused-rows")" 0 \
    "nothing of badtok or notok in the store (nodes, sides, alerts)"
tap_ok "$(python3 "$CHAIN" batch s=<(it_ctl --json status) <<'EOF' | grep -q '^1'
x
	s["aggregator"]["ingest"]["refused"] >= 2 and
	[a["node"] for a in s["aggregator"]["ingest"]["agents"]] == ["cmp1"]
EOF
echo $?)" "status: >= 2 refused, cmp1 the only agent connected"

# ---- a live stream from cmp1 while the bad clients come ------------------------
it_on cmp1 it_emit_bg --speed 10 "$(it_scenario nonconverge)"
EMIT=$IT_LAST_PID
# Times the first hook: from its start to the end of its sleeping child.
python3 - "$HOOKDIR/started" >"$IT_DIR/hook-kill-ms" <<'EOF' &
import os, sys, time
end = time.monotonic() + 40
while time.monotonic() < end:
    try:
        first = open(sys.argv[1]).readline().split()
    except OSError:
        first = []
    if len(first) >= 3:
        break
    time.sleep(0.01)
child, t0 = int(first[1]), int(first[2])
while time.monotonic() < end:
    try:
        st = open("/proc/%d/stat" % child).read().rsplit(")", 1)[1].split()[0]
    except OSError:
        st = "gone"
    if st in ("Z", "gone"):
        break
    time.sleep(0.01)
print((time.time_ns() - t0) // 10**6)
EOF
IT_PIDS+=("$!")
sleep 1
python3 - "$IT_AGG_PORT" "$(cat "$TOKEN")" >"$IT_DIR/raw.out" 2>&1 <<'EOF'
# One connection per kind of bad input; for each, what the aggregator
# answered and whether (and how fast) it closed the connection.
import json, socket, struct, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
MAGIC = 0x53545241

def frame(typ, body, version=1, length=None):
    b = body if isinstance(body, bytes) else json.dumps(body).encode()
    return struct.pack(">IHHI", MAGIC, version, typ,
                       len(b) if length is None else length) + b

def hello(node, tok=token):
    return frame(1, {"version": 1, "node": node, "agent_version": "0.0-test",
                     "token": tok, "wall_ns": time.time_ns()})

def read_frames(s, until_close=True, timeout=5.0):
    """Frames (type, body) until EOF; returns (frames, closed, secs)."""
    s.settimeout(timeout)
    buf, frames, t0 = b"", [], time.monotonic()
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            return frames, False, time.monotonic() - t0
        except ConnectionResetError:
            return frames, True, time.monotonic() - t0
        if not d:
            break
        buf += d
        while len(buf) >= 12:
            _, _, typ, ln = struct.unpack(">IHHI", buf[:12])
            if len(buf) < 12 + ln:
                break
            frames.append((typ, json.loads(buf[12:12 + ln])))
            buf = buf[12 + ln:]
        if not until_close and frames:
            return frames, False, time.monotonic() - t0
    return frames, True, time.monotonic() - t0

def case(name, first, then=None, half_close=False):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(first)
    if then is not None:
        f, _, _ = read_frames(s, until_close=False)
        welcomed = bool(f) and f[0][0] == 2
        s.sendall(then)
    else:
        welcomed = None
    if half_close:
        s.shutdown(socket.SHUT_WR)
    frames, closed, secs = read_frames(s)
    reason = [b.get("reason") for t, b in frames if t == 3]
    print(json.dumps({"case": name, "welcomed": welcomed, "closed": closed,
                      "secs": round(secs, 3),
                      "refuse": reason[0] if reason else None,
                      "types": [t for t, _ in frames]}))
    s.close()

case("garbage", b"GET / HTTP/1.1\r\nHost: strata\r\n\r\n")
case("version", frame(1, {"version": 2, "node": "v2", "token": token},
                      version=2))
case("batch-first", frame(4, {"seq": 1, "records": []}))
case("bad-token", hello("intruder0", "wrong"))
case("oversized", hello("intruder1"), frame(4, b"", length=64 << 20))
case("truncated", hello("intruder2"),
     frame(4, b'{"seq":1,"records":[{"kind":"alert"', length=1000),
     half_close=True)
case("not-json", hello("intruder3"), frame(4, b"{not json at all}"))
case("bad-shape", hello("intruder4"), frame(4, {"seq": 1}))
case("unknown-type", hello("intruder5"), frame(99, {}))
# A good frame whose record is bad: skipped and counted, connection kept.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(hello("intruder6"))
read_frames(s, until_close=False)
s.sendall(frame(4, {"seq": 7, "records": [{"kind": "migration"},
                                          {"no": "kind"},
                                          {"kind": "bogus", "id": "x"}]}))
f, closed, _ = read_frames(s, until_close=False)
print(json.dumps({"case": "bad-record", "types": [t for t, _ in f],
                  "ack": [b.get("seq") for t, b in f if t == 5],
                  "closed": closed}))
s.close()
EOF
RAW=$IT_DIR/raw.out
tap_json r="$RAW" <<'EOF'
garbage: refused (bad magic) and closed at once
	[(x["closed"], "magic" in (x["refuse"] or ""), x["secs"] < 2)
	 for x in r if x.get("case") == "garbage"] == [(True, True, True)]

wrong protocol version: refused with both versions in the reason, closed
	[(x["closed"], "version 2" in (x["refuse"] or ""))
	 for x in r if x.get("case") == "version"] == [(True, True)]

a BATCH before HELLO: refused (expected HELLO first), closed
	[(x["closed"], "HELLO" in (x["refuse"] or ""))
	 for x in r if x.get("case") == "batch-first"] == [(True, True)]

a HELLO with a wrong token: refused (bad token), closed
	[(x["closed"], "bad token" in (x["refuse"] or ""))
	 for x in r if x.get("case") == "bad-token"] == [(True, True)]

an oversized BATCH (64 MiB announced): refused from its header, closed within 2 s
	[(x["welcomed"], x["closed"], "cap" in (x["refuse"] or ""), x["secs"] < 2)
	 for x in r if x.get("case") == "oversized"] == [(True, True, True, True)]

a truncated BATCH (connection ends mid-frame): closed, nothing acknowledged
	[(x["welcomed"], x["closed"], 5 in x["types"])
	 for x in r if x.get("case") == "truncated"] == [(True, True, False)]

a BATCH body that is not JSON: refused (not JSON), closed
	[(x["welcomed"], x["closed"], "JSON" in (x["refuse"] or ""))
	 for x in r if x.get("case") == "not-json"] == [(True, True, True)]

a BATCH without records, an unknown message type: refused, closed
	[(x["closed"], x["refuse"] is not None) for x in r
	 if x.get("case") in ("bad-shape", "unknown-type")] == [(True, True)] * 2

a good BATCH of bad records: acknowledged (skipped, counted), connection kept
	[(x["ack"], x["closed"]) for x in r if x.get("case") == "bad-record"] ==
	[([7], False)]
EOF
tap_diag "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    x = json.loads(l); print("%-13s -> %s%s" % (x["case"], x.get("refuse") or
        ("ACK %s" % x.get("ack") if "ack" in x else "no answer"),
        ", closed after %.3f s" % x["secs"] if x.get("closed") and "secs" in x else ""))' "$RAW")"

# ---- malformed control requests ---------------------------------------------------
printf '%s\n' 'this is not json' '{"cmd": "status"' '[1, 2, 3]' '"status"' \
    '{"args": {}}' '{"cmd": "frobnicate"}' '{"cmd": 7}' \
    '{"cmd": "migrations", "args": {"limit": "ten"}}' \
    '{"cmd": "migrations", "args": {"bogus": true}}' \
    '{"cmd": "migration"}' '{"cmd": "migration", "args": {"id": "no-such"}}' \
    '{"cmd": "alert ack", "args": {"id": -5}}' \
    '{"cmd": "status", "extra": 1}' '{"cmd": "status", "tag": 42}' \
    >"$IT_DIR/ctl.in"
python3 "$CHAIN" ctl "$IT_AGG_SOCK" <"$IT_DIR/ctl.in" >"$IT_DIR/ctl.out"
tap_json c="$IT_DIR/ctl.out" <<'EOF'
13 malformed ctl requests (not JSON, truncated, not an object, no cmd, unknown command, bad/unknown/missing args, unknown member): 13 answers {"ok":false,"error":"..."}
	len(c) == 14 and all(x["ok"] is False and isinstance(x["error"], str) and
	len(x["error"]) > 5 and "result" not in x for x in c[:13])

the same connection still answers a good request afterwards (tag echoed)
	c[13]["ok"] is True and c[13]["tag"] == 42 and "aggregator" in c[13]["result"]
EOF
tap_diag "$(paste -d'\n' "$IT_DIR/ctl.in" "$IT_DIR/ctl.out" | head -n 26 |
    sed 'n;s/^/    -> /')"

# ---- hooks that hang ----------------------------------------------------------------
wait "$EMIT"
tap_ok $? "cmp1's stream (nonconverge.scn) played"
it_wait_ctl 30 "j['aggregator']['alert_delivery']['hooks_killed'] >= 3 and
    j['aggregator']['alert_delivery']['hooks_running'] == 0" status \
    >/dev/null
tap_ok $? "three alert events (not_converging fired and resolved, failed): three hooks started and killed"
it_ctl --json status >"$IT_DIR/status.json"
python3 - "$HOOKDIR/started" >"$IT_DIR/hook-pids" <<'EOF'
import sys
for l in open(sys.argv[1]):
    print(*l.split()[:2])
EOF
# running: PID exists and is no zombie (an orphaned child killed with its
# group waits for init to reap it).
running()
{
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
alive=0
while read -r sh child; do
	running "$sh" && alive=$((alive + 1))
	running "$child" && alive=$((alive + 1))
done <"$IT_DIR/hook-pids"
tap_is "$alive" 0 "every hook and its sleeping child are gone ($(wc -l <"$IT_DIR/hook-pids") hooks)"
tap_ok "$(ms=$(cat "$IT_DIR/hook-kill-ms"); [ -n "$ms" ] && [ "$ms" -ge 500 ] &&
    [ "$ms" -le 2000 ]; echo $?)" \
    "the first hook was killed $(cat "$IT_DIR/hook-kill-ms") ms after it started (timeout 1 s, counted from the fork: 500..2000 ms after the hook noted its start)"
tap_json s="$IT_DIR/status.json" <<'EOF'
status: hooks_killed == hooks_started, none failed or dropped
	(lambda d: d["hooks_killed"] == d["hooks_started"] >= 3 and
	 d["hooks_dropped"] == 0)(s["aggregator"]["alert_delivery"])
EOF
tap_is "$(grep -c 'still running after 1000 ms: killed' "$IT_DIR/aggregator.log")" \
    "$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["aggregator"]["alert_delivery"]["hooks_killed"])' \
    "$IT_DIR/status.json")" "the aggregator logs each kill (still running after 1000 ms: killed)"

# ---- the real node was never disturbed --------------------------------------------------
it_wait_record "$J" 20 'finals and finals[-1]["outcome"] is not None'
n=40
while python3 "$CHAIN" keys "$IT_AGG_DB" a="$J" >"$IT_DIR/keys.json" &&
    ! grep -q '"missing": 0' "$IT_DIR/keys.json" && [ "$n" -gt 0 ]; do
	sleep 0.5
	n=$((n - 1))
done
it_ctl --json status >"$IT_DIR/status.json"
tap_json k="$IT_DIR/keys.json" s="$IT_DIR/status.json" <<'EOF'
every record cmp1's agent wrote is in the store
	k["a"]["missing"] == 0 and k["a"]["keys"] > 5

status: the bad connections counted in closed_bad, the bad records in skipped
	s["aggregator"]["ingest"]["closed_bad"] >= 5 and
	s["counters"].get("records.skipped", 0) == 3
EOF
tap_ok "$(! grep -Eq 'closed|again after|refused|retrying' "$IT_DIR/agent-cmp1.log" &&
    kill -0 "$AGENT" 2>/dev/null; echo $?)" \
    "cmp1's agent: one connection all along (no close, no reconnect in its log), still running"
tap_diag "ingest: $(python3 -c 'import json,sys
i = json.load(open(sys.argv[1]))["aggregator"]["ingest"]
print(", ".join("%s %s" % (k, i[k]) for k in ("accepted", "hellos", "refused",
    "closed_bad", "batches", "records")))' "$IT_DIR/status.json")"
tap_done
