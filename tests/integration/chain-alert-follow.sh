#!/bin/bash
# tests/integration/chain-alert-follow.sh: how fast a not-converging
# migration reaches an operator.  `stratactl --json alerts --follow` runs
# against strata-aggregator; a node's agent reads its live session
# (--live=100000: 100 ms live timer) and pushes to it.  A migration that
# does not converge is played (nonconverge.scn, then the real QEMU 7.2
# nonconv-cancel src.log through strata-qemu-bridge, both at --speed 10),
# and the wall-clock time from the deciding round's event (the alert's
# t_ns: the trace clock is this machine's wall clock) to the follower's
# line is measured: it must stay under the live timer + 1 s.  The agent's
# JSON lines are timestamped as they arrive too, to show where the time
# goes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-alert-follow 120
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_BRIDGE" "$IT_AGGREGATOR" \
    "$IT_STRATACTL"
tap_plan 15

SPEED=${STRATA_FOLLOW_SPEED:-10}
LIVE_MS=100			# it_create_live_session: --live=100000 (us)
LIMIT_MS=$((LIVE_MS + 1000))
J=$IT_DIR/cmp1.jsonl
F=$IT_DIR/follow.out		# the follower's lines, "RECV_NS {json}"
JS=$IT_DIR/agent-stamped.out	# the agent's records, "RECV_NS {json}"
CHAIN=$IT_CHAIN_CTL

if ! { it_start_relayd && it_node_start cmp1 && it_start_aggregator &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_start_node_agent cmp1 cmp1 "$J" && it_wait_viewer cmp1 20; }; then
	tap_ok 1 "relayd, session daemon, aggregator, agent attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, session daemon, aggregator, agent attached"

# The follower, each line stamped with the wall clock as it is read.
"$IT_STRATACTL" -s "$IT_AGG_SOCK" --json alerts --follow \
    > >(python3 "$CHAIN" stamp >"$F") 2>"$IT_DIR/follow.err" &
FOLLOW_PID=$!
IT_PIDS+=("$FOLLOW_PID")
# The agent's records as they are written.
tail -n +1 -F "$J" 2>/dev/null > >(python3 "$CHAIN" stamp >"$JS") &
IT_PIDS+=("$!")
n=50
until grep -q "follows alerts" "$IT_DIR/aggregator.log" || [ "$n" -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
tap_ok "$([ "$n" -gt 0 ]; echo $?)" "stratactl --json alerts --follow subscribed"

# measure VM: waits for the follower's not_converging alert of VM and sets
# LAT (ms from the deciding round's event to the follower's line), AG (ms
# from it to the agent's alert record), ROUND (the deciding round) and
# ALERT_AFTER (ms from the round's event to the alert's t_ns).
measure()
{
	local v st
	v=$(python3 "$CHAIN" waitfor 40 "[
	    '%d %d %s %d' % ((a['_recv_ns'] - t0) // 10**6,
	    ([(r['_recv_ns'] - t0) // 10**6 for r in js
	      if r.get('kind') == 'alert' and r.get('name') == a['name'] and
	      r.get('migration_id') == a['migration_id']] + [-1])[0],
	    n, (a['t_ns'] - t0) // 10**6)
	    for a in f if a.get('name') == 'migration.not_converging' and
	    a.get('vm_uuid') == '$1' and a.get('event') == 'fired'
	    for n in [a['evidence']['rounds'][-1]['n']]
	    for t0 in [min([a['t_ns']] + [r['t_ns'] for r in js
	      if r.get('kind') == 'migration_round' and
	      r.get('migration_id') == a['migration_id'] and r.get('n') == n])]
	    ][:1]" f="$F" js="$JS")
	st=$?
	# shellcheck disable=SC2046
	set -- $(tr -d '[]"' <<<"$v")
	LAT=${1:-none} AG=${2:-none} ROUND=${3:-none} ALERT_AFTER=${4:-none}
	return "$st"
}

# ---- nonconverge.scn
U1=7b2f0d66-0000-4000-8000-0000000f0001
it_on cmp1 it_emit_bg --speed "$SPEED" --vm-uuid $U1 --vm-name follow-scn \
    "$(it_scenario nonconverge)"
EMIT=$IT_LAST_PID
measure $U1
tap_ok $? "nonconverge.scn: the follower gets migration.not_converging (fired)"
tap_diag "nonconverge.scn at --speed $SPEED: deciding round $ROUND;" \
    "its event -> agent record $AG ms -> follower line $LAT ms" \
    "(the alert's t_ns is $ALERT_AFTER ms after the round's)"
tap_cmp "$LAT" -le "$LIMIT_MS" \
    "nonconverge.scn: deciding round -> follower in $LAT ms <= live timer $LIVE_MS ms + 1 s"
wait "$EMIT"
python3 "$CHAIN" waitfor 20 "[a for a in f if a.get('vm_uuid') == '$U1' and
    a.get('name') == 'migration.failed']" f="$F" >/dev/null
tap_ok $? "nonconverge.scn: then the cancel's migration.failed"

# ---- the real nonconv-cancel source log through the bridge
U2=7b2f0d66-0000-4000-8000-0000000f0002
it_on cmp1 it_bridge_bg --speed "$SPEED" --vm-uuid $U2 --vm-name follow-qemu \
    "$IT_QEMULOGS/nonconv-cancel/src.log"
BR=$IT_LAST_PID
measure $U2
tap_ok $? "nonconv-cancel (QEMU 7.2 log): the follower gets migration.not_converging"
tap_diag "nonconv-cancel src.log at --speed $SPEED: deciding round $ROUND;" \
    "its event -> agent record $AG ms -> follower line $LAT ms" \
    "(the alert's t_ns is $ALERT_AFTER ms after the round's)"
tap_cmp "$LAT" -le "$LIMIT_MS" \
    "nonconv-cancel: deciding round -> follower in $LAT ms <= live timer $LIVE_MS ms + 1 s"
wait "$BR"
python3 "$CHAIN" waitfor 20 "[a for a in f if a.get('vm_uuid') == '$U2' and
    a.get('name') == 'migration.failed']" f="$F" >/dev/null
tap_ok $? "nonconv-cancel: then the cancel's migration.failed"

# ---- what the follower got, against the store
it_ctl --json alerts >"$IT_DIR/alerts.json"
tap_json f="$F" a="$IT_DIR/alerts.json" <<EOF
the follower: one fired not_converging per VM, on cmp1, severity warning, with a message
	sorted((x["vm_uuid"], x["node"], x["severity"]) for x in f
	       if x.get("name") == "migration.not_converging" and
	       x.get("event") == "fired") ==
	[("$U1", "cmp1", "warning"), ("$U2", "cmp1", "warning")] and
	all(len(x["message"]) > 20 for x in f if x.get("name"))

the follower: each not_converging resolved once its migration ended
	sorted(x["vm_uuid"] for x in f if x.get("name") ==
	       "migration.not_converging" and x.get("event") == "resolved") ==
	["$U1", "$U2"]

the follower: every alert event the store made, no skipped line
	sorted((x["id"], x["event"]) for x in f if x.get("name")) ==
	sorted([(x["id"], "fired") for x in a] +
	       [(x["id"], "resolved") for x in a if x["state"] == "resolved"]) and
	not [x for x in f if "skipped" in x]

the store: 2 not_converging (resolved) and 2 failed alerts
	sorted((x["name"], x["state"]) for x in a) ==
	[("migration.failed", "firing")] * 2 +
	[("migration.not_converging", "resolved")] * 2
EOF

# ---- the stream's end
it_ctl --json status >"$IT_DIR/status.json"
tap_json s="$IT_DIR/status.json" <<'EOF'
status: one follower, no alert skipped
	s["aggregator"]["ctl"]["followers"] == 1 and
	s["aggregator"]["ctl"]["skipped"] == 0
EOF
it_stop_aggregator
wait "$FOLLOW_PID"
tap_is $? 0 "the aggregator stops: stratactl --follow exits 0"
sleep 0.2
tap_json f="$F" <<'EOF'
the follower's last line is the end object, nothing skipped
	f[-1].get("end") is True and f[-1].get("skipped_total") == 0
EOF
tap_done
