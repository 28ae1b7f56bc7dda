#!/bin/bash
# tests/integration/chain-correlate.sh: the whole chain on two nodes.  Two
# session daemons (nodes cmp1 and cmp2, one relay daemon), one strata-agent
# per node pushing to one strata-aggregator (temporary database and
# control socket).  A migration is played across them, its source side on
# cmp1 and its destination side on cmp2: first the converge/dst-completed
# scenarios, then the real QEMU 7.2 conv-rounds log pair through
# strata-qemu-bridge.  stratactl must show ONE migration per VM, cmp1 ->
# cmp2, completed, with rounds and a downtime, and both sides in
# `stratactl migration ID`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-correlate 120
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_BRIDGE" "$IT_AGGREGATOR" \
    "$IT_STRATACTL"
tap_plan 28

SPEED=${STRATA_SCN_SPEED:-20}
QSPEED=${STRATA_QEMU_SPEED:-10}
J1=$IT_DIR/cmp1.jsonl
J2=$IT_DIR/cmp2.jsonl
D=$IT_DIR

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_start_aggregator &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_on cmp2 it_create_live_session cmp2 &&
    it_start_node_agent cmp1 cmp1 "$J1" &&
    it_start_node_agent cmp2 cmp2 "$J2" &&
    it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20; }; then
	tap_ok 1 "relayd, two nodes' session daemons, aggregator, two agents attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, two nodes' session daemons, aggregator, two agents attached"

# check_pair VM LABEL: the checks of one migration played across the nodes.
check_pair()
{
	local vm=$1 what=$2 id
	it_wait_ctl 30 "[m for m in j if m['vm_uuid'] == '$vm' and
	    m['outcome'] is not None and m['dst_node'] is not None and
	    m['downtime_ms'] is not None]" migrations >/dev/null
	tap_ok $? "$what: the migration reaches an outcome in the store"
	it_ctl --json migrations --vm "$vm" >"$D/migs-$what.json"
	id=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(m[0]["id"] if m else "")' "$D/migs-$what.json")
	it_ctl --json migration "$id" >"$D/mig-$what.json"
	tap_is $? 0 "$what: stratactl --json migration $id"
	it_ctl migration "$id" >"$D/mig-$what.txt"
	tap_json m="$D/migs-$what.json" x="$D/mig-$what.json" \
	    r1="$J1" r2="$J2" <<EOF
$what: exactly ONE migration for the VM in stratactl --json migrations
	len(m) == 1 and m[0]["vm_uuid"] == "$vm"

$what: src_node cmp1, dst_node cmp2
	(m[0]["src_node"], m[0]["dst_node"]) == ("cmp1", "cmp2")

$what: outcome completed, state completed
	(m[0]["outcome"], m[0]["state"]) == ("completed", "completed")

$what: rounds is a count > 0
	isinstance(m[0]["rounds"], int) and m[0]["rounds"] > 0

$what: downtime_ms present (>= 0), with its basis
	m[0]["downtime_ms"] is not None and m[0]["downtime_ms"] >= 0 and
	m[0]["downtime_basis"] is not None

$what: migration ID shows both sides: source on cmp1 with its rounds, destination on cmp2
	[(s["role"], s["node"]) for s in x["sides"]] ==
	[("source", "cmp1"), ("destination", "cmp2")] and
	len(x["sides"][0]["rounds"]) == m[0]["rounds"]

$what: the sides are the agents' own migration ids, the id is the source's
	x["sides"][0]["id"] in [r["id"] for r in r1 if r["kind"] == "migration"] and
	x["sides"][1]["id"] in [r["id"] for r in r2 if r["kind"] == "migration"] and
	x["id"] == x["sides"][0]["id"]

$what: the store's rounds are the source agent's rounds (dirty pages)
	[r["dirty_pages"] for r in x["sides"][0]["rounds"]] ==
	[r["dirty_pages"] for r in r1 if r["kind"] == "migration_round" and
	 r["migration_id"] == x["sides"][0]["id"]]
EOF
	tap_diag "$(grep -E '^(migration|  state|  downtime|  rounds|source|destination)' \
	    "$D/mig-$what.txt" | head -n 12)"
}

# ---- scenarios: converge on cmp1, dst-completed on cmp2, one VM
U1=6a1e0c55-0000-4000-8000-00000000c0a1
it_on cmp1 it_emit_bg --speed "$SPEED" --vm-uuid $U1 --vm-name chain-scn \
    "$(it_scenario converge)"
pa=$IT_LAST_PID
it_on cmp2 it_emit_bg --speed "$SPEED" --vm-uuid $U1 --vm-name chain-scn \
    "$(it_scenario dst-completed)"
pb=$IT_LAST_PID
wait "$pa" && wait "$pb"
tap_ok $? "scenarios: converge on cmp1 and dst-completed on cmp2 played"
check_pair $U1 scenarios

# ---- the real QEMU 7.2 pair: src.log on cmp1, dst.log on cmp2
U2=6a1e0c55-0000-4000-8000-00000000c0a2
it_on cmp1 it_bridge_bg --speed "$QSPEED" --vm-uuid $U2 --vm-name chain-qemu \
    "$IT_QEMULOGS/conv-rounds/src.log"
pa=$IT_LAST_PID
it_on cmp2 it_bridge_bg --speed "$QSPEED" --vm-uuid $U2 --vm-name chain-qemu \
    "$IT_QEMULOGS/conv-rounds/dst.log"
pb=$IT_LAST_PID
wait "$pa" && wait "$pb"
tap_ok $? "conv-rounds: src.log on cmp1 and dst.log on cmp2 through the bridge"
check_pair $U2 conv-rounds
tap_json x="$D/mig-conv-rounds.json" r1="$J1" <<'EOF'
conv-rounds: rounds 1..6 in the store, QEMU's own dirty counts in cmp1's round records (25076, 10807, 5115, 2805, 4025, 745)
	[r["n"] for r in x["sides"][0]["rounds"]] == [1, 2, 3, 4, 5, 6] and
	[r["dirty_pages_reported"] for r in r1 if r["kind"] == "migration_round"
	 and r["migration_id"] == x["id"]] == [25076, 10807, 5115, 2805, 4025, 745]
EOF

# ---- the whole: two migrations, two nodes, nothing lost or skipped
it_ctl --json status >"$D/status.json"
it_ctl --json nodes >"$D/nodes.json"
it_ctl --json alerts >"$D/alerts.json"
tap_json s="$D/status.json" n="$D/nodes.json" a="$D/alerts.json" \
    r1="$J1" r2="$J2" <<'EOF'
status: two migrations, none active, two nodes, nothing skipped
	(s["migrations_total"], s["migrations_active"], s["nodes"],
	 s["counters"].get("records.skipped", 0)) == (2, 0, 2, 0)

nodes: cmp1 and cmp2, records counted per node = the lines each agent wrote
	sorted((x["name"], x["records"] + x["duplicates"]) for x in n) ==
	[("cmp1", len(r1)), ("cmp2", len(r2))]

no alert for two converging migrations
	a == []
EOF
tap_ok "$(kill -0 "${IT_NODE_AGENTS[0]}" "${IT_NODE_AGENTS[1]}" "$IT_AGG_PID" \
    2>/dev/null; echo $?)" "both agents and the aggregator still run"
tap_done
