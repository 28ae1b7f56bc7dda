#!/bin/bash
# tests/integration/chain-crash.sh: crashes in the middle of a stream.
# (a) strata-aggregator is killed with SIGKILL while an emitter replays
# migrations into a live session and the node's agent pushes their
# records; it is restarted on the same database and port: every record the
# agent wrote (its --jsonl copy, distinct (node, id)) is in the store, once,
# each side as its last record says.  (b) the agent is killed with SIGKILL
# in the middle of a stream and restarted on the same spool: what the
# aggregator had acknowledged stays, the spool's unacknowledged records
# are sent again, the new agent's records arrive, nothing is stored twice;
# only the records the agent had not yet put into its spool die with it.
# Counts come from the SQLite file (read only) and stratactl status.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-crash 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v sqlite3 >/dev/null 2>&1 || python3 -c 'import sqlite3' ||
    tap_skip_all "python3 without sqlite3"
tap_plan 20

SPEED=${STRATA_CRASH_SPEED:-20}
J=$IT_DIR/cmp1.jsonl
SPOOL=$IT_DIR/spool-cmp1
CHAIN=$IT_CHAIN_CTL
SCNS="converge nonconverge failed postcopy autoconverge rollback cancel-early"

if ! { it_start_relayd && it_node_start cmp1 && it_start_aggregator &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_start_node_agent cmp1 cmp1 "$J" && it_wait_viewer cmp1 20; }; then
	tap_ok 1 "relayd, session daemon, aggregator, agent attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, session daemon, aggregator, agent attached"
AGENT=$IT_LAST_PID

# stream UUID LOOPS: every scenario, LOOPS times, as one VM, in the
# background (IT_LAST_PID).
stream()
{
	local args=() s
	for s in $SCNS; do
		args+=("$(it_scenario "$s")")
	done
	it_on cmp1 it_emit_bg --speed "$SPEED" --loop "$2" --vm-uuid "$1" \
	    --vm-name crash-vm "${args[@]}"
}

# stored: records the store holds (distinct keys).
stored()
{
	python3 "$CHAIN" keys "$IT_AGG_DB" | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["store"])'
}

# keys NAME=FILE...: the comparison of the store with FILEs (JSON).
keys()
{
	python3 "$CHAIN" keys "$IT_AGG_DB" "$@"
}

# wait_stored TIMEOUT EXPR NAME=FILE...: waits until EXPR holds over k (the
# keys comparison); leaves it in $IT_DIR/keys.json.
wait_stored()
{
	local end=$((SECONDS + $1)) e=$2
	shift 2
	while :; do
		keys "$@" >"$IT_DIR/keys.json"
		if python3 "$CHAIN" batch k="$IT_DIR/keys.json" <<EOF | grep -q '^1'
x
	$e
EOF
		then
			return 0
		fi
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.5
	done
}

# wait_count N TIMEOUT: until the store holds >= N records.
wait_count()
{
	local end=$((SECONDS + $2)) n
	while n=$(stored 2>/dev/null); [ "${n:-0}" -lt "$1" ]; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

counter()
{
	it_ctl --json status | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["counters"].get(sys.argv[1], 0))' "$1"
}

# ---- (a) the aggregator killed mid-stream -----------------------------------
stream 5c1e0000-0000-4000-8000-00000000000a 2
EMIT=$IT_LAST_PID
wait_count 20 30
tap_ok $? "(a) records flow: the store holds $(stored) records"
BEFORE=$(stored)
it_stop_aggregator KILL
tap_ok "$(kill -0 "$EMIT" 2>/dev/null; echo $?)" \
    "(a) strata-aggregator killed with SIGKILL at $BEFORE stored records, the emitter still playing"
sleep 1
it_start_aggregator
tap_ok $? "(a) restarted on the same database and port $IT_AGG_PORT"
wait "$EMIT"
tap_ok $? "(a) the emitter played its $(wc -w <<<"$SCNS") scenarios twice"
it_wait_record "$J" 30 \
    'len(finals) == 14 and all(f["outcome"] is not None for f in finals)'
tap_ok $? "(a) the agent reports 14 migrations with an outcome"
wait_stored 30 'k["a"]["missing"] == 0 and k["extra"] == 0' a="$J"
tap_json k="$IT_DIR/keys.json" <<'EOF'
(a) every record of the agent's --jsonl copy is in the store (distinct node, id)
	k["a"]["missing"] == 0

(a) the store holds nothing else: as many keys as the agent's distinct records
	k["extra"] == 0 and k["store"] == k["a"]["keys"]

(a) every side as its last record says (state, outcome)
	k["stale_sides"] == []
EOF
it_ctl --json status >"$IT_DIR/status-a.json"
tap_diag "$(python3 - "$IT_DIR/keys.json" "$IT_DIR/status-a.json" "$BEFORE" <<'EOF'
import json, sys
k, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c = s["counters"]
print("(a) agent: %d records written, %d distinct (node, id); store: %d; "
      "%d stored at the kill; counters: records.stored %d, "
      "records.duplicate %d (resent after the kill, folded)"
      % (k["a"]["records"], k["a"]["keys"], k["store"], int(sys.argv[3]),
         c.get("records.stored", 0), c.get("records.duplicate", 0)))
EOF
)"
tap_ok "$(grep -q 'again after' "$IT_DIR/agent-cmp1.log" &&
    kill -0 "$AGENT" 2>/dev/null; echo $?)" \
    "(a) the same agent reconnected by itself (\"again after\" in its log)"

# ---- (b) the agent killed mid-stream -----------------------------------------
wc -l <"$J" >"$IT_DIR/jsonl-lines-a"
stream 5c1e0000-0000-4000-8000-00000000000b 3
EMIT=$IT_LAST_PID
START=$(stored)
wait_count $((START + 20)) 30
tap_ok $? "(b) a second stream flows: $(($(stored) - START)) more records stored"
kill -KILL "$AGENT"
wait "$AGENT" 2>/dev/null
sleep 0.3		# a batch the aggregator was reading is committed
python3 "$CHAIN" dump "$IT_AGG_DB" >"$IT_DIR/store-at-kill.json"
STORED_AT_KILL=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
    "$IT_DIR/store-at-kill.json")
cp "$SPOOL" "$IT_DIR/spool-at-kill"
OLD_LINES=$(wc -l <"$J")
tap_ok "$(kill -0 "$EMIT" 2>/dev/null; echo $?)" \
    "(b) the agent killed with SIGKILL at $STORED_AT_KILL stored records, the emitter still playing"
# The old agent's records of this stream, and the new agent's, apart.
tail -n +"$(($(cat "$IT_DIR/jsonl-lines-a") + 1))" "$J" | head -n \
    "$((OLD_LINES - $(cat "$IT_DIR/jsonl-lines-a")))" >"$IT_DIR/old-b.jsonl"
J2=$IT_DIR/cmp1-restarted.jsonl
NSEND=$(grep -c 'records to send' "$IT_DIR/agent-cmp1.log")
it_start_node_agent cmp1 cmp1 "$J2"
tap_ok $? "(b) a new agent started on the same spool"
AGENT=$IT_LAST_PID
wait "$EMIT"
n=100
until [ "$(grep -c 'records to send' "$IT_DIR/agent-cmp1.log")" -gt "$NSEND" ] ||
    [ "$n" -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
RESENT=$(sed -n 's/.*: \([0-9]*\) unacknowledged records .* to resend$/\1/p' \
    "$IT_DIR/agent-cmp1.log" | tail -n 1)
# The spool says so only when there is something to resend.
RESENT=${RESENT:-0}
it_wait_record "$J2" 30 'finals and all(f["outcome"] is not None for f in finals)'
tap_ok $? "(b) the new agent follows the migrations to their outcome"
wait_stored 30 'k["spool"]["missing"] == 0 and k["new"]["missing"] == 0' \
    spool="$IT_DIR/spool-at-kill" new="$J2" old="$IT_DIR/old-b.jsonl" a="$J"
python3 "$CHAIN" dump "$IT_AGG_DB" >"$IT_DIR/store-end.json"
tap_json k="$IT_DIR/keys.json" atkill="$IT_DIR/store-at-kill.json" \
    end="$IT_DIR/store-end.json" <<EOF
(b) the new agent resends the spool's unacknowledged records: ${RESENT:-?} (its log) == unacked in the spool at the kill
	k["spool"]["unacked"] == ${RESENT:--1}

(b) every record in the spool at the kill is in the store
	k["spool"]["missing"] == 0

(b) nothing acknowledged is lost: all $STORED_AT_KILL records stored at the kill are still there
	len(atkill) == $STORED_AT_KILL and
	set(tuple(x) for x in end) >= set(tuple(x) for x in atkill)

(b) every record of the new agent is in the store
	k["new"]["missing"] == 0

(b) the store holds the agents' records and nothing else
	k["extra"] == 0

(b) what the old agent lost is only its last records (not yet spooled at the kill)
	k["old"]["missing_pos"] == list(range(k["old"]["keys"] - k["old"]["missing"],
	                                      k["old"]["keys"]))
EOF
tap_diag "$(python3 - "$IT_DIR/keys.json" "$STORED_AT_KILL" "$RESENT" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
print("(b) stored at the kill %s; spool at the kill: acked up to seq %d, %d "
      "unacked (the new agent's log: %s to send); the old agent wrote %d "
      "distinct records of this stream, %d of them never reached its spool "
      "(lost with it); the new agent wrote %d; store now %d"
      % (sys.argv[2], k["spool"]["acked"], k["spool"]["unacked"], sys.argv[3],
         k["old"]["keys"], k["old"]["missing"], k["new"]["keys"], k["store"]))
EOF
)"
tap_diag "(b) counters: records.stored $(counter records.stored), records.duplicate $(counter records.duplicate)"
tap_done
