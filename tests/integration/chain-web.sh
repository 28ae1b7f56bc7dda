#!/bin/bash
# tests/integration/chain-web.sh: the web views in a real browser.  A
# live chain run (one relay daemon, session daemons cmp1 and cmp2, their
# agents, strata-aggregator --http serving the source tree's pages) plays
# a migration that converges (converge.scn on cmp1, dst-completed.scn on
# cmp2) and one that does not (nonconverge.scn on cmp1, cancelled);
# headless Chromium (Debian's chromium, --dump-dom after
# --virtual-time-budget, so the pages have polled /api/) loads each view,
# during the run and after it.  The rendered DOM must hold what
# `stratactl --json` says: one point per round with its pending bytes,
# threshold, dirty rate, bandwidth, predicted downtime, limit and verdict;
# both sides' stages; the migration's alerts; the nodes with their clock
# offsets; alerts by state.  Screenshots of every view are written to
# tests/integration/screens/ in the build directory.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-web 240
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
[ -n "$CHROMIUM" ] ||
    tap_skip_all "chromium not installed (Debian: chromium; ./bootstrap --deps)"
tap_plan 21

HC="$IT_LIBDIR/http-check.py"
D=$IT_DIR/web
SCREENS=$top_builddir/tests/integration/screens
mkdir -p "$D" "$SCREENS"
HPORT=$(it_free_ports 1)
URL=http://127.0.0.1:$HPORT
U1=6a1e0c55-0000-4000-8000-00000000e001
U2=6a1e0c55-0000-4000-8000-00000000e002
CHART=0
[ -r /usr/share/javascript/chart.js/chart.min.js ] && CHART=1

# page NAME PATH: the page rendered (DOM as JSON in $D/NAME.json) and its
# screenshot ($SCREENS/NAME.png), from one browser run.
page()
{
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$IT_DIR/chromium" --virtual-time-budget=5000 \
	    --window-size=1400,1700 --hide-scrollbars \
	    --screenshot="$SCREENS/$1.png" --dump-dom "$URL$2" \
	    >"$D/$1.html" 2>>"$IT_DIR/chromium.log" &&
	python3 "$HC" dom "$D/$1.html" "$D/$1.json"
}
quote() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_start_aggregator --http "$HPORT" \
    --http-root "$top_srcdir/aggregator/http/web" &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_on cmp2 it_create_live_session cmp2 &&
    it_start_node_agent cmp1 cmp1 "$IT_DIR/cmp1.jsonl" &&
    it_start_node_agent cmp2 cmp2 "$IT_DIR/cmp2.jsonl" &&
    it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20; }; then
	tap_ok 1 "relayd, two nodes, aggregator --http, two agents attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, two nodes, aggregator --http, two agents attached"

# ---- the converging migration --------------------------------------------------
it_on cmp1 it_emit_bg --speed 20 --vm-uuid $U1 --vm-name web-conv \
    "$(it_scenario converge)"
pa=$IT_LAST_PID
it_on cmp2 it_emit_bg --speed 20 --vm-uuid $U1 --vm-name web-conv \
    "$(it_scenario dst-completed)"
pb=$IT_LAST_PID
wait "$pa" && wait "$pb"
it_wait_ctl 30 "[m for m in j if m['vm_uuid'] == '$U1' and
    m['outcome'] == 'completed' and m['dst_node'] == 'cmp2']" migrations >/dev/null
tap_ok $? "converge.scn/dst-completed.scn: one completed migration cmp1 -> cmp2"

# ---- the one that does not converge, seen while it runs -------------------------------
it_on cmp1 it_emit_bg --speed 1 --vm-uuid $U2 --vm-name web-nonconv \
    "$(it_scenario nonconverge)"
pn=$IT_LAST_PID
it_wait_ctl 40 "[a for a in j if a['vm_uuid'] == '$U2' and
    a['name'] == 'migration.not_converging' and a['state'] == 'firing']" \
    alerts >/dev/null
st=$?
ID2=$(it_ctl --json migrations --vm $U2 | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m[0]["id"] if m else "")')
it_ctl --json migration "$ID2" >"$D/ctl-running.json"
page running "/kinds/migration/migration.html?id=$(quote "$ID2")"
tap_json p="$D/running.json" c="$D/ctl-running.json" <<EOF
while it runs (its not_converging alert firing): the page shows it in progress, its rounds so far, the alert firing
	$st == 0 and c["outcome"] is None and
	[e for e in p["all"] if e["tag"] == "tbody" and e["id"] == "summary-body"][0]["data"]["outcome"] == "" and
	len([e for e in p["all"] if "round" in e["cls"]]) >= 3 and
	[(e["data"]["name"], e["data"]["state"]) for e in p["all"] if "alert" in e["cls"]] ==
	[("migration.not_converging", "firing")]
EOF
wait "$pn"
it_wait_ctl 30 "[a for a in j if a['vm_uuid'] == '$U2' and
    a['name'] == 'migration.failed']" alerts >/dev/null
tap_ok $? "nonconverge.scn: cancelled, migration.failed raised"
sleep 1

# ---- every view, after the run ---------------------------------------------------------
ID1=$(it_ctl --json migrations --vm $U1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
it_ctl --json migration "$ID1" >"$D/ctl-conv.json"
it_ctl --json migration "$ID2" >"$D/ctl-nonconv.json"
it_ctl --json migrations >"$D/ctl-migs.json"
it_ctl --json alerts >"$D/ctl-alerts.json"
it_ctl --json nodes >"$D/ctl-nodes.json"
it_ctl --json status >"$D/ctl-status.json"
page overview "/"
page migrations "/kinds/migration/migrations.html"
page migration-converge "/kinds/migration/migration.html?id=$(quote "$ID1")"
page migration-nonconverge "/kinds/migration/migration.html?id=$(quote "$ID2")"
page nodes "/nodes.html"
page alerts "/alerts.html"
n=0
for s in running overview migrations migration-converge migration-nonconverge \
    nodes alerts; do
	[ "$(stat -c %s "$SCREENS/$s.png" 2>/dev/null || echo 0)" -gt 10000 ] &&
	    n=$((n + 1))
done
tap_is "$n" 7 "screenshots of the 7 views in $SCREENS"
tap_diag "screenshots: $(cd "$SCREENS" && echo *.png)"

tap_json p="$D/migration-nonconverge.json" c="$D/ctl-nonconv.json" <<'EOF'
the non-converging migration: one round row per round of the source side, n 1..N
	[int(e["data"]["n"]) for e in p["all"] if "round" in e["cls"]] ==
	[r["n"] for r in c["sides"][0]["rounds"]] and len(c["sides"][0]["rounds"]) >= 4

each round's pending bytes, dirty rate, bandwidth, predicted downtime and verdict as the store has them
	[(int(e["data"]["pendingBytes"]), float(e["data"]["dirtyRateBps"]),
	  float(e["data"]["bandwidthBps"]), float(e["data"]["predictedDowntimeMs"]),
	  e["data"].get("verdict"))
	 for e in p["all"] if "round" in e["cls"]] ==
	[(r["pending_bytes"], r["dirty_rate_bps"], r["bandwidth_bps"],
	  r["predicted_downtime_ms"], r["verdict"]) for r in c["sides"][0]["rounds"]]

each round against the side's threshold (threshold_bytes) and limit (300 ms), over both: the page marks it over
	all(int(e["data"]["thresholdBytes"]) == c["sides"][0]["threshold_bytes"] and
	    float(e["data"]["downtimeLimitMs"]) == c["sides"][0]["downtime_limit_ms"] == 300 and
	    e["data"]["over"] == "true" for e in p["all"] if "round" in e["cls"])

the charts' data points: one per round in each of the three charts
	[int(e["data"]["count"]) for e in p["all"] if e["tag"] == "canvas"] ==
	[len(c["sides"][0]["rounds"])] * 3
EOF
tap_json p="$D/migration-nonconverge.json" c="$D/ctl-nonconv.json" <<'EOF'
the source side's stages as the store has them (setup, precopy, iterative)
	[e["data"]["stage"] for e in p["all"] if "stage" in e["cls"] and
	 e["data"].get("side") == "source"] ==
	[s["name"] for s in c["sides"][0]["stages"]] and
	[s["name"] for s in c["sides"][0]["stages"]][:3] == ["setup", "precopy", "iterative"]

its alerts with their messages: not_converging resolved, failed firing
	sorted((e["data"]["name"], e["data"]["state"]) for e in p["all"] if "alert" in e["cls"]) ==
	[("migration.failed", "firing"), ("migration.not_converging", "resolved")] and
	all(len(e["text"]) > 30 for e in p["all"] if "alert" in e["cls"])

not_converging shows its message, its resolution and its advice (the guest dirties faster than the bandwidth: post-copy or auto-converge)
	[(("is not converging" in e["text"]) and ("resolved: " in e["text"]) and
	  ("advice: " in e["text"]) and ("of the bandwidth" in e["text"]) and
	  ("live_migration_permit_post_copy" in e["text"]))
	 for e in p["all"] if "alert" in e["cls"] and
	 e["data"]["name"] == "migration.not_converging"] == [True]

its summary: cancelled, verdict and rounds as stratactl says
	[(e["data"]["outcome"], e["data"]["verdict"], int(e["data"]["rounds"]))
	 for e in p["all"] if e["id"] == "summary-body"] ==
	[(c["outcome"], c["verdict"], c["rounds"])] and c["outcome"] == "cancelled"
EOF
python3 - "$D/migration-nonconverge.json" "$D/ctl-nonconv.json" >"$D/points.out" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
side = c["sides"][0]
pts = json.loads([e for e in p["all"] if e["id"] == "chart-pending"][0]["data"]["points"])
want = [{"n": r["n"], "pending_bytes": r["pending_bytes"],
         "threshold_bytes": side["threshold_bytes"], "verdict": r["verdict"]}
        for r in side["rounds"]]
print("ok" if pts == want else "got %s want %s" % (pts, want))
EOF
tap_is "$(cat "$D/points.out")" ok \
    "the pending-bytes chart's data-points: one per round, (n, pending, threshold, verdict) of the store"

tap_json p="$D/migration-converge.json" c="$D/ctl-conv.json" <<'EOF'
the converging migration: a lane per side (source cmp1, destination cmp2), the destination's load stage, each side's stages as the store has them
	[(e["data"]["side"], e["data"]["node"]) for e in p["all"] if "lane" in e["cls"]] ==
	[("source", "cmp1"), ("destination", "cmp2")] and
	[e["data"]["stage"] for e in p["all"] if "stage" in e["cls"] and
	 e["data"].get("side") == "destination"] == [s["name"] for s in c["sides"][1]["stages"]] and
	"load" in [s["name"] for s in c["sides"][1]["stages"]] and
	[e["data"]["stage"] for e in p["all"] if "stage" in e["cls"] and
	 e["data"].get("side") == "source"] == [s["name"] for s in c["sides"][0]["stages"]]

... its rounds (the last one under the threshold: converged), no alert
	[int(e["data"]["n"]) for e in p["all"] if "round" in e["cls"]] ==
	[r["n"] for r in c["sides"][0]["rounds"]] and
	[e["data"]["over"] for e in p["all"] if "round" in e["cls"]][-1] == "false" and
	not [e for e in p["all"] if "alert" in e["cls"]]
EOF
tap_json p="$D/migrations.json" m="$D/ctl-migs.json" <<'EOF'
the migrations list: both migrations, newest first, with their VM, nodes and outcome
	[(e["data"]["id"], e["data"].get("vmName"), e["data"]["srcNode"],
	  e["data"].get("outcome")) for e in p["all"] if "migration" in e["cls"] and e["tag"] == "tr"] ==
	[(x["id"], x["vm_name"], x["src_node"], x["outcome"]) for x in m] and
	sorted(x["outcome"] for x in m) == ["cancelled", "completed"]
EOF
tap_json p="$D/nodes.json" n="$D/ctl-nodes.json" <<'EOF'
the nodes view: cmp1 and cmp2, not stale, their clock offsets as the store has them
	[(e["data"]["node"], e["data"]["stale"], float(e["data"]["clockOffsetMs"]))
	 for e in p["all"] if "node" in e["cls"] and e["tag"] == "tr"] ==
	[(x["name"], "false", x["clock_offset_ms"]) for x in n] and len(n) == 2
EOF
tap_json p="$D/alerts.json" a="$D/ctl-alerts.json" <<'EOF'
the alerts view: migration.failed firing, not_converging resolved (with its resolution), each linked to its migration's page
	sorted((e["data"]["name"], e["data"]["state"]) for e in p["all"] if "alert" in e["cls"]) ==
	sorted((x["name"], x["state"]) for x in a) and
	[e["text"] for e in p["all"] if "alert" in e["cls"] and e["data"]["state"] == "resolved"][0].find("resolved:") >= 0 and
	all(x["href"] and "migration.html?id=" in x["href"] for x in p["all"]
	    if x["tag"] == "a" and x["text"].startswith("migration "))
EOF
tap_json p="$D/overview.json" s="$D/ctl-status.json" <<'EOF'
the overview: nodes, alerts firing and the migration kind's counts from status
	{e["data"]["fig"]: int(e["data"]["value"]) for e in p["all"] if "fig" in e["cls"]} ==
	{"nodes": 2, "nodes_stale": 0, "alerts_firing": s["alerts_firing"],
	 "migrations_total": 2, "migrations_active": 0}
EOF
if [ "$CHART" -eq 1 ]; then
	tap_json p="$D/migration-nonconverge.json" <<'EOF'
Chart.js (libjs-chart.js) loaded from /static/chart.js and drew the three charts
	[e for e in p["all"] if e["tag"] == "body"][0]["data"]["chartjs"] == "true"
EOF
else
	tap_skip 1 "libjs-chart.js not installed: the pages show tables only"
fi
tap_done
