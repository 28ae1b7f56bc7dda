#!/bin/bash
# arm.sh: agent/arm.c against a private lttng-sessiond (as nobody, no
# kernel tracer) and lttng-relayd, through tests/ops/arm_test: arming
# creates the live session with the expected channels, events, contexts
# and ring files (checked with `lttng list` and `lttng save`); Python
# records logged through python/strata_logging.py arrive as JSON; disarm
# destroys only what arm created; an existing session is left exactly as
# it was; a kernel tracer that is required but missing, or a relayd that
# is not there, fail without leaving a session behind.  Then the same end
# to end: strata-agent --arm, a migration played with strata-emit, the
# session gone after SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/ops/lib.sh"

it_init ops-arm 150
it_need_lttng
ARM=$top_builddir/tests/ops/arm_test
it_need_prog "$ARM" "$IT_AGENT" "$IT_EMIT"
ARM=$(it_bin "$ARM")
PY=/usr/bin/python3
HOST=$(hostname)

if ! it_start_lttng; then
	tap_ok 1 "private lttng-relayd and lttng-sessiond start"
	tap_done
fi
RELAYD_URL="net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT"

# arm SESSION ARGS...: arm_test in the background as nobody; returns once
# its first line is out (in ARM_LINE); `disarm` closes its stdin.
arm()
{
	local s=$1 n=100
	shift
	rm -f "$IT_DIR/arm.in" "$IT_DIR/arm.out"
	mkfifo "$IT_DIR/arm.in"
	timeout -k 5 60 "${IT_AS_NOBODY[@]}" "$ARM" "$(it_live_url "$s")" "$@" \
	    <"$IT_DIR/arm.in" >"$IT_DIR/arm.out" 2>>"$IT_DIR/arm.log" &
	ARM_PID=$!
	IT_PIDS+=("$ARM_PID")
	exec 7>"$IT_DIR/arm.in"
	while [ "$n" -gt 0 ] && [ ! -s "$IT_DIR/arm.out" ]; do
		kill -0 "$ARM_PID" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	ARM_LINE=$(head -n 1 "$IT_DIR/arm.out")
}

disarm()
{
	exec 7>&-
	wait "$ARM_PID"
}

# arm_once SESSION ARGS...: arms and disarms at once; prints the lines,
# status of arm_test.
arm_once()
{
	local s=$1
	shift
	timeout -k 5 60 "${IT_AS_NOBODY[@]}" "$ARM" "$(it_live_url "$s")" "$@" \
	    </dev/null 2>>"$IT_DIR/arm.log"
}

sessions()
{
	it_lttng list 2>/dev/null | sed -n 's/^ *[0-9]*) \([^ ]*\) .*/\1/p' |
	    sort | tr '\n' ' '
}

# summary SESSION: session_summary.py over `lttng save`.
summary()
{
	local d=$IT_DIR/save-$1
	mkdir -p "$d" && chmod 777 "$d"
	it_lttng save "$1" -o "$d" -f >/dev/null 2>&1 &&
	    python3 "$OPS_SRC/session_summary.py" "$d/$1.lttng"
}

# ---- arming a session that does not exist
arm armed arm_url="$RELAYD_URL" arm_loggers="nova,neutron"
tap_is "$ARM_LINE" "armed created=1 kernel=0 ust=3 python=2 kernel_rules=0 session=armed" \
    "arm_session creates session armed: 3 UST rules, 2 Python loggers, no kernel tracer" ||
    tap_diag "$(tail -n 5 "$IT_DIR/arm.log")"
grep -q "session armed: lttng-modules not loaded, kernel events not traced" \
    "$IT_DIR/arm.log"
tap_ok $? "a missing kernel tracer is logged, not fatal (arm_kernel = auto)"

it_lttng list armed >"$IT_DIR/list-armed.txt" 2>&1
grep -q '^Recording session armed: \[active\]' "$IT_DIR/list-armed.txt" &&
    grep -q "Trace output: tcp4://127.0.0.1:$IT_CTRL_PORT/ \[data: $IT_DATA_PORT\]" \
    "$IT_DIR/list-armed.txt"
tap_ok $? "lttng list: armed is active and streams to our relayd" ||
    tap_diag "$(head -n 5 "$IT_DIR/list-armed.txt")"
grep -q '^- strata: \[enabled\]' "$IT_DIR/list-armed.txt" &&
    for e in 'qemu:\*' 'strata:\*' 'ovs:\*'; do
	grep -q "^ *$e (type: tracepoint) \[enabled\]" "$IT_DIR/list-armed.txt" ||
	    exit 1
    done
tap_ok $? "lttng list: channel strata with qemu:*, strata:*, ovs:* enabled"
grep -q '^=== Domain: Python logging ===' "$IT_DIR/list-armed.txt" &&
    grep -q "^ *- nova \[enabled\] \[filter: 'logger_name == \"nova\"'\]" \
    "$IT_DIR/list-armed.txt" &&
    grep -q "^ *- neutron \[enabled\]" "$IT_DIR/list-armed.txt" &&
    ! grep -q '=== Domain: Linux kernel ===' "$IT_DIR/list-armed.txt"
tap_ok $? "lttng list: Python loggers nova and neutron, no kernel domain"

tap_is "$(summary armed)" "started true
live 200000
UST PER_UID strata: events ovs:*,qemu:*,strata:*; contexts VPID,VTID; tracefile 16777216x4
PYTHON PER_UID lttng_python_channel: events neutron,nova; contexts VPID,VTID; tracefile 16777216x4" \
    "lttng save: live timer 200 ms, vpid/vtid on both channels, 4 ring files of 16 MiB per stream"

# ---- strata_logging: JSON records through the lttng-ust Python agent
if [ -x $PY ] && $PY -c 'import lttngust.loghandler' 2>/dev/null; then
	it_data "$top_srcdir/python/strata_logging.py" >/dev/null
	pid=$(timeout 30 "${IT_AS_NOBODY[@]}" PYTHONPATH="$IT_DIR/data" $PY - \
	    2>"$IT_DIR/py.log" <<'PYEOF'
import logging, os, strata_logging
strata_logging.install("nova")
log = logging.getLogger("nova.compute.manager")
log.info("live migration starting", extra={
    "event_type": "compute.instance.live_migration.pre.start",
    "instance": {"uuid": "0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11",
                 "name": "instance-0000002a"},
    "state": "active", "task_state": "migrating", "request_id": "req-7"})
log.debug("below the handler's level: not sent")
log.warning("plain %s line", "formatted")
logging.getLogger("neutron").warning("neutron, not JSON")
logging.getLogger("glance").warning("not enabled")
print(os.getpid())
PYEOF
	)
	tap_ok $? "a Python program logs through strata_logging (pid $pid)" ||
	    tap_diag "$(tail -n 5 "$IT_DIR/py.log")"
else
	pid=
	tap_skip 1 "python3-lttngust not installed"
fi

disarm
tap_is "$(tail -n 1 "$IT_DIR/arm.out")" disarmed "arm_disarm runs at the end"
tap_is "$(sessions)" "" "arm_disarm destroyed the session it created"

if [ -n "$pid" ]; then
	babeltrace2 "$IT_DIR/relayd" >"$IT_DIR/armed.txt" 2>"$IT_DIR/bt.log"
	got=$(python3 - "$IT_DIR/armed.txt" "$pid" <<'PYEOF'
import json, re, sys
pid = sys.argv[2]
out = []
for l in open(sys.argv[1]):
    if "lttng_python:event" not in l:
        continue
    m = re.search(r'vpid = (\d+).*msg = "((?:[^"\\]|\\.)*)", logger_name = "([^"]*)"', l)
    if not m:
        out.append("unparsed")
        continue
    vpid, msg, name = m.group(1), m.group(2), m.group(3)
    msg = msg.replace('\\"', '"').replace('\\\\', '\\')
    try:
        j = json.loads(msg)
        desc = "json %s %s %s %s %s" % (j.get("event_type"), j.get("instance_uuid"),
            j.get("instance_name"), j.get("task_state"), j.get("message"))
    except ValueError:
        desc = "text " + msg
    out.append("%s %s %s" % (name, "vpid-ok" if vpid == pid else "vpid-" + vpid, desc))
print("\n".join(out))
PYEOF
)
	tap_is "$got" "nova vpid-ok json compute.instance.live_migration.pre.start 0b7e6a55-3c1f-4a7e-9d61-2f2d8f0c9a11 instance-0000002a migrating live migration starting
nova vpid-ok json log None None None plain formatted line
neutron vpid-ok text neutron, not JSON" \
	    "the trace holds the JSON of logger nova (2), plain neutron (1), nothing else, with vpid" ||
	    tap_diag "$(grep -c . "$IT_DIR/armed.txt") events; $(tail -n 3 "$IT_DIR/bt.log")"
else
	tap_skip 1 "no Python program logged (python3-lttngust missing, or it failed above)"
fi

# ---- an existing session is used as it is and left in place
it_lttng create mine --live=1000000 --set-url "$RELAYD_URL" >>"$IT_DIR/lttng.log" 2>&1 &&
    it_lttng enable-event -u -s mine 'strata:vm_identity' >>"$IT_DIR/lttng.log" 2>&1 &&
    it_lttng start mine >>"$IT_DIR/lttng.log" 2>&1
tap_ok $? "an operator creates live session mine by hand" ||
    tap_diag "$(tail -n 3 "$IT_DIR/lttng.log")"
before=$(summary mine; it_lttng list mine 2>&1)
out=$(arm_once mine arm_url="$RELAYD_URL")
st=$?
tap_is "$st $(head -n 1 <<<"$out")" \
    "0 armed created=0 kernel=0 ust=0 python=0 kernel_rules=0 session=mine" \
    "arm_session reuses the existing session mine"
after=$(summary mine; it_lttng list mine 2>&1)
tap_is "$after" "$before" "mine is unchanged after arm and disarm (lttng save, lttng list)"

# ---- failures leave nothing behind
out=$(arm_once kreq arm_url="$RELAYD_URL" arm_kernel=yes)
st=$?
tap_is "$st $out $(sessions)" "1 failed mine " \
    "arm_kernel = yes without a kernel tracer fails and leaves no session"
read -r nothing < <(it_free_ports 1)
out=$(arm_once norelay arm_url="net://127.0.0.1:$nothing:$nothing")
st=$?
tap_is "$st $out $(sessions)" "1 failed mine " \
    "a relayd that is not there fails and leaves no session"
tail -n 3 "$IT_DIR/arm.log" | grep -q 'norelay'
tap_ok $? "the failure names the session: $(grep norelay "$IT_DIR/arm.log" | tail -n 1)"

# ---- arm_keep = yes leaves the created session at exit
out=$(arm_once kept arm_url="$RELAYD_URL" arm_keep=yes arm_loggers=none \
    arm_ust_events='strata:*')
tap_is "$(head -n 1 <<<"$out") / $(sessions)" \
    "armed created=1 kernel=0 ust=1 python=0 kernel_rules=0 session=kept / kept mine " \
    "arm_keep = yes: the session stays after disarm; arm_loggers = none: no Python"

# ---- the real agent: strata-agent --arm, end to end (docs/operations.md
# "Wiring")
AG=$(it_bin "$IT_AGENT")
E2E=$IT_DIR/home/e2e.jsonl
"${IT_AS_NOBODY[@]}" "$AG" --arm --live "$(it_live_url e2e)" \
    -D arm_url="$RELAYD_URL" -D arm_loggers=none --jsonl "$E2E" \
    >>"$IT_DIR/agent.log" 2>&1 &
IT_AGENT_PID=$!
IT_PIDS+=("$IT_AGENT_PID")
it_wait_viewer e2e 20
tap_ok $? "strata-agent --arm creates session e2e and attaches to it" ||
    tap_diag "$(tail -n 5 "$IT_DIR/agent.log")"
it_emit --speed 20 "$(it_scenario converge)"
it_wait_record "$E2E" 30 'finals and finals[0]["outcome"] == "completed"'
tap_ok $? "a migration played into the armed session is followed to completed"
kill -TERM "$IT_AGENT_PID"
timeout 20 tail --pid="$IT_AGENT_PID" -f /dev/null
wait "$IT_AGENT_PID"
tap_is "$? $(sessions)" "0 kept mine " \
    "on SIGTERM the agent exits 0 and destroys the session it armed"
IT_AGENT_PID=

# ---- configuration errors
"$ARM" "$(it_live_url x)" arm_kernel=maybe >/dev/null 2>"$IT_DIR/bad.log"
tap_is "$? $(cat "$IT_DIR/bad.log")" \
    '2 arm_test: command line: arm_kernel: "maybe" is not auto, yes or no' \
    "a bad arm_kernel value is refused with a message"
"$ARM" "net://127.0.0.1/host/h" >/dev/null 2>"$IT_DIR/bad.log" </dev/null
tap_is "$?" 1 "a live URL without a session name is refused" ||
    tap_diag "$(cat "$IT_DIR/bad.log")"

tap_done
