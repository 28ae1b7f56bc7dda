#!/bin/bash
# no-vpid.sh: a live session created without the vpid and vtid contexts
# (a user who skipped `lttng add-context -u -t vpid -t vtid`).  The agent
# must say so once, naming the command, and must not fold two QEMU
# processes into one migration: two strata-qemu-bridge replays, pinned to
# two CPUs, give two migrations with the right VM names.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init no-vpid 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_BRIDGE"
if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
	tap_skip_all "needs 2 CPUs and taskset: the bridges are told apart by CPU"
fi

SPEED=${STRATA_QEMU_SPEED:-10}
J=$IT_DIR/records.jsonl
S=novpid

# As it_create_live_session, without add-context.
create_session()
{
	{
		it_lttng create "$S" --live=100000 \
		    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
		it_lttng enable-event -u -s "$S" 'qemu:*' &&
		it_lttng enable-event -u -s "$S" 'strata:*' &&
		it_lttng start "$S"
	} >>"$IT_DIR/lttng.log" 2>&1 && return 0
	tap_diag "cannot create live session $S:" \
	    "$(tail -n 5 "$IT_DIR/lttng.log")"
	return 1
}

if ! { it_start_lttng && create_session && it_start_agent "$S" "$J" &&
    it_wait_viewer "$S" 20; }; then
	tap_ok 1 "LTTng daemons, session without vpid, agent attached"
	tap_done
fi
tap_ok 0 "LTTng daemons, session without vpid, agent attached"

# Two VMs' source sides at once, one bridge per CPU.
pids=()
cpu=0
for d in conv-rounds nonconv-cancel; do
	it_prog_cmd "$IT_BRIDGE" --speed "$SPEED" --vm-uuid "uuid-$d" \
	    --vm-name "$d" "$IT_QEMULOGS/$d/src.log" || tap_done
	taskset -c "$cpu" "${IT_CMD[@]}" >>"$IT_DIR/bridge.log" 2>&1 &
	pids+=($!)
	IT_PIDS+=($!)
	cpu=$((cpu + 1))
done
wait "${pids[@]}"
tap_ok $? "two strata-qemu-bridge replays on CPUs 0 and 1"

it_wait_record "$J" 40 'len(finals) >= 2 and
    all(f["outcome"] is not None for f in finals)'
tap_ok $? "both migrations reach an outcome"

n=$(grep -c "run \`lttng add-context -u -t vpid -t vtid\`" "$IT_DIR/agent.log")
tap_is "$n" 1 "the agent warns once, naming lttng add-context -u -t vpid -t vtid"

tap_recs "$J" <<'EOF2'
two migrations, not one folded
	len(finals) == 2

conv-rounds' migration is labelled conv-rounds and completed
	[(f["vm_name"], f["outcome"]) for f in byvm("uuid-conv-rounds")] ==
	[("conv-rounds", "completed")]

nonconv-cancel's migration is labelled nonconv-cancel and cancelled
	[(f["vm_name"], f["outcome"]) for f in byvm("uuid-nonconv-cancel")] ==
	[("nonconv-cancel", "cancelled")]
EOF2
tap_done
