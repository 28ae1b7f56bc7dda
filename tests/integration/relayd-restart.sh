#!/bin/bash
# relayd-restart.sh: lttng-relayd killed in the middle of a migration and
# started again.  The agent must survive the outage (same process, no
# spinning), reconnect by itself, and report a migration that starts once
# the relayd and the session are back exactly as fully as one played
# before the outage.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init relayd-restart 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT"

J=$IT_DIR/records.jsonl

if ! { it_start_lttng && it_create_live_session rr &&
    it_start_agent rr "$J" && it_wait_viewer rr 20; }; then
	tap_ok 1 "LTTng daemons, live session and agent start, agent attached"
	tap_done
fi
tap_ok 0 "LTTng daemons, live session and agent start, agent attached"
pid=$IT_AGENT_PID

# A reference: the converging scenario played with nothing going wrong.
it_emit --speed 20 "$(it_scenario converge)"
it_wait_record "$J" 20 'finals and finals[0]["outcome"] is not None'
tap_ok $? "reference run: the converging scenario is reported"
ref_states=$(it_rec "$J" 'history(ids[0])')
ref_rounds=$(it_rec "$J" '[r["dirty_pages"] for r in finals[0]["rounds"]]')
ref_outcome=$(it_rec "$J" 'finals[0]["outcome"]')
tap_diag "reference: states $ref_states, dirty pages $ref_rounds"

# The victim: a slow migration, the relayd killed while it runs.
it_mark "$J"
it_emit_bg --speed 2 "$(it_scenario nonconverge)"
victim=$IT_LAST_PID
it_wait_record "$J" 20 'M'
tap_ok $? "mid-stream: the slow migration's first records arrived"
{ kill -KILL "$IT_RELAYD_PID"; wait "$IT_RELAYD_PID"; } 2>/dev/null
IT_RELAYD_PID=
tap_diag "lttng-relayd killed (SIGKILL) after $(it_rec "$J" 'len(R)') records"
it_kill_pid "$victim" 30

sleep 3
t0=$(it_cpu_ms "$pid")
sleep 2
t1=$(it_cpu_ms "$pid")
kill -0 "$pid" 2>/dev/null
tap_ok $? "the agent survives the relayd's death (pid $pid)"
tap_cmp "$((t1 - t0))" -le 100 \
    "the agent used $((t1 - t0)) ms of CPU in 2 s while the relayd was down"

it_restart_relayd
tap_ok $? "lttng-relayd restarted on the same ports" || tap_done
# The old session streamed to the dead relayd: make it again.
it_destroy_session rr
it_create_live_session rr
tap_ok $? "session rr created again" || tap_done
t0=$SECONDS
it_wait_viewer rr 30
tap_ok $? "the agent reattaches by itself ($((SECONDS - t0)) s after the session is back)"
tap_is "$IT_AGENT_PID" "$pid" "the agent is the same process"

it_mark "$J"
it_emit --speed 20 "$(it_scenario converge)"
it_wait_record "$J" 20 'finals and finals[0]["outcome"] is not None'
tap_ok $? "after the restart: the new migration reaches an outcome"
tap_is "$(it_rec "$J" 'finals[0]["outcome"]')" "$ref_outcome" \
    "after the restart: outcome $ref_outcome, as in the reference run"
tap_is "$(it_rec "$J" 'history(ids[0])')" "$ref_states" \
    "after the restart: every state reported, as in the reference run"
tap_is "$(it_rec "$J" '[r["dirty_pages"] for r in finals[0]["rounds"]]')" \
    "$ref_rounds" "after the restart: every round reported, as in the reference run"
kill -0 "$pid" 2>/dev/null
tap_ok $? "the agent is still running"
tap_done
