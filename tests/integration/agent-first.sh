#!/bin/bash
# agent-first.sh: strata-agent started before its live session exists (the
# usual order at boot: the agent's unit starts before anyone traces).  It
# must wait without failing, attach once the session is created, and
# report the migration played afterwards.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init agent-first 90
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT"

J=$IT_DIR/records.jsonl

it_start_lttng
tap_ok $? "LTTng daemons start" || tap_done
it_start_agent late "$J"
tap_ok $? "strata-agent starts with no session named late on the relayd" ||
    tap_done

sleep 3
t0=$(it_cpu_ms "$IT_AGENT_PID")
sleep 2
t1=$(it_cpu_ms "$IT_AGENT_PID")
kill -0 "$IT_AGENT_PID" 2>/dev/null
tap_ok $? "the agent is still running 5 s later, waiting"
# waiting must not spin: at most 5% of a CPU
tap_cmp "$((t1 - t0))" -le 100 "the agent used $((t1 - t0)) ms of CPU in 2 s of waiting"

it_create_live_session late
tap_ok $? "session late created" || tap_done
t0=$SECONDS
it_wait_viewer late 20
tap_ok $? "the agent attaches to the new session ($((SECONDS - t0)) s)"

it_emit --speed 20 "$(it_scenario converge)"
tap_ok $? "strata-emit plays the converging scenario"
it_wait_record "$J" 20 'finals and finals[0]["outcome"] is not None'
tap_ok $? "a migration record with an outcome arrives"
tap_rec "$J" 'len(ids) == 1 and finals[0]["outcome"] == "completed"' \
    "the migration is reported completed"
tap_rec "$J" 'history(ids[0])[0] == "setup" and
    len(finals[0]["rounds"]) >= 3' \
    "it is reported from its start, with its rounds"
tap_is "$(it_rec "$J" 'len(A)')" 0 "no alert"
kill -0 "$IT_AGENT_PID" 2>/dev/null
tap_ok $? "the agent is still running"
tap_done
