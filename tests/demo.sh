#!/bin/bash
# tests/demo.sh: `make demo`.  The whole chain on one machine, as in a small
# cloud: a private lttng-relayd and two lttng-sessiond, one per node (cmp1,
# cmp2), one strata-agent per node reading its node's live session and
# pushing to one strata-aggregator (SQLite file in a temporary state
# directory).  Four live migrations are played across the nodes: a
# converging one (source cmp1, destination cmp2), one that does not
# converge (cmp1), one whose destination dies (source cmp2), and a real
# QEMU 7.2 migration (source and destination logs through
# strata-qemu-bridge).  Then OpenStack (when python3-lttngust is there):
# Nova, Neutron and Cinder's notifications and logs through the real
# lttng-ust Python agent (a boot, a volume's life, a network, and Nova's
# live migration that times out, linked to the real QEMU logs of a
# migration that never converged), shown by stratactl vms, requests,
# request, services, volumes, ports and migration (the Nova request above
# the QEMU rounds, with the diagnosis).  Alerts show as stratactl follows them; at the end
# stratactl prints the migrations, one of them with its dirty-page curve,
# and the alerts.  The aggregator serves its web views, /metrics and
# /api/ (--http) from the start: the demo prints their address first and
# keeps them up after the story until a key is pressed (or, when stdin is
# not a terminal, for STRATA_DEMO_KEEP seconds).  Everything is then torn
# down.  Run from the build directory (make demo does).
#
# STRATA_DEMO_SPEED (default 5): how much faster than real time to play.
# STRATA_DEMO_KEEP (default 10): seconds the web views stay up after the
# story when stdin is not a terminal (a terminal waits for a key, 1 h at
# most).
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"

SPEED=${STRATA_DEMO_SPEED:-5}
KEEP=${STRATA_DEMO_KEEP:-10}
INTERACTIVE=0
[ -t 0 ] && INTERACTIVE=1

for p in "$IT_AGENT" "$IT_EMIT" "$IT_BRIDGE" "$IT_AGGREGATOR" "$IT_STRATACTL"; do
	if [ ! -x "$p" ]; then
		echo "demo: $p is not built; run it from the build directory" \
		    "after make (make demo does both)" >&2
		exit 1
	fi
done
for p in lttng lttng-sessiond lttng-relayd babeltrace2 python3; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "demo: $p not found (Debian: lttng-tools babeltrace2" \
		    "python3; ./bootstrap --deps installs them)" >&2
		exit 1
	fi
done
if [ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null 2>&1; then
	echo "demo: as root, the demo runs LTTng as nobody and needs setpriv" >&2
	exit 1
fi

if [ "$INTERACTIVE" -eq 1 ]; then
	it_init demo 3900
else
	it_init demo $((300 + KEEP))
fi
STATE=$IT_DIR/state		# the aggregator's StateDirectory
mkdir -p "$STATE"
IT_AGG_DB=$STATE/aggregator.db
IT_AGG_SOCK=$IT_DIR/aggregator.sock
FAILED=0
NMIG=0
# shellcheck disable=SC2046
set -- $(it_free_ports 3)
HPORT=$1 A1PORT=$2 A2PORT=$3
WEB=http://127.0.0.1:$HPORT

say()
{
	printf '\n== %s\n' "$*"
}

# Ends the demo on a setup failure, with the daemons' last words.
die()
{
	echo "demo: $*" >&2
	STRATA_TEST_VERBOSE=1
	IT_TAP_FAILED=1
	exit 1
}

# wait_stored N: waits until the aggregator has N migrations with an
# outcome (and both sides, for the ones that have two).
wait_stored()
{
	if ! it_wait_ctl 60 "len([m for m in j if m['outcome'] is not None]) >= $1" \
	    migrations >/dev/null 2>&1; then
		echo "demo: the aggregator has no outcome for migration $1 after 60 s" >&2
		FAILED=1
	fi
	sleep 0.5		# the last alerts and the other side
}

say "Two nodes: one lttng-relayd, an lttng-sessiond per node$([ "$IT_ROOT" -eq 1 ] &&
    echo " (as user nobody)")"
it_start_relayd || die "lttng-relayd did not start"
it_node_start cmp1 && it_node_start cmp2 || die "the session daemons did not start"
echo "   relayd live port $IT_LIVE_PORT; LTTNG_HOME $IT_DIR/home-cmp1 and home-cmp2"
# The OpenStack part needs the lttng-ust Python agent (python3-lttngust).
# Its route is docs/openstack.md's: strata.json.*, every record with its
# context.
OSPY=
/usr/bin/python3 -c 'import lttngust' 2>/dev/null && OSPY='strata.json.*'
for n in cmp1 cmp2; do
	it_on $n it_create_live_session $n ${OSPY:+"$OSPY"} ||
	    die "cannot create the live session $n"
done
echo "   live sessions 'cmp1' and 'cmp2': qemu:* and strata:* events, vpid/vtid contexts${OSPY:+,}"
[ -n "$OSPY" ] && echo "   and the lttng-ust Python agent's strata.json.* loggers (OpenStack's logs)"

say "One strata-aggregator, two strata-agents"
it_start_aggregator --http "$HPORT" \
    --http-root "$top_srcdir/aggregator/http/web" ||
    die "strata-aggregator did not start"
echo "   strata-aggregator --listen 127.0.0.1:$IT_AGG_PORT --db state/aggregator.db --ctl aggregator.sock --http $HPORT"
echo
echo "   >>> The web view: $WEB/"
echo "       (live while the story plays; also $WEB/metrics and $WEB/api/)"
echo
for n in cmp1 cmp2; do
	p=$A1PORT
	[ $n = cmp2 ] && p=$A2PORT
	it_start_node_agent $n $n "$IT_DIR/$n.jsonl" --http "$p" ||
	    die "the agent of $n did not start"
	echo "   strata-agent --node $n --live $(it_live_url $n) --aggregator 127.0.0.1:$IT_AGG_PORT --http $p"
done
it_wait_viewer cmp1 20 && it_wait_viewer cmp2 20 ||
    die "the agents did not attach to their sessions"
it_wait_ctl 10 "len(j) == 2" nodes >/dev/null ||
    die "the agents did not connect to the aggregator"
echo "   both agents attached to their sessions and connected to the aggregator"
echo
echo "   Migrations are replayed ${SPEED}x faster than they happened, so times"
echo "   and durations below are ${SPEED}x shorter (a downtime across two nodes"
echo "   also holds the start skew of the two replays).  Lines marked | are"
echo "   stratactl alerts --follow printing alerts as they arrive."

"$IT_STRATACTL" -s "$IT_AGG_SOCK" alerts --follow 2>/dev/null |
    sed -u 's/^/   | /' &
IT_PIDS+=("$!")

say "1. A migration that converges: instance-0000002a, cmp1 -> cmp2" \
    "(converge.scn + dst-completed.scn)"
it_on cmp1 it_emit_bg --speed "$SPEED" "$(it_scenario converge)"
pa=$IT_LAST_PID
it_on cmp2 it_emit_bg --speed "$SPEED" "$(it_scenario dst-completed)"
pb=$IT_LAST_PID
wait "$pa" "$pb" || echo "demo: strata-emit failed" >&2
wait_stored $((NMIG += 1))

say "2. A migration that does not converge (Nova cancels it at its" \
    "timeout): instance-0000003b on cmp1 (nonconverge.scn)"
it_on cmp1 it_emit --speed "$SPEED" "$(it_scenario nonconverge)" ||
    echo "demo: strata-emit failed on nonconverge.scn" >&2
wait_stored $((NMIG += 1))

say "3. A migration whose destination dies: source cmp2 (failed.scn)"
it_on cmp2 it_emit --speed "$SPEED" "$(it_scenario failed)" ||
    echo "demo: strata-emit failed on failed.scn" >&2
wait_stored $((NMIG += 1))

say "4. A real QEMU 7.2 migration, cmp1 -> cmp2: tests/data/qemu-7.2/conv-rounds" \
    "src.log and dst.log through strata-qemu-bridge"
U=5d1b7c1e-3a9f-4e72-9c1a-0c0a7e5d2b19
it_on cmp1 it_bridge_bg --speed "$SPEED" --vm-uuid $U --vm-name conv-rounds \
    "$IT_QEMULOGS/conv-rounds/src.log"
pa=$IT_LAST_PID
it_on cmp2 it_bridge_bg --speed "$SPEED" --vm-uuid $U --vm-name conv-rounds \
    "$IT_QEMULOGS/conv-rounds/dst.log"
pb=$IT_LAST_PID
wait "$pa" "$pb" || echo "demo: strata-qemu-bridge failed" >&2
wait_stored $((NMIG += 1))
it_wait_ctl 10 "[m for m in j if m['vm_uuid'] == '$U' and m['dst_node']]" \
    migrations >/dev/null

ctl_show()
{
	say "stratactl $*"
	it_ctl "$@" || FAILED=1
}

# os_emit NODE START SCENARIO...: OpenStack's logs and notifications of the
# scenarios' lines for NODE through the real lttng-ust Python agent.
os_emit()
{
	timeout -k 5 120 "${IT_AS_NOBODY[@]}" /usr/bin/python3 \
	    "$OS/emit/strata-os-emit.py" --node "$1" --speed 10 --start "$2" \
	    --data "$OS/tests/data/openstack" "${@:3}" >>"$IT_DIR/os-emit-$1.log" 2>&1 &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

OSU=1b5a7c2e-3d4f-4a6b-8c9d-0e1f2a3b4c03	# migrate-timeout.scn's instance
OSREQ=req-4e5f6a7b-8c9d-4e0f-9a12-3c4d5e6f7a03	# and its Nova request
OSBOOT=req-6a1f0c52-7d3e-4b8a-9f21-3c4d5e6f7a01	# boot.scn's first boot
OS=$IT_DIR/os
if [ -n "$OSPY" ] && it_os_stage "$OS"; then
	say "5. OpenStack, 10x faster: Nova, Neutron and Cinder log through the" \
	    "lttng-ust Python agent (tests/data/openstack/scenarios)"
	echo "   cmp1: boot.scn (a boot with its Neutron port, a boot that fails)," \
	    "volume.scn, network.scn"
	echo "   cmp1 -> cmp2: migrate-timeout.scn, Nova's live migration of" \
	    "vm-busy, beside the real"
	echo "   QEMU 7.2 logs of a migration that never converged" \
	    "(tests/data/qemu-7.2/nonconv-cancel)"
	start=$(python3 -c 'import time; print("%.3f" % (time.time() + 2.0))')
	it_on cmp1 os_emit cmp1 "$start" "$OS/tests/data/openstack/scenarios/migrate-timeout.scn"
	e1=$IT_LAST_PID
	it_on cmp2 os_emit cmp2 "$start" "$OS/tests/data/openstack/scenarios/migrate-timeout.scn"
	e2=$IT_LAST_PID
	# QEMU's log starts 10 s (1 s played) before its migration, which
	# Nova starts 2.4 s (0.24 s played) into the scenario.
	sleep "$(python3 -c "import time; print(max(0, $start - 0.75 - time.time()))")"
	it_on cmp1 it_bridge_bg --speed 10 --vm-uuid $OSU --vm-name instance-00000003 \
	    "$IT_QEMULOGS/nonconv-cancel/src.log"
	b1=$IT_LAST_PID
	it_on cmp2 it_bridge_bg --speed 10 --vm-uuid $OSU --vm-name instance-00000003 \
	    "$IT_QEMULOGS/nonconv-cancel/dst.log"
	b2=$IT_LAST_PID
	wait "$e1" "$e2" "$b1" "$b2" || echo "demo: the OpenStack migration stream failed" >&2
	start=$(python3 -c 'import time; print("%.3f" % (time.time() + 1.0))')
	it_on cmp1 os_emit cmp1 "$start" "$OS/tests/data/openstack/scenarios/boot.scn" \
	    "$OS/tests/data/openstack/scenarios/volume.scn" \
	    "$OS/tests/data/openstack/scenarios/network.scn"
	wait "$IT_LAST_PID" || echo "demo: the OpenStack scenarios failed on cmp1" >&2
	if ! it_wait_ctl 60 "j['nova'] is not None and j['diagnosis'] is not None" \
	    migration "$(it_ctl --json migrations --vm $OSU | python3 -c \
	    'import json,sys; m=json.load(sys.stdin); print(m[0]["id"] if m else "none")')" \
	    >/dev/null 2>&1; then
		echo "demo: the Nova migration is not linked to its QEMU sides after 60 s" >&2
		FAILED=1
	fi
	it_wait_ctl 30 "len(j) >= 3" vms >/dev/null 2>&1 || FAILED=1
	sleep 1			# the last records of the scenarios
	ctl_show vms
	ctl_show requests
	ctl_show request "$OSBOOT"
	ctl_show services
	ctl_show volumes
	ctl_show ports
	OSID=$(it_ctl --json migrations --vm $OSU | python3 -c \
	    'import json,sys; m=json.load(sys.stdin); print(m[0]["id"] if m else "")')
	ctl_show migration "$OSID"
	ctl_show request "$OSREQ"
elif [ -z "$OSPY" ]; then
	say "5. OpenStack: skipped, no lttng-ust Python agent (python3-lttngust)"
else
	say "5. OpenStack: skipped, cannot copy the emitter to $OS"
fi

ctl_show migrations
ID=$(it_ctl --json migrations --vm "$U" | python3 -c \
    'import json,sys; m=json.load(sys.stdin); print(m[0]["id"] if m else "")')
ctl_show migration "$ID"
ctl_show alerts
ctl_show nodes

NC=$(it_ctl --json migrations --failed | python3 -c \
    'import json,sys,urllib.parse; m=json.load(sys.stdin); print(urllib.parse.quote(m[-1]["id"], safe="") if m else "")')
say "The web views, /metrics and /api/ stay up"
echo "   $WEB/                                     overview"
echo "   $WEB/kinds/migration/migrations.html      the migrations"
[ -n "$NC" ] &&
    echo "   $WEB/kinds/migration/migration.html?id=$NC   the one that did not converge"
echo "   $WEB/alerts.html  $WEB/nodes.html"
echo "   $WEB/metrics  http://127.0.0.1:$A1PORT/metrics (cmp1's agent)  http://127.0.0.1:$A2PORT/metrics (cmp2's)"
if [ "$INTERACTIVE" -eq 1 ]; then
	printf '   press a key to tear everything down... '
	read -r -s -n 1 -t 3600 || true
	echo
else
	echo "   (stdin is not a terminal: for ${KEEP} s, STRATA_DEMO_KEEP)"
	sleep "$KEEP"
fi

say "Tearing down"
[ "$FAILED" -eq 0 ] && echo "demo done." ||
    echo "demo: something went wrong (see above)"
IT_DONE=1
exit "$FAILED"
