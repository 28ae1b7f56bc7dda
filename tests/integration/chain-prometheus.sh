#!/bin/bash
# tests/integration/chain-prometheus.sh: a real Prometheus (Debian's
# prometheus, its own configuration and data directory, a free loopback
# port, scrape and evaluation every second, docs/prometheus/strata-rules.yml
# loaded) scrapes strata-aggregator --http and both nodes' strata-agent
# --http during a live chain run: two session daemons (cmp1, cmp2), one
# relay daemon, a migration that converges (converge.scn on cmp1,
# dst-completed.scn on cmp2) and one that does not (nonconverge.scn on
# cmp1, cancelled at Nova's timeout).  Prometheus's HTTP API
# (/api/v1/query) must find what stratactl shows: the migration in
# progress and its per-VM gauges, the not_converging alert while it
# fires, the outcomes, the failed alert, both nodes up, the agents'
# counters, the rules loaded and healthy, and every query of the Grafana
# dashboard answering.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-prometheus 180
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v prometheus >/dev/null 2>&1 ||
    tap_skip_all "prometheus not installed (Debian: prometheus; ./bootstrap --deps)"
tap_plan 16

HC="$IT_LIBDIR/http-check.py"
D=$IT_DIR/prom
mkdir -p "$D"
# shellcheck disable=SC2046
set -- $(it_free_ports 4)
HPORT=$1 A1=$2 A2=$3 PPORT=$4
PROM=http://127.0.0.1:$PPORT
U1=6a1e0c55-0000-4000-8000-00000000f001
U2=6a1e0c55-0000-4000-8000-00000000f002

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_start_aggregator --http "$HPORT" &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_on cmp2 it_create_live_session cmp2 &&
    it_start_node_agent cmp1 cmp1 "$IT_DIR/cmp1.jsonl" --http "$A1" &&
    it_start_node_agent cmp2 cmp2 "$IT_DIR/cmp2.jsonl" --http "$A2" &&
    it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20; }; then
	tap_ok 1 "relayd, two nodes, aggregator --http, two agents --http attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, two nodes, aggregator --http, two agents --http attached"

cp "$top_srcdir/docs/prometheus/strata-rules.yml" "$D/"
cat >"$D/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $D/strata-rules.yml
scrape_configs:
  - job_name: strata-aggregator
    static_configs:
      - targets: ['127.0.0.1:$HPORT']
  - job_name: strata-agent
    static_configs:
      - targets: ['127.0.0.1:$A1', '127.0.0.1:$A2']
EOF
prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/data" \
    --web.listen-address="127.0.0.1:$PPORT" >"$IT_DIR/prometheus.log" 2>&1 &
IT_PIDS+=("$!")
python3 "$HC" targets "$PROM" 40 3 >"$D/targets.json"
tap_ok $? "Prometheus scrapes the aggregator and both agents: 3 targets up" ||
    tap_diag "$(cat "$D/targets.json")" "$(tail -n 5 "$IT_DIR/prometheus.log")"

# ---- a migration that converges, cmp1 -> cmp2 -----------------------------------
it_on cmp1 it_emit_bg --speed 20 --vm-uuid $U1 --vm-name prom-conv \
    "$(it_scenario converge)"
pa=$IT_LAST_PID
it_on cmp2 it_emit_bg --speed 20 --vm-uuid $U1 --vm-name prom-conv \
    "$(it_scenario dst-completed)"
pb=$IT_LAST_PID
wait "$pa" && wait "$pb"
it_wait_ctl 30 "[m for m in j if m['vm_uuid'] == '$U1' and
    m['outcome'] == 'completed' and m['dst_node'] == 'cmp2']" migrations >/dev/null
tap_ok $? "converge.scn/dst-completed.scn: one completed migration cmp1 -> cmp2 in the store"

# ---- one that does not converge: Prometheus sees it while it runs ------------------
it_on cmp1 it_emit_bg --speed 4 --vm-uuid $U2 --vm-name prom-nonconv \
    "$(it_scenario nonconverge)"
pn=$IT_LAST_PID
python3 "$HC" waitquery "$PROM" 20 \
    'r and r[0]["value"] == 1 and r[0]["metric"].get("vm_name") == "prom-nonconv"' \
    'strata_migration_active_rounds' >"$D/active-rounds.json"
tap_ok $? "while it runs: strata_migration_active_rounds{vm_name=\"prom-nonconv\"} (per VM gauges of a migration in progress)" ||
    tap_diag "$(cat "$D/active-rounds.json")"
python3 "$HC" waitquery "$PROM" 30 'r and r[0]["value"] == 1' \
    'strata_alerts_firing{name="migration.not_converging",severity="warning"}' \
    >"$D/nc-firing.json"
tap_ok $? "while it runs: strata_alerts_firing{name=\"migration.not_converging\",severity=\"warning\"} 1" ||
    tap_diag "$(cat "$D/nc-firing.json")"
python3 "$HC" query "$PROM" "$D" \
    active='strata_migrations_active' \
    pend='strata_migration_pending_bytes{vm_uuid="'$U2'"}' \
    thr='strata_migration_threshold_bytes{vm_uuid="'$U2'"}' \
    pdt='strata_migration_predicted_downtime_seconds{vm_uuid="'$U2'"}' \
    lim='strata_migration_downtime_limit_seconds{vm_uuid="'$U2'"}'
it_ctl --json migrations --active >"$D/ctl-active.json"
tap_json a="$D/active.json" p="$D/pend.json" t="$D/thr.json" \
    d="$D/pdt.json" l="$D/lim.json" <<'EOF'
in progress: 1 active migration; its pending bytes over its threshold, its predicted downtime over the 0.3 s limit, labelled by VM and source node
	a[0]["value"] == 1 and p[0]["metric"]["node"] == "cmp1" and
	p[0]["metric"]["vm_name"] == "prom-nonconv" and
	p[0]["value"] > t[0]["value"] > 0 and d[0]["value"] > l[0]["value"] and
	l[0]["value"] == 0.3
EOF
wait "$pn"
it_wait_ctl 30 "[m for m in j if m['vm_uuid'] == '$U2' and m['outcome']]" \
    migrations >/dev/null
tap_ok $? "nonconverge.scn: the migration ends (Nova cancels it) in the store"

# ---- afterwards: the same migrations, alerts and nodes as stratactl ------------------
python3 "$HC" waitquery "$PROM" 20 'r and r[0]["value"] == 1' \
    'strata_alerts_firing{name="migration.failed"}' >/dev/null
sleep 2		# a scrape and a rule evaluation past the end
it_ctl --json migrations >"$D/ctl-migs.json"
it_ctl --json alerts >"$D/ctl-alerts.json"
it_ctl --json nodes >"$D/ctl-nodes.json"
it_ctl --json migration "$(python3 -c 'import json,sys; print([m["id"] for m in json.load(open(sys.argv[1])) if m["vm_uuid"] == sys.argv[2]][0])' "$D/ctl-migs.json" $U2)" >"$D/ctl-nonconv.json"
python3 "$HC" query "$PROM" "$D" \
    outcomes='strata_migrations_total' \
    active2='strata_migrations_active' \
    rounds='strata_migration_rounds_total' \
    down='strata_migration_downtime_seconds_count' \
    dur='strata_migration_duration_seconds_count' \
    firing='strata_alerts_firing' \
    ncmax='max_over_time(strata_alerts_firing{name="migration.not_converging"}[5m])' \
    up='strata_node_up' \
    clock='strata_node_clock_offset_seconds' \
    ingested='sum by (node) (strata_records_ingested_total)' \
    agrec='strata_agent_records_total' \
    agconn='strata_agent_aggregator_connected' \
    agev='strata_agent_events_total' \
    gone='strata_migration_pending_bytes' \
    targets='up'
tap_json o="$D/outcomes.json" a="$D/active2.json" m="$D/ctl-migs.json" <<'EOF'
strata_migrations_total: completed 1, cancelled 1, failed 0, rolled_back 0 (stratactl: the same two outcomes); none active
	sorted((x["metric"]["outcome"], x["value"]) for x in o) ==
	[("cancelled", 1), ("completed", 1), ("failed", 0), ("rolled_back", 0)] and
	sorted(x["outcome"] for x in m) == ["cancelled", "completed"] and
	a[0]["value"] == 0
EOF
tap_json r="$D/rounds.json" dn="$D/down.json" du="$D/dur.json" \
    m="$D/ctl-migs.json" g="$D/gone.json" <<'EOF'
strata_migration_rounds_total = the rounds of stratactl's migrations; downtime histogram: 1 (the completed one), duration: 2; no per-VM gauge once nothing runs
	r[0]["value"] == sum(x["rounds"] for x in m) and r[0]["value"] > 0 and
	dn[0]["value"] == 1 and du[0]["value"] == 2 and g == []
EOF
tap_json f="$D/firing.json" nc="$D/ncmax.json" a="$D/ctl-alerts.json" <<'EOF'
alerts: migration.failed (error) firing, migration.not_converging fired (max over 5 min 1) and resolved (0 now), as stratactl says
	[(x["metric"]["name"], x["metric"]["severity"], x["value"]) for x in f] ==
	[("migration.failed", "error", 1), ("migration.not_converging", "warning", 0)] and
	nc[0]["value"] == 1 and
	sorted((x["name"], x["state"]) for x in a) ==
	[("migration.failed", "firing"), ("migration.not_converging", "resolved")]
EOF
tap_json u="$D/up.json" c="$D/clock.json" i="$D/ingested.json" \
    n="$D/ctl-nodes.json" <<'EOF'
nodes: strata_node_up 1 for cmp1 and cmp2, clock offsets under 1 s, records taken per node = stratactl nodes' records
	[(x["metric"]["node"], x["value"]) for x in u] == [("cmp1", 1), ("cmp2", 1)] and
	all(abs(x["value"]) < 1 for x in c) and len(c) == 2 and
	sorted((x["metric"]["node"], x["value"]) for x in i) ==
	sorted((x["name"], x["records"]) for x in n)
EOF
tap_json r="$D/agrec.json" c="$D/agconn.json" e="$D/agev.json" \
    j1="$IT_DIR/cmp1.jsonl" j2="$IT_DIR/cmp2.jsonl" <<'EOF'
the agents' own /metrics: records emitted = the lines each wrote, connected to the aggregator, events read
	sorted((x["metric"]["node"], x["value"]) for x in r) ==
	[("cmp1", len(j1)), ("cmp2", len(j2))] and
	[x["value"] for x in c] == [1, 1] and all(x["value"] > 0 for x in e)
EOF
tap_json t="$D/targets.json" <<'EOF'
up is 1 for the three targets, with the jobs the rules expect
	sorted((x["metric"]["job"], x["value"]) for x in t) ==
	[("strata-agent", 1), ("strata-agent", 1), ("strata-aggregator", 1)]
EOF

# ---- the rules and the dashboard ---------------------------------------------------------
python3 - "$PROM" >"$D/rules.json" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/api/v1/rules", timeout=10) as r:
    j = json.load(r)
rules = [r for g in j["data"]["groups"] for r in g["rules"]]
json.dump({"n": len(rules), "bad": [(r["name"], r.get("lastError")) for r in rules
           if r["health"] != "ok"],
           "firing": sorted(r["name"] for r in rules if r.get("state") == "firing")},
          sys.stdout)
EOF
tap_json r="$D/rules.json" <<'EOF'
docs/prometheus/strata-rules.yml loaded: 11 rules evaluated without an error, none firing on a healthy run
	r["n"] == 11 and r["bad"] == [] and r["firing"] == []
EOF
python3 "$HC" dashboard "$PROM" "$top_srcdir/docs/grafana/strata.json" \
    "$D/dashboard.json"
tap_json d="$D/dashboard.json" <<'EOF'
every query of docs/grafana/strata.json parses and runs on this Prometheus
	d["n"] >= 30 and d["errors"] == []
EOF
tap_json d="$D/dashboard.json" <<'EOF'
... and all have data but the per-VM gauges of migrations in progress (none runs now)
	len(d["empty"]) <= 7 and all(any(f in e for f in (
	    "strata_migration_pending_bytes", "strata_migration_threshold_bytes",
	    "strata_migration_dirty_rate", "strata_migration_bandwidth",
	    "strata_migration_predicted_downtime", "strata_migration_downtime_limit",
	    "strata_migration_active_rounds")) for t, e in d["empty"])
EOF
tap_done
