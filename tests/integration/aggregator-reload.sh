#!/bin/bash
# aggregator-reload.sh: SIGHUP makes strata-aggregator read its
# configuration again.  A new hook gets the next alert and the old one
# nothing more, a shorter stale-after marks a silent node stale at once,
# a restart-only key is named in the log and kept, and a file with an
# error changes nothing; the agent stays connected throughout (one
# connection, one handshake) and the aggregator is the same process.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-reload 180
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"

J=$IT_DIR/records.jsonl
CONF=$IT_DIR/aggregator.conf
A=$IT_DIR/hook-a.out
B=$IT_DIR/hook-b.out
LOG=$IT_DIR/aggregator.log
for h in a b; do
	printf '#!/bin/sh\necho "$STRATA_ALERT $STRATA_VM_UUID" >>"%s"\n' \
	    "$IT_DIR/hook-$h.out" \
	    >"$IT_DIR/hook-$h.sh"
	chmod 755 "$IT_DIR/hook-$h.sh"
done
: >"$A"
: >"$B"
# status VALUE: one value of `stratactl --json status`, j = its "aggregator".
status() { it_ctl --json status | python3 -c \
    'import json,sys; j=json.load(sys.stdin)["aggregator"]; print('"$1"')'; }
# count FILE ALERT [VM]: lines of FILE for ALERT (of VM).
count() { grep -c "^$2 ${3:-}" "$1"; }
# wait_line FILE ALERT TIMEOUT [VM]: until FILE has a line for ALERT (of VM).
wait_line()
{
	local n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		grep -q "^$2 ${4:-}" "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# quiet FILE: waits (10 s at most) until FILE has not grown for a second.
quiet()
{
	local n=10 a b
	a=$(wc -l <"$1")
	while [ "$n" -gt 0 ]; do
		sleep 1
		b=$(wc -l <"$1")
		[ "$a" = "$b" ] && return 0
		a=$b
		n=$((n - 1))
	done
	return 1
}
VM1=22222222-0000-4000-8000-000000000001
VM2=22222222-0000-4000-8000-000000000002
# wait_log TEXT TIMEOUT: until the aggregator's log has TEXT (grep -E).
wait_log()
{
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		grep -qE "$1" "$LOG" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

it_start_lttng
tap_ok $? "LTTng daemons start" || tap_done
it_create_live_session s
tap_ok $? "live session s" || tap_done

printf 'hook = %s\nstale_after = 10m\nhook-timeout = 5s\n' \
    "$IT_DIR/hook-a.sh" >"$CONF"
it_start_aggregator -f "$CONF"
tap_ok $? "strata-aggregator starts with -f CONF (hook A, stale-after 10m)" ||
    tap_done
agg_pid=$IT_AGG_PID
it_start_node_agent cmp1 s "$J"
tap_ok $? "strata-agent cmp1 starts, pushing to the aggregator" || tap_done
agent_pid=$IT_LAST_PID
it_wait_viewer s 20
tap_ok $? "the agent attaches to the session"

it_emit --speed 20 --vm-uuid $VM1 "$(it_scenario nonconverge)"
wait_line "$A" migration.not_converging 30 $VM1
tap_ok $? "hook A gets migration.not_converging of the first migration"
# Every alert event of the first migration is through before the reload.
it_wait_record "$J" 30 'len([f for f in finals if f["outcome"]]) >= 1' &&
    quiet "$A"
tap_ok $? "the first migration ends and hook A has run for all its alerts"
tap_is "$(wc -l <"$B")" 0 "hook B got nothing yet"

# ---- a good reload ------------------------------------------------------------
printf 'hook = %s\nstale-after = 2s\nhook-timeout = 5s\nmax_frame = 1048576\n' \
    "$IT_DIR/hook-b.sh" >"$CONF"
nA=$(wc -l <"$A")
t0=$(date +%s%N)
kill -HUP "$agg_pid"
wait_log "SIGHUP: stale-after 2000ms" 5
tap_ok $? "SIGHUP applies stale-after = 2s"
grep -q "SIGHUP: max-frame changes only at restart" "$LOG"
tap_ok $? "a restart-only key (max-frame) is named in the log and kept"
tap_is "$(status '(j["stale_after_ms"], j["alert_delivery"]["hook"], j["reloads"])')" \
    "(2000, '$IT_DIR/hook-b.sh', 1)" "status shows stale-after 2000 ms and hook B"

it_emit --speed 20 --vm-uuid $VM2 "$(it_scenario nonconverge)"
wait_line "$B" migration.not_converging 30 $VM2
tap_ok $? "hook B gets migration.not_converging of the second migration"
sleep 0.5
tap_is "$(wc -l <"$A")" "$nA" "hook A got nothing after the reload"
tap_is "$(count "$A" migration.not_converging $VM2)" 0 \
    "hook A has no alert of the second migration"
tap_is "$(count "$B" migration.not_converging $VM1)" 0 \
    "hook B has no alert of the first migration"

# The agent is connected but silent between its 10 s heartbeats: with
# stale-after 2s its node goes stale 2-3 s after it last reported.
# stale_gap: how long after it was last heard cmp1 was marked stale (s),
# empty while it is not stale.
stale_gap() { it_ctl --json nodes | python3 -c 'import json,sys
for n in json.load(sys.stdin):
    if n["name"] == "cmp1" and n["stale"]:
        print("%.1f" % ((n["stale_since_ns"] - n["last_seen_ns"]) / 1e9))'; }
n=100
gap=
while [ "$n" -gt 0 ]; do
	gap=$(stale_gap)
	[ -n "$gap" ] && break
	sleep 0.2
	n=$((n - 1))
done
tap_ok "$([ -n "$gap" ]; echo $?)" "node cmp1, silent, goes stale with the new stale-after"
tap_ok "$(python3 -c 'import sys; sys.exit(not 2.0 <= float(sys.argv[1] or 0) < 4.5)' \
    "$gap"; echo $?)" "it is marked stale 2 to 4.5 s after it was last heard, not 10 min (${gap:-?} s)"
wait_line "$B" node.stale 5
tap_ok $? "node.stale goes to hook B"
tap_cmp $((($(date +%s%N) - t0) / 1000000000)) -lt 60 \
    "all of that within a minute of the SIGHUP"

# ---- a broken reload ------------------------------------------------------------
printf 'hook = %s\nstale-after = soon\n' "$IT_DIR/hook-a.sh" >"$CONF"
kill -HUP "$agg_pid"
wait_log "configuration has errors, nothing changed" 5
tap_ok $? "SIGHUP with a broken configuration: logged, nothing changed"
grep -q "aggregator.conf:2: stale-after" "$LOG"
tap_ok $? "the error is logged with its FILE:LINE"
tap_is "$(status '(j["stale_after_ms"], j["alert_delivery"]["hook"], j["reloads"], j["reloads_failed"])')" \
    "(2000, '$IT_DIR/hook-b.sh', 1, 1)" "stale-after and hook are still those of the good reload"

# ---- nothing was dropped ------------------------------------------------------------
tap_is "$(status '(j["ingest"]["accepted"], j["ingest"]["hellos"], j["pid"])')" \
    "(1, 1, $agg_pid)" "one agent connection, one handshake, the same aggregator pid"
kill -0 "$agent_pid" 2>/dev/null && kill -0 "$agg_pid" 2>/dev/null
tap_ok $? "agent and aggregator processes still running"
it_wait_ctl 10 'len([a for a in j if a["name"] == "migration.not_converging"]) == 2' \
    alerts >/dev/null
tap_ok $? "the store has both not_converging alerts"
tap_done
