#!/bin/bash
# tests/demo.sh: `make demo`.  A private lttng-sessiond and lttng-relayd,
# one strata-agent on a live session, and four live migrations played into
# it: three scenarios (converging, not converging, failed) and a real QEMU
# 7.2 migration log through strata-qemu-bridge.  Prints each state change
# and alert as the agent reports it, then a summary table; tears
# everything down.  Run from the build directory (make demo does).
#
# STRATA_DEMO_SPEED (default 5): how much faster than real time to play.
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"

SPEED=${STRATA_DEMO_SPEED:-5}

for p in "$IT_AGENT" "$IT_EMIT" "$IT_BRIDGE"; do
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
J=$IT_DIR/records.jsonl
STOP=$IT_DIR/stop-follow
FAILED=0

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

say "Starting a private lttng-relayd and lttng-sessiond$([ "$IT_ROOT" -eq 1 ] &&
    echo " (as user nobody)")"
it_start_lttng || die "the LTTng daemons did not start"
echo "   relayd live port $IT_LIVE_PORT, LTTNG_HOME $IT_DIR/home"
it_create_live_session demo || die "cannot create the live session"
echo "   live session 'demo': qemu:* and strata:* events, vpid/vtid contexts"
it_start_agent demo "$J" || die "strata-agent did not start"
echo "   strata-agent --live $(it_live_url demo) --jsonl records.jsonl"
it_wait_viewer demo 20 || die "strata-agent did not attach to the session"
echo "   the agent is attached (pid $IT_AGENT_PID)"
echo
echo "   Times below are trace times: the migrations are replayed ${SPEED}x"
echo "   faster than they happened, so durations are ${SPEED}x shorter."

python3 "$IT_CHECK" follow "$J" "$STOP" &
FOLLOW=$!
IT_PIDS+=("$FOLLOW")

# wait_outcome N: waits until N migrations have an outcome.
wait_outcome()
{
	if ! IT_REC_FROM=0 it_wait_record "$J" 60 \
	    "len([f for f in finals if f['outcome'] is not None]) >= $1" \
	    >/dev/null 2>&1; then
		echo "demo: no outcome for migration $1 after 60 s" >&2
		FAILED=1
	fi
	sleep 0.5		# let the follower print
}

scenario()
{
	local name=$1 what=$2 n=$3
	say "$what: tests/data/scenarios/$name.scn"
	it_emit --speed "$SPEED" "$(it_scenario "$name")" ||
	    echo "demo: strata-emit failed on $name.scn" >&2
	wait_outcome "$n"
}

scenario converge "A migration that converges" 1
scenario nonconverge \
    "A migration that does not converge (Nova cancels it at its timeout)" 2
scenario failed "A migration whose destination dies" 3

say "A real QEMU 7.2 migration, source and destination logs:" \
    "tests/data/qemu-7.2/conv-rounds"
it_bridge_bg --speed "$SPEED" --vm-uuid 5d1b7c1e-3a9f-4e72-9c1a-0c0a7e5d2b19 \
    --vm-name conv-rounds "$IT_QEMULOGS/conv-rounds/src.log"
b1=$IT_LAST_PID
it_bridge_bg --speed "$SPEED" --vm-uuid 5d1b7c1e-3a9f-4e72-9c1a-0c0a7e5d2b19 \
    --vm-name conv-rounds "$IT_QEMULOGS/conv-rounds/dst.log"
b2=$IT_LAST_PID
wait "$b1" "$b2" || echo "demo: strata-qemu-bridge failed" >&2
wait_outcome 5

: >"$STOP"
wait "$FOLLOW" 2>/dev/null

say "Summary (what strata-agent reported; records in JSON lines)"
IT_REC_FROM=0
python3 "$IT_CHECK" summary "$J"
if ! python3 "$IT_CHECK" validate "$J" >"$IT_DIR/validate.out"; then
	echo "demo: records do not follow the contract:" >&2
	head -n 5 "$IT_DIR/validate.out" >&2
	FAILED=1
fi
kill -USR1 "$IT_AGENT_PID" 2>/dev/null
sleep 0.3
echo
grep 'stats:' "$IT_DIR/agent.log" | tail -n 1 | sed 's/^strata-agent: /agent /'

say "Tearing down"
it_stop_agent
[ "$FAILED" -eq 0 ] && echo "demo done." || echo "demo: something went wrong (see above)"
IT_DONE=1
exit "$FAILED"
