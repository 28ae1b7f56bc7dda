#!/bin/bash
# tests/demo.sh: `make demo`.  The whole chain on one machine, as in a small
# cloud: a private lttng-relayd and two lttng-sessiond, one per node (cmp1,
# cmp2), one strata-agent per node reading its node's live session and
# pushing to one strata-aggregator (SQLite file in a temporary state
# directory).  Four live migrations are played across the nodes: a
# converging one (source cmp1, destination cmp2), one that does not
# converge (cmp1), one whose destination dies (source cmp2), and a real
# QEMU 7.2 migration (source and destination logs through
# strata-qemu-bridge).  Alerts show as stratactl follows them; at the end
# stratactl prints the migrations, one of them with its dirty-page curve,
# and the alerts.  Everything is torn down.  Run from the build directory
# (make demo does).
#
# STRATA_DEMO_SPEED (default 5): how much faster than real time to play.
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"

SPEED=${STRATA_DEMO_SPEED:-5}

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

it_init demo 300
STATE=$IT_DIR/state		# the aggregator's StateDirectory
mkdir -p "$STATE"
IT_AGG_DB=$STATE/aggregator.db
IT_AGG_SOCK=$IT_DIR/aggregator.sock
FAILED=0
NMIG=0

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
for n in cmp1 cmp2; do
	it_on $n it_create_live_session $n || die "cannot create the live session $n"
done
echo "   live sessions 'cmp1' and 'cmp2': qemu:* and strata:* events, vpid/vtid contexts"

say "One strata-aggregator, two strata-agents"
it_start_aggregator || die "strata-aggregator did not start"
echo "   strata-aggregator --listen 127.0.0.1:$IT_AGG_PORT --db state/aggregator.db --ctl aggregator.sock"
for n in cmp1 cmp2; do
	it_start_node_agent $n $n "$IT_DIR/$n.jsonl" ||
	    die "the agent of $n did not start"
	echo "   strata-agent --node $n --live $(it_live_url $n) --aggregator 127.0.0.1:$IT_AGG_PORT"
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
ctl_show migrations
ID=$(it_ctl --json migrations --vm "$U" | python3 -c \
    'import json,sys; m=json.load(sys.stdin); print(m[0]["id"] if m else "")')
ctl_show migration "$ID"
ctl_show alerts
ctl_show nodes

say "Tearing down"
[ "$FAILED" -eq 0 ] && echo "demo done." ||
    echo "demo: something went wrong (see above)"
IT_DONE=1
exit "$FAILED"
