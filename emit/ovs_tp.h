/*
 * ovs_tp.h: the `ovs` lttng-ust 2.13 tracepoint provider: one schema for
 * every Open vSwitch source Strata reads (docs/events.md, "Provider ovs").
 *
 * The kernel datapath's tracepoints and kprobes, ovs-vswitchd's USDT
 * probes and OvS's own control-plane signals (strata-ovs-bridge) all map
 * onto these events, so the ovs analyzer (lib/analyzers/ovs/) reads one
 * shape whatever the source.  Fields a source does not have are 0, or "-"
 * for strings: never "" (an empty string field reads back as the previous
 * event's value through Debian 12's LTTng and babeltrace2, docs/events.md).
 *
 *	dp_entry, dp_exit	a datapath component entered / left on a CPU
 *	upcall			a packet queued to userspace (the miss)
 *	handler_recv		a handler thread received an upcall
 *	flow_put, flow_del	a datapath flow installed / deleted
 *	flow_execute		a handler thread executes the packet's actions
 *	reconfigure		a bridge or port added or removed
 *	port_map		an OVSDB Interface row (Neutron port, MAC, VM)
 *	dp_stats		a datapath's cumulative lookup counters
 *
 * Included once by emit/ovs_tp.c with TRACEPOINT_CREATE_PROBES.
 */
#undef TRACEPOINT_PROVIDER
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER ovs
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "ovs_tp.h"

#if !defined(STRATA_TP_OVS_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define STRATA_TP_OVS_H

#include <stdint.h>
#include <lttng/tracepoint.h>

/*
 * component: receive (ovs_vport_receive), process (ovs_dp_process_packet),
 * lookup (ovs_flow_tbl_lookup_stats), upcall (ovs_dp_upcall), actions
 * (ovs_execute_actions), send (ovs_vport_send), execute
 * (ovs_packet_cmd_execute).  cpu and tid are the probe's; bridge and port
 * the vport's where the source knows them; pkt_hash (0: not available)
 * a hash of the packet's first 64 bytes at receive and send, the same on
 * every node the packet crosses (ovs_samples, VM-to-VM latency).
 */
TRACEPOINT_EVENT(ovs, dp_entry,
	TP_ARGS(const char *, component, int, cpu, int, tid, uint64_t, skbaddr,
	    const char *, bridge, const char *, port, unsigned, len,
	    uint64_t, pkt_hash),
	TP_FIELDS(
		ctf_string(component, component)
		ctf_integer(int, cpu, cpu)
		ctf_integer(int, tid, tid)
		ctf_integer_hex(uint64_t, skbaddr, skbaddr)
		ctf_string(bridge, bridge)
		ctf_string(port, port)
		ctf_integer(unsigned, len, len)
		ctf_integer_hex(uint64_t, pkt_hash, pkt_hash)
	)
)

TRACEPOINT_EVENT(ovs, dp_exit,
	TP_ARGS(const char *, component, int, cpu, int, tid, uint64_t, skbaddr),
	TP_FIELDS(
		ctf_string(component, component)
		ctf_integer(int, cpu, cpu)
		ctf_integer(int, tid, tid)
		ctf_integer_hex(uint64_t, skbaddr, skbaddr)
	)
)

/*
 * The fields of openvswitch:ovs_dp_upcall (net/openvswitch/
 * openvswitch_trace.h) Strata uses, and pkt_hash: a hash of the packet's
 * first 64 bytes (0: not available) that follows it across the upcall.
 */
TRACEPOINT_EVENT(ovs, upcall,
	TP_ARGS(int, cpu, uint64_t, skbaddr, unsigned, len,
	    uint32_t, ovs_flow_hash, uint32_t, upcall_port, uint64_t, pkt_hash,
	    const char *, bridge, const char *, port,
	    const char *, key_eth_src, const char *, key_eth_dst),
	TP_FIELDS(
		ctf_integer(int, cpu, cpu)
		ctf_integer_hex(uint64_t, skbaddr, skbaddr)
		ctf_integer(unsigned, len, len)
		ctf_integer_hex(uint32_t, ovs_flow_hash, ovs_flow_hash)
		ctf_integer(uint32_t, upcall_port, upcall_port)
		ctf_integer_hex(uint64_t, pkt_hash, pkt_hash)
		ctf_string(bridge, bridge)
		ctf_string(port, port)
		ctf_string(key_eth_src, key_eth_src)
		ctf_string(key_eth_dst, key_eth_dst)
	)
)

/* dpif_recv:recv_upcall: upcall n of batch (batch_size upcalls). */
TRACEPOINT_EVENT(ovs, handler_recv,
	TP_ARGS(int, handler, uint64_t, batch, unsigned, n, unsigned, batch_size,
	    uint64_t, pkt_hash, unsigned, len),
	TP_FIELDS(
		ctf_integer(int, handler, handler)
		ctf_integer(uint64_t, batch, batch)
		ctf_integer(unsigned, n, n)
		ctf_integer(unsigned, batch_size, batch_size)
		ctf_integer_hex(uint64_t, pkt_hash, pkt_hash)
		ctf_integer(unsigned, len, len)
	)
)

/*
 * op_flow_put (handler >= 0, pkt_hash of the upcall) or a flow seen
 * installed by strata-ovs-bridge (handler -1, pkt_hash 0).
 */
TRACEPOINT_EVENT(ovs, flow_put,
	TP_ARGS(int, handler, uint64_t, pkt_hash, const char *, bridge,
	    const char *, ufid, const char *, flow),
	TP_FIELDS(
		ctf_integer(int, handler, handler)
		ctf_integer_hex(uint64_t, pkt_hash, pkt_hash)
		ctf_string(bridge, bridge)
		ctf_string(ufid, ufid)
		ctf_string(flow, flow)
	)
)

/* reason: "revalidate", "idle", "flush", "gone" (left a flow dump), "". */
TRACEPOINT_EVENT(ovs, flow_del,
	TP_ARGS(int, handler, const char *, bridge, const char *, ufid,
	    const char *, reason),
	TP_FIELDS(
		ctf_integer(int, handler, handler)
		ctf_string(bridge, bridge)
		ctf_string(ufid, ufid)
		ctf_string(reason, reason)
	)
)

TRACEPOINT_EVENT(ovs, flow_execute,
	TP_ARGS(int, handler, uint64_t, pkt_hash, unsigned, len),
	TP_FIELDS(
		ctf_integer(int, handler, handler)
		ctf_integer_hex(uint64_t, pkt_hash, pkt_hash)
		ctf_integer(unsigned, len, len)
	)
)

/* what: bridge_add, bridge_del, port_add, port_del, run. */
TRACEPOINT_EVENT(ovs, reconfigure,
	TP_ARGS(const char *, what, const char *, bridge, const char *, port),
	TP_FIELDS(
		ctf_string(what, what)
		ctf_string(bridge, bridge)
		ctf_string(port, port)
	)
)

/*
 * An OVSDB Interface row: iface_id is external_ids:iface-id (the Neutron
 * port id), attached_mac and vm_uuid the same external_ids; mac the
 * interface's own.  present 0: the row is gone.
 */
TRACEPOINT_EVENT(ovs, port_map,
	TP_ARGS(const char *, bridge, const char *, port, int, ofport,
	    const char *, iface_id, const char *, attached_mac,
	    const char *, vm_uuid, const char *, mac, int, present),
	TP_FIELDS(
		ctf_string(bridge, bridge)
		ctf_string(port, port)
		ctf_integer(int, ofport, ofport)
		ctf_string(iface_id, iface_id)
		ctf_string(attached_mac, attached_mac)
		ctf_string(vm_uuid, vm_uuid)
		ctf_string(mac, mac)
		ctf_integer(int, present, present)
	)
)

/*
 * dpctl/show's "lookups: hit:H missed:M lost:L" and "flows: F"; bridge:
 * the datapath's one bridge, "" when it has several.
 */
TRACEPOINT_EVENT(ovs, dp_stats,
	TP_ARGS(const char *, datapath, const char *, bridge, uint64_t, hit,
	    uint64_t, missed, uint64_t, lost, uint64_t, flows),
	TP_FIELDS(
		ctf_string(datapath, datapath)
		ctf_string(bridge, bridge)
		ctf_integer(uint64_t, hit, hit)
		ctf_integer(uint64_t, missed, missed)
		ctf_integer(uint64_t, lost, lost)
		ctf_integer(uint64_t, flows, flows)
	)
)

#endif /* STRATA_TP_OVS_H */

#include <lttng/tracepoint-event.h>
