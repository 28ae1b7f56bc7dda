#!/bin/bash
# tests/integration/aggregator_alerts.sh: alert delivery of
# strata-aggregator.  The configuration file and `-n`; 3000 alerts pushed
# over the agent protocol while one follower reads and one does not (the
# fast one gets all, the slow one is told what it missed, pushing is not
# slowed down); the journal entries (MESSAGE_ID, PRIORITY, STRATA_*) read
# from a stand-in journal socket in a private mount namespace (root only).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-alerts 120
AGG="$top_builddir/aggregator/strata-aggregator"
CTL="$top_builddir/clients/stratactl"
PUSH="$top_builddir/tests/helpers/strata-push"
it_need_prog "$AGG" "$CTL" "$PUSH"
tap_plan 19

NALERTS=3000
SOCK="$IT_DIR/ctl.sock"
PORT=$(it_free_ports 1)
ms_now() { date +%s%3N; }
wait_sock()
{
	local n=50
	while [ ! -S "$1" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -S "$1" ]
}

# ---- configuration ------------------------------------------------------------
cat >"$IT_DIR/agg.conf" <<EOF
# test configuration
listen = 127.0.0.1:$PORT
db = $IT_DIR/agg.db
ctl = $SOCK      # the control socket
stale-after = 2m
follow-queue = 256
alert-log = none
hook-timeout = 1500ms
EOF
"$AGG" -nv -f "$IT_DIR/agg.conf" --stale-after 90s >"$IT_DIR/n.out" 2>&1
tap_is $? 0 "strata-aggregator -n -f CONFIG: the configuration is good"
tap_ok "$(grep -qx "listen = 127.0.0.1:$PORT" "$IT_DIR/n.out" &&
    grep -qx "stale-after = 90000ms" "$IT_DIR/n.out" &&
    grep -qx "follow-queue = 256" "$IT_DIR/n.out" &&
    grep -qx "hook-timeout = 1500ms" "$IT_DIR/n.out"; echo $?)" \
    "-n prints it normalised; the command line overrides the file"
printf 'listen = x\nbogus = 1\nstale-after = soon\n' >"$IT_DIR/bad.conf"
"$AGG" -nv -f "$IT_DIR/bad.conf" >"$IT_DIR/bad.out" 2>&1
st=$?
tap_ok "$([ $st -eq 2 ] && grep -q 'bad.conf:2: unknown setting "bogus"' \
    "$IT_DIR/bad.out" && grep -q 'bad.conf:3: stale-after' "$IT_DIR/bad.out"
    echo $?)" "a bad configuration: exit 2, every error with file:line"

printf 's3cret\n' >"$IT_DIR/token"
chmod 600 "$IT_DIR/token"
"$AGG" -nv --token-file "$IT_DIR/token" --ctl "$SOCK" >"$IT_DIR/tok.out" 2>&1
tap_ok "$(grep -qx 'listen = 0.0.0.0:7311' "$IT_DIR/tok.out" &&
    grep -qx "token-file = $IT_DIR/token" "$IT_DIR/tok.out"; echo $?)" \
    "with a token file the default listen is 0.0.0.0:7311 (loopback without)"
: >"$IT_DIR/empty-token"
"$AGG" -nv --token-file "$IT_DIR/empty-token" >"$IT_DIR/tok.out" 2>&1
st=$?
tap_ok "$([ $st -eq 2 ] && grep -q 'first line is empty' "$IT_DIR/tok.out"
    echo $?)" "an empty token file is refused (exit 2)"

# ---- 3000 alerts, a fast and a slow follower ----------------------------------------
python3 - "$IT_DIR/alerts.jsonl" "$NALERTS" <<'EOF'
import json, sys, time
now = time.time_ns()
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        mig = "cmp1/%d/%d" % (10000 + i, now)
        f.write(json.dumps({"kind": "alert", "node": "cmp1",
            "id": mig + "!migration.not_converging",
            "name": "migration.not_converging", "severity": "warning",
            "migration_id": mig, "vm_uuid": "uuid-%d" % i, "t_ns": now + i,
            "message": "alert %d of a flood" % i,
            "evidence": {"pad": "x" * 200}}) + "\n")
EOF
"$AGG" -d -f "$IT_DIR/agg.conf" >"$IT_DIR/aggregator.log" 2>&1 &
AGG_PID=$!
IT_PIDS+=("$AGG_PID")
wait_sock "$SOCK"
tap_ok $? "aggregator up from the configuration file"

# The slow follower subscribes, then does not read until told to.
python3 - "$SOCK" "$IT_DIR" >"$IT_DIR/slow.out" 2>&1 <<'EOF' &
import json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"alerts follow"}\n')
f = s.makefile("rb")
start = json.loads(f.readline())
open(sys.argv[2] + "/slow.ready", "w").close()
while not os.path.exists(sys.argv[2] + "/slow.go"):
    time.sleep(0.05)
alerts = skipped = end_skipped = 0
ended = False
for line in f:
    r = json.loads(line)
    k = r.get("stream")
    if k == "alert":
        alerts += 1
    elif k == "skipped":
        skipped += r["result"]["skipped"]
    elif k == "end":
        ended = True
        end_skipped = r["result"]["skipped_total"]
print(start.get("stream"), alerts, skipped, ended, end_skipped)
EOF
SLOW_PID=$!
IT_PIDS+=("$SLOW_PID")
"$CTL" -s "$SOCK" --json alerts --follow >"$IT_DIR/fast.out" 2>&1 &
FAST_PID=$!
IT_PIDS+=("$FAST_PID")
n=50
while [ ! -e "$IT_DIR/slow.ready" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
sleep 0.3

t0=$(ms_now)
"$PUSH" "127.0.0.1:$PORT" cmp1 "$IT_DIR/alerts.jsonl" "" 60 >"$IT_DIR/push.log" 2>&1
st=$?
t1=$(ms_now)
tap_is $st 0 "$NALERTS alert records pushed and acknowledged"
tap_diag "push of $NALERTS alerts (store, followers): $((t1 - t0)) ms"
# A reader on a loaded machine may lose part of a 500-alert batch too: what
# it got and what it was told it missed add up to every alert.
fast_count()
{
	python3 -c '
import json, sys
a = s = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    a += r.get("name") == "migration.not_converging"
    s += r.get("skipped", 0)
print(a, s)' "$IT_DIR/fast.out"
}
end=$(($(ms_now) + 10000))
while read -r a s < <(fast_count) && [ $((a + s)) -lt "$NALERTS" ] &&
    [ "$(ms_now)" -lt "$end" ]; do
	sleep 0.2
done
read -r fa fs < <(fast_count)
tap_diag "reading follower: $fa alerts, $fs skipped"
tap_is "$((fa + fs))" "$NALERTS" \
    "the reading follower: alerts received + skipped = $NALERTS"
tap_ok "$([ "$fa" -gt 0 ]; echo $?)" "and it received alerts"
t2=$(ms_now)
"$CTL" -s "$SOCK" --json status >"$IT_DIR/status.json"
t3=$(ms_now)
tap_is $? 0 "status answers while a follower is stuck"
tap_diag "status took $((t3 - t2)) ms"
tap_is "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["aggregator"]["ctl"];
print(c["followers"], c["alerts"], c["skipped"] > 0)' "$IT_DIR/status.json")" \
    "2 $NALERTS True" "status: 2 followers, $NALERTS alerts offered, some skipped"

# The slow follower starts reading as the aggregator stops.
touch "$IT_DIR/slow.go"
kill -TERM "$AGG_PID"
wait "$AGG_PID"
tap_is $? 0 "aggregator stops with exit 0"
wait "$SLOW_PID"
read -r start alerts skipped ended end_skipped <"$IT_DIR/slow.out"
tap_diag "slow follower: $alerts alerts received, $skipped skipped"
tap_is "$start $ended" "start True" "slow follower: start object ... end object"
tap_ok "$([ "$skipped" -gt 0 ] && [ "$alerts" -lt "$NALERTS" ]; echo $?)" \
    "the slow follower lost alerts and was told how many"
tap_is "$((alerts + skipped)) $end_skipped" "$NALERTS $skipped" \
    "received + skipped = $NALERTS, the end object carries the skipped total"
wait "$FAST_PID"
tap_ok "$(tail -1 "$IT_DIR/fast.out" | grep -q '"end":true'; echo $?)" \
    "the fast follower's stream ends with the end object"

# ---- the journal -------------------------------------------------------------------
if [ "$IT_ROOT" -ne 1 ] || ! unshare -m --propagation private true 2>/dev/null; then
	tap_skip 3 "needs root and unshare -m for a private /run"
	tap_done
fi
cat >"$IT_DIR/fakejournal.py" <<'EOF'
# A stand-in for journald: entries of the native protocol as JSON lines.
import json, os, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
with open(out, "w") as f:
    while True:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            break
        e, i = {}, 0
        while i < len(d):
            nl = d.index(b"\n", i)
            line = d[i:nl]
            if b"=" in line:
                k, v = line.split(b"=", 1)
                i = nl + 1
            else:
                k = line
                n = struct.unpack("<Q", d[nl + 1:nl + 9])[0]
                v = d[nl + 9:nl + 9 + n]
                i = nl + 9 + n + 1
            e[k.decode()] = v.decode()
        f.write(json.dumps(e) + "\n")
        f.flush()
EOF
python3 - "$IT_DIR/j.jsonl" <<'EOF'
import json, sys, time
now = time.time_ns()
with open(sys.argv[1], "w") as f:
    for name, sev in (("migration.not_converging", "warning"),
                      ("migration.failed", "error")):
        f.write(json.dumps({"kind": "alert", "node": "cmp7", "id": "m1!" + name,
            "name": name, "severity": sev, "migration_id": "cmp7/99/1",
            "vm_uuid": "0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11", "t_ns": now,
            "message": "journal test " + name}) + "\n")
EOF
cat >"$IT_DIR/inns.sh" <<EOF
# Runs in a private mount namespace: /run is a fresh tmpfs.
trap 'kill \$AP \$JP 2>/dev/null' EXIT
mount -t tmpfs tmpfs /run || exit 10
mkdir -p /run/systemd/journal
python3 "$IT_DIR/fakejournal.py" /run/systemd/journal/socket "$IT_DIR/journal.out" &
JP=\$!
n=50; while [ ! -S /run/systemd/journal/socket ] && [ \$n -gt 0 ]; do sleep 0.1; n=\$((n-1)); done
"$AGG" -d --listen 127.0.0.1:$PORT --db "$IT_DIR/j.db" --ctl "$IT_DIR/j.sock" >"$IT_DIR/aggregator-j.log" 2>&1 &
AP=\$!
n=50; while [ ! -S "$IT_DIR/j.sock" ] && [ \$n -gt 0 ]; do sleep 0.1; n=\$((n-1)); done
"$PUSH" 127.0.0.1:$PORT cmp7 "$IT_DIR/j.jsonl" >>"$IT_DIR/push.log" 2>&1
id=\$("$CTL" -s "$IT_DIR/j.sock" --json alerts --firing | python3 -c 'import json,sys; print([a["id"] for a in json.load(sys.stdin) if a["name"] == "migration.failed"][0])')
"$CTL" -s "$IT_DIR/j.sock" alert ack "\$id" >/dev/null
n=50; while [ "\$(wc -l <"$IT_DIR/journal.out")" -lt 3 ] && [ \$n -gt 0 ]; do sleep 0.1; n=\$((n-1)); done
kill -TERM \$AP; wait \$AP; echo "aggregator exit \$?"
EOF
timeout -k 5 40 unshare -m --propagation private bash "$IT_DIR/inns.sh" \
    >"$IT_DIR/inns.out" 2>&1
tap_is "$(tail -1 "$IT_DIR/inns.out")" "aggregator exit 0" \
    "aggregator with a journal socket (private /run) runs and stops"
python3 - "$IT_DIR/journal.out" >"$IT_DIR/journal.chk" <<'EOF'
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
for e in es:
    print(e.get("STRATA_ALERT"), e.get("STRATA_ALERT_EVENT"), e.get("PRIORITY"),
          e.get("MESSAGE_ID"), e.get("STRATA_NODE"), e.get("STRATA_VM_UUID"),
          e.get("STRATA_MIGRATION_ID"), e.get("SYSLOG_IDENTIFIER"),
          "json" if json.loads(e.get("STRATA_ALERT_JSON", "{}")).get("id") else "-")
EOF
tap_diag "$(cat "$IT_DIR/journal.chk")"
tap_ok "$(grep -qx 'migration.not_converging fired 4 9102c94da33740808bc698c7084da0e3 cmp7 0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11 cmp7/99/1 strata-aggregator json' \
    "$IT_DIR/journal.chk" && grep -qx 'migration.failed fired 3 4cd35766ca444cfaa84e580a233a79f0 cmp7 0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11 cmp7/99/1 strata-aggregator json' \
    "$IT_DIR/journal.chk"; echo $?)" \
    "journal: MESSAGE_ID per name, PRIORITY from severity (4, 3), STRATA_* fields"
tap_ok "$(grep -q '^migration.failed acked 6 4cd35766ca444cfaa84e580a233a79f0' \
    "$IT_DIR/journal.chk"; echo $?)" "journal: the ack is an entry of priority 6"
