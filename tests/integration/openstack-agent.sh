#!/bin/bash
# openstack-agent.sh: Nova, Neutron and Cinder streams (emit/strata-os-emit.py
# on tests/data/openstack/scenarios) logged through the real lttng-ust Python
# agent (/usr/bin/python3, python3-lttngust, python/strata_lttngust.py's
# JSONHandler) into two simulated nodes' real LTTng live sessions (one
# session daemon each, one relay daemon), one strata-agent per node; checks
# each application analyzer's records as an operator reads them: the VM
# states and hosts across a live migration, the migration's two sides, its
# rollback after Nova's completion timeout and the admin abort, request
# durations and their Neutron/Cinder children, service percentiles, the
# volume and port maps, malformed input counted.  Then one node whose
# session enables both the plain notification loggers and the JSON ones:
# every notification arrives twice, the second is counted as a duplicate.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init openstack-agent 300
it_need_lttng
it_need_prog "$IT_AGENT"
PY=/usr/bin/python3
[ -x $PY ] && $PY -c 'import lttngust.loghandler' 2>/dev/null ||
    tap_skip_all "no lttng-ust Python agent for $PY (python3-lttngust)"
SPEED=${STRATA_OS_SPEED:-10}
SCN="boot stopstart volume migrate network migrate-timeout migrate-abort malformed"

# The emitter, its library and the sample data, where nobody can read them.
OS=$IT_DIR/os
it_os_stage "$OS"
scns=()
for s in $SCN; do scns+=("$OS/tests/data/openstack/scenarios/$s.scn"); done

# os_session NODE LOGGERS...: NODE's live session with the Python loggers.
os_session()
{
	local n=$1 l
	shift
	{
		it_lttng create "$n" --live=100000 \
		    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
		it_lttng enable-event -u -s "$n" 'qemu:*,strata:*' &&
		for l; do it_lttng enable-event --python -s "$n" "$l" || exit 1; done &&
		it_lttng add-context -u -s "$n" -t vpid -t vtid &&
		it_lttng start "$n"
	} >>"$IT_DIR/lttng.log" 2>&1
}

# os_agent NODE: strata-agent --node NODE on NODE's session; J_NODE records.
os_agent()
{
	local n=$1
	: >"$IT_DIR/$n.jsonl"
	"$IT_AGENT" --node "$n" --live "$(it_live_url "$n")" \
	    --jsonl "$IT_DIR/$n.jsonl" >>"$IT_DIR/agent-$n.log" 2>&1 &
	IT_PIDS+=("$!")
	eval "AGENT_$n=$!"
}

# os_emit NODE START ARGS...: the emitter of NODE's services, as nobody,
# in the background (pid in IT_LAST_PID).
os_emit()
{
	local n=$1 start=$2
	shift 2
	timeout -k 5 120 "${IT_AS_NOBODY[@]}" $PY "$OS/emit/strata-os-emit.py" \
	    --node "$n" --start "$start" --speed "$SPEED" "$@" \
	    >>"$IT_DIR/emit-$n.log" 2>&1 &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_on cmp1 os_session cmp1 'strata.json.*' &&
    it_on cmp2 os_session cmp2 'strata.json.*'; }; then
	tap_ok 1 "relay daemon, two nodes' session daemons and live sessions"
	tap_diag "$(tail -n 5 "$IT_DIR/lttng.log")"
	tap_done
fi
tap_ok 0 "relay daemon, two nodes' session daemons, live sessions enabling strata.json.*"
os_agent cmp1
os_agent cmp2
it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20
tap_ok $? "one strata-agent per node attached to its live session"

start=$(python3 -c 'import time; print(time.time() + 5)')
it_on cmp1 os_emit cmp1 "$start" "${scns[@]}"
p1=$IT_LAST_PID
it_on cmp2 os_emit cmp2 "$start" "${scns[@]}"
p2=$IT_LAST_PID
wait "$p1"; s1=$?
wait "$p2"; s2=$?
[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ]
tap_ok $? "both nodes' emitters play $(echo $SCN | wc -w) scenarios through lttngust" ||
    tap_diag "$(tail -n 3 "$IT_DIR/emit-cmp1.log" "$IT_DIR/emit-cmp2.log")"
tap_diag "$(cat "$IT_DIR/emit-cmp1.log" "$IT_DIR/emit-cmp2.log")"

J1=$IT_DIR/cmp1.jsonl
J2=$IT_DIR/cmp2.jsonl
V1=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c01
V3=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c03
V4=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c04
it_wait_record "$J1" 30 "any(r.get('kind') == 'nova_migration' and
    r.get('instance_uuid') == '$V4' and r.get('outcome') for r in R)"
tap_ok $? "cmp1's agent reports the last migration's outcome"
it_wait_record "$J2" 30 "any(r.get('kind') == 'nova_migration' and
    r.get('instance_uuid') == '$V4' and r.get('outcome') for r in R)"
tap_ok $? "cmp2's agent reports it too"
sleep 1

# Helpers for the expressions: the last record of a kind and member value.
L="(lambda k, f, v: ([r for r in R if r.get('kind') == k and r.get(f) == v] or [{}])[-1])"

tap_recs "$J1" <<EOF
cmp1: vm-boot ends on cmp2 (the source learns where it went), active, running, no task
	(lambda v: v.get('host') == 'cmp2' and v.get('vm_state') == 'active' and
	 v.get('power_state') == 'running' and v.get('task_state') is None)($L('vm', 'uuid', '$V1'))

cmp1: vm-boot's timeline: building, active, stopped, active
	[s for i, s in enumerate([r['vm_state'] for r in R if r.get('kind') == 'vm_event' and
	 r.get('uuid') == '$V1']) if i == 0 or s != [r['vm_state'] for r in R
	 if r.get('kind') == 'vm_event' and r.get('uuid') == '$V1'][i - 1]][:4] ==
	['building', 'active', 'stopped', 'active']

cmp1: vm-boot spent about 7.2 s stopped (paced x$SPEED: 0.72 s of trace time, within 0.15 s)
	abs($L('vm', 'uuid', '$V1')['state_ms']['stopped'] * $SPEED - 7200) < 1500

cmp1: the live migration of vm-boot: source side, completed, destination cmp2
	(lambda m: m.get('role') == 'source' and m.get('outcome') == 'completed' and
	 m.get('dest_host') == 'cmp2')($L('nova_migration', 'instance_uuid', '$V1'))

cmp1: vm-busy rolled back after Nova's 40 s completion timeout (timeout_action abort)
	(lambda m: m.get('outcome') == 'timed_out' and m.get('completion_timeout_s') == 40 and
	 m.get('timeout_action') == 'abort' and len(m.get('progress')) == 8 and
	 m['progress'][-1]['remaining_pct'] == 49)($L('nova_migration', 'instance_uuid', '$V3'))

cmp1: vm-abort's migration aborted by the administrator, one migration
	(lambda m: m.get('outcome') == 'aborted' and m.get('abort_requested_ns'))(
	 $L('nova_migration', 'instance_uuid', '$V4')) and
	len(set(r['id'] for r in R if r.get('kind') == 'nova_migration' and
	 r.get('instance_uuid') == '$V4')) == 1

cmp1: the boot request: nova-api and nova-compute, POST /v2.1/servers 202, ok, ~3.4 s of scenario time
	(lambda q: q.get('status') == 'ok' and q.get('operation') == 'instance.create' and
	 'nova-api' in q['services'] and 'nova-compute' in q['services'] and
	 q['api']['status'] == 202 and abs(q['duration_ms'] * $SPEED - 3400) < 600)(
	 $L('request', 'request_id', 'req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a01'))

cmp1: Neutron's port create and Cinder's attach hang on Nova's requests (global_request_id)
	$L('request', 'request_id', 'req-7b2e1d63-8e4f-4c9b-a032-4d5e6f7a8b01').get(
	 'global_request_id') == 'req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a01' and
	$L('request', 'request_id', 'req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c03').get(
	 'global_request_id') == 'req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c02'

cmp1: the failed boot is an error request with its reason
	(lambda q: q.get('status') == 'error' and 'too small' in (q.get('error') or ''))(
	 $L('request', 'request_id', 'req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a02'))

cmp1: service nova-compute instance.create: 2 done, 1 error, max ~2.81 s of scenario time
	(lambda s: s.get('count') == 2 and s.get('errors') == 1 and
	 abs(s['max_ms'] * $SPEED - 2810) < 600)($L('service', 'id', 'cmp1/nova-compute/instance.create'))

cmp1: service cinder-volume volume.resize: 1 done, p50 ~3.3 s of scenario time
	(lambda s: s.get('count') == 1 and abs(s['p50_ms'] * $SPEED - 3300) < 600)(
	 $L('service', 'id', 'cmp1/cinder-volume/volume.resize'))

cmp1: the volume was attached to vm-boot at /dev/vdb on cmp1 through its iSCSI target, then deleted
	any(r.get('kind') == 'volume' and r.get('status') == 'in-use' and
	 r['attachments'][0]['instance_uuid'] == '$V1' and r['attachments'][0]['mountpoint'] == '/dev/vdb' and
	 r['attachments'][0]['host'] == 'cmp1' and 'iqn.2010-10.org.openstack' in r['attachments'][0]['target']
	 for r in R) and $L('volume', 'volume_id', '462dcc2d-130d-4654-8db1-da0df2da6a01').get('status') == 'deleted'

cmp1: vm-boot's port: its MAC, 10.0.0.11, bound to cmp2 after the migration
	(lambda p: p.get('mac') == 'fa:16:3e:c9:cb:01' and p.get('ips') == ['10.0.0.11'] and
	 p.get('device_id') == '$V1' and p.get('host') == 'cmp2')(
	 $L('port', 'port_id', '65c0ee9f-d634-4522-8954-51021b570b01'))

cmp1: the router's interface port and the deleted port
	$L('router', 'router_id', '915a14a6-867b-4af7-83d1-70efceb14601').get('interfaces') ==
	 [{'port_id': '2dc46bcc-d1f2-4077-b99e-91ee28afaf01', 'subnet_id': 'a2f1f29d-571b-4533-907f-5803ab96ea01'}] and
	$L('port', 'port_id', '65c0ee9f-d634-4522-8954-51021b570b03').get('status') == 'DELETED'
EOF

tap_recs "$J2" <<EOF
cmp2: the destination sides: vm-boot completed (pre, post_dest), vm-busy and vm-abort rolled back
	(lambda a, b, c: a.get('role') == 'destination' and a.get('outcome') == 'completed' and
	 [p['name'] for p in a['phases']] == ['pre', 'post_dest'] and a.get('source_host') == 'cmp1' and
	 b.get('outcome') == 'rolled_back' and c.get('outcome') == 'rolled_back')(
	 $L('nova_migration', 'instance_uuid', '$V1'), $L('nova_migration', 'instance_uuid', '$V3'),
	 $L('nova_migration', 'instance_uuid', '$V4'))

cmp2: vm-boot is on cmp2 with no task
	(lambda v: v.get('host') == 'cmp2' and v.get('task_state') is None)($L('vm', 'uuid', '$V1'))

cmp2: service nova-compute instance.live_migration_pre: 3 done, p50 ~1.2 s of scenario time
	(lambda s: s.get('count') == 3 and abs(s['p50_ms'] * $SPEED - 1200) < 500)(
	 $L('service', 'id', 'cmp2/nova-compute/instance.live_migration_pre'))
EOF

k1=$(python3 "$IT_CHECK" eval "$J1" "[r['migration_key'] for r in R if r.get('kind') == 'nova_migration']")
k2=$(python3 "$IT_CHECK" eval "$J2" "[r['migration_key'] for r in R if r.get('kind') == 'nova_migration']")
tap_is "$(python3 -c "print(sorted(set($k1)) == sorted(set($k2)))")" True \
    "both nodes name the three migrations with the same migration_key"

# ---- the agents' stats: malformed input counted, never fatal
kill -TERM "$AGENT_cmp1" "$AGENT_cmp2" 2>/dev/null
wait "$AGENT_cmp1" 2>/dev/null; st1=$?
wait "$AGENT_cmp2" 2>/dev/null; st2=$?
tap_is "$st1 $st2" "0 0" "both agents exit 0 after SIGTERM (malformed input was not fatal)"
stats=$(grep -h '"oslo"' "$IT_DIR/agent-cmp1.log" | tail -n 1)
tap_diag "cmp1 stats: $stats"
python3 - "$stats" <<'PYEOF'
import json, re, sys
s = sys.argv[1]
m = re.search(r'(\{.*\})', s)
o = json.loads(m.group(1)) if m else {}
o = o.get("analyzers", o)
osl = o.get("oslo", {})
sys.exit(0 if osl.get("malformed") == 4 and osl.get("duplicates") == 1 and
         osl.get("bad_notification") == 2 and osl.get("ignored") == 1 else 1)
PYEOF
tap_ok $? "cmp1 counted the malformed scenario: 4 malformed, 2 bad envelopes, 1 ignored event type, 1 duplicate"

# ---- both routes enabled: every notification twice, the second a duplicate
if it_on cmp1 it_lttng destroy cmp1 >>"$IT_DIR/lttng.log" 2>&1 &&
    it_on cmp1 os_session both 'strata.json.*' 'oslo.messaging.notification.*'; then
	: >"$IT_DIR/both.jsonl"
	"$IT_AGENT" --node cmp1 --live "$(it_live_url both)" \
	    --jsonl "$IT_DIR/both.jsonl" >>"$IT_DIR/agent-both.log" 2>&1 &
	AB=$!
	IT_PIDS+=("$AB")
	it_wait_viewer both 20
	start=$(python3 -c 'import time; print(time.time() + 4)')
	it_on cmp1 os_emit cmp1 "$start" "$OS/tests/data/openstack/scenarios/volume.scn"
	wait "$IT_LAST_PID"
	it_wait_record "$IT_DIR/both.jsonl" 20 "any(r.get('kind') == 'volume' and
	    r.get('status') == 'deleted' for r in R)"
	sleep 1
	kill -TERM "$AB"; wait "$AB"
	python3 - "$IT_DIR/agent-both.log" <<'PYEOF'
import json, re, sys
last = [l for l in open(sys.argv[1]) if '"oslo"' in l][-1]
o = json.loads(re.search(r'(\{.*\})', last).group(1))
o = o.get("analyzers", o)
osl = o["oslo"]
print("# both routes: notifications %d duplicates %d" % (osl["notifications"], osl["duplicates"]))
sys.exit(0 if osl["duplicates"] == 14 and osl["notifications"] == 14 else 1)
PYEOF
	tap_ok $? "both routes: the volume scenario's 14 notifications arrive twice, 14 duplicates skipped"
	tap_recs "$IT_DIR/both.jsonl" <<EOF
both routes: the volume's operations are counted once (create 1, attach 1, resize 1)
	(lambda o: o['create']['count'] == 1 and o['attach']['count'] == 1 and
	 o['resize']['count'] == 1)($L('volume', 'volume_id', '462dcc2d-130d-4654-8db1-da0df2da6a01')['operations'])

both routes: the JSON copy is the one kept, so Cinder's attach still hangs on Nova's request (global_request_id)
	$L('request', 'request_id', 'req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c03').get(
	 'global_request_id') == 'req-9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c02'
EOF
else
	tap_ok 1 "session with both routes"
	tap_skip 2 "no session with both routes"
fi
tap_done
