#!/bin/bash
# ovs-vm2vm.sh: VM-to-VM latency for traffic seen on two nodes.  Two
# session daemons (cmp1, cmp2), one strata-agent each (the ovs analyzer,
# 1 s summaries, every packet with a pkt_hash sampled) and one
# strata-aggregator.  On each node strata-emit plays, in step (--at the
# same wall-clock time), the port map of its VM's tap (VM A on cmp1's
# tapA, VM B on cmp2's tapB) and 40 packets 10 ms apart, each with a hash
# of its own: on cmp1 in at tapA, out at vxlan0; on cmp2, 80 ms later, in
# at vxlan0, out at tapB.  Checked through stratactl: `ovs vm2vm` joins
# each packet's in on cmp1 to its out on cmp2 (the tunnel's out on cmp1
# and in on cmp2 come first and join nothing), one row cmp1/tapA (VM A,
# its Neutron port) -> cmp2/tapB (VM B), 40 packets, p50 within two
# log-linear buckets of 80 ms (far above a late wake-up of an emitter on a
# busy machine, which could make a packet's latency negative, so
# unmatched); the --json contract's members; the table.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init ovs-vm2vm 120
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
tap_plan 5
N=40
VMA=6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11
VMB=0b5e9d2c-7a31-4f6e-8c0d-2e4f6a8b1c33
PORTA=3d2e0a9c-1111-4c2d-9e8f-0123456789ab
PORTB=7c1f4b2d-2222-4a3e-8b9c-0123456789cd

if ! { it_start_relayd && it_node_start cmp1 && it_node_start cmp2 &&
    it_start_aggregator &&
    it_on cmp1 it_ovs_session cmp1 && it_on cmp2 it_ovs_session cmp2 &&
    it_start_node_agent cmp1 cmp1 "$IT_DIR/cmp1.jsonl" \
	-D ovs.summary_s=1 -D ovs.sample_every=1 &&
    it_start_node_agent cmp2 cmp2 "$IT_DIR/cmp2.jsonl" \
	-D ovs.summary_s=1 -D ovs.sample_every=1 &&
    it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20; }; then
	tap_ok 1 "relayd, two nodes' session daemons, aggregator, two agents"
	tap_skip_rest "setup failed"
	tap_done
fi

# scn VM PORT_ID TAP IN OUT DELAY_MS MAC: the node's scenario.
scn()
{
	local i h
	echo "+0 ovs:port_map bridge=br-int port=$3 ofport=5 iface_id=$2 attached_mac=$7 vm_uuid=$1 mac=- present=1"
	echo "+$6 ovs:dp_stats datapath=system@ovs-system bridge=br-int hit=0 missed=0 lost=0 flows=0"
	for i in $(seq 1 $N); do
		h=$((1000003 * i + 77))
		echo "+10 ovs:dp_entry component=receive cpu=0 tid=0 bridge=br-int port=$4 len=98 pkt_hash=$h"
		echo "+0.01 ovs:dp_entry component=send cpu=0 tid=0 bridge=br-int port=$5 len=98 pkt_hash=$h"
		echo "+0.01 ovs:dp_exit component=send cpu=0 tid=0"
		echo "+0.01 ovs:dp_exit component=receive cpu=0 tid=0"
	done
	# 1.5 s later: the trace time moves on, the windows close.
	echo "+1500 ovs:dp_stats datapath=system@ovs-system bridge=br-int hit=0 missed=0 lost=0 flows=0"
}
scn "$VMA" "$PORTA" tapA tapA vxlan0 0 fa:16:3e:00:00:0a >"$IT_DIR/cmp1.scn"
scn "$VMB" "$PORTB" tapB vxlan0 tapB 80 fa:16:3e:00:00:0b >"$IT_DIR/cmp2.scn"
chmod a+r "$IT_DIR"/cmp*.scn
# Both play from the same wall-clock time, 5 s from now (each emitter
# first registers with its session daemon, waiting up to 3 s).
AT=$(python3 -c 'import time; print("%.3f" % (time.time() + 5))')
it_on cmp1 it_emit_bg --at "$AT" "$IT_DIR/cmp1.scn"
E1=$IT_LAST_PID
it_on cmp2 it_emit_bg --at "$AT" "$IT_DIR/cmp2.scn"
E2=$IT_LAST_PID
wait "$E1" && wait "$E2"
tap_ok $? "relayd, two nodes' session daemons, aggregator, two agents; strata-emit played $N packets on each node, in step"

# The join needs both nodes' samples and port maps in the store.
it_wait_ctl 30 "[r for r in j if r['count'] >= $N]" ovs vm2vm \
    >"$IT_DIR/vm2vm.json" 2>>"$IT_DIR/ctl.log"
it_ctl --json ovs vm2vm >"$IT_DIR/vm2vm.json" 2>>"$IT_DIR/ctl.log"
it_ctl ovs vm2vm >"$IT_DIR/vm2vm.txt" 2>>"$IT_DIR/ctl.log"
tap_json v="$IT_DIR/vm2vm.json" r1="$IT_DIR/cmp1.jsonl" <<EOF
ovs vm2vm: one row, cmp1/tapA (VM A, its Neutron port) to cmp2/tapB (VM B, its Neutron port)
	len(v) == 1 and (v[0]["src_node"], v[0]["src_bridge"], v[0]["src_port"], v[0]["src_vm"], v[0]["src_neutron_port"]) == ("cmp1", "br-int", "tapA", "$VMA", "$PORTA") and (v[0]["dst_node"], v[0]["dst_bridge"], v[0]["dst_port"], v[0]["dst_vm"], v[0]["dst_neutron_port"]) == ("cmp2", "br-int", "tapB", "$VMB", "$PORTB")

... $N packets, p50 within two buckets of the 80 ms played (the emitters wake up late on a busy machine), max under twice that
	v[0]["count"] == $N and abs(v[0]["p50_us"] - 80000) <= 2 * 2 ** (26 - 3) / 1000 and v[0]["p50_us"] <= v[0]["p90_us"] <= v[0]["p99_us"] <= v[0]["max_us"] < 160000

exactly the contract's members
	set(v[0]) == {"src_node", "src_bridge", "src_port", "src_vm", "src_neutron_port", "dst_node", "dst_bridge", "dst_port", "dst_vm", "dst_neutron_port", "count", "p50_us", "p90_us", "p99_us", "max_us"}
EOF
grep -q 'cmp1/tapA' "$IT_DIR/vm2vm.txt" && grep -q 'cmp2/tapB' "$IT_DIR/vm2vm.txt" &&
    grep -q "$VMA" "$IT_DIR/vm2vm.txt"
tap_ok $? "stratactl ovs vm2vm: the table (source and destination port, VM)" ||
    tap_diag "$(cat "$IT_DIR/vm2vm.txt")"
tap_done
