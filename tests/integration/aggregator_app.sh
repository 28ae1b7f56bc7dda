#!/bin/bash
# tests/integration/aggregator_app.sh: the application-layer kinds through
# a real strata-aggregator, fed by the agent stand-in (tests/helpers/
# strata-push) as three nodes' agents would send them (docs/records.md):
# a controller (nova-api, nova-conductor, neutron-server, cinder-volume)
# and two computes.  One instance boots and then fails to live-migrate:
# QEMU's source side on cmp1 never converges (256 MiB pending at 32 MiB/s
# dirtied at 32 MiB/s) and is cancelled, the destination's load fails,
# Nova times out after 60 s and rolls back.  stratactl's --json contract
# (vms, vm, requests, services, volumes, ports: exactly the members of
# docs/control.md), the link of the Nova request to both QEMU sides, the
# rollback diagnosed, the not_converging alert's advice, the tables, and
# the exit codes of unknown ids.  Over --http: /metrics' families of the
# five kinds with their numbers, each kind's pages served and listed in
# /views.json, and (with chromium) the pages rendered with their rows.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-app 120
PUSH="$top_builddir/tests/helpers/strata-push"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL" "$PUSH"
tap_plan 56
D=$IT_DIR

# ---- records of the three nodes ----------------------------------------------
python3 - "$D" <<'PY'
import json, sys, time
d = sys.argv[1]
S, MS = 10**9, 10**6
T = time.time_ns() - 600 * S
U = "6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11"
REQ_BOOT, REQ_LM = "req-1f0e7c2a-boot", "req-5b6c791d-lm"
recs = {"ctl": [], "cmp1": [], "cmp2": []}
def add(node, kind, **r):
    r.update(kind=kind, node=node)
    recs[node].append(r)
def ev(node, n, t, et, vm, task, power, host, svc, req):
    add(node, "vm_event", id="%s/msg-%d" % (node, n), t_ns=t, uuid=U,
        name="web-1", event_type=et, vm_state=vm, task_state=task,
        power_state=power, host=host, service=svc, publisher_host=node,
        request_id=req, source="notification")
# The boot: API and conductor on ctl, the build on cmp1.
add("ctl", "request", id="ctl/" + REQ_BOOT, t_ns=T + 2 * S,
    request_id=REQ_BOOT, global_request_id=None,
    services=["nova-api", "nova-conductor"], hosts=["ctl"],
    operation="POST /v2.1/servers", started_ns=T, ended_ns=T + 2 * S,
    duration_ms=2000.0, status="ok", instance_uuids=[U],
    api={"method": "POST", "path": "/v2.1/servers", "status": 202,
         "duration_ms": 310.0})
add("cmp1", "request", id="cmp1/" + REQ_BOOT, t_ns=T + 9 * S,
    request_id=REQ_BOOT, services=["nova-compute"], hosts=["cmp1"],
    operation="instance.create", started_ns=T + 2 * S, ended_ns=T + 9 * S,
    status="ok", instance_uuids=[U], port_ids=["p-1"])
add("ctl", "request", id="ctl/req-neutron-1", t_ns=T + 5 * S,
    request_id="req-neutron-1", global_request_id=REQ_BOOT,
    services=["neutron-server"], hosts=["ctl"], operation="port.update",
    started_ns=T + 4 * S, ended_ns=T + 4500 * MS, status="ok",
    port_ids=["p-1"])
ev("ctl", 1, T + 1 * S, "instance.create.start", "building", "scheduling",
   "pending", None, "nova-conductor", REQ_BOOT)
ev("cmp1", 2, T + 9 * S, "instance.create.end", "active", None, "running",
   "cmp1", "nova-compute", REQ_BOOT)
# The live migration.
ts = T + 100 * S
ev("cmp2", 3, ts - 2 * S, "instance.live_migration_pre.start", "active",
   "migrating", "running", None, "nova-compute", REQ_LM)
ev("cmp1", 4, ts + 62 * S, "instance.live_migration_rollback.end", "active",
   None, "running", "cmp1", "nova-compute", REQ_LM)
add("cmp1", "vm", id="cmp1/" + U, t_ns=ts + 62 * S, uuid=U, name="web-1",
    instance_name="instance-0000002a", host="cmp1", vm_state="active",
    task_state=None, power_state="running", since_ns=ts + 62 * S)
add("cmp2", "vm", id="cmp2/" + U, t_ns=ts - 2 * S, uuid=U, name="web-1",
    host="cmp1", vm_state="active", task_state="migrating",
    power_state="running", since_ns=ts - 2 * S)
add("ctl", "request", id="ctl/" + REQ_LM, t_ns=ts - 3 * S, request_id=REQ_LM,
    services=["nova-api", "nova-conductor", "nova-scheduler"], hosts=["ctl"],
    operation="POST /v2.1/servers/%s/action" % U, started_ns=ts - 5 * S,
    ended_ns=ts - 3 * S, status="ok", instance_uuids=[U],
    api={"method": "POST", "path": "/v2.1/servers/%s/action" % U,
         "status": 202, "duration_ms": 80.0})
for node, role, ph, out in (
        ("cmp1", "source", [("rollback", ts + 61 * S, ts + 62 * S)],
         "timed_out"),
        ("cmp2", "destination", [("pre", ts - 2 * S, ts - 500 * MS),
                                  ("rollback_dest", ts + 62 * S,
                                   ts + 63 * S)], "rolled_back")):
    add(node, "nova_migration", id="%s/%s/%s" % (node, U, REQ_LM),
        migration_key="%s/%s" % (U, REQ_LM), t_ns=ph[-1][2],
        instance_uuid=U, vm_name="web-1", request_id=REQ_LM, role=role,
        source_host="cmp1", dest_host="cmp2",
        phases=[{"name": n, "start_ns": a, "end_ns": b,
                 "duration_ms": (b - a) / 1e6, "host": node, "error": None}
                for n, a, b in ph],
        started_ns=ph[0][1] if role == "destination" else ts - 1 * S,
        ended_ns=ph[-1][2], outcome=out,
        completion_timeout_s=60 if role == "source" else None,
        timed_out_ns=ts + 60 * S if role == "source" else None,
        timeout_action="abort" if role == "source" else None)
    add(node, "request", id="%s/%s" % (node, REQ_LM), t_ns=ph[-1][2],
        request_id=REQ_LM, services=["nova-compute"], hosts=[node],
        operation="instance.live_migration", started_ns=ph[0][1],
        ended_ns=ph[-1][2], status="ok", instance_uuids=[U])
# QEMU's sides: 6 rounds of 256 MiB pending, cancelled at 60 s.
sid = "cmp1/4242/%d" % ts
rounds = []
for n in range(1, 7):
    r = dict(n=n, t_ns=ts + 8 * n * S, start_ns=ts + 8 * (n - 1) * S,
             dirty_pages=65536, duration_ms=8000.0,
             pending_bytes=268435456 - 4096 * n, bytes=268435456,
             bandwidth_bps=33554432.0, dirty_rate_bps=33554432.0,
             predicted_downtime_ms=8000.0, throttle_pct=None,
             verdict="stalled" if n > 2 else "converging")
    rounds.append(r)
    add("cmp1", "migration_round", id="%s#%d" % (sid, n), migration_id=sid,
        vm_uuid=U, **r)
add("cmp1", "migration", id=sid, t_ns=ts + 60 * S, vm_uuid=U,
    vm_name="instance-0000002a", vpid=4242, role="source", state="cancelled",
    outcome="cancelled", error=None, started_ns=ts, ended_ns=ts + 60 * S,
    total_ms=60000.0, verdict="stalled", downtime_limit_ms=300,
    bandwidth_bps=33554432.0, throttle_pct=None, throttle_steps=0,
    states=[{"state": s, "t_ns": t} for s, t in
            (("setup", ts), ("active", ts + 10 * MS),
             ("cancelling", ts + 59 * S), ("cancelled", ts + 60 * S))],
    stages=[{"name": "setup", "start_ns": ts, "end_ns": ts + 10 * MS,
             "duration_ms": 10.0},
            {"name": "precopy", "start_ns": ts + 10 * MS,
             "end_ns": ts + 8 * S, "duration_ms": 7990.0},
            {"name": "iterative", "start_ns": ts + 8 * S,
             "end_ns": ts + 60 * S, "duration_ms": 52000.0}],
    rounds=[{k: r[k] for k in ("n", "t_ns", "dirty_pages", "duration_ms",
                                "pending_bytes", "predicted_downtime_ms",
                                "verdict")} for r in rounds])
add("cmp1", "alert", id=sid + "!migration.not_converging",
    name="migration.not_converging", severity="warning", migration_id=sid,
    vm_uuid=U, vm_name="instance-0000002a", t_ns=ts + 26 * S,
    message="live migration of instance-0000002a is not converging",
    evidence={"rounds": rounds[-3:], "verdict": "stalled",
              "downtime_limit_ms": 300, "bandwidth_bps": 33554432.0,
              "threshold_bytes": None, "throttle_pct": None,
              "throttle_steps": 0})
add("cmp2", "migration", id="cmp2/777/%d" % (ts + 100 * MS),
    t_ns=ts + 61 * S, vm_uuid=U, vpid=777, role="destination",
    state="failed", outcome="failed",
    error="load of migration failed: Input/output error",
    started_ns=ts + 100 * MS, ended_ns=ts + 61 * S,
    stages=[{"name": "load", "start_ns": ts + 100 * MS,
             "end_ns": ts + 61 * S, "duration_ms": 60900.0}])
# Services, a volume, a port, a network.
for node, dur in (("cmp1", 7000), ("cmp2", 9000)):
    add(node, "service", id="%s/nova-compute/instance.create" % node,
        t_ns=T + 10 * S, service="nova-compute", project="nova",
        operation="instance.create", count=1, errors=0, p50_ms=dur,
        p90_ms=dur, p99_ms=dur, max_ms=dur, hist=[[2 ** 13 if dur < 8192
                                                   else 2 ** 13.25, 1]],
        epoch_ns=T)
add("ctl", "volume", id="ctl/v-1", t_ns=T + 20 * S, volume_id="v-1",
    name="data", size_gb=20, status="in-use", backend="ctl@lvm#lvm",
    last_ns=T + 20 * S,
    attachments=[{"attachment_id": "a-1", "instance_uuid": U,
                  "host": "cmp1", "mountpoint": "/dev/vdb",
                  "target": "iscsi iqn.2010-10.org.openstack:volume-v-1 "
                            "192.0.2.10:3260 lun 1"}])
add("ctl", "port", id="ctl/p-1", t_ns=T + 6 * S, port_id="p-1",
    mac="fa:16:3e:00:00:01", ips=["10.0.0.5"], network_id="n-1",
    device_id=U, host="cmp1", status="ACTIVE")
add("ctl", "network", id="ctl/n-1", t_ns=T + 3 * S, network_id="n-1",
    name="private", status="ACTIVE", network_type="vxlan",
    segmentation_id=1001)
# Malformed: counted and skipped.
add("ctl", "vm", id="ctl/bad", t_ns=T, uuid=7)
add("ctl", "request", id="ctl/x", t_ns=T)
for node, rs in recs.items():
    with open("%s/%s.jsonl" % (d, node), "w") as f:
        for r in rs:
            f.write(json.dumps(r) + "\n")
with open(d + "/ids", "w") as f:
    f.write("%s %s %s\n" % (sid, REQ_LM, U))
PY
read -r SID REQ UUID <"$D/ids"

HC="$IT_LIBDIR/http-check.py"
HPORT=$(it_free_ports 1)
H=127.0.0.1:$HPORT
if ! it_start_aggregator --http "$HPORT" \
    --http-root "$top_srcdir/aggregator/http/web"; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "the aggregator did not start"
	tap_done
fi
tap_ok 0 "aggregator up"
ok=0
for n in ctl cmp1 cmp2; do
	"$PUSH" "127.0.0.1:$IT_AGG_PORT" "$n" "$D/$n.jsonl" >>"$D/push.log" 2>&1 ||
	    ok=1
done
tap_ok $ok "three nodes' records pushed and acknowledged"

for c in vms requests services volumes ports networks routers status; do
	it_ctl --json "$c" >"$D/$c.json"
done
it_ctl --json vm "$UUID" >"$D/vm.json"
it_ctl --json requests --slow >"$D/slow.json"
it_ctl --json requests --failed >"$D/failed.json"
it_ctl --json request "$REQ" >"$D/request.json"
it_ctl --json migration "$SID" >"$D/migration.json"
it_ctl --json alerts >"$D/alerts.json"
tap_json vms="$D/vms.json" vm="$D/vm.json" rq="$D/requests.json" \
    slow="$D/slow.json" failed="$D/failed.json" sv="$D/services.json" \
    vol="$D/volumes.json" po="$D/ports.json" st="$D/status.json" <<EOF
vms: one instance with exactly uuid, name, host, vm_state, task_state, power_state, since_ns
	len(vms) == 1 and sorted(vms[0]) == sorted(["uuid", "name", "host", "vm_state", "task_state", "power_state", "since_ns"])

vms: web-1 active, no task, running, on cmp1 (after the rollback)
	(vms[0]["name"], vms[0]["vm_state"], vms[0]["task_state"], vms[0]["power_state"], vms[0]["host"]) == ("web-1", "active", None, "running", "cmp1")

vm UUID: exactly uuid, name, host, timeline, migrations
	sorted(vm) == ["host", "migrations", "name", "timeline", "uuid"]

vm UUID: four events in time order, each exactly t_ns, event_type, vm_state, task_state, power_state, host
	len(vm["timeline"]) == 4 and [e["t_ns"] for e in vm["timeline"]] == sorted(e["t_ns"] for e in vm["timeline"]) and all(sorted(e) == sorted(["t_ns", "event_type", "vm_state", "task_state", "power_state", "host"]) for e in vm["timeline"])

vm UUID: the migrate event carries the host forward (cmp1)
	[e["host"] for e in vm["timeline"]] == [None, "cmp1", "cmp1", "cmp1"]

vm UUID: its one migration, the QEMU migration's id
	vm["migrations"] == ["$SID"]

requests: three, each exactly the contract's members
	len(rq) == 3 and all(sorted(r) == sorted(["request_id", "global_request_id", "services", "hosts", "operation", "started_ns", "duration_ms", "status"]) for r in rq)

requests: the live migration merged over three nodes (services, hosts)
	[r for r in rq if r["request_id"] == "$REQ"][0]["hosts"] == ["cmp1", "cmp2", "ctl"] and [r for r in rq if r["request_id"] == "$REQ"][0]["services"] == ["nova-api", "nova-compute", "nova-conductor", "nova-scheduler"]

requests: its operation and duration (first start to last end, 68 s)
	[(r["operation"], round(r["duration_ms"])) for r in rq if r["request_id"] == "$REQ"] == [("instance.live_migration", 68000)]

requests: Neutron's names the boot as its global request id
	[r["global_request_id"] for r in rq if r["request_id"] == "req-neutron-1"] == ["req-1f0e7c2a-boot"]

requests --slow: the slow ones, slowest first
	[r["request_id"] for r in slow] == ["$REQ", "req-1f0e7c2a-boot"]

requests --failed: none failed
	failed == []

services: one operation over two nodes, exactly the contract's members
	len(sv) == 1 and sorted(sv[0]) == sorted(["service", "operation", "count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms"]) and sv[0]["count"] == 2

services: percentiles of the summed histograms (p50 8192 ms, p99 the max 9000)
	(round(sv[0]["p50_ms"]), round(sv[0]["p99_ms"]), round(sv[0]["max_ms"])) == (8192, 9000, 9000)

volumes: exactly the contract's members, the attachment with its target
	sorted(vol[0]) == sorted(["volume_id", "name", "size_gb", "status", "backend", "attachments"]) and sorted(vol[0]["attachments"][0]) == ["host", "instance_uuid", "mountpoint", "target"] and "iqn.2010-10.org.openstack:volume-v-1" in vol[0]["attachments"][0]["target"]

ports: exactly the contract's members: port, MAC, IPs, device, host
	sorted(po[0]) == sorted(["port_id", "mac", "ips", "device_id", "host", "status"]) and (po[0]["mac"], po[0]["ips"], po[0]["device_id"], po[0]["host"]) == ("fa:16:3e:00:00:01", ["10.0.0.5"], "$UUID", "cmp1")

status: the kinds' counts; the two malformed records skipped and counted
	(st["instances"], st["requests"], st["volumes"], st["ports"], st["nova_migrations"]) == (1, 3, 1, 1, 1) and st["counters"]["skipped.missing_field"] == 1 and st["counters"]["skipped.bad_field"] == 1
EOF

tap_json m="$D/migration.json" r="$D/request.json" a="$D/alerts.json" <<EOF
migration ID: both QEMU sides, cmp1 -> cmp2
	len(m["sides"]) == 2 and (m["src_node"], m["dst_node"]) == ("cmp1", "cmp2")

migration ID: the Nova request linked, its source and destination
	(m["nova"]["request_id"], m["nova"]["source_host"], m["nova"]["dest_host"], m["nova"]["outcome"]) == ("$REQ", "cmp1", "cmp2", "timed_out")

migration ID: phases pre, QEMU, rollback, rollback_dest
	[p["name"] for p in m["phases"]] == ["pre", "qemu", "rollback", "rollback_dest"]

migration ID: diagnosed: failed to converge under guest workload
	m["diagnosis"]["summary"] == "failed to converge under guest workload"

diagnosis evidence: never reached stop-and-copy, 6 rounds, never below the 9.6 MiB threshold
	(m["diagnosis"]["evidence"]["reached_stop_and_copy"], m["diagnosis"]["evidence"]["rounds"], m["diagnosis"]["evidence"]["pending_fell_below_threshold"], round(m["diagnosis"]["evidence"]["threshold_bytes"])) == (False, 6, False, 10066330)

diagnosis: after Nova's completion timeout of 60 s, no abort notification
	(m["diagnosis"]["rollback"]["reason"], m["diagnosis"]["rollback"]["completion_timeout_s"], m["diagnosis"]["rollback"]["abort_notification"]) == ("completion_timeout", 60, False) and "completion timeout of 60 s" in m["diagnosis"]["text"]

request ID: the tree API, conductor/scheduler, compute source, compute destination
	[c["kind"] + ":" + c["name"] for c in r["tree"]["children"]] == ["api:API", "control:conductor/scheduler", "compute:compute source cmp1", "compute:compute destination cmp2"]

request ID: the source compute holds Nova's rollback and QEMU's source side
	sorted(c["kind"] for c in r["tree"]["children"][2]["children"]) == ["phase", "qemu"] and [c for c in r["tree"]["children"][2]["children"] if c["kind"] == "qemu"][0]["migration_id"] == m["id"]

request ID: QEMU's stages, the rounds under the stage they ran in
	[(s["name"], len(s["children"])) for s in [c for c in r["tree"]["children"][2]["children"] if c["kind"] == "qemu"][0]["children"]] == [("setup", 0), ("precopy", 1), ("iterative", 5)]

request ID: the destination holds pre, rollback_dest and QEMU's destination side
	sorted(c["kind"] + ":" + c["name"] for c in r["tree"]["children"][3]["children"]) == ["phase:pre", "phase:rollback_dest", "qemu:QEMU destination side"]

request ID: its diagnosis
	r["diagnosis"]["summary"] == "failed to converge under guest workload"

alert: the not_converging alert carries advice: 853 MiB/s needed, or 7999 ms of downtime
	[(round(x["advice"]["bandwidth_needed_bps"] / 1048576), round(x["advice"]["downtime_needed_ms"])) for x in a if x["name"] == "migration.not_converging"] == [(853, 7999)]

alert: post-copy or auto-converge is the way, neither known to be on
	[(x["advice"]["way"], x["advice"]["postcopy"], x["advice"]["auto_converge"]) for x in a if x["name"] == "migration.not_converging"] == [("postcopy_or_auto_converge", None, None)]
EOF

# ---- the tables -----------------------------------------------------------------
it_ctl migration "$SID" >"$D/migration.txt"
tap_ok "$(grep -q '^diagnosis: failed to converge under guest workload' \
    "$D/migration.txt" && grep -q 'Nova live migration' "$D/migration.txt" &&
    grep -q 'to converge: ' "$D/migration.txt"; echo $?)" \
    "stratactl migration ID: Nova's migration, the diagnosis, the advice"
tap_ok "$(grep -q 'timeout that applied: 60 s' "$D/migration.txt"; echo $?)" \
    "stratactl migration ID: the timeout that applied"
it_ctl request "$REQ" >"$D/request.txt"
tap_ok "$(grep -q 'compute source cmp1' "$D/request.txt" &&
    grep -q 'QEMU source side' "$D/request.txt" &&
    grep -q 'round 6 .*pending 256.0 MiB' "$D/request.txt"; echo $?)" \
    "stratactl request ID: the tree down to QEMU's rounds"
it_ctl alerts >"$D/alerts.txt"
tap_ok "$(grep -q 'advice: .*post-copy' "$D/alerts.txt"; echo $?)" \
    "stratactl alerts: the advice under the table"
it_ctl vms >"$D/vms.txt"
tap_ok "$(grep -q 'web-1 .*cmp1 .*active' "$D/vms.txt"; echo $?)" "stratactl vms"
it_ctl vm instance-0000002a >"$D/vm.txt"
tap_ok "$(grep -q 'instance.live_migration_pre.start' "$D/vm.txt"; echo $?)" \
    "stratactl vm NAME: the timeline"
it_ctl services >"$D/services.txt"
tap_ok "$(grep -q 'nova-compute .*instance.create .*2 ' "$D/services.txt"; \
    echo $?)" "stratactl services"
it_ctl volumes >"$D/volumes.txt"
it_ctl ports >"$D/ports.txt"
tap_ok "$(grep -q 'iqn.2010-10.org.openstack:volume-v-1' "$D/volumes.txt" &&
    grep -q 'fa:16:3e:00:00:01 .*10.0.0.5' "$D/ports.txt"; echo $?)" \
    "stratactl volumes, ports"
it_ctl vm no-such-vm >/dev/null 2>"$D/err"
st=$?
tap_ok "$([ $st -eq 1 ] && grep -q 'no instance no-such-vm' "$D/err"; echo $?)" \
    "vm of an unknown instance: exit 1 with the aggregator's message"
it_ctl request req-none >/dev/null 2>&1
tap_is $? 1 "request of an unknown id: exit 1"
it_ctl requests --slow-ms nope >/dev/null 2>&1
tap_is $? 2 "requests --slow-ms with a word: usage error, exit 2"
# ---- over HTTP: /metrics, the pages, /views.json ---------------------------------
W=$D/web
mkdir -p "$W"
{
	printf 'metrics\tGET\t/metrics\n'
	printf 'views\tGET\t/views.json\n'
	for f in vm/vms.html vm/vm.html vm/vm.js request/requests.html \
	    request/request.html request/request.js service/services.html \
	    service/service.js volume/volumes.html volume/volume.js \
	    port/ports.html port/port.js; do
		printf '%s\tGET\t/kinds/%s\n' "$(echo "$f" | tr / _)" "$f"
	done
} | python3 "$HC" fetch "$H" "$W"
tap_json m="$W/metrics.json" v="$W/views.json" <<'EOF'
/metrics: strata_vms by vm_state (one active), strata_vm_tasks (idle)
	m["prom"]['strata_vms{vm_state="active"}'] == 1 and sum(x for k, x in m["prom"].items() if k.startswith("strata_vms{")) == 1 and m["prom"]['strata_vm_tasks{task_state="none"}'] == 1 and m["types"]["strata_vms"] == "gauge"

/metrics: strata_requests_total by status and operation: three ok, the live migration's among them
	sum(x for k, x in m["prom"].items() if k.startswith("strata_requests_total{")) == 3 and all('status="ok"' in k for k in m["prom"] if k.startswith("strata_requests_total{")) and m["prom"]['strata_requests_total{operation="instance.live_migration",status="ok"}'] == 1

/metrics: strata_request_duration_seconds: three requests, one over 60 s
	m["prom"]["strata_request_duration_seconds_count"] == 3 and m["prom"]['strata_request_duration_seconds_bucket{le="60"}'] == 2 and m["types"]["strata_request_duration_seconds"] == "histogram"

/metrics: strata_service_operation_seconds: p50 8.192 s, p90 and p99 and max 9 s
	[round(m["prom"]['strata_service_operation_seconds{operation="instance.create",service="nova-compute",stat="%s"}' % q], 3) for q in ("p50", "p90", "p99", "max")] == [8.192, 9.0, 9.0, 9.0]

/metrics: strata_service_operations_total 2, strata_service_errors_total 0
	(m["prom"]['strata_service_operations_total{operation="instance.create",service="nova-compute"}'], m["prom"]['strata_service_errors_total{operation="instance.create",service="nova-compute"}']) == (2, 0)

/metrics: strata_volumes (one in-use) and strata_volume_attachments 1
	(m["prom"]['strata_volumes{status="in-use"}'], m["prom"]["strata_volume_attachments"]) == (1, 1)

/metrics: strata_ports (one ACTIVE), strata_networks 1, strata_routers 0
	(m["prom"]['strata_ports{status="ACTIVE"}'], m["prom"]["strata_networks"], m["prom"]["strata_routers"]) == (1, 1, 0)

/metrics: no per-request, per-instance or per-port label
	not any(l in k for k in m["prom"] for l in ("request_id", "uuid", "port_id", "volume_id") if k.split("{")[0] in ("strata_vms", "strata_requests_total", "strata_volumes", "strata_ports"))

/views.json: the five kinds' views with their pages
	{x["kind"]: (x["page"], x.get("item")) for x in v["json"]["views"] if x.get("kind") in ("vm", "request", "service", "volume", "port")} == {"vm": ("/kinds/vm/vms.html", "/kinds/vm/vm.html"), "request": ("/kinds/request/requests.html", "/kinds/request/request.html"), "service": ("/kinds/service/services.html", None), "volume": ("/kinds/volume/volumes.html", None), "port": ("/kinds/port/ports.html", None)}
EOF
if command -v promtool >/dev/null 2>&1; then
	python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' \
	    "$W/metrics.json" | promtool check metrics >"$W/promtool.out" 2>&1
	tap_ok $? "promtool check metrics: the kinds' families lint clean" ||
	    tap_diag "$(head -n 20 "$W/promtool.out")"
else
	tap_skip 1 "promtool not installed"
fi
bad=
for f in "$W"/vm_* "$W"/request_* "$W"/service_* "$W"/volume_* "$W"/port_*; do
	python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); sys.exit(o["code"] != 200 or len(o["body"]) < 100)' "$f" ||
	    bad="$bad $(basename "$f")"
done
tap_ok "$([ -z "$bad" ]; echo $?)" "the kinds' pages and scripts served${bad:+ (not:$bad)}"

CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
# page NAME PATH: the page rendered by headless Chromium, DOM as JSON.
page()
{
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$D/chromium" --virtual-time-budget=5000 \
	    --dump-dom "http://$H$2" >"$W/$1.html" 2>>"$D/chromium.log" &&
	python3 "$HC" dom "$W/$1.html" "$W/$1.json"
}
if [ -z "$CHROMIUM" ]; then
	tap_skip 2 "chromium not installed"
elif page vms /kinds/vm/vms.html &&
    page request "/kinds/request/request.html?id=$REQ" &&
    page vm "/kinds/vm/vm.html?id=$UUID" && page services \
    /kinds/service/services.html && page volumes /kinds/volume/volumes.html &&
    page ports /kinds/port/ports.html; then
	tap_json p="$W/vms.json" r="$W/request.json" v="$W/vm.json" \
	    sv="$W/services.json" vo="$W/volumes.json" po="$W/ports.json" <<EOF
rendered: vms.html's one row (web-1 active on cmp1), request.html's tree down to QEMU's rounds
	[(e["data"]["name"], e["data"]["vmState"], e["data"]["host"]) for e in p["all"] if "vm" in e["cls"] and e["tag"] == "tr"] == [("web-1", "active", "cmp1")] and [e["data"]["kind"] for e in r["all"] if "node" in e["cls"]][:2] == ["request", "api"] and sum(1 for e in r["all"] if "node" in e["cls"] and e["data"].get("kind") == "round") == 6

rendered: vm.html's four events and its migration, services.html's row with its chart's points, volumes.html's attachment, ports.html's port and network
	[e["data"]["eventType"] for e in v["all"] if "event" in e["cls"]][1] == "instance.create.end" and len([e for e in v["all"] if "event" in e["cls"]]) == 4 and [e["data"]["id"] for e in v["all"] if "migration" in e["cls"]] == ["$SID"] and [(e["data"]["service"], e["data"]["count"], e["data"]["p50Ms"]) for e in sv["all"] if "operation" in e["cls"]] == [("nova-compute", "2", "8192")] and [e["data"]["points"] for e in sv["all"] if e["id"] == "chart-latency"] == ['[["nova-compute instance.create",8192,9000,9000,9000]]'] and [e["data"]["mountpoint"] for e in vo["all"] if "attachment" in e["cls"]] == ["/dev/vdb"] and [e["data"]["mac"] for e in po["all"] if "port" in e["cls"] and e["tag"] == "tr"] == ["fa:16:3e:00:00:01"] and [e["data"]["ports"] for e in po["all"] if "network" in e["cls"]] == ["1"]
EOF
else
	tap_ok 1 "rendered: chromium ran"
	tap_ok 1 "rendered: the other pages"
fi
tap_done
