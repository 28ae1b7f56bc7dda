#!/bin/sh
# ovs-seed.sh: writes tests/fuzz/corpus/ovs_bridge/, the seeds of
# fuzz_ovs_bridge, from a real Open vSwitch (seed.sh runs it when
# ovsdb-server and ovs-vswitchd are installed).  As
# tests/integration/ovs-bridge.sh does, it starts a private ovsdb-server
# and ovs-vswitchd (--enable-dummy=override, a netdev bridge br0 of dummy
# ports, the dpif module's debug lines in its log), then takes what
# strata-ovs-bridge reads at each step: the OVSDB transact select of
# Bridge, Port and Interface (ovsdb-client transact prints its result),
# dpctl/show, dpctl/dump-flows -m, coverage/read-counter
# bridge_reconfigure (ovs-appctl prints the unixctl answers as they come)
# and the |dpif|DBG| lines the step added to the log.  The steps: the
# start, 3 flows injected with netdev-dummy/receive, a flow added and
# deleted with dpctl, br1 with a port, p4 on br0 with external_ids, the
# flows deleted.  Each file is chunks parted by a NUL byte, the first
# byte of a chunk naming what it holds (fuzz_ovs_bridge.c): D OVSDB, S
# dpctl/show, F the datapath's name, a newline and its dump-flows, C the
# counter, L log lines.  A file per output and step (db-2, show-2, ...),
# and each step's outputs in the bridge's order, step after step
# (rounds).  The inputs of past findings, regress-*, are left as they are.
# usage: ovs-seed.sh CORPUSDIR
set -e
out=$1
[ -n "$out" ] || { echo "usage: ovs-seed.sh CORPUSDIR" >&2; exit 2; }
PATH=$PATH:/usr/sbin
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
dir=$(mktemp -d "${TMPDIR:-/tmp}/ovs-seed.XXXXXX")
export OVS_RUNDIR=$dir OVS_DBDIR=$dir OVS_LOGDIR=$dir OVS_SYSCONFDIR=$dir \
    OVS_PKGDATADIR=/usr/share/openvswitch

stop() {
	for f in ovs-vswitchd ovsdb-server; do
		[ -r "$dir/$f.pid" ] && kill "$(cat "$dir/$f.pid")" 2>/dev/null
	done
	sleep 0.5
	rm -rf "$dir"
}
trap stop EXIT

vsctl() { ovs-vsctl --db="unix:$dir/db.sock" --timeout=10 "$@"; }
appctl() { ovs-appctl -t "$dir/ovs-vswitchd.$(cat "$dir/ovs-vswitchd.pid").ctl" "$@"; }
pkt() { echo "in_port(1),eth(src=$1,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"; }

{
	ovsdb-tool create "$dir/conf.db" $SCHEMA
	ovsdb-server --detach --no-chdir --pidfile="$dir/ovsdb-server.pid" \
	    --log-file="$dir/ovsdb-server.log" --remote="punix:$dir/db.sock" \
	    "$dir/conf.db"
	vsctl --no-wait init
	vsctl --no-wait set Open_vSwitch . other_config:max-idle=10000
	ovs-vswitchd --enable-dummy=override --disable-system \
	    --disable-system-route --detach --no-chdir \
	    --pidfile="$dir/ovs-vswitchd.pid" \
	    --log-file="$dir/ovs-vswitchd.log" "unix:$dir/db.sock"
	vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
	    -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
		external_ids:iface-id=3d2e0a9c-1111-4c2d-9e8f-0123456789ab \
		external_ids:attached-mac=fa:16:3e:00:00:01 \
		external_ids:vm-uuid=6f2c1a9e-8d4b-4e57-9a1f-3c2b7d9e0a11 \
	    -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2
	appctl vlog/set dpif:file:dbg
} > "$dir/setup.log" 2>&1 || { cat "$dir/setup.log" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/db-* "$out"/show-* "$out"/flows-* "$out"/coverage-* \
    "$out"/log-* "$out"/rounds
op() {		# op TABLE COLUMNS...
	t=$1
	shift
	printf '{"op":"select","table":"%s","where":[],"columns":[' "$t"
	sep=
	for c; do
		printf '%s"%s"' "$sep" "$c"
		sep=,
	done
	printf ']}'
}
logpos=0
# take N: every output of step N, alone and appended to rounds.
take() {
	n=$1
	sleep 0.5
	{ printf D; ovsdb-client transact "unix:$dir/db.sock" \
	    "[\"Open_vSwitch\",$(op Bridge name ports),$(op Port _uuid name interfaces),$(op Interface _uuid name ofport external_ids mac_in_use)]"; } \
	    > "$out/db-$n"
	{ printf S; appctl dpctl/show; } > "$out/show-$n"
	{ printf 'Fnetdev@ovs-netdev\n'; appctl dpctl/dump-flows -m netdev@ovs-netdev; } \
	    > "$out/flows-$n"
	{ printf C; appctl coverage/read-counter bridge_reconfigure; } \
	    > "$out/coverage-$n"
	# The flow lines, and the first 3 of the others (port dumps and the like).
	{ printf L; tail -c +$((logpos + 1)) "$dir/ovs-vswitchd.log" | \
	    awk '/\|dpif\|DBG\|/ && (/ put\[|flow_del/ || n++ < 3)'; } \
	    > "$out/log-$n"
	logpos=$(wc -c < "$dir/ovs-vswitchd.log")
	[ "$(wc -c < "$out/log-$n")" -gt 1 ] || rm -f "$out/log-$n"
	for f in db show log flows coverage; do
		[ -r "$out/$f-$n" ] || continue
		cat "$out/$f-$n" >> "$out/rounds"
		printf '\000' >> "$out/rounds"
	done
}

take 1
for m in 50:54:00:00:00:01 50:54:00:00:00:02 50:54:00:00:00:03; do
	appctl netdev-dummy/receive p1 "$(pkt $m)"
	appctl netdev-dummy/receive p1 "$(pkt $m)"
done > /dev/null
take 2
KEY='recirc_id(0),in_port(2),eth(src=50:54:00:00:00:0a,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(frag=no)'
appctl dpctl/add-flow "$KEY" 1 > /dev/null
take 3
# ovs-vswitchd finds the flow to delete by its ufid, not by that key.
ufid=$(sed -n 's/.* put\[create\] \(ufid:[0-9a-f-]*\) .*/\1/p' \
    "$dir/ovs-vswitchd.log" | tail -n 1)
appctl dpctl/del-flow "$ufid" > /dev/null 2>&1 || :
vsctl add-br br1 -- set bridge br1 datapath_type=netdev \
    -- add-port br1 p3 -- set interface p3 type=dummy
take 4
vsctl add-port br0 p4 -- set interface p4 type=dummy \
    external_ids:attached-mac=fa:16:3e:00:00:04 -- del-br br1
ovs-ofctl del-flows br0
take 5
