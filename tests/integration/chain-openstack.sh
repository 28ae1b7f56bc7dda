#!/bin/bash
# tests/integration/chain-openstack.sh: the multi-layer link on the whole
# chain.  Two nodes (session daemons cmp1 and cmp2, one relay daemon), one
# strata-agent each pushing to one strata-aggregator.  On both nodes a
# Nova live migration stream (tests/data/openstack/scenarios/
# migrate-timeout.scn: vm-busy never converges, Nova's completion timeout
# of 40 s aborts the job with no abort notification, the source rolls
# back) goes through the real lttng-ust Python agent (emit/strata-os-emit.py,
# one process per node), beside strata-qemu-bridge playing the real QEMU
# 7.2 logs of a migration that never converged and was cancelled
# (tests/data/qemu-7.2/nonconv-cancel: src.log on cmp1, dst.log on cmp2)
# for the same instance.  stratactl must link the Nova request to both
# QEMU sides and diagnose the rollback: failed to converge under guest
# workload, after Nova's completion timeout of 40 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init chain-openstack 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_BRIDGE" "$IT_AGGREGATOR" "$IT_STRATACTL" \
    /usr/bin/python3
OSEMIT="$top_srcdir/emit/strata-os-emit.py"
tap_plan 34
if [ ! -f "$OSEMIT" ] || ! /usr/bin/python3 -c 'import lttngust' 2>/dev/null
then
	tap_skip_all "needs emit/strata-os-emit.py and python3-lttngust"
fi

# Both played 10 times faster: QEMU's own bandwidth stays what it logged,
# rates the agent derives from the trace clock (the dirty rate) come out
# 10 times higher; nothing below depends on them.
SPEED=${STRATA_OS_SPEED:-10}
J1=$IT_DIR/cmp1.jsonl
J2=$IT_DIR/cmp2.jsonl
D=$IT_DIR
# The scenario's instance and request (migrate-timeout.scn).
U=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c03
REQ=req-4e5f6a7b-8c9d-4e0f-9a12-3c4d5e6f7a03

# The emitter, its modules and the sample payloads, where the tracing user
# can read them (the checkout may not be readable by nobody).
it_os_stage "$D/os" || tap_skip_all "cannot copy the emitter"

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_start_aggregator &&
    it_on cmp1 it_create_live_session cmp1 -a &&
    it_on cmp2 it_create_live_session cmp2 -a &&
    it_start_node_agent cmp1 cmp1 "$J1" &&
    it_start_node_agent cmp2 cmp2 "$J2" &&
    it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20; }; then
	tap_ok 1 "relayd, two nodes' session daemons (Python domain), aggregator, two agents"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, two nodes' session daemons (Python domain), aggregator, two agents"

# ---- play: Nova's stream on both nodes, QEMU's logs through the bridge ----------
start=$(python3 -c 'import time; print("%.3f" % (time.time() + 2.0))')
emit_node()
{
	timeout -k 5 60 "${IT_AS_NOBODY[@]}" /usr/bin/python3 \
	    "$D/os/emit/strata-os-emit.py" --node "$1" --speed "$SPEED" \
	    --start "$start" --data "$D/os/tests/data/openstack" \
	    "$D/os/tests/data/openstack/scenarios/migrate-timeout.scn" >>"$D/os-emit-$1.log" 2>&1 &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}
it_on cmp1 emit_node cmp1
e1=$IT_LAST_PID
it_on cmp2 emit_node cmp2
e2=$IT_LAST_PID
# QEMU's log starts 10 s (1 s played) before its migration, which Nova
# starts after pre (2.4 s in, 0.24 s played).
sleep "$(python3 -c "import time; print(max(0, $start - 0.75 - time.time()))")"
it_on cmp1 it_bridge_bg --speed "$SPEED" --vm-uuid $U --vm-name instance-00000003 \
    "$IT_QEMULOGS/nonconv-cancel/src.log"
b1=$IT_LAST_PID
it_on cmp2 it_bridge_bg --speed "$SPEED" --vm-uuid $U --vm-name instance-00000003 \
    "$IT_QEMULOGS/nonconv-cancel/dst.log"
b2=$IT_LAST_PID
wait "$e1" && wait "$e2"
tap_ok $? "Nova's migrate-timeout stream through lttngust on cmp1 and cmp2"
wait "$b1" && wait "$b2"
tap_ok $? "nonconv-cancel: src.log on cmp1 and dst.log on cmp2 through the bridge"

it_wait_ctl 30 "[m for m in j if m['outcome'] is not None and
    m['dst_node'] is not None]" migrations --vm $U >"$D/wait.out"
tap_ok $? "the QEMU migration reaches an outcome with both sides"
it_wait_ctl 30 "j['nova'] is not None and j['nova']['outcome'] is not None and
    len([p for p in j['nova']['phases'] if p['end_ns']]) >= 3" \
    migration "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' \
    "$D/wait.out" 2>/dev/null || echo none)" >/dev/null
tap_ok $? "the Nova live migration is linked, with its phases"
it_ctl --json migrations --vm $U >"$D/migs.json"
ID=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
print(m[0]["id"] if m else "")' "$D/migs.json")
it_ctl --json migration "$ID" >"$D/mig.json"
it_ctl migration "$ID" >"$D/mig.txt"
it_ctl --json vm $U >"$D/vm.json"
tap_json m="$D/migs.json" x="$D/mig.json" v="$D/vm.json" r1="$J1" r2="$J2" <<EOF
one QEMU migration of the instance, cmp1 -> cmp2, cancelled, never converging
	len(m) == 1 and (m[0]["src_node"], m[0]["dst_node"], m[0]["outcome"]) == ("cmp1", "cmp2", "cancelled") and m[0]["verdict"] in ("stalled", "diverging")

the agents sent Nova's side of it from both computes (nova_migration records)
	[r["role"] for r in r1 if r["kind"] == "nova_migration"][-1:] == ["source"] and [r["role"] for r in r2 if r["kind"] == "nova_migration"][-1:] == ["destination"]

migration ID: the Nova request linked (request id, source and destination)
	(x["nova"]["request_id"], x["nova"]["source_host"], x["nova"]["dest_host"]) == ("$REQ", "cmp1", "cmp2")

migration ID: Nova's outcome timed_out, after its completion timeout of 40 s
	(x["nova"]["outcome"], x["nova"]["completion_timeout_s"]) == ("timed_out", 40)

migration ID: phases pre, QEMU, rollback, rollback_dest in time order
	[p["name"] for p in x["phases"]] == ["pre", "qemu", "rollback", "rollback_dest"]

migration ID: both QEMU sides (cmp1 source with its rounds, cmp2 destination)
	[(s["role"], s["node"]) for s in x["sides"]] == [("source", "cmp1"), ("destination", "cmp2")] and len(x["sides"][0]["rounds"]) > 3

diagnosis: failed to converge under guest workload
	x["diagnosis"]["summary"] == "failed to converge under guest workload"

diagnosis: QEMU never reached stop-and-copy, the pending bytes never fell below its threshold
	x["diagnosis"]["evidence"]["reached_stop_and_copy"] is False and x["diagnosis"]["evidence"]["pending_fell_below_threshold"] is False and x["diagnosis"]["evidence"]["min_pending_bytes"] > x["diagnosis"]["evidence"]["threshold_bytes"]

diagnosis: the rollback followed Nova's completion timeout of 40 s, no abort notification
	(x["diagnosis"]["rollback"]["reason"], x["diagnosis"]["rollback"]["completion_timeout_s"], x["diagnosis"]["rollback"]["abort_notification"]) == ("completion_timeout", 40, False)

diagnosis: what would have made it converge (bandwidth for the limit, or the downtime)
	x["diagnosis"]["advice"]["bandwidth_needed_bps"] > x["diagnosis"]["advice"]["bandwidth_bps"] and x["diagnosis"]["advice"]["downtime_needed_ms"] > x["diagnosis"]["advice"]["downtime_limit_ms"]

vm UUID: the instance's migrations are this one
	v["migrations"] == [x["id"]] and len(v["timeline"]) > 0
EOF
# The request tree, once the agents send request records.
if python3 -c 'import json, sys
sys.exit(0 if any(json.loads(l).get("kind") == "request"
    for f in sys.argv[1:] for l in open(f) if l.strip()) else 1)' "$J1" "$J2"
then
	it_wait_ctl 20 "j['tree'] is not None" request "$REQ" >/dev/null
	it_ctl --json request "$REQ" >"$D/req.json"
	tap_json r="$D/req.json" x="$D/mig.json" <<EOF
request ID: the source compute cmp1 holds the QEMU source side, its stages and rounds
	[q["migration_id"] for c in r["tree"]["children"] if c["kind"] == "compute" and c.get("role") == "source" and c["node"] == "cmp1" for q in c["children"] if q["kind"] == "qemu"] == [x["id"]] and any(s["kind"] == "stage" and any(k["kind"] == "round" for k in s["children"]) for c in r["tree"]["children"] if c["kind"] == "compute" and c["node"] == "cmp1" for q in c["children"] if q["kind"] == "qemu" for s in q["children"])

request ID: the destination compute cmp2 holds Nova's pre and the QEMU destination side
	[sorted(set(k["kind"] for k in c["children"])) for c in r["tree"]["children"] if c["kind"] == "compute" and c["node"] == "cmp2"] == [["phase", "qemu"]]

request ID: the diagnosis of its migration
	r["diagnosis"]["summary"] == "failed to converge under guest workload"

request ID: every tree node has a layer (application, then virtualization from QEMU down) and attrs
	(lambda ns: ns(ns, r["tree"], "application"))(lambda ns, t, up:
	 "attrs" in t and t["layer"] in ("application", "virtualization", "kernel") and
	 (up == "application" or t["layer"] != "application") and
	 all(ns(ns, c, t["layer"]) for c in t["children"]))
EOF
else
	tap_skip 4 "no request records from the agents (their request analyzer)"
fi
tap_ok "$(grep -q '^diagnosis: failed to converge under guest workload' \
    "$D/mig.txt" && grep -q 'timeout that applied: 40 s' "$D/mig.txt"; echo $?)" \
    "stratactl migration ID prints the diagnosis and the timeout that applied"
tap_diag "$(sed -n '/^Nova live migration/,/^source on/p' "$D/mig.txt" | head -n 14)"

# ---- the CLI contract on the chain: boot, stop/start, volume, network ----------
VM1=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c01
VM2=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c02
BREQ=req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a01
BREQ2=req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a02
NREQ1=req-7b2e1d63-8e4f-4c9b-a032-4d5e6f7a8b01
VOL=462dcc2d-130d-4654-8db1-da0df2da6a01
PORT1=65c0ee9f-d634-4522-8954-51021b570b01
start=$(python3 -c 'import time; print("%.3f" % (time.time() + 1.5))')
cli_node()
{
	timeout -k 5 60 "${IT_AS_NOBODY[@]}" /usr/bin/python3 \
	    "$D/os/emit/strata-os-emit.py" --node cmp1 --speed 20 \
	    --start "$start" --data "$D/os/tests/data/openstack" \
	    "$D/os/tests/data/openstack/scenarios/boot.scn" "$D/os/tests/data/openstack/scenarios/stopstart.scn" \
	    "$D/os/tests/data/openstack/scenarios/volume.scn" \
	    "$D/os/tests/data/openstack/scenarios/network.scn" >>"$D/os-emit-cli.log" 2>&1
}
it_on cmp1 cli_node
tap_ok $? "boot, stop/start, volume and network scenarios through lttngust on cmp1"
it_wait_ctl 30 "[v for v in j if v['volume_id'] == '$VOL' and
    v['status'] == 'deleted']" volumes >/dev/null
tap_ok $? "the volume's last record (deleted) reaches the store"
for c in vms requests services volumes ports; do
	it_ctl --json "$c" >"$D/cli-$c.json"
done
it_ctl --json requests --failed >"$D/cli-failed.json"
it_ctl --json vm $VM1 >"$D/cli-vm.json"
it_ctl --json request $BREQ >"$D/cli-req.json"
tap_json vms="$D/cli-vms.json" vm="$D/cli-vm.json" rq="$D/cli-requests.json" \
    failed="$D/cli-failed.json" sv="$D/cli-services.json" \
    vol="$D/cli-volumes.json" po="$D/cli-ports.json" r="$D/cli-req.json" <<EOF
vms: every element exactly uuid, name, host, vm_state, task_state, power_state, since_ns
	len(vms) >= 3 and all(sorted(v) == sorted(["uuid", "name", "host", "vm_state", "task_state", "power_state", "since_ns"]) for v in vms)

vms: vm-boot active, no task, running, on cmp1 after its stop and start
	[(v["name"], v["vm_state"], v["task_state"], v["power_state"], v["host"]) for v in vms if v["uuid"] == "$VM1"] == [("vm-boot", "active", None, "running", "cmp1")]

vms: the boot that failed is in error
	[v["vm_state"] for v in vms if v["uuid"] == "$VM2"] == ["error"]

vm UUID: exactly uuid, name, host, timeline, migrations; the timeline in time order with the stop and the start
	sorted(vm) == ["host", "migrations", "name", "timeline", "uuid"] and [e["t_ns"] for e in vm["timeline"]] == sorted(e["t_ns"] for e in vm["timeline"]) and {"instance.create.end", "instance.power_off.end", "instance.power_on.end"} <= set(e["event_type"] for e in vm["timeline"])

requests: every element exactly the contract's members
	len(rq) > 5 and all(sorted(x) == sorted(["request_id", "global_request_id", "services", "hosts", "operation", "started_ns", "duration_ms", "status"]) for x in rq)

requests: the boot, instance.create, ok, its 3400 ms played 20 times faster
	[(x["operation"], x["status"], abs(x["duration_ms"] - 3400 / 20) < 85) for x in rq if x["request_id"] == "$BREQ"] == [("instance.create", "ok", True)]

requests --failed: the boot that failed
	"$BREQ2" in [x["request_id"] for x in failed] and all(x["status"] == "error" for x in failed)

request ID: Neutron's port creation hangs under the boot by its global request id
	[c["link"] for c in r["children"] if c["request_id"] == "$NREQ1"] == ["global_request_id"] and [c["services"] for c in r["children"] if c["request_id"] == "$NREQ1"] == [["neutron-server"]]

services: every element exactly the contract's members; nova-compute instance.create: 2, 1 error, p50 the short (failed) one, p90 = p99 = max the long one
	all(sorted(x) == sorted(["service", "operation", "count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms"]) for x in sv) and [(x["count"], x["errors"], x["p50_ms"] < x["p90_ms"], abs(x["p90_ms"] - x["max_ms"]) < 0.01, abs(x["p99_ms"] - x["max_ms"]) < 0.01) for x in sv if (x["service"], x["operation"]) == ("nova-compute", "instance.create")] == [(2, 1, True, True, True)]

volumes: the volume resized to 20 GB on cmp1@lvm#lvm, detached and deleted, exactly the contract's members
	[(sorted(v), v["size_gb"], v["backend"], v["status"], v["attachments"]) for v in vol if v["volume_id"] == "$VOL"] == [(sorted(["volume_id", "name", "size_gb", "status", "backend", "attachments"]), 20, "cmp1@lvm#lvm", "deleted", [])]

ports: vm-boot's port: MAC, IP, device, host cmp1, exactly the contract's members
	[(sorted(p), p["mac"], p["ips"], p["device_id"], p["host"]) for p in po if p["port_id"] == "$PORT1"] == [(sorted(["port_id", "mac", "ips", "device_id", "host", "status"]), "fa:16:3e:c9:cb:01", ["10.0.0.11"], "$VM1", "cmp1")]
EOF
tap_done
