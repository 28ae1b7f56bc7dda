#!/bin/bash
# tests/integration/chain-crash.sh: crashes in the middle of a stream.
# (a) strata-aggregator is killed with SIGKILL while an emitter replays
# migrations into a live session and the node's agent pushes their
# records; it is restarted on the same database and port: every record the
# agent wrote (its --jsonl copy, distinct (node, id)) is in the store, once,
# each side as its last record says.  (b) the agent is killed with SIGKILL
# in the middle of a stream while records are unacknowledged (the
# aggregator is stopped with SIGSTOP, so acks stop and the agent's spool
# fills), the aggregator continued, and the agent restarted on the same
# spool: what the aggregator had acknowledged stays, the spool's
# unacknowledged records are sent again, the new agent's records arrive,
# nothing is stored twice; only the records the agent had not yet put into
# its spool die with it.  A kill that finds nothing unacknowledged (the
# stream ended first) makes the resend check a skip, never a pass.
# Counts come from the SQLite file (read only) and stratactl status.
# STRATA_CHAIN_TLS=1 (chain-crash-tls.sh) runs it all over mutual TLS,
# then (c) rotates the agent's certificate with SIGHUP.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init "chain-crash${STRATA_CHAIN_TLS:+-tls}" 180
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v sqlite3 >/dev/null 2>&1 || python3 -c 'import sqlite3' ||
    tap_skip_all "python3 without sqlite3"
TLS=0
if [ -n "${STRATA_CHAIN_TLS:-}" ]; then
	command -v openssl >/dev/null 2>&1 || tap_skip_all "openssl not found"
	it_pki "$IT_DIR/pki" cmp1 || tap_skip_all "cannot make a test PKI"
	IT_AGG_ARGS=("${IT_AGG_TLS[@]}")
	IT_AGENT_ARGS=("${IT_AGENT_TLS[@]}")
	TLS=3
fi
tap_plan $((20 + TLS))

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

# spool_unacked FILE: records of a live spool file past its last ack line
# (a bound to wait for; the counts checked come from chain-ctl.py).
spool_unacked()
{
	awk '/^a [0-9]+$/ { if ($2 > a) a = $2; next }
	    /^[0-9]+ \{/ { s[++n] = $1 }
	    END { for (i = 1; i <= n; i++) if (s[i] > a) u++; print u + 0 }' "$1"
}

# wait_unacked N TIMEOUT: until the agent's spool holds >= N
# unacknowledged records.
wait_unacked()
{
	local end=$((SECONDS + $2))
	while [ "$(spool_unacked "$SPOOL" 2>/dev/null)" -lt "$1" ]; do
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

# ---- (b) the agent killed mid-stream, records unacknowledged ----------------
wc -l <"$J" >"$IT_DIR/jsonl-lines-a"
stream 5c1e0000-0000-4000-8000-00000000000b 3
EMIT=$IT_LAST_PID
START=$(stored)
wait_count $((START + 20)) 30
tap_ok $? "(b) a second stream flows: $(($(stored) - START)) more records stored"
# No acks while the aggregator is stopped: what the agent reads from now
# on stays unacknowledged in its spool.
kill -STOP "$IT_AGG_PID"
wait_unacked 10 20 ||
    tap_diag "(b) only $(spool_unacked "$SPOOL") unacknowledged records in the spool after 20 s"
kill -KILL "$AGENT"
wait "$AGENT" 2>/dev/null
cp "$SPOOL" "$IT_DIR/spool-at-kill"
OLD_LINES=$(wc -l <"$J")
kill -CONT "$IT_AGG_PID"
# The aggregator stores what was left in its socket (unacknowledged in the
# spool: resent, stored once) and sees the connection closed.
sleep 0.5
python3 "$CHAIN" dump "$IT_AGG_DB" >"$IT_DIR/store-at-kill.json"
STORED_AT_KILL=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
    "$IT_DIR/store-at-kill.json")
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
UNACKED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spool"]["unacked"])' \
    "$IT_DIR/keys.json")
if [ "${UNACKED:-0}" -gt 0 ]; then
	tap_is "$RESENT" "$UNACKED" \
	    "(b) the new agent resends the spool's $UNACKED unacknowledged records (its log says $RESENT)"
else
	tap_skip 1 "(b) the spool held no unacknowledged record at the kill: the resend went untested"
fi
tap_json k="$IT_DIR/keys.json" atkill="$IT_DIR/store-at-kill.json" \
    end="$IT_DIR/store-end.json" <<EOF
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

# ---- (c) over TLS: every connection; the agent's certificate rotated ------
# wait_log FILE PATTERN MIN TIMEOUT: until FILE has MIN lines matching.
wait_log()
{
	local end=$((SECONDS + $4))
	until [ "$(grep -c -- "$2" "$1")" -ge "$3" ]; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}
if [ "$TLS" -gt 0 ]; then
	TLSCON='node cmp1 connected from .* TLS, certificate CN=cmp1'
	tap_cmp "$(grep -c -- "$TLSCON" "$IT_DIR/aggregator.log")" -ge 3 \
	    "(c) every connection of cmp1 was TLS with its certificate (first, after the aggregator's kill, the new agent)"
	# The node's certificate replaced by an expired one, SIGHUP, then
	# the aggregator is killed: the agent reconnects with the new one.
	cp "$IT_DIR/pki/expired.crt" "$IT_DIR/pki/cmp1.crt"
	cp "$IT_DIR/pki/expired.key" "$IT_DIR/pki/cmp1.key"
	kill -HUP "$AGENT"
	wait_log "$IT_DIR/agent-cmp1.log" 'SIGHUP: TLS files read again' 1 10
	it_stop_aggregator KILL
	it_start_aggregator
	wait_log "$IT_DIR/aggregator.log" 'certificate has expired (CN=expired' 1 20
	tap_ok $? "(c) after SIGHUP the agent presents its new certificate at the next connection (expired here: refused)"
	NCON=$(grep -c -- "node cmp1 connected from .* TLS" "$IT_DIR/aggregator.log")
	_it_leaf "$IT_DIR/pki" ca cmp1-2 clientAuth "DNS:cmp1" &&
	    cp "$IT_DIR/pki/cmp1-2.crt" "$IT_DIR/pki/cmp1.crt" &&
	    cp "$IT_DIR/pki/cmp1-2.key" "$IT_DIR/pki/cmp1.key"
	kill -HUP "$AGENT"
	wait_log "$IT_DIR/aggregator.log" "node cmp1 connected from .* TLS, certificate CN=cmp1-2, DNS:cmp1" 1 20
	tap_ok $? "(c) a good new certificate (CN=cmp1-2, DNS:cmp1) and SIGHUP: the agent is back, without a restart"
fi
tap_done
