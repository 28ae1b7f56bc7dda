#!/bin/bash
# tests/integration/aggregator_http.sh: strata-aggregator --http and
# strata-agent --http, end to end on loopback.  The real agent pushes the
# recorded qemu-mig trace (a completed migration, cmp1 -> cmp2 with the
# destination side written here) and a stalled migration cancelled with
# its not_converging and failed alerts goes over the same protocol
# (tests/helpers/strata-push).  Then: /api/ answers exactly what
# `stratactl --json` prints, and refuses what writes (alert ack) or
# streams; /metrics in the text format and in OpenMetrics (promtool check
# metrics when it is installed) with the right numbers; the web files,
# Chart.js and /views.json; bad requests (unknown paths and commands, a
# POST, headers and bodies too large, a NUL, garbage) get 400/404/405/413
# and never stop it; a half-sent request neither blocks the control
# socket nor stays open past the 10 s timeout; the bearer token; the
# agent's own /metrics; a clean SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-http 120
AGG="$top_builddir/aggregator/strata-aggregator"
CTL="$top_builddir/clients/stratactl"
PUSH="$top_builddir/tests/helpers/strata-push"
HC="$IT_LIBDIR/http-check.py"
it_need_prog "$AGG" "$CTL" "$PUSH" "$IT_AGENT"
tap_plan 45

SOCK="$IT_DIR/ctl.sock"
D=$IT_DIR/http
mkdir -p "$D"
# shellcheck disable=SC2046
set -- $(it_free_ports 5)
PORT=$1 HPORT=$2 TPORT=$3 APORT=$4 XPORT=$5
H=127.0.0.1:$HPORT
ctl() { "$CTL" -s "$SOCK" "$@"; }
fetch() { python3 "$HC" fetch "$1" "$D"; }

# ---- records: the real trace's migration, its destination, a stalled one ----
"$IT_AGENT" --node cmp1 --trace "$top_srcdir/tests/data/traces/qemu-mig" \
    --jsonl "$IT_DIR/cmp1.jsonl" --once >"$IT_DIR/agent.log" 2>&1
python3 - "$IT_DIR" <<'EOF'
import json, sys, time
d = sys.argv[1]
src = [json.loads(l) for l in open(d + "/cmp1.jsonl")]
final = [r for r in src if r["kind"] == "migration"][-1]
t0 = final["started_ns"] + 2000000
dst = {"kind": "migration", "node": "cmp2", "id": "cmp2/31337/%d" % t0,
       "t_ns": final["ended_ns"] + 3000000, "vm_uuid": final["vm_uuid"],
       "vm_name": final["vm_name"], "vpid": 31337, "role": "destination",
       "state": "completed", "outcome": "completed", "error": None,
       "started_ns": t0, "ended_ns": final["ended_ns"] + 3000000,
       "vm_resume_ns": final["ended_ns"] + 2000000, "total_ms": 100.0,
       "stages": [{"name": "load", "start_ns": t0,
                   "end_ns": final["ended_ns"] + 2000000, "duration_ms": 50.0}],
       "rounds": []}
json.dump(dst, open(d + "/cmp2.jsonl", "w"))
now = time.time_ns() - 60 * 10**9
sid = "cmp1/4242/%d" % now
uuid = "0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11"
recs, rounds = [], []
for n in range(1, 9):
    r = {"n": n, "t_ns": now + n * 8 * 10**9, "start_ns": now + (n - 1) * 8 * 10**9,
         "dirty_pages": 65536 - 37 * n, "duration_ms": 8000.0,
         "pending_bytes": 268435456, "bytes": 268435456,
         "bandwidth_bps": 33554432.0, "dirty_rate_bps": 33000000.0,
         "predicted_downtime_ms": 7996.0 - n, "throttle_pct": None,
         "verdict": "stalled" if n > 3 else "converging"}
    rounds.append(r)
    recs.append(dict(r, kind="migration_round", node="cmp1",
                     id="%s#%d" % (sid, n), migration_id=sid, vm_uuid=uuid,
                     vm_name="instance-0000002b"))
end = now + 70 * 10**9
recs.append({"kind": "migration", "node": "cmp1", "id": sid, "t_ns": end,
             "vm_uuid": uuid, "vm_name": "instance-0000002b", "vpid": 4242,
             "role": "source", "state": "cancelled", "outcome": "cancelled",
             "error": None, "started_ns": now, "ended_ns": end,
             "total_ms": 70000.0, "downtime_ms": None, "verdict": "stalled",
             "predicted_downtime_ms": 7988.0, "downtime_limit_ms": 300.0,
             "stages": [{"name": "setup", "start_ns": now, "end_ns": now + 10**7,
                         "duration_ms": 10.0}],
             "rounds": rounds})
for name, sev, t in (("migration.not_converging", "warning", now + 32 * 10**9),
                     ("migration.failed", "error", end)):
    recs.append({"kind": "alert", "node": "cmp1", "id": sid + "!" + name,
                 "name": name, "severity": sev, "migration_id": sid,
                 "vm_uuid": uuid, "vm_name": "instance-0000002b", "t_ns": t,
                 "message": "live migration of instance-0000002b: " + name,
                 "evidence": {"verdict": "stalled", "rounds": rounds[-3:],
                              "bandwidth_bps": 33554432.0,
                              "downtime_limit_ms": 300.0,
                              "predicted_downtime_ms": 7988.0,
                              "threshold_bytes": None, "throttle_pct": None}})
with open(d + "/stalled.jsonl", "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
EOF

# ---- start, push -------------------------------------------------------------
"$AGG" -d --listen "127.0.0.1:$PORT" --db "$IT_DIR/agg.db" --ctl "$SOCK" \
    --alert-log none --http "$HPORT" \
    --http-root "$top_srcdir/aggregator/http/web" \
    >"$IT_DIR/aggregator.log" 2>&1 &
AGG_PID=$!
IT_PIDS+=("$AGG_PID")
it_wait_listen "$HPORT" 10
tap_ok $? "strata-aggregator --http $HPORT listens on 127.0.0.1:$HPORT (a port alone is loopback)"
timeout -k 5 30 "$IT_AGENT" --node cmp1 --once \
    --trace "$top_srcdir/tests/data/traces/qemu-mig" \
    --aggregator "127.0.0.1:$PORT" >>"$IT_DIR/agent.log" 2>&1 &&
"$PUSH" "127.0.0.1:$PORT" cmp2 "$IT_DIR/cmp2.jsonl" >>"$IT_DIR/push.log" 2>&1 &&
"$PUSH" "127.0.0.1:$PORT" cmp1 "$IT_DIR/stalled.jsonl" >>"$IT_DIR/push.log" 2>&1
tap_is $? 0 "the agent (real trace) and the stand-in pushed, acknowledged"

# ---- /api/ = stratactl --json ------------------------------------------------------
ctl --json help >"$D/c-help.json"
ctl --json nodes >"$D/c-nodes.json"
ctl --json migrations >"$D/c-migs.json"
ctl --json migrations --failed >"$D/c-failed.json"
ctl --json alerts >"$D/c-alerts.json"
ctl --json alerts --firing >"$D/c-firing.json"
MID=$(python3 -c 'import json,sys; print([m["id"] for m in json.load(open(sys.argv[1])) if m["outcome"] == "cancelled"][0])' "$D/c-migs.json")
MOK=$(python3 -c 'import json,sys; print([m["id"] for m in json.load(open(sys.argv[1])) if m["outcome"] == "completed"][0])' "$D/c-migs.json")
NC=$(python3 -c 'import json,sys; print([a["id"] for a in json.load(open(sys.argv[1])) if a["name"] == "migration.not_converging"][0])' "$D/c-alerts.json")
ctl --json migration "$MOK" >"$D/c-mok.json"
ctl --json migration "$MID" >"$D/c-mid.json"
MOKQ=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$MOK")
fetch "$H" <<EOF
help	GET	/api/help
index	GET	/api/
nodes	GET	/api/nodes
migs	GET	/api/migrations
failed	GET	/api/migrations?failed
failed2	GET	/api/migrations?failed=true&limit=10
alerts	GET	/api/alerts
firing	GET	/api/alerts?firing
mok	GET	/api/migration?id=$MOKQ
mid	GET	/api/migration/$MID
status	GET	/api/status
ack	GET	/api/alert/ack/$NC
ackq	GET	/api/ack?id=$NC
follow	GET	/api/alerts/follow
nocmd	GET	/api/frobnicate
nomig	GET	/api/migration/no-such-migration
badarg	GET	/api/migrations?limit=0
unkarg	GET	/api/migrations?colour=blue
twice	GET	/api/migrations?limit=1&limit=2
since	GET	/api/alerts?since=1h
EOF
ctl --json alerts >"$D/c-alerts-after.json"
tap_json h="$D/help.json" ch="$D/c-help.json" i="$D/index.json" \
    n="$D/nodes.json" cn="$D/c-nodes.json" m="$D/migs.json" \
    cm="$D/c-migs.json" f="$D/failed.json" f2="$D/failed2.json" \
    cf="$D/c-failed.json" a="$D/alerts.json" ca="$D/c-alerts.json" \
    fi="$D/firing.json" cfi="$D/c-firing.json" mok="$D/mok.json" \
    cmok="$D/c-mok.json" mid="$D/mid.json" cmid="$D/c-mid.json" \
    s="$D/status.json" <<'EOF'
/api/help, /api/nodes, /api/migrations, /api/alerts: 200, application/json, the very JSON of stratactl --json
	all(x["code"] == 200 and x["headers"]["content-type"] == "application/json"
	    for x in (h, n, m, a)) and
	h["json"] == ch and n["json"] == cn and m["json"] == cm and a["json"] == ca

/api/migrations?failed (a bare flag) and ?failed=true&limit=10 = stratactl --json migrations --failed (the cancelled one)
	f["json"] == cf and f2["json"] == cf and len(cf) == 1 and
	cf[0]["outcome"] == "cancelled"

/api/alerts?firing = stratactl --json alerts --firing
	fi["code"] == 200 and fi["json"] == cfi and len(cfi) == 2

the not_converging alert carries its advice from the rounds (31.5 MiB/s dirtied against 32 MiB/s sent: post-copy or auto-converge); the failed one none
	[x["advice"]["way"] for x in ca if x["name"] == "migration.not_converging"] ==
	["postcopy_or_auto_converge"] and
	"live_migration_permit_auto_converge" in [x["advice"]["text"] for x in ca
	 if x["name"] == "migration.not_converging"][0] and
	"advice" not in [x for x in ca if x["name"] == "migration.failed"][0]

/api/migration?id=ID and /api/migration/ID (a side id with slashes in the path) = stratactl --json migration ID
	mok["json"] == cmok and mid["json"] == cmid and
	[x["role"] for x in cmok["sides"]] == ["source", "destination"] and
	len(cmid["sides"][0]["rounds"]) == 8

/api/status: the status object with the http listener's own figures
	s["code"] == 200 and s["json"]["migrations_total"] == 2 and
	s["json"]["aggregator"]["http"]["listen"].startswith("127.0.0.1:") and
	s["json"]["aggregator"]["http"]["requests"] >= 10

/api/ lists the read-only, non-stream commands with their paths: no alert ack, no alerts follow
	i["code"] == 200 and {"/api/alerts", "/api/help", "/api/migration",
	 "/api/migrations", "/api/nodes", "/api/status"} <=
	set(x["path"] for x in i["json"]) and
	not {"/api/alert/ack", "/api/alerts/follow"} & set(x["path"] for x in i["json"]) and
	all(x["readonly"] and not x["stream"] for x in i["json"])
EOF
tap_json ack="$D/ack.json" ackq="$D/ackq.json" fo="$D/follow.json" \
    nc="$D/nocmd.json" nm="$D/nomig.json" ba="$D/badarg.json" \
    ua="$D/unkarg.json" tw="$D/twice.json" si="$D/since.json" \
    a0="$D/c-alerts.json" a1="$D/c-alerts-after.json" <<EOF
/api/alert/ack/ID and /api/ack?id=ID: 403, never run: the alert is still firing
	ack["code"] == 403 and ackq["code"] == 403 and
	"changes state" in ack["json"]["error"] and a0 == a1 and
	[x["state"] for x in a1 if x["id"] == $NC] == ["firing"]

/api/alerts/follow: 400 (a stream: poll /api/alerts)
	fo["code"] == 400 and "stream" in fo["json"]["error"]

unknown command: 404; unknown migration: 404 with the command's message
	nc["code"] == 404 and "unknown command" in nc["json"]["error"] and
	nm["code"] == 404 and nm["json"]["error"] ==
	"migration: no migration no-such-migration"

bad arguments: 400 with the control socket's messages (range, unknown, given twice)
	ba["code"] == 400 and "limit" in ba["json"]["error"] and
	ua["code"] == 400 and "unknown argument 'colour'" in ua["json"]["error"] and
	tw["code"] == 400 and "twice" in tw["json"]["error"]

a time argument takes a duration back from now (?since=1h): both alerts of a minute ago
	si["code"] == 200 and len(si["json"]) == 2
EOF

# ---- /metrics ------------------------------------------------------------------------
fetch "$H" <<'EOF'
text	GET	/metrics
om	GET	/metrics	Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1
head	HEAD	/metrics
EOF
tap_json t="$D/text.json" o="$D/om.json" hd="$D/head.json" <<'EOF'
/metrics: 200, text/plain; version=0.0.4, no # EOF; OpenMetrics when Accept asks: application/openmetrics-text; version=1.0.0, ends with # EOF
	t["code"] == 200 and t["headers"]["content-type"].startswith(
	"text/plain; version=0.0.4") and not t["eof"] and
	o["headers"]["content-type"].startswith(
	"application/openmetrics-text; version=1.0.0") and o["eof"]

OpenMetrics names a counter's family without _total, the text format with it
	o["types"]["strata_migrations"] == "counter" and
	t["types"]["strata_migrations_total"] == "counter" and
	"strata_migrations_total" not in o["types"]

the same samples of the store in both formats (the daemon's own counters move between two scrapes)
	[k for k in t["prom"] if k.startswith(("strata_migration", "strata_alerts",
	 "strata_node", "strata_records"))] ==
	[k for k in o["prom"] if k.startswith(("strata_migration", "strata_alerts",
	 "strata_node", "strata_records"))] and
	all(t["prom"][k] == o["prom"][k] for k in t["prom"]
	    if k.startswith(("strata_migration", "strata_alerts")))

HEAD /metrics: 200 without a body
	hd["code"] == 200 and hd["body"] == ""

migrations by outcome: 1 completed, 1 cancelled, 0 failed; none active; 12 rounds (4 + 8)
	t["prom"]['strata_migrations_total{outcome="completed"}'] == 1 and
	t["prom"]['strata_migrations_total{outcome="cancelled"}'] == 1 and
	t["prom"]['strata_migrations_total{outcome="failed"}'] == 0 and
	t["prom"]["strata_migrations_active"] == 0 and
	t["prom"]["strata_migration_rounds_total"] == 12

downtime histogram: the completed migration's downtime, one observation; duration: both ended ones
	t["prom"]["strata_migration_downtime_seconds_count"] == 1 and
	t["prom"]['strata_migration_downtime_seconds_bucket{le="+Inf"}'] == 1 and
	t["prom"]["strata_migration_duration_seconds_count"] == 2 and
	t["prom"]['strata_migration_duration_seconds_bucket{le="60"}'] == 1 and
	t["prom"]['strata_migration_duration_seconds_bucket{le="120"}'] == 2

alerts firing by name and severity: migration.failed (error) and migration.not_converging (warning)
	t["prom"]['strata_alerts_firing{name="migration.failed",severity="error"}'] == 1 and
	t["prom"]['strata_alerts_firing{name="migration.not_converging",severity="warning"}'] == 1 and
	t["prom"]['strata_alerts_raised_total{name="migration.failed",severity="error"}'] == 1

records taken by node and kind: cmp1's 8 rounds of the stalled migration plus the trace's 4, 2 alerts; cmp2's one side
	t["prom"]['strata_records_ingested_total{kind="migration_round",node="cmp1"}'] == 12 and
	t["prom"]['strata_records_ingested_total{kind="alert",node="cmp1"}'] == 2 and
	t["prom"]['strata_records_ingested_total{kind="migration",node="cmp2"}'] == 1

nodes: cmp1 and cmp2 with their clock offsets; not up (their agents left), not stale yet
	t["prom"]['strata_node_up{node="cmp1"}'] == 0 and
	t["prom"]['strata_node_stale{node="cmp2"}'] == 0 and
	'strata_node_clock_offset_seconds{node="cmp1"}' in t["prom"] and
	'strata_node_events_discarded_total{node="cmp1"}' in t["prom"]

the aggregator's own: info, ingest (3 agents accepted), control socket, committed batches, store size
	t["prom"]['strata_aggregator_info{version="0.1.0"}'] == 1 and
	t["prom"]["strata_ingest_hellos_total"] == 3 and
	t["prom"]["strata_ctl_requests_total"] >= 7 and
	t["prom"]['strata_store_batches_total{result="committed"}'] >= 3 and
	t["prom"]["strata_store_database_bytes"] > 0 and
	t["prom"]['strata_store_records_total{result="stored"}'] >= 16

every family follows the naming conventions: strata_ prefix, counters end in _total, no label per round or per migration id
	all(k.startswith("strata_") for k in t["types"]) and
	all(k.endswith("_total") for k, v in t["types"].items() if v == "counter") and
	not [k for k in t["prom"] if "{" in k and set(x.split("=")[0] for x in
	     k.split("{")[1].rstrip("}").split(",")) & {"n", "round", "id", "migration_id"}]
EOF
if command -v promtool >/dev/null 2>&1; then
	python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' \
	    "$D/text.json" >"$D/metrics.txt"
	promtool check metrics <"$D/metrics.txt" >"$D/promtool.out" 2>&1
	tap_ok $? "promtool check metrics: no complaint" ||
	    tap_diag "$(head -n 20 "$D/promtool.out")"
else
	tap_skip 1 "promtool not installed (Debian: prometheus)"
fi

# ---- web files ------------------------------------------------------------------------
fetch "$H" <<'EOF'
root	GET	/
js	GET	/strata.js
kjs	GET	/kinds/migration/migration.js
kpage	GET	/kinds/migration/migration.html
views	GET	/views.json
chart	GET	/static/chart.js
nokind	GET	/kinds/nosuchkind/x.html
dots	GET	/..%2f..%2fetc%2fpasswd
dots2	GET	/kinds/migration/..%2f..%2f..%2fetc%2fpasswd
hidden	GET	/.htaccess
alias	GET	/migration.html?id=cmp1%2F1%2F2
nalias	GET	/node.html?id=cmp1
EOF
tap_json r="$D/root.json" j="$D/js.json" k="$D/kjs.json" kp="$D/kpage.json" \
    v="$D/views.json" <<'EOF'
/ is index.html, /strata.js, and the kind's files under /kinds/migration/ (from aggregator/kinds/migration/web in a source tree)
	r["code"] == 200 and r["headers"]["content-type"].startswith("text/html") and
	"strata.js" in r["body"] and j["code"] == 200 and
	j["headers"]["content-type"].startswith("text/javascript") and
	k["code"] == 200 and "Strata" in k["body"] and kp["code"] == 200

/views.json: Overview, the kinds' views in the kinds' table's order (the migration's list and item pages from its registration), Nodes, Alerts
	[x["title"] for x in v["json"]["views"]] ==
	["Overview", "Migrations", "VMs", "Requests", "Services", "Volumes",
	"Ports", "Nodes", "Alerts"] and
	v["json"]["views"][1]["page"] == "/kinds/migration/migrations.html" and
	v["json"]["views"][1]["item"] == "/kinds/migration/migration.html"
EOF
tap_json a="$D/alias.json" n="$D/nalias.json" <<'EOF'
a subject's page by its kind's name (Alertmanager's generatorURL): /migration.html?id=ID and /node.html?id=NODE redirect to the kind's item page and the nodes view
	a["code"] == 301 and a["headers"]["location"] ==
	"/kinds/migration/migration.html?id=cmp1%2F1%2F2" and
	n["code"] == 301 and n["headers"]["location"] == "/nodes.html?id=cmp1"
EOF
if [ -r /usr/share/javascript/chart.js/chart.min.js ]; then
	tap_json c="$D/chart.json" v="$D/views.json" <<'EOF'
/static/chart.js is Debian's Chart.js (libjs-chart.js); /views.json says so
	c["code"] == 200 and "Chart.js" in c["body"][:200] and v["json"]["chartjs"]
EOF
else
	tap_skip 1 "libjs-chart.js not installed"
fi
tap_json a="$D/nokind.json" b="$D/dots.json" c="$D/dots2.json" \
    d="$D/hidden.json" <<'EOF'
nothing outside the web root: an unknown kind, ../ (encoded), a dot file: 404
	[x["code"] for x in (a, b, c, d)] == [404, 404, 404, 404]
EOF

# ---- bad requests ----------------------------------------------------------------------
BIG=$(head -c 10000 /dev/zero | tr '\0' a)
HUGE=$(head -c 100000 /dev/zero | tr '\0' a)
LONGURI=$(head -c 9000 /dev/zero | tr '\0' a)
fetch "$H" <<EOF
post	POST	/metrics	body=10
delete	DELETE	/api/alerts
nopath	GET	/no/such/page
bighdr	GET	/metrics	X-Big: $BIG
hugehdr	GET	/metrics	X-Big: $HUGE
longuri	GET	/$LONGURI
bigbody	GET	/metrics	body=100000
nul	GET	/api/nodes%00x
garbage	RAW	\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n
noversion	RAW	GET\r\n\r\n
EOF
tap_json p="$D/post.json" de="$D/delete.json" np="$D/nopath.json" \
    bh="$D/bighdr.json" hh="$D/hugehdr.json" lu="$D/longuri.json" \
    bb="$D/bigbody.json" nu="$D/nul.json" g="$D/garbage.json" \
    nv="$D/noversion.json" <<'EOF'
POST and DELETE: 405 with Allow: GET, HEAD
	p["code"] == 405 and de["code"] == 405 and
	p["headers"]["allow"] == "GET, HEAD"

unknown path: 404
	np["code"] == 404

headers of 10 kB and a 9 kB request line: 413; a 100 kB header: 400 (evhttp stops reading at 64 KiB); a 100 kB body: 413
	bh["code"] == 413 and lu["code"] == 413 and hh["code"] == 400 and
	bb["code"] == 413

a NUL in the path: 400; garbage and a bare GET: 400 or a closed connection, no crash
	nu["code"] == 400 and g["code"] in (0, 400) and nv["code"] in (0, 400)
EOF
python3 "$HC" hold "$H" 15 >"$D/hold.out" &
HOLD=$!
sleep 0.3
t0=$(date +%s%N)
ctl status >/dev/null
t1=$(date +%s%N)
tap_cmp $(((t1 - t0) / 1000000)) -lt 1000 \
    "a half-sent HTTP request does not hold the control socket: stratactl status in $(((t1 - t0) / 1000000)) ms"
wait "$HOLD"
HELD=$(cut -d. -f1 "$D/hold.out")
tap_ok "$([ "${HELD:-99}" -ge 9 ] && [ "${HELD:-99}" -le 12 ]; echo $?)" \
    "the half-sent request is closed after the 10 s timeout (${HELD} s)"
fetch "$H" <<'EOF'
after	GET	/api/status
EOF
tap_json x="$D/after.json" <<'EOF'
after every bad request the aggregator still answers, and counted the 4xx it sent
	x["code"] == 200 and x["json"]["aggregator"]["http"]["responses"]["405"] >= 2 and
	x["json"]["aggregator"]["http"]["responses"]["413"] >= 2 and
	x["json"]["aggregator"]["http"]["responses"]["404"] >= 5
EOF

# ---- the bearer token -------------------------------------------------------------------
printf 's3cret-http-token\n' >"$IT_DIR/http.token"
chmod 600 "$IT_DIR/http.token"
"$AGG" -d --listen "127.0.0.1:$XPORT" --db "$IT_DIR/agg2.db" \
    --ctl "$IT_DIR/ctl2.sock" --alert-log none --http "127.0.0.1:$TPORT" \
    --http-token-file "$IT_DIR/http.token" \
    --http-root "$top_srcdir/aggregator/http/web" \
    >"$IT_DIR/aggregator2.log" 2>&1 &
AGG2=$!
IT_PIDS+=("$AGG2")
it_wait_listen "$TPORT" 10
fetch "127.0.0.1:$TPORT" <<'EOF'
t-none	GET	/metrics
t-bad	GET	/api/status	Authorization: Bearer wrong
t-ok	GET	/metrics	Authorization: Bearer s3cret-http-token
t-api	GET	/api/nodes	Authorization: Bearer s3cret-http-token
t-page	GET	/
t-js	GET	/kinds/migration/migration.js
EOF
tap_json n="$D/t-none.json" b="$D/t-bad.json" o="$D/t-ok.json" \
    a="$D/t-api.json" p="$D/t-page.json" j="$D/t-js.json" <<'EOF'
http-token-file: /metrics and /api/ need Authorization: Bearer TOKEN (401 with WWW-Authenticate otherwise); the pages and scripts hold no data and need none
	n["code"] == 401 and b["code"] == 401 and
	n["headers"]["www-authenticate"].startswith("Bearer") and
	o["code"] == 200 and a["code"] == 200 and a["json"] == [] and
	p["code"] == 200 and j["code"] == 200
EOF
it_kill_pid "$AGG2" 50
"$AGG" -d --listen "127.0.0.1:$XPORT" --db "$IT_DIR/agg3.db" \
    --ctl "$IT_DIR/ctl3.sock" --alert-log none --http "0.0.0.0:$TPORT" \
    >"$IT_DIR/aggregator3.log" 2>&1
st=$?
tap_ok "$([ $st -eq 2 ] && grep -q 'not a loopback address: give http-token-file' \
    "$IT_DIR/aggregator3.log"; echo $?)" \
    "--http 0.0.0.0:PORT without a token file: refused at start (exit 2), saying why"

# ---- the agent's own /metrics ----------------------------------------------------------
# A live session that is not there (the agent keeps trying) and the aggregator.
"$IT_AGENT" --node cmp9 --live "net://127.0.0.1:1/host/nohost/nosession" \
    --aggregator "127.0.0.1:$PORT" --http "$APORT" --spool "$IT_DIR/spool-cmp9" \
    >"$IT_DIR/agent-http.log" 2>&1 &
AGENT=$!
IT_PIDS+=("$AGENT")
it_wait_listen "$APORT" 10
n=100
until ctl --json status | grep -q '"node": *"cmp9"' || [ "$n" -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
fetch "127.0.0.1:$APORT" <<'EOF'
ag	GET	/metrics
agom	GET	/metrics	Accept: application/openmetrics-text; version=1.0.0
ag404	GET	/api/status
EOF
tap_json g="$D/ag.json" o="$D/agom.json" x="$D/ag404.json" <<'EOF'
strata-agent --http: /metrics with the node's name on every sample: info, events, the aggregator link up, the spool, the migration analyzer's counters
	g["code"] == 200 and
	g["prom"]['strata_agent_info{input="live",node="cmp9",version="0.1.0"}'] == 1 and
	g["prom"]['strata_agent_events_total{node="cmp9"}'] == 0 and
	g["prom"]['strata_agent_aggregator_connected{node="cmp9"}'] == 1 and
	'strata_agent_spool_unacked_records{node="cmp9"}' in g["prom"] and
	g["prom"]['strata_agent_analyzer_total{analyzer="migration",counter="migrations",node="cmp9"}'] == 0 and
	all(k.endswith("_total") for k, v in g["types"].items() if v == "counter")

the agent speaks OpenMetrics too, and serves nothing but /metrics
	o["eof"] and o["prom"] == g["prom"] and x["code"] == 404
EOF
if command -v promtool >/dev/null 2>&1; then
	python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' \
	    "$D/ag.json" | promtool check metrics >"$D/promtool-agent.out" 2>&1
	tap_ok $? "promtool check metrics on the agent's /metrics: no complaint" ||
	    tap_diag "$(head -n 20 "$D/promtool-agent.out")"
else
	tap_skip 1 "promtool not installed (Debian: prometheus)"
fi
it_kill_pid "$AGENT" 50
"$IT_AGENT" --node cmp9 --trace "$IT_DIR/none" --http "0.0.0.0:$APORT" \
    >"$IT_DIR/agent-exposed.log" 2>&1
st=$?
tap_ok "$([ $st -eq 2 ] && grep -q 'not a loopback address' \
    "$IT_DIR/agent-exposed.log"; echo $?)" \
    "strata-agent --http 0.0.0.0:PORT without http_token_file: exit 2, saying why"

# ---- a clean stop ----------------------------------------------------------------------
kill -TERM "$AGG_PID"
wait "$AGG_PID"
tap_is $? 0 "SIGTERM: the aggregator with its HTTP listener exits 0"
tap_done
