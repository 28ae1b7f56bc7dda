#!/bin/bash
# qemu-logs.sh: real QEMU 7.2 migrations (tests/data/qemu-7.2, log trace
# backend) replayed by strata-qemu-bridge into a live session and analyzed
# by strata-agent: what the analysis says must match what QEMU's own QMP
# answers said (qmp.json) for a converging, a cancelled and a failed
# migration.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init qemu-logs 180
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_BRIDGE"

SPEED=${STRATA_QEMU_SPEED:-10}
J=$IT_DIR/records.jsonl

if ! { it_start_lttng && it_create_live_session qlog &&
    it_start_agent qlog "$J" && it_wait_viewer qlog 20; }; then
	tap_ok 1 "LTTng daemons, live session and agent start, agent attached"
	tap_done
fi
tap_ok 0 "LTTng daemons, live session and agent start, agent attached"

# replay DIR SIDE...: replays the logs of one recorded migration at once,
# as one VM (the uuid is made from the folder name); sets U, and SRC and
# DST, the expressions for that VM's source and destination finals.
replay()
{
	local d=$1 side pids=() uuid t0
	shift
	uuid=$(python3 -c 'import sys, uuid
print(uuid.uuid5(uuid.NAMESPACE_URL, sys.argv[1]))' "$d")
	it_mark "$J"
	t0=$SECONDS
	for side; do
		it_bridge_bg --speed "$SPEED" --vm-uuid "$uuid" --vm-name "$d" \
		    "$IT_QEMULOGS/$d/$side.log"
		pids+=("$IT_LAST_PID")
	done
	wait "${pids[@]}"
	tap_ok $? "$d: strata-qemu-bridge replays $* ($((SECONDS - t0)) s)"
	U=$uuid
	SRC='byvm("'$U'", "source")'
	DST='byvm("'$U'", "destination")'
}

# sync_pages DIR: the dirty page counts of the source's bitmap syncs that
# found dirty pages, as a Python list.
sync_pages()
{
	awk '/:migration_bitmap_sync_end / && $NF > 0 { printf "%s%s",
	    n++ ? ", " : "[", $NF } END { print "]" }' "$IT_QEMULOGS/$1/src.log"
}

# qmp DIR KEY[.KEY]: a value of QEMU's final query-migrate answer.
qmp()
{
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))["final"]
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print(v)' "$IT_QEMULOGS/$1/qmp.json" "$2"
}

# --- conv-rounds: completes after 8 syncs, no alert
replay conv-rounds src dst
it_wait_record "$J" 30 'len(finals) == 2 and
    all(f["outcome"] is not None for f in finals)'
tap_ok $? "conv-rounds: source and destination reach an outcome"
# Every bitmap sync before the VM stops ends a round; the one in
# stop-and-copy is final_dirty_pages (docs/convergence.md).  Times are
# replay times: SPEED times shorter than what QEMU measured.
pages=$(sync_pages conv-rounds)
total=$(qmp conv-rounds total-time)
downtime=$(qmp conv-rounds downtime)
syncs=$(qmp conv-rounds ram.dirty-sync-count)
tap_recs "$J" <<EOF
conv-rounds: source outcome completed (QMP: $(qmp conv-rounds status))
	[f["outcome"] for f in $SRC] == ["completed"]

conv-rounds: destination outcome completed
	[f["outcome"] for f in $DST] == ["completed"]

conv-rounds: the rounds, then the final sync, carry QEMU's dirty pages $pages
	[r["dirty_pages_reported"] for r in RD
	 if r["migration_id"] == $SRC[0]["id"]] == $pages[:-1] and
	$SRC[0]["final_dirty_pages"] == $pages[-1]

conv-rounds: dirty_syncs equals QMP's dirty-sync-count $syncs
	$SRC[0]["dirty_syncs"] == $syncs

conv-rounds: total_ms x $SPEED within 20% of QMP's $total ms
	abs($SRC[0]["total_ms"] * $SPEED - $total) < 0.2 * $total

conv-rounds: downtime_ms x $SPEED within 10 ms of QMP's $downtime ms
	abs($SRC[0]["downtime_ms"] * $SPEED - $downtime) < 10

conv-rounds: no alert
	len(A) == 0

conv-rounds: verdict converged at the end
	$SRC[0]["verdict"] == "converged"
EOF

# --- nonconv-cancel: ~64 k dirty pages every round, alert, cancelled
replay nonconv-cancel src dst
it_wait_record "$J" 40 "len($SRC) == 1 and $SRC[0]['outcome'] is not None"
tap_ok $? "nonconv-cancel: the source reaches an outcome"
# Iterative rounds are the rounds after the first pass over all RAM.
tap_recs "$J" <<EOF
nonconv-cancel: source outcome cancelled (QMP: $(qmp nonconv-cancel status))
	[f["outcome"] for f in $SRC] == ["cancelled"]

nonconv-cancel: one migration.not_converging alert, on the source
	[a["migration_id"] for a in alerts("migration.not_converging")] ==
	[$SRC[0]["id"]]

nonconv-cancel: the alert fires within the first 3 iterative rounds
	(lambda a, rs: 1 <= len([r for r in rs[1:] if r["t_ns"] <= a["t_ns"]]) <= 3)(
	 alerts("migration.not_converging")[0], $SRC[0]["rounds"])

nonconv-cancel: the alert comes before the cancel
	alerts("migration.not_converging")[0]["t_ns"] <
	[r for r in seq($SRC[0]["id"]) if r["state"] in ("cancelling", "cancelled")][0]["t_ns"]
EOF

# --- dst-killed: the source fails with the socket error
replay dst-killed src
it_wait_record "$J" 30 "len($SRC) == 1 and $SRC[0]['outcome'] is not None"
tap_ok $? "dst-killed: the source reaches an outcome"
tap_recs "$J" <<EOF
dst-killed: source outcome failed (QMP: $(qmp dst-killed status))
	[f["outcome"] for f in $SRC] == ["failed"]

dst-killed: error carries QEMU's 'Broken pipe' text
	"Broken pipe" in ($SRC[0]["error"] or "")

dst-killed: one migration.failed alert, no not_converging
	len(alerts("migration.failed", $SRC[0]["id"])) == 1 and
	not alerts("migration.not_converging")
EOF

# --- bridge accounting: every line of the logs read, none skipped
IT_REC_FROM=0
tap_is "$(grep -c ' 0 skipped' "$IT_DIR/bridge.log")" 5 \
    "the bridge skipped no line of the 5 real logs"
v=$(python3 "$IT_CHECK" validate "$J")
tap_ok $? "every record follows the record contract" || tap_diag "$v"
tap_done
