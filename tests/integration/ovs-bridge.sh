#!/bin/bash
# ovs-bridge.sh: a real Open vSwitch followed by strata-ovs-bridge through
# the whole chain.  A private ovsdb-server and ovs-vswitchd (own
# OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR, --enable-dummy=override, no kernel
# module) with a datapath_type=netdev bridge of dummy ports; packets
# injected with `ovs-appctl netdev-dummy/receive` (as OVS's own test suite
# does).  The bridge's ovs:* events go through a real LTTng live session
# to strata-agent and strata-aggregator; checked in the agent's records
# and through stratactl: one flow installed per distinct flow injected,
# their deletes after `ovs-ofctl del-flows` and the idle timeout, a flow
# put and deleted with dpctl (revalidators paused), reconfigurations
# counted per bridge as ports and bridges are added and removed, the port
# map from the OVSDB Interface rows, `ovs flows` and `ovs locate`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init ovs-bridge 180
it_need_lttng
OVSB="$top_builddir/emit/strata-ovs-bridge"
it_need_prog "$IT_AGENT" "$OVSB" "$IT_AGGREGATOR" "$IT_STRATACTL"
for p in ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovs-appctl ovs-ofctl; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] ||
	    tap_skip_all "$p not found (apt-get install openvswitch-switch)"
done
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
[ -r $SCHEMA ] || tap_skip_all "no $SCHEMA (openvswitch-common)"
PATH=$PATH:/usr/sbin
tap_plan 18

J=$IT_DIR/cmp1.jsonl
OVS=$IT_DIR/ovs
mkdir -p "$OVS"
[ "$IT_ROOT" -eq 1 ] && chown nobody:nogroup "$OVS"
export OVS_RUNDIR=$OVS OVS_DBDIR=$OVS OVS_LOGDIR=$OVS OVS_SYSCONFDIR=$OVS \
    OVS_PKGDATADIR=/usr/share/openvswitch
# The OVS daemons run as the tracing user too (nothing here needs root).
as_ovs() { "${IT_AS_NOBODY[@]}" env OVS_RUNDIR="$OVS" OVS_DBDIR="$OVS" \
    OVS_LOGDIR="$OVS" OVS_SYSCONFDIR="$OVS" "$@"; }
vsctl() { ovs-vsctl --db="unix:$OVS/db.sock" --timeout=10 "$@"; }
inject() { ovs-appctl -t "$OVS/ovs-vswitchd.$(cat "$OVS/ovs-vswitchd.pid").ctl" \
    netdev-dummy/receive "$@"; }
appctl() { ovs-appctl -t "$OVS/ovs-vswitchd.$(cat "$OVS/ovs-vswitchd.pid").ctl" "$@"; }
# pkt SRC_MAC: an ICMP echo from SRC_MAC to 50:54:00:00:00:07, in port 1.
pkt() { echo "in_port(1),eth(src=$1,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"; }

ovs_stop()
{
	local f
	for f in ovs-vswitchd ovsdb-server; do
		[ -r "$OVS/$f.pid" ] && it_kill_pid "$(cat "$OVS/$f.pid")" 30
	done
}

if ! { as_ovs ovsdb-tool create "$OVS/conf.db" $SCHEMA &&
    as_ovs ovsdb-server --detach --no-chdir --pidfile="$OVS/ovsdb-server.pid" \
	--log-file="$OVS/ovsdb-server.log" --remote="punix:$OVS/db.sock" \
	"$OVS/conf.db" &&
    vsctl --no-wait init &&
    vsctl --no-wait set Open_vSwitch . other_config:max-idle=1000 &&
    as_ovs ovs-vswitchd --enable-dummy=override --disable-system \
	--disable-system-route --detach --no-chdir \
	--pidfile="$OVS/ovs-vswitchd.pid" --log-file="$OVS/ovs-vswitchd.log" \
	"unix:$OVS/db.sock" &&
    vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
	-- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
	    external_ids:iface-id=3d2e0a9c-1111-4c2d-9e8f-0123456789ab \
	    external_ids:attached-mac=fa:16:3e:00:00:01 \
	    external_ids:vm-uuid=6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11 \
	-- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 &&
    appctl vlog/set dpif:file:dbg; } >>"$IT_DIR/ovs.log" 2>&1; then
	tap_diag "$(tail -n 5 "$IT_DIR/ovs.log")" \
	    "$(tail -n 5 "$OVS/ovs-vswitchd.log" 2>/dev/null)"
	ovs_stop
	tap_skip_all "cannot start a private ovsdb-server and ovs-vswitchd"
fi
trap 'ovs_st=$?; ovs_stop; (exit $ovs_st); it_chain_teardown' EXIT

if ! { it_start_relayd && it_node_start cmp1 && it_start_aggregator &&
    it_on cmp1 it_ovs_session cmp1 &&
    it_start_node_agent cmp1 cmp1 "$J" -D ovs.summary_s=1 &&
    it_wait_viewer cmp1 20; }; then
	tap_ok 1 "OVS, relayd, session daemon, aggregator, agent"
	tap_skip_rest "setup failed"
	ovs_stop
	tap_done
fi
trap 'ovs_st=$?; ovs_stop; (exit $ovs_st); it_chain_teardown' EXIT
chmod a+rx "$OVS"
IT_EMIT_TIMEOUT=170
it_on cmp1 it_prog_cmd "$OVSB" -d --ovs-rundir "$OVS" --interval 200 \
    "--ovs-log=$OVS/ovs-vswitchd.log"
"${IT_CMD[@]}" >>"$IT_DIR/ovsbridge.log" 2>&1 &
IT_PIDS+=($!)
tap_ok 0 "OVS (ovsdb-server, ovs-vswitchd --enable-dummy=override, netdev bridge br0), relayd, session daemon, aggregator, agent, strata-ovs-bridge"

# flows BRIDGE FIELD: the sum of FIELD over the ovs_flows records of BRIDGE.
flows() { echo "sum(r[\"$2\"] for r in R if r[\"kind\"] == \"ovs_flows\" and r[\"bridge\"] == \"$1\")"; }
port() { echo "[r for r in R if r[\"kind\"] == \"ovs_port\" and r[\"port\"] == \"$1\"]"; }

it_wait_record "$J" 20 "$(port p1)"
tap_rec "$J" "$(port p1)[-1][\"iface_id\"] == \"3d2e0a9c-1111-4c2d-9e8f-0123456789ab\" and $(port p1)[-1][\"attached_mac\"] == \"fa:16:3e:00:00:01\" and $(port p1)[-1][\"vm_uuid\"] == \"6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11\" and $(port p1)[-1][\"ofport\"] == 1 and $(port p1)[-1][\"bridge\"] == \"br0\" and $(port p1)[-1][\"present\"]" \
    "port map: p1 on br0, ofport 1, external_ids iface-id, attached-mac, vm-uuid of its OVSDB row"
tap_rec "$J" "$(port p2) and $(port p2)[-1][\"iface_id\"] is None and $(port p2)[-1][\"ofport\"] == 2" \
    "port map: p2, no iface-id"
it_wait_record "$J" 10 "[r for r in R if r[\"kind\"] == \"ovs_flows\" and r[\"bridge\"] == \"br0\"]"
tap_rec "$J" "$(flows br0 installs) == 0 and $(flows br0 reconfigurations) == 0" \
    "what existed when the bridge started is no install, no reconfiguration"

# ---- flows: 3 distinct flows, 2 packets each ------------------------------------
for m in 50:54:00:00:00:01 50:54:00:00:00:02 50:54:00:00:00:03; do
	inject p1 "$(pkt $m)" && inject p1 "$(pkt $m)"
done >>"$IT_DIR/ovs.log" 2>&1
it_wait_record "$J" 15 "$(flows br0 installs) >= 3"
sleep 1.5
tap_rec "$J" "$(flows br0 installs) == 3" "3 distinct flows injected (6 packets): 3 flows installed on br0"
tap_rec "$J" "$(flows br0 upcalls) == 3" "3 upcalls (the datapath's misses: the second packet of each flow hit)"

ovs-ofctl del-flows br0 >>"$IT_DIR/ovs.log" 2>&1
it_wait_record "$J" 15 "$(flows br0 deletes) >= 3"
tap_rec "$J" "$(flows br0 deletes) == 3" "after ovs-ofctl del-flows (and max-idle 1 s): the 3 datapath flows deleted"

ovs-ofctl add-flow br0 actions=normal >>"$IT_DIR/ovs.log" 2>&1
for m in 50:54:00:00:00:04 50:54:00:00:00:05; do
	inject p1 "$(pkt $m)"
done >>"$IT_DIR/ovs.log" 2>&1
it_wait_record "$J" 15 "$(flows br0 installs) >= 5 and $(flows br0 deletes) >= 5"
sleep 1
tap_rec "$J" "$(flows br0 installs) == 5 and $(flows br0 deletes) == 5" \
    "2 more distinct flows: installed, then deleted by the idle timeout (5 and 5)"

# A datapath flow put and deleted by hand.  The revalidators are paused
# meanwhile: the flow's mask is narrower than the OpenFlow table's, so a
# revalidator would delete it within half a second, and the dpif debug
# log that would tell it at once is rate-limited (600 messages a minute,
# shared with the bridge's own dpctl calls), so it may not.  Paused, the
# flow lives until del-flow and the dump sees it come and go.
KEY='recirc_id(0),in_port(2),eth(src=50:54:00:00:00:0a,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(frag=no)'
appctl revalidator/pause >>"$IT_DIR/ovs.log" 2>&1
appctl dpctl/add-flow "$KEY" 1 >>"$IT_DIR/ovs.log" 2>&1
it_wait_record "$J" 15 "$(flows br0 installs) >= 6"
appctl dpctl/del-flow "$KEY" >>"$IT_DIR/ovs.log" 2>&1
appctl revalidator/resume >>"$IT_DIR/ovs.log" 2>&1
it_wait_record "$J" 15 "$(flows br0 installs) >= 6 and $(flows br0 deletes) >= 6"
sleep 1
tap_rec "$J" "$(flows br0 installs) == 6 and $(flows br0 deletes) == 6" \
    "dpctl/add-flow and del-flow: one install, one delete more"

# ---- reconfigurations -------------------------------------------------------------
step() { vsctl "$@" >>"$IT_DIR/ovs.log" 2>&1; sleep 0.8; }
step add-br br1 -- set bridge br1 datapath_type=netdev
step add-port br1 p3 -- set interface p3 type=dummy
step del-port br1 p3
step del-br br1
step add-port br0 p4 -- set interface p4 type=dummy external_ids:attached-mac=fa:16:3e:00:00:04
step del-port br0 p4
it_wait_record "$J" 15 "$(flows br1 reconfigurations) >= 4 and $(flows br0 reconfigurations) >= 2"
sleep 1
tap_rec "$J" "$(flows br1 reconfigurations) == 4" \
    "br1 added, a port added and removed, br1 removed: 4 reconfigurations on br1"
tap_rec "$J" "$(flows br0 reconfigurations) == 2" "a port added to br0 and removed: 2 on br0"
tap_rec "$J" "$(port p4) and $(port p4)[-1][\"present\"] is False and $(port p4)[-1][\"attached_mac\"] == \"fa:16:3e:00:00:04\"" \
    "port map: p4 gone (present false)"
tap_rec "$J" "$(flows - reconfigurations) >= 1" \
    "ovs-vswitchd's bridge_reconfigure runs counted (bridge -)"

# ---- through the aggregator --------------------------------------------------------
n=100
while [ "$n" -gt 0 ]; do
	it_ctl --json ovs flows >"$IT_DIR/flows.json" 2>>"$IT_DIR/ctl.log"
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
b = [r for r in j if r["bridge"] == "br1"]
sys.exit(0 if b and b[0]["reconfigurations"] == 4 else 1)' "$IT_DIR/flows.json" 2>/dev/null && break
	sleep 0.2
	n=$((n - 1))
done
tap_ok "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
b = [r for r in j if r["node"] == "cmp1" and r["bridge"] == "br0"][0]
keys = {"node", "bridge", "upcalls", "installs", "deletes", "reconfigurations",
    "upcalls_per_s", "installs_per_s", "deletes_per_s", "since_ns"}
ok = all(set(r) == keys for r in j) and b["installs"] == 6 and \
    b["deletes"] == 6 and b["upcalls"] == 5 and b["reconfigurations"] == 2 and \
    b["installs_per_s"] > 0
print(0 if ok else 1)' "$IT_DIR/flows.json" 2>&1)" \
    "stratactl --json ovs flows: br0 of cmp1 with 6 installs, 6 deletes, 5 upcalls, 2 reconfigurations, exactly the contract's members" ||
    tap_diag "$(cat "$IT_DIR/flows.json")"
it_ctl --json ovs locate FA:16:3E:00:00:01 >"$IT_DIR/locate.json" 2>>"$IT_DIR/ctl.log"
tap_ok "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ok = len(j) == 1 and j[0]["node"] == "cmp1" and j[0]["bridge"] == "br0" and \
    j[0]["port"] == "p1" and j[0]["ofport"] == 1 and \
    j[0]["neutron_port_id"] == "3d2e0a9c-1111-4c2d-9e8f-0123456789ab" and \
    j[0]["instance"] == "6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11"
print(0 if ok else 1)' "$IT_DIR/locate.json" 2>&1)" \
    "stratactl ovs locate FA:16:3E:00:00:01: p1 on br0 of cmp1, its iface-id and vm-uuid" ||
    tap_diag "$(cat "$IT_DIR/locate.json")"
it_ctl ovs flows >"$IT_DIR/flows.txt" 2>&1
tap_ok "$(grep -q '^NODE  *BRIDGE  *UPCALLS' "$IT_DIR/flows.txt" && grep -q '^cmp1  *br0  *5  *6  *6  *2 ' "$IT_DIR/flows.txt"; echo $?)" \
    "stratactl ovs flows: the table" || tap_diag "$(cat "$IT_DIR/flows.txt")"
it_ctl --json ovs >"$IT_DIR/lat.json" 2>>"$IT_DIR/ctl.log"
tap_is "$(cat "$IT_DIR/lat.json" | tr -d ' \n')" "[]" \
    "stratactl --json ovs: no latency rows (the bridge sees no packet timing)"
tap_ok "$(grep -q 'following ovs-vswitchd' "$IT_DIR/ovsbridge.log"; echo $?)" \
    "strata-ovs-bridge followed ovs-vswitchd over its unixctl socket" ||
    tap_diag "$(tail -n 5 "$IT_DIR/ovsbridge.log")"
tap_done
