#!/bin/bash
# tests/integration/exhaust-agent.sh: strata-agent when its inputs fail
# it.  (a) A relay daemon that accepts the agent's live connection and
# never answers (strata-load.py relayd): the agent keeps running, idle
# (CPU), its memory bounded, it still heartbeats its aggregator, and
# SIGTERM ends it within 5 s.  (b) A live session whose events come
# faster than anything can analyse them: strata-emit --speed 0 looping a
# scenario into small sub-buffers (4 x 4 KiB; check-long: ten times the
# events): the tracer discards, the agent reports the discarded events
# (its stats line and its heartbeat, `stratactl nodes`), its memory
# stays bounded, and the traced program is never blocked: it takes about
# as long as with no agent at all.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/exhaust-lib.sh"

it_init exhaust-agent "$(ex_long 150 400)"
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
tap_plan 10

LOOPS=$(ex_long 300 3000)

if ! it_start_aggregator; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "no aggregator"
	tap_done
fi

# ---- (a) a relay daemon that never answers ------------------------------------------
FAKE=$(it_free_ports 1)
ex_load relayd "$FAKE" 30 >"$IT_DIR/fake-relayd.out" &
IT_PIDS+=("$!")
it_wait_listen "$FAKE" 5
"$IT_AGENT" --node stuck \
    --live "net://127.0.0.1:$FAKE/host/$(uname -n)/nothing" \
    --jsonl "$IT_DIR/stuck.jsonl" --aggregator "127.0.0.1:$IT_AGG_PORT" \
    --spool "$IT_DIR/spool-stuck" >"$IT_DIR/agent-stuck.log" 2>&1 &
STUCK=$!
IT_NODE_AGENTS+=("$STUCK")
sleep 4
c0=$(it_cpu_ms "$STUCK")
sleep 4
c1=$(it_cpu_ms "$STUCK")
tap_ok "$(kill -0 "$STUCK" 2>/dev/null; echo $?)" \
    "a relay daemon that accepts and never answers: the agent is still running after 8 s"
tap_cmp "$((c1 - c0))" -le 200 "and idle: $((c1 - c0)) ms of CPU in 4 s"
ex_mem "the agent against a silent relay daemon" "$STUCK"
tap_cmp "$(ex_rss_kb "$STUCK")" -le $((64 * 1024)) "its memory bounded ($(($(ex_rss_kb "$STUCK") / 1024)) MiB <= 64 MiB)"
it_wait_ctl 15 'any(n["name"] == "stuck" for n in j)' nodes >/dev/null
tap_ok $? "it still reaches its aggregator (node stuck in stratactl nodes)"
t=$(ex_ms_now)
kill -TERM "$STUCK"
n=0
while kill -0 "$STUCK" 2>/dev/null && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
t=$(($(ex_ms_now) - t))
tap_ok "$(! kill -0 "$STUCK" 2>/dev/null && [ "$t" -le 5000 ]; echo $?)" \
    "SIGTERM ends it within 5 s although the relay daemon never answered ($t ms)"
tap_diag "its log: $(grep -v '^$' "$IT_DIR/agent-stuck.log" | tail -n 3)"

# ---- (b) events faster than the agent can take them -----------------------------------
if ! it_start_lttng; then
	tap_skip_rest "LTTng daemons did not start"
	tap_done
fi
SCN=$(it_scenario converge)
# The traced program alone (no session): how long it takes.
t=$(ex_ms_now)
it_emit --speed 0 --loop "$LOOPS" "$SCN"
BASE=$(($(ex_ms_now) - t))
{
	it_lttng create fast --live=100000 \
	    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
	it_lttng enable-channel -u -s fast --subbuf-size=4096 --num-subbuf=4 \
	    chan &&
	it_lttng enable-event -u -s fast -c chan 'qemu:*' &&
	it_lttng enable-event -u -s fast -c chan 'strata:*' &&
	it_lttng add-context -u -s fast -c chan -t vpid -t vtid &&
	it_lttng start fast
} >>"$IT_DIR/lttng.log" 2>&1
tap_ok $? "a live session with 4 sub-buffers of 4 KiB" || {
	tap_skip_rest "no session"
	tap_done
}
"$IT_AGENT" --node fast --live "$(it_live_url fast)" \
    --jsonl "$IT_DIR/fast.jsonl" --aggregator "127.0.0.1:$IT_AGG_PORT" \
    --spool "$IT_DIR/spool-fast" >"$IT_DIR/agent-fast.log" 2>&1 &
FAST=$!
IT_NODE_AGENTS+=("$FAST")
it_wait_viewer fast 20
# Memory, sampled while the flood goes.
(
	peak=0
	while kill -0 "$FAST" 2>/dev/null && [ ! -e "$IT_DIR/emitted" ]; do
		r=$(ex_rss_kb "$FAST")
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
		echo "$peak" >"$IT_DIR/peak"
		sleep 0.2
	done
) &
t=$(ex_ms_now)
it_emit --speed 0 --loop "$LOOPS" "$SCN"
EMIT=$(($(ex_ms_now) - t))
touch "$IT_DIR/emitted"
tap_diag "strata-emit --speed 0 --loop $LOOPS: $BASE ms untraced, $EMIT ms into the session with the agent"
tap_cmp "$EMIT" -le $((BASE * 3 + 3000)) \
    "the traced program is not blocked: $EMIT ms, against $BASE ms untraced (at most 3 x + 3 s)"
sleep 3
it_lttng stop fast >>"$IT_DIR/lttng.log" 2>&1
# The agent's count, in its heartbeat: what stratactl nodes shows.
it_wait_ctl 30 '[n for n in j if n["name"] == "fast" and (n.get("discarded") or 0) > 0]' \
    nodes >"$IT_DIR/fast-node.json"
st=$?
tap_diag "node fast: $(cat "$IT_DIR/fast-node.json")"
tap_ok "$st" "the agent reports the events the tracer discarded (stratactl nodes: discarded $(ex_get "$IT_DIR/fast-node.json" 'j[0]["discarded"]' 2>/dev/null))"
PEAK=$(cat "$IT_DIR/peak" 2>/dev/null || echo 0)
ex_mem "the agent after the flood" "$FAST"
tap_cmp "$PEAK" -le $((96 * 1024)) \
    "its memory bounded meanwhile: RSS at most $((PEAK / 1024)) MiB (<= 96 MiB)"
tap_ok "$(kill -0 "$FAST" 2>/dev/null; echo $?)" "and it is still running"
tap_done
