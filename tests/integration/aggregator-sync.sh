#!/bin/bash
# tests/integration/aggregator-sync.sh: with durable = yes the store's
# WAL is synced by a thread of its own (aggregator/store/store_sync.c),
# not in the event loop's COMMIT.  A slow disk (tests/helpers/slowsync.c
# by LD_PRELOAD: every fdatasync and fsync 1.5 s longer once a flag file
# exists) shows who waits for it: an agent's batches are acknowledged only
# after a sync (the push takes at least the sync's 1.5 s), while
# `stratactl status` answers meanwhile without waiting for the disk (its
# median; SQLite still syncs the WAL's header in the loop when a write
# starts the WAL over after a checkpoint, which the maximum may show).
# After a crash (SIGKILL) right after the acknowledgements the store holds
# every acknowledged record; durable = no acknowledges without the syncer.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-sync 180
PUSH="$top_builddir/tests/helpers/strata-push"
SHIM="$top_builddir/tests/helpers/.libs/libslowsync.so"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL" "$PUSH"
[ -r "$SHIM" ] || tap_skip_all "$SHIM not built"
command -v python3 >/dev/null 2>&1 || tap_skip_all "python3 not found"
tap_plan 8

SYNC_MS=1500
FLAG="$IT_DIR/slow-disk"
ms_now() { date +%s%3N; }
# counter NAME: a persistent counter of the store (`status`'s counters).
counter()
{
	it_ctl --json status | python3 -c 'import json,sys
print(json.load(sys.stdin)["counters"].get(sys.argv[1], 0))' "$1"
}
# records FILE N FROM: N records of a kind the store counts and skips.
records()
{
	awk -v n="$2" -v f="$3" 'BEGIN { for (i = f; i < f + n; i++)
	    printf "{\"kind\":\"probe\",\"id\":\"p-%d\",\"t_ns\":%d}\n", i, i }' \
	    >"$1"
}
# status_while PID: `stratactl status` one after the other while PID
# runs; their median and slowest, in ms, and how many: "P50 MAX N".
status_while()
{
	local t0 t1
	while kill -0 "$1" 2>/dev/null; do
		t0=$(ms_now)
		it_ctl status >/dev/null 2>&1 || break
		t1=$(ms_now)
		echo $((t1 - t0))
	done | sort -n | awk '{ v[NR] = $1 } END {
	    if (NR == 0) print "0 0 0"; else print v[int((NR + 1) / 2)], v[NR], NR }'
}

export STRATA_SLOW_SYNC_FLAG="$FLAG" STRATA_SLOW_SYNC_MS="$SYNC_MS"
if ! LD_PRELOAD="$SHIM" it_start_aggregator; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "the aggregator did not start"
	tap_done
fi
tap_ok 0 "aggregator up (durable = yes) under a disk whose syncs take $SYNC_MS ms more"

# ---- the acks wait for the sync, the control socket does not ---------------
records "$IT_DIR/a.jsonl" 3000 1
: >"$FLAG"
t0=$(ms_now)
"$PUSH" "127.0.0.1:$IT_AGG_PORT" n1 "$IT_DIR/a.jsonl" "" 60 \
    >>"$IT_DIR/push.log" 2>&1 &
P=$!
sleep 0.3
read -r SP50 SMAX SN < <(status_while "$P")
wait "$P"
rc=$?
t1=$(ms_now)
tap_ok $rc "3000 records acknowledged"
tap_cmp "$((t1 - t0))" -ge "$SYNC_MS" \
    "only after a sync of the disk: the push took $((t1 - t0)) ms (a sync $SYNC_MS ms)"
tap_cmp "$SN" -ge 2 "stratactl status ran $SN times meanwhile"
tap_cmp "$SP50" -lt $((SYNC_MS / 10)) \
    "and answered in $SP50 ms (median; at most $SMAX): it does not wait for the disk"

# ---- a crash after the acks loses none of them ---------------------------------
rm -f "$FLAG"
it_stop_aggregator KILL
if ! it_start_aggregator; then
	tap_skip_rest "the aggregator did not start again"
	tap_done
fi
tap_is "$(counter skipped.unknown_kind)" 3000 \
    "after a SIGKILL right after the acks: the 3000 acknowledged records are in the store"

# ---- durable = no: nothing waits for a sync -------------------------------------
it_stop_aggregator
if ! LD_PRELOAD="$SHIM" it_start_aggregator --durable no; then
	tap_skip_rest "the aggregator did not start with --durable no"
	tap_done
fi
records "$IT_DIR/b.jsonl" 3000 3001
: >"$FLAG"
t0=$(ms_now)
"$PUSH" "127.0.0.1:$IT_AGG_PORT" n1 "$IT_DIR/b.jsonl" "" 60 \
    >>"$IT_DIR/push.log" 2>&1
rc=$?
t1=$(ms_now)
rm -f "$FLAG"
tap_ok $rc "durable = no: 3000 more records acknowledged ($((t1 - t0)) ms)"
tap_is "$(counter skipped.unknown_kind)" 6000 "6000 in the store"
it_stop_aggregator
tap_done
