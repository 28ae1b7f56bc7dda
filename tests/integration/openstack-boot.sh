#!/bin/bash
# openstack-boot.sh: how a service gets lttngust without editing it.  A
# Python "service" started with python/strata-lttngust.pth in a site
# directory (what `make install` puts in dist-packages) and the
# environment of a systemd drop-in (STRATA_LTTNGUST=1,
# STRATA_LTTNGUST_JSON=1) sets up its logging the way oslo.log does
# (every root handler removed, its own added) and then logs with
# oslo.messaging's log driver: the notification still reaches LTTng through
# the real Python agent, plain and as oslo.log JSON, and strata-agent makes
# its records.  Without STRATA_LTTNGUST nothing is imported.  Then the
# replay tool plays a recorded JSON-lines file with its pacing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init openstack-boot 150
it_need_lttng
it_need_prog "$IT_AGENT"
PY=/usr/bin/python3
[ -x $PY ] && $PY -c 'import lttngust.loghandler' 2>/dev/null ||
    tap_skip_all "no lttng-ust Python agent for $PY (python3-lttngust)"

SITE=$IT_DIR/site
mkdir -p "$SITE"
cp "$top_srcdir/python/strata_lttngust.py" "$top_srcdir/python/strata-lttngust.pth" \
    "$top_srcdir/emit/strata-os-replay.py" "$SITE/"
cp "$top_srcdir/tests/data/openstack/streams/migrate.jsonl" "$SITE/"
chmod -R a+rX "$SITE"
J=$IT_DIR/rec.jsonl

# The "service": site.addsitedir() runs the .pth as Python's start does.
cat >"$SITE/service.py" <<'PYEOF'
import site, sys
site.addsitedir(sys.argv[1])
import json, logging, time
print("lttngust imported:", "lttngust" in sys.modules, flush=True)
# oslo_log.log._setup_logging_from_conf: remove all root handlers.
root = logging.getLogger()
for h in list(root.handlers):
    root.removeHandler(h)
root.addHandler(logging.StreamHandler(sys.stderr))
root.setLevel(logging.INFO)
print("root handlers:", sorted(type(h).__name__ for h in root.handlers), flush=True)
ctx = {"request_id": "req-0b0b0b0b-1111-4222-8333-444455556666",
       "global_request_id": None, "user": "u", "project": "p"}
env = {"message_id": "5e1d7a3c-0000-4000-8000-00000000b007",
       "publisher_id": "nova-compute:cmp1", "event_type": "instance.power_on.end",
       "priority": "INFO", "timestamp": "2024-05-01 12:00:00.000000",
       "payload": {"nova_object.data": {"uuid": "1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4cb0",
           "display_name": "vm-pth", "state": "active", "power_state": "running",
           "task_state": None, "host": "cmp1",
           "request_id": "req-0b0b0b0b-1111-4222-8333-444455556666"}}}
# oslo_messaging/notify/_impl_log.py LogDriver.notify()
logging.getLogger("oslo.messaging.notification.instance.power_on.end").info(
    json.dumps(env), extra={"context": ctx})
logging.getLogger("nova.compute.manager").info("Took 1.52 seconds to power on",
    extra={"context": ctx})
time.sleep(0.5)
PYEOF
chmod a+r "$SITE/service.py"

if ! { it_start_lttng && {
	it_lttng create pth --live=100000 \
	    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
	it_lttng enable-event --python -s pth 'oslo.messaging.notification.*' &&
	it_lttng enable-event --python -s pth 'strata.json.*' &&
	it_lttng start pth; } >>"$IT_DIR/lttng.log" 2>&1 &&
    it_start_agent pth "$J" --node cmp1 && it_wait_viewer pth 20; }; then
	tap_ok 1 "LTTng daemons, a live session with Python loggers, the agent"
	tap_done
fi
tap_ok 0 "LTTng daemons, a live session enabling oslo.messaging.notification.* and strata.json.*"

out=$(timeout 30 "${IT_AS_NOBODY[@]}" $PY "$SITE/service.py" "$SITE" 2>>"$IT_DIR/py.log")
tap_is "$out" "lttngust imported: False
root handlers: ['StreamHandler']" "without STRATA_LTTNGUST the .pth imports nothing"

out=$(timeout 30 "${IT_AS_NOBODY[@]}" STRATA_LTTNGUST=1 STRATA_LTTNGUST_JSON=1 \
    $PY "$SITE/service.py" "$SITE" 2>>"$IT_DIR/py.log")
tap_is "$out" "lttngust imported: True
root handlers: ['JSONHandler', 'StreamHandler', '_Handler']" \
    "with STRATA_LTTNGUST=1: lttngust's and the JSON handler survive oslo.log's setup"

it_wait_record "$J" 20 "any(r.get('kind') == 'vm' and r.get('name') == 'vm-pth' for r in R)"
tap_ok $? "the service's notification reaches strata-agent through lttngust"
sleep 1
tap_recs "$J" <<'EOF'
the instance's vm record: active, running, on cmp1
	[r for r in R if r.get('kind') == 'vm' and r.get('name') == 'vm-pth'][-1]['vm_state'] == 'active'

the JSON copy carries the request context: a request record with both lines
	any(r.get('kind') == 'request' and r.get('request_id') == 'req-0b0b0b0b-1111-4222-8333-444455556666'
	    and r.get('notifications') == 1 and r.get('log_lines') == 1 for r in R)

one vm_event only: the plain and the JSON copy are one notification
	len([r for r in R if r.get('kind') == 'vm_event' and r.get('uuid') ==
	     '1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4cb0']) == 1
EOF

# ---- the replay tool: a recorded file with its pacing (x4), node cmp1 only
it_mark "$J"
t0=$(date +%s.%N)
timeout 60 "${IT_AS_NOBODY[@]}" $PY "$SITE/strata-os-replay.py" --node cmp1 \
    --speed 4 "$SITE/migrate.jsonl" 2>>"$IT_DIR/replay.log"
st=$?
el=$(python3 -c "import sys; print(round($(date +%s.%N) - $t0, 1))")
tap_is "$st" 0 "strata-os-replay.py plays migrate.jsonl (node cmp1) through lttngust"
tap_diag "$(tail -n 1 "$IT_DIR/replay.log") (wall ${el} s)"
python3 -c "import sys; sys.exit(0 if 2.0 <= $el <= 8 else 1)"
tap_ok $? "its pacing: 9.3 s of records at x4 take ${el} s (2.3 s + start)"
it_wait_record "$J" 20 "any(r.get('kind') == 'nova_migration' and r.get('outcome') for r in R)"
tap_recs "$J" <<'EOF'
replayed: cmp1's side of the live migration, completed, to cmp2
	(lambda m: m['role'] == 'source' and m['outcome'] == 'completed' and m['dest_host'] == 'cmp2')(
	    [r for r in R if r.get('kind') == 'nova_migration'][-1])

replayed: the records' times keep the pacing (post ends ~1.2 s / 4 after it starts)
	(lambda p: abs(p['duration_ms'] - 300) < 150)(
	    [r for r in R if r.get('kind') == 'nova_migration'][-1]['phases'][0])
EOF
tap_done
