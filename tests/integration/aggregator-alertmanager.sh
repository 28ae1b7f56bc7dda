#!/bin/bash
# aggregator-alertmanager.sh: strata-aggregator's alerts in a real
# Prometheus Alertmanager (Debian's prometheus-alertmanager), an HA pair of
# two on free ports, fed by the agent stand-in (strata-push).  A
# migration.not_converging alert is in both while it fires, with its
# labels, annotations and generatorURL; an Alertmanager restarted with an
# empty storage has it again within one re-send interval (2 s here); one
# stopped costs failures, counted and logged once, while the aggregator
# goes on taking records, and gets what it missed once it is back; the
# migration.converged record resolves it (the Alertmanager's webhook
# notification says resolved, with endsAt); a restarted aggregator
# re-asserts what is still firing from its store; SIGHUP changes the
# Alertmanagers; an Alertmanager that never answers delays nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-alertmanager 180
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL" \
    "$top_builddir/tests/helpers/strata-push"
AM=
for p in /usr/bin/prometheus-alertmanager "$(command -v alertmanager)" \
    "$(command -v prometheus-alertmanager)"; do
	[ -n "$p" ] && [ -x "$p" ] && { AM=$p; break; }
done
[ -n "$AM" ] || tap_skip_all "prometheus-alertmanager is not installed" \
    "(apt-get install prometheus-alertmanager, or ./bootstrap --deps)"
tap_plan 44

PUSH="$top_builddir/tests/helpers/strata-push"
SOCK=$IT_DIR/ctl.sock
LOG=$IT_DIR/aggregator.log
CONF=$IT_DIR/agg.conf
read -r PORT AM1_PORT AM2_PORT HOOK_PORT BH_PORT WEB_PORT < <(it_free_ports 6)
AM1=http://127.0.0.1:$AM1_PORT
AM2=http://127.0.0.1:$AM2_PORT/
WEB=http://127.0.0.1:$WEB_PORT
RESEND_MS=2000
ms_now() { date +%s%3N; }
ctl() { "$IT_STRATACTL" -s "$SOCK" "$@"; }
# am VALUE: of `stratactl --json status`, j = alert_delivery.alertmanager.
am() { ctl --json status | python3 -c '
import json, sys
j = json.load(sys.stdin)["aggregator"]["alert_delivery"]["alertmanager"]
print('"$1"')'; }
# amq PORT EXPR: EXPR over the Alertmanager's active alerts, a = the
# Strata ones by subject_id.
amq()
{
	python3 -c '
import json, sys, urllib.request
try:
    l = json.load(urllib.request.urlopen(
        "http://127.0.0.1:%s/api/v2/alerts" % sys.argv[1], timeout=5))
except Exception:
    l = []
a = {x["labels"].get("subject_id"): x for x in l
     if x["labels"].get("alertname", "").startswith("migration.")}
print('"$2"')' "$1"
}
# wait_for SECS CMD...: until CMD succeeds (every 0.1 s).
wait_for()
{
	local end=$(($(ms_now) + $1 * 1000))
	shift
	while [ "$(ms_now)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
has() { [ "$(amq "$1" "'$2' in a")" = True ]; }
hasnt() { [ "$(amq "$1" "'$2' in a")" = False ]; }

# ---- Alertmanagers and their webhook --------------------------------------
cat >"$IT_DIR/hook.py" <<'EOF'
# The Alertmanagers' webhook receiver: each notification, a JSON line.
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        b = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2] + self.path.strip("/") + ".jsonl", "ab") as f:
            f.write(b.replace(b"\n", b"") + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$IT_DIR/hook.py" "$HOOK_PORT" "$IT_DIR/hook-" &
IT_PIDS+=("$!")
for n in 1 2; do
	cat >"$IT_DIR/am$n.yml" <<EOF
route:
  receiver: hook
  group_by: [alertname, subject_id]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$HOOK_PORT/am$n
        send_resolved: true
EOF
done
AMN=0
# am_start N: Alertmanager N on its port, with a storage of its own.
am_start()
{
	local n=$1 port pid
	port=$([ "$n" = 1 ] && echo "$AM1_PORT" || echo "$AM2_PORT")
	AMN=$((AMN + 1))
	"$AM" --config.file="$IT_DIR/am$n.yml" \
	    --storage.path="$IT_DIR/am$n-data.$AMN" \
	    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
	    --log.level=warn >>"$IT_DIR/am$n.log" 2>&1 &
	pid=$!
	IT_PIDS+=("$pid")
	eval "AM${n}_PID=$pid"
	it_wait_listen "$port" 20
}
am_stop() { local v="AM$1_PID"; it_kill_pid "${!v}" 50; }
am_start 1 && am_start 2
tap_ok $? "two Alertmanagers up ($("$AM" --version 2>&1 | head -1 | cut -c1-60))"

# ---- the configuration ----------------------------------------------------------
cat >"$CONF" <<EOF
listen = 127.0.0.1:$PORT
db = $IT_DIR/agg.db
ctl = $SOCK
alert-log = none
alertmanager-url = $AM1, $AM2
alertmanager-resend = 2s
web-url = $WEB/
EOF
"$IT_AGGREGATOR" -nv -f "$CONF" >"$IT_DIR/nv.out" 2>&1
tap_is "$(grep -E '^(alertmanager|web)' "$IT_DIR/nv.out" | tr '\n' '|')" \
    "alertmanager-url = $AM1|alertmanager-url = $AM2|alertmanager-resend = 2000ms|web-url = $WEB/|" \
    "-nv: a comma-separated list is one alertmanager-url line per URL"

# ---- records ---------------------------------------------------------------------------
# recs.py FILE SID UUID NAME ALERT: a stalled migration of cmp1 and its alert
# (ALERT: not_converging, or converged).
cat >"$IT_DIR/recs.py" <<'EOF'
import json, sys, time
out, sid, uuid, name, what = sys.argv[1:6]
now = time.time_ns() - 20 * 10**9
common = dict(node="cmp1", vm_uuid=uuid, vm_name=name)
recs = []
if what == "not_converging":
    rounds = []
    for n in range(1, 5):
        r = {"n": n, "t_ns": now + n * 10**9, "start_ns": now + (n - 1) * 10**9,
             "dirty_pages": 65536, "duration_ms": 1000.0,
             "pending_bytes": 268435456, "bytes": 268435456,
             "bandwidth_bps": 33554432.0, "dirty_rate_bps": 33000000.0,
             "predicted_downtime_ms": 7996.0, "throttle_pct": None,
             "verdict": "stalled"}
        rounds.append(r)
        recs.append(dict(r, kind="migration_round", id="%s#%d" % (sid, n),
                         migration_id=sid, **common))
    recs.append(dict(kind="migration", id=sid, t_ns=now + 5 * 10**9,
                     vpid=4242, role="source", state="active", outcome=None,
                     error=None, started_ns=now, verdict="stalled",
                     predicted_downtime_ms=7996.0, downtime_limit_ms=300.0,
                     stages=[], rounds=rounds, **common))
    recs.append(dict(kind="alert", id=sid + "!migration.not_converging",
                     name="migration.not_converging", severity="warning",
                     migration_id=sid, t_ns=now + 5 * 10**9,
                     message="live migration of %s is not converging" % name,
                     evidence={"verdict": "stalled", "predicted_downtime_ms": 7996,
                               "downtime_limit_ms": 300, "rounds": rounds,
                               "advice": "raise the downtime limit to 8 s or "
                                         "throttle the guest"},
                     **common))
else:
    recs.append(dict(kind="alert", id=sid + "!migration.converged",
                     name="migration.converged", severity="info",
                     migration_id=sid, t_ns=time.time_ns(),
                     message="converged", **common))
with open(out, "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
EOF
T0=$(date +%s%N)
S1=cmp1/4242/$T0
S2=cmp1/4343/$T0
S3=cmp1/4444/$T0
U1=0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11
python3 "$IT_DIR/recs.py" "$IT_DIR/nc1.jsonl" "$S1" "$U1" instance-0000002b not_converging
python3 "$IT_DIR/recs.py" "$IT_DIR/nc2.jsonl" "$S2" 5c1d0f7e-8a4b-4c2e-b1f3-9e7d6a5b4c3d instance-0000002c not_converging
python3 "$IT_DIR/recs.py" "$IT_DIR/nc3.jsonl" "$S3" 6d2e1f8a-9b5c-4d3f-a2b4-0f8e7d6c5b4a instance-0000002d not_converging
python3 "$IT_DIR/recs.py" "$IT_DIR/conv1.jsonl" "$S1" "$U1" instance-0000002b converged
push() { "$PUSH" "127.0.0.1:$PORT" cmp1 "$IT_DIR/$1" >>"$IT_DIR/push.log" 2>&1; }

# ---- firing: both Alertmanagers have it -------------------------------------------
agg_start()
{
	"$IT_AGGREGATOR" -d -f "$CONF" "$@" >>"$LOG" 2>&1 &
	AGG_PID=$!
	IT_PIDS+=("$AGG_PID")
	wait_for 10 test -S "$SOCK" && it_wait_listen "$PORT" 10
}
agg_start
tap_ok $? "aggregator up with two Alertmanagers"
push nc1.jsonl
tap_is $? 0 "records of a stalled migration and its not_converging alert pushed"
wait_for 10 has "$AM1_PORT" "$S1"
tap_ok $? "Alertmanager 1 has the alert"
wait_for 10 has "$AM2_PORT" "$S1"
tap_ok $? "Alertmanager 2 (the HA pair's other) has it too"
amq "$AM1_PORT" "json.dumps(a['$S1'])" >"$IT_DIR/a1.json"
tap_diag "$(cat "$IT_DIR/a1.json")"
py() { python3 -c 'import json, sys, time, urllib.parse
a = json.load(open(sys.argv[1]))
print('"$2"')' "$1"; }
tap_is "$(py "$IT_DIR/a1.json" 'sorted(a["labels"].items())')" \
    "$(python3 -c 'import sys; print(sorted({"alertname": "migration.not_converging",
"severity": "warning", "node": "cmp1", "vm_uuid": sys.argv[1],
"vm_name": "instance-0000002b", "subject_kind": "migration",
"subject_id": sys.argv[2]}.items()))' "$U1" "$S1")" \
    "labels: alertname, severity, node, vm_uuid, vm_name, subject_kind, subject_id"
tap_is "$(py "$IT_DIR/a1.json" 'a["annotations"]["summary"]')" \
    "live migration of instance-0000002b is not converging" \
    "annotation summary: the alert's message"
tap_is "$(py "$IT_DIR/a1.json" 'a["annotations"]["evidence"]')" \
    "verdict=stalled predicted_downtime_ms=7996 downtime_limit_ms=300 rounds=4" \
    "annotation evidence: the evidence in one line (4 rounds)"
tap_is "$(py "$IT_DIR/a1.json" 'a["annotations"]["advice"] + "|" + a["annotations"]["state"]')" \
    "raise the downtime limit to 8 s or throttle the guest|firing" \
    "annotations advice (the alert's) and state firing"
tap_is "$(py "$IT_DIR/a1.json" 'a["generatorURL"]')" \
    "$WEB/migration.html?id=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S1")" \
    "generatorURL: the migration's web view under web-url"
tap_is "$(py "$IT_DIR/a1.json" '(a["status"]["state"], abs(time.time() -
    time.mktime(time.strptime(a["startsAt"][:19], "%Y-%m-%dT%H:%M:%S")) + time.timezone) < 30)')" \
    "('active', True)" "active in Alertmanager, startsAt when the aggregator stored it"
tap_is "$(am '(j["queued"], j["firing"], [t["state"] for t in j["alertmanagers"]], j["resend_ms"])')" \
    "(1, 1, ['up', 'up'], 2000)" "status: 1 alert queued and firing, both Alertmanagers up, resend 2 s"
ctl status >"$IT_DIR/status.txt"
tap_ok "$(grep -q "^      alertmanagers\[1\]:$" "$IT_DIR/status.txt" &&
    grep -q "^        url: $AM1$" "$IT_DIR/status.txt" &&
    grep -q '^      sent: [1-9]' "$IT_DIR/status.txt"; echo $?)" \
    "stratactl status shows the Alertmanagers and the counters"

# ---- re-sent: a restarted Alertmanager has it again -----------------------------
sleep 2.5
tap_cmp "$(am 'j["alertmanagers"][0]["sent"]')" -ge 2 \
    "re-sent while firing: Alertmanager 1 was sent it at least twice in 2.5 s"
am_stop 1
am_start 1
t0=$(ms_now)
wait_for 10 has "$AM1_PORT" "$S1"
st=$?
t1=$(ms_now)
tap_diag "Alertmanager 1 restarted with an empty storage: the alert back after $((t1 - t0)) ms"
tap_ok $st "Alertmanager 1, restarted with an empty storage, has the alert again"
tap_cmp $((t1 - t0)) -le $((RESEND_MS + 1000)) \
    "within one re-send interval ($RESEND_MS ms, 1 s slack)"

# ---- one down: failures counted, ingest goes on, delivered once back ----------
f0=$(am 'j["alertmanagers"][0]["failed"]')
l0=$(grep -c "alertmanager $AM1: .*retrying" "$LOG")
u0=$(grep -c "alertmanager $AM1: delivering again after" "$LOG")
am_stop 1
t0=$(ms_now)
push nc2.jsonl
st=$?
t1=$(ms_now)
tap_is $st 0 "records pushed while Alertmanager 1 is down"
tap_diag "push with Alertmanager 1 down: $((t1 - t0)) ms"
wait_for 10 has "$AM2_PORT" "$S2"
tap_ok $? "Alertmanager 2 has the new alert"
sleep 4
tap_ok "$(kill -0 "$AGG_PID" && ctl status >/dev/null; echo $?)" \
    "the aggregator runs and answers while Alertmanager 1 is down"
am '(j["alertmanagers"][0]["state"], j["alertmanagers"][0]["failed"], j["alertmanagers"][0]["pending"], j["alertmanagers"][0]["last_error"], j["alertmanagers"][1]["state"])' \
    >"$IT_DIR/down.txt"
tap_diag "down: $(cat "$IT_DIR/down.txt")"
tap_ok "$(python3 -c 'import sys; s, f, p, e, s2 = eval(open(sys.argv[1]).read())
sys.exit(not (s == "down" and f >= int(sys.argv[2]) + 3 and p >= 1 and e and s2 == "up"))' \
    "$IT_DIR/down.txt" "$f0"; echo $?)" \
    "status: Alertmanager 1 down, 3+ failures counted, its alerts pending, the last error; 2 up"
tap_is "$(($(grep -c "alertmanager $AM1: .*retrying" "$LOG") - l0))" 1 \
    "the log says it once for the whole outage, not once per failure"
am_start 1
t0=$(ms_now)
wait_for 10 has "$AM1_PORT" "$S2"
st=$?
t1=$(ms_now)
tap_ok $st "back up: Alertmanager 1 gets the alert raised while it was down"
tap_diag "delivered $((t1 - t0)) ms after Alertmanager 1 came back"
tap_ok "$(has "$AM1_PORT" "$S1"; echo $?)" "and the one it had before"
# am_is EXPR VALUE: the status says so.
am_is() { [ "$(am "$1")" = "$2" ]; }
wait_for 5 am_is '(j["alertmanagers"][0]["state"], j["alertmanagers"][0]["pending"])' "('up', 0)"
tap_ok $? "status: Alertmanager 1 up again, nothing pending"
tap_is "$(($(grep -c "alertmanager $AM1: delivering again after" "$LOG") - u0))" 1 \
    "the log says when it delivers again"

# ---- resolved --------------------------------------------------------------------------
push conv1.jsonl
tap_is $? 0 "migration.converged pushed"
wait_for 10 hasnt "$AM1_PORT" "$S1" && wait_for 10 hasnt "$AM2_PORT" "$S1"
tap_ok $? "both Alertmanagers resolved it: no longer among their active alerts"
tap_ok "$(has "$AM1_PORT" "$S2" && has "$AM2_PORT" "$S2"; echo $?)" \
    "the other migration's alert still fires in both"
# The webhook's last notification of S1's group from Alertmanager 2.
hook_last() { python3 - "$IT_DIR/hook-$1.jsonl" "$2" <<'EOF'
import json, sys, time, calendar
last = None
for l in open(sys.argv[1]):
    n = json.loads(l)
    for a in n["alerts"]:
        if a["labels"].get("subject_id") == sys.argv[2]:
            last = a
if last is None:
    print("none")
else:
    ends = calendar.timegm(time.strptime(last["endsAt"][:19], "%Y-%m-%dT%H:%M:%S"))
    print(last["status"], last["endsAt"][:4] != "0001" and ends <= time.time() + 1)
EOF
}
hook_is() { [ "$(hook_last "$1" "$2")" = "$3" ]; }
wait_for 10 hook_is am2 "$S1" "resolved True"
tap_ok $? "Alertmanager 2 notified it resolved, endsAt in the past"
tap_is "$(am '(j["firing"], j["resolving"])')" "(1, 1)" \
    "status: 1 firing, 1 resolved still being told"
sleep $((RESEND_MS * 6 / 1000))
tap_is "$(am '(j["queued"], j["firing"], j["resolving"])')" "(1, 1, 0)" \
    "the resolved alert is forgotten after 4 more re-sends"

# ---- a restarted aggregator re-asserts what still fires ------------------------
kill -TERM "$AGG_PID"
wait "$AGG_PID"
tap_is $? 0 "aggregator stops with exit 0"
am_stop 2
am_start 2
tap_ok "$(hasnt "$AM2_PORT" "$S2"; echo $?)" "Alertmanager 2 restarted empty"
agg_start
t0=$(ms_now)
wait_for 10 has "$AM2_PORT" "$S2"
st=$?
t1=$(ms_now)
tap_ok $st "the restarted aggregator sent the still firing alert from its store"
tap_diag "re-asserted $((t1 - t0)) ms after the start"
tap_cmp $((t1 - t0)) -lt "$RESEND_MS" "at once, not at the first re-send"
tap_ok "$(grep -q 'alertmanager: 1 active alerts from the store' "$LOG" &&
    hasnt "$AM2_PORT" "$S1"; echo $?)" "one active alert from the store; not the resolved one"

# ---- SIGHUP ----------------------------------------------------------------------------
pid0=$AGG_PID
sed -i "s|^alertmanager-url = .*|alertmanager-url = $AM2|" "$CONF"
kill -HUP "$AGG_PID"
wait_for 5 am_is 'len(j["alertmanagers"])' 1
tap_is "$(am '[t["url"] for t in j["alertmanagers"]]')" "['$AM2']" \
    "SIGHUP: alertmanager-url = one URL, one Alertmanager"
sed -i "/^alertmanager-url/d" "$CONF"
kill -HUP "$AGG_PID"
no_am() { [ "$(ctl --json status | python3 -c 'import json, sys
print(json.load(sys.stdin)["aggregator"]["alert_delivery"]["alertmanager"])')" = None ]; }
wait_for 5 no_am
tap_ok $? "SIGHUP without alertmanager-url: no Alertmanager (status null)"
am_stop 1
am_start 1
# One that takes connections and never answers, beside Alertmanager 1.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c = []
while True:
    c.append(s.accept()[0])' "$BH_PORT" &
IT_PIDS+=("$!")
it_wait_listen "$BH_PORT" 10
echo "alertmanager-url = http://127.0.0.1:$BH_PORT $AM1" >>"$CONF"
kill -HUP "$AGG_PID"
wait_for 10 has "$AM1_PORT" "$S2"
tap_ok $? "SIGHUP adding Alertmanagers again: the store's firing alert goes to them"
t0=$(ms_now)
push nc3.jsonl
st=$?
t1=$(ms_now)
tap_diag "push with an Alertmanager that never answers: $((t1 - t0)) ms"
tap_ok "$([ $st -eq 0 ] && [ $((t1 - t0)) -lt 2000 ]; echo $?)" \
    "an Alertmanager that never answers: records pushed in under 2 s"
wait_for 10 has "$AM1_PORT" "$S3"
tap_ok $? "and the other Alertmanager has the new alert"
tap_is "$(am '(j["alertmanagers"][0]["in_flight"], j["alertmanagers"][0]["sent"], j["alertmanagers"][1]["state"])')" \
    "(True, 0, 'up')" "status: the silent one has a POST in flight, nothing sent; the other up"
tap_is "$(ctl --json status | python3 -c 'import json,sys; j=json.load(sys.stdin)["aggregator"]; print(j["pid"], j["reloads"])')" \
    "$pid0 3" "the same process, 3 reloads"
