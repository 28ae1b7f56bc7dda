#!/bin/bash
# tests/integration/agent-drain.sh: strata-agent --trace (the end of its
# input) exits only once the aggregator acknowledged every record it
# wrote, or after drain_s, saying how many are left.  1: the aggregator
# starts 7 s after the agent has read its whole trace (longer than the
# 5 s an agent stopped by a signal waits): the agent waits, then every
# record is stored and acknowledged and it exits 0.  2: no aggregator at
# all, --drain 2: the agent exits after 2 s and says that its records stay
# in the spool, and they do.  3: `threads = 1` (no reader thread; the
# loop runs the source and the link): every record acknowledged, exit 0,
# the records of 1 under its own node name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/exhaust-lib.sh"

it_init agent-drain 90
it_need_prog "$IT_AGENT" "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
tap_plan 10

TRACE=$top_srcdir/tests/data/traces/qemu-mig
SPOOL=$IT_DIR/spool-cmp1
IT_AGG_PORT=$(it_free_ports 1)

# ---- 1. the aggregator comes late ------------------------------------------------------
t0=$(ex_ms_now)
"$IT_AGENT" --node cmp1 --trace "$TRACE" --jsonl "$IT_DIR/cmp1.jsonl" \
    --spool "$SPOOL" --aggregator "127.0.0.1:$IT_AGG_PORT" --drain 30 \
    >"$IT_DIR/agent-1.log" 2>&1 &
AGENT=$!
IT_PIDS+=("$AGENT")
sleep 7
kill -0 "$AGENT" 2>/dev/null
tap_ok $? "7 s after its trace ended, the agent still waits for its acknowledgements"
tap_ok "$(grep -q 'waiting up to 30.0 s for the aggregator to acknowledge' \
    "$IT_DIR/agent-1.log"; echo $?)" "and says so: $(grep -m1 -o 'waiting up to .*' "$IT_DIR/agent-1.log")"
if ! it_start_aggregator; then
	tap_ok 1 "the aggregator starts"
	tap_skip_rest "no aggregator"
	tap_done
fi
wait "$AGENT"
st=$?
t1=$(ex_ms_now)
tap_ok "$([ "$st" -eq 0 ] && grep -q 'every record acknowledged' "$IT_DIR/agent-1.log"; echo $?)" \
    "once the aggregator is up the agent delivers everything and exits 0 ($((t1 - t0)) ms in all, status $st)"
python3 "$IT_CHAIN_CTL" keys "$IT_AGG_DB" "spool=$SPOOL" >"$IT_DIR/spool-1.json"
tap_diag "its spool: $(ex_get "$IT_DIR/spool-1.json" 'j["spool"]')"
tap_ok "$(ex_get "$IT_DIR/spool-1.json" 'j["spool"]["records"] > 0 and j["spool"]["missing"] == 0 and j["spool"]["unacked"] == 0' | grep -q true; echo $?)" \
    "every record it wrote is stored, and acknowledged in its spool ($(ex_get "$IT_DIR/spool-1.json" 'j["spool"]["records"]') records)"

# ---- 3. one thread: the source and the link in one loop --------------------------------
SPOOL3=$IT_DIR/spool-cmp3
timeout -k 2 30 "$IT_AGENT" --node cmp3 --trace "$TRACE" -D threads=1 \
    --jsonl "$IT_DIR/cmp3.jsonl" --spool "$SPOOL3" \
    --aggregator "127.0.0.1:$IT_AGG_PORT" --drain 30 >"$IT_DIR/agent-3.log" 2>&1
st=$?
tap_ok "$([ "$st" -eq 0 ] && grep -q 'every record acknowledged' "$IT_DIR/agent-3.log" &&
    cmp -s <(sed 's/cmp1/cmp3/g' "$IT_DIR/cmp1.jsonl") "$IT_DIR/cmp3.jsonl"; echo $?)" \
    "threads = 1: exit $st, every record acknowledged, the records of 1 (node cmp3)"
python3 "$IT_CHAIN_CTL" keys "$IT_AGG_DB" "spool=$SPOOL3" >"$IT_DIR/spool-3.json"
tap_ok "$(ex_get "$IT_DIR/spool-3.json" 'j["spool"]["records"] > 0 and j["spool"]["missing"] == 0 and j["spool"]["unacked"] == 0' | grep -q true; echo $?)" \
    "threads = 1: every record stored and acknowledged ($(ex_get "$IT_DIR/spool-3.json" 'j["spool"]["records"]') records)"
it_stop_aggregator

# ---- 2. no aggregator: drain_s, then the spool keeps them --------------------------------
SPOOL2=$IT_DIR/spool-cmp2
t0=$(ex_ms_now)
timeout -k 2 30 "$IT_AGENT" --node cmp2 --trace "$TRACE" \
    --jsonl "$IT_DIR/cmp2.jsonl" --spool "$SPOOL2" \
    --aggregator "127.0.0.1:$(it_free_ports 1)" -D drain_s=2 \
    >"$IT_DIR/agent-2.log" 2>&1
st=$?
t1=$(ex_ms_now)
tap_is "$st" 0 "no aggregator: the agent still exits 0 at the end of its trace"
tap_cmp "$((t1 - t0))" -ge 2000 "after drain_s = 2 s ($((t1 - t0)) ms)"
tap_ok "$(grep -qE '[0-9]+ records not yet acknowledged after 2\.[0-9] s \(drain_s\); they stay in the spool' \
    "$IT_DIR/agent-2.log"; echo $?)" \
    "saying how many are left and why: $(grep -m1 -oE '[0-9]+ records not yet acknowledged.*' "$IT_DIR/agent-2.log")"
n=$(grep -c '' "$IT_DIR/cmp2.jsonl")
python3 - "$SPOOL2" "$n" >"$IT_DIR/spool-2.out" <<'PY'
import sys
# The spool's lines (agent/spool.c): "SEQ JSON" a record, "a SEQ" an ack.
recs = acks = 0
for line in open(sys.argv[1], "rb"):
    recs += line[:1].isdigit()
    acks += line.startswith(b"a ") and line[2:].strip() != b"0"
print(recs, acks, sys.argv[2])
PY
read -r recs acks wrote <"$IT_DIR/spool-2.out"
tap_ok "$([ "$recs" -gt 0 ] && [ "$recs" -eq "$wrote" ] && [ "$acks" -eq 0 ]; echo $?)" \
    "and they are in the spool: $recs records of the $wrote it wrote, none acknowledged"
tap_done
