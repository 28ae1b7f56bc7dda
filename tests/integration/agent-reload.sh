#!/bin/bash
# agent-reload.sh: SIGHUP makes strata-agent read its configuration again.
# A new alert threshold applies to the next migration, the connection to
# the aggregator stays up (one connection, one handshake), and a file
# with an error changes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init agent-reload 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"

J=$IT_DIR/records.jsonl
CONF=$IT_DIR/agent.conf
alerts() { it_rec "$J" 'len([a for a in A if a["name"] == "migration.not_converging"])'; }
ingest() { it_ctl --json status | python3 -c \
    'import json,sys; i=json.load(sys.stdin)["aggregator"]["ingest"]; print(i["accepted"], i["hellos"])'; }

it_start_lttng
tap_ok $? "LTTng daemons start" || tap_done
it_create_live_session s
tap_ok $? "live session s" || tap_done
it_start_aggregator
tap_ok $? "strata-aggregator starts" || tap_done

printf 'node = cmp1\nstall_rounds = 50\n' >"$CONF"
it_start_node_agent cmp1 s "$J" -f "$CONF"
tap_ok $? "strata-agent starts with stall_rounds = 50" || tap_done
pid=$IT_LAST_PID
it_wait_viewer s 20
tap_ok $? "the agent attaches to the session"

it_emit --speed 20 --vm-uuid 11111111-0000-4000-8000-000000000001 \
    "$(it_scenario nonconverge)"
it_wait_record "$J" 30 'len([f for f in finals if f["outcome"]]) >= 1'
tap_ok $? "the first non-converging migration ends"
tap_is "$(alerts)" 0 "no not_converging alert with stall_rounds = 50"

printf 'node = cmp1\nstall_rounds = 50\nmin_drop_pct = lots\n' >"$CONF"
kill -HUP "$pid"
sleep 1
grep -q "configuration has errors, nothing changed" "$IT_DIR/agent-cmp1.log"
tap_ok $? "a configuration with an error is refused on SIGHUP"

printf 'node = cmp1\nstall_rounds = 3\n' >"$CONF"
kill -HUP "$pid"
sleep 1
grep -q "SIGHUP: thresholds .*stall_rounds 3" "$IT_DIR/agent-cmp1.log"
tap_ok $? "SIGHUP applies stall_rounds = 3"

it_emit --speed 20 --vm-uuid 11111111-0000-4000-8000-000000000002 \
    "$(it_scenario nonconverge)"
it_wait_record "$J" 30 'len([f for f in finals if f["outcome"]]) >= 2'
tap_ok $? "the second non-converging migration ends"
tap_is "$(alerts)" 1 "one not_converging alert, for the second migration only"
tap_rec "$J" '[a["vm_uuid"] for a in A if a["name"] == "migration.not_converging"] ==
    ["11111111-0000-4000-8000-000000000002"]' "the alert names the second VM"

kill -0 "$pid" 2>/dev/null
tap_ok $? "the same agent process is still running"
it_wait_ctl 10 'any(a["name"] == "migration.not_converging" for a in j)' alerts >/dev/null
tap_ok $? "the alert reached the aggregator"
tap_is "$(ingest)" "1 1" "one connection and one handshake: SIGHUP dropped nothing"
tap_done
