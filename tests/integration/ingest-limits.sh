#!/bin/bash
# tests/integration/ingest-limits.sh: the aggregator's agent port under
# hostile or broken peers, on loopback with its defaults (the probe of
# issue 12 found each of these).  A slowloris sending one byte of a HELLO
# a second is cut at the 10 s deadline counted from accept, while an agent
# and stratactl get through; 40 connections announcing a 16 MiB HELLO are
# refused from its header at the 4 KiB cap of strangers and the resident
# memory stays where it was; the buffers of agents' unfinished 16 MB
# batches are given back once they close; a 15 MB record is refused with
# its size, a 60 KB one taken; 1,000 garbage connections in a row log one
# line and count the rest; out of descriptors the aggregator pauses
# accepting (logged once), does not spin, and takes agents again once
# descriptors are back.  RSS and CPU figures go to the TAP diagnostics.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init ingest-limits 240
PUSH="$top_builddir/tests/helpers/strata-push"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL" "$PUSH"
command -v python3 >/dev/null 2>&1 || tap_skip_all "python3 not found"
tap_plan 27

PROBE=(python3 "$IT_LIBDIR/ingest_probe.py")
ms_now() { date +%s%3N; }
# rss PID: resident memory in KiB.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# cpu_ms PID: user + system CPU time so far, in ms.
cpu_ms() { awk '{ print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }
# j FILE EXPR: EXPR over the JSON in FILE (bound to j).
j() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# ig COUNTER: a counter of `stratactl status`'s ingest object.
ig()
{
	it_ctl --json status >"$IT_DIR/status.json" &&
	    j "$IT_DIR/status.json" 'j["aggregator"]["ingest"].get("'"$1"'")'
}
# lines PATTERN: lines of the aggregator's log matching PATTERN.
lines() { grep -c -- "$1" "$IT_DIR/aggregator.log"; }
echo '{"kind":"probe","id":"ok-1","t_ns":1}' >"$IT_DIR/one.jsonl"

if ! it_start_aggregator; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "the aggregator did not start"
	tap_done
fi
tap_ok 0 "aggregator up on 127.0.0.1:$IT_AGG_PORT (no token, loopback)"
AGG=$IT_AGG_PID
RSS0=$(rss "$AGG")

# ---- slowloris: the HELLO deadline is absolute ---------------------------
"${PROBE[@]}" slow 127.0.0.1 "$IT_AGG_PORT" 30 16 >"$IT_DIR/slow.json" &
SLOW=$!
sleep 3
t0=$(ms_now)
it_ctl status >/dev/null
t1=$(ms_now)
"$PUSH" "127.0.0.1:$IT_AGG_PORT" during-slow "$IT_DIR/one.jsonl" "" 5 \
    >>"$IT_DIR/push.log" 2>&1
tap_ok $? "while 30 clients send a HELLO one byte a second, an agent's records are acknowledged"
tap_cmp "$((t1 - t0))" -lt 1000 "and stratactl status answers ($((t1 - t0)) ms)"
wait "$SLOW"
tap_diag "slowloris: $(cat "$IT_DIR/slow.json")"
tap_is "$(j "$IT_DIR/slow.json" 'j["cut"]')" 30 \
    "every slow client is cut, though each sent a byte every second"
tap_is "$(j "$IT_DIR/slow.json" '9.5 <= j["min_s"] and j["max_s"] <= 11.5')" True \
    "at the 10 s deadline from accept ($(j "$IT_DIR/slow.json" '"%.1f-%.1f s" % (j["min_s"], j["max_s"])'))"
tap_is "$(lines 'no HELLO within 10 s')" 1 \
    "one log line for the 30 of them (same peer, same failure)"

# ---- a 16 MiB HELLO: refused from its header ----------------------------------
RSS1=$(rss "$AGG")
( while kill -0 "$AGG" 2>/dev/null; do rss "$AGG"; sleep 0.05; done ) \
    >"$IT_DIR/rss-big.txt" 2>/dev/null &
SAMPLER=$!
"${PROBE[@]}" bighello 127.0.0.1 "$IT_AGG_PORT" 40 16777216 >"$IT_DIR/big.json"
sleep 0.3
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
PEAK=$(sort -n "$IT_DIR/rss-big.txt" | tail -n 1)
sleep 1.5			# a trim would come a second after
RSS2=$(rss "$AGG")
tap_diag "big HELLO: $(cat "$IT_DIR/big.json"); RSS before ${RSS1} KiB, peak ${PEAK} KiB, after ${RSS2} KiB"
tap_is "$(j "$IT_DIR/big.json" 'j["refused"]')" 40 \
    "40 connections announcing a 16 MiB HELLO: each refused"
tap_ok "$(j "$IT_DIR/big.json" 'j["reason"]' | grep -q 'over the cap of 4096 bytes'; echo $?)" \
    "at the 4 KiB cap of the first frame: $(j "$IT_DIR/big.json" 'j["reason"]')"
tap_cmp "$((PEAK - RSS1))" -lt 16384 \
    "resident memory grew by $((PEAK - RSS1)) KiB at most while they sent (under 16 MiB; 640 MiB if buffered)"
tap_cmp "$((RSS2 - RSS1))" -lt 8192 \
    "and is $((RSS2 - RSS1)) KiB above where it was after they closed"

# ---- agents' big frames: buffered while they come, given back after ----------
RSS3=$(rss "$AGG")
( while kill -0 "$AGG" 2>/dev/null; do rss "$AGG"; sleep 0.05; done ) \
    >"$IT_DIR/rss-bb.txt" 2>/dev/null &
SAMPLER=$!
"${PROBE[@]}" bigbatch 127.0.0.1 "$IT_AGG_PORT" 8 16000000 2 >"$IT_DIR/bb.json"
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
PEAK=$(sort -n "$IT_DIR/rss-bb.txt" | tail -n 1)
sleep 2
RSS4=$(rss "$AGG")
tap_diag "unfinished batches: $(cat "$IT_DIR/bb.json"); RSS before ${RSS3} KiB, peak ${PEAK} KiB, after ${RSS4} KiB"
tap_is "$(j "$IT_DIR/bb.json" 'j["welcomed"]')" 8 \
    "8 agents each send all but 1000 bytes of a 16 MB batch (held meanwhile: $(((PEAK - RSS3) / 1024)) MiB)"
tap_cmp "$((RSS4 - RSS3))" -lt 16384 \
    "once they are gone the memory is given back: RSS $((RSS4 - RSS3)) KiB above where it was"

# ---- a 15 MB record: refused with its size ------------------------------------
R0=$(ig records)
"${PROBE[@]}" record 127.0.0.1 "$IT_AGG_PORT" huge 15000000 >"$IT_DIR/rec-big.json"
tap_diag "15 MB record: $(cat "$IT_DIR/rec-big.json")"
tap_ok "$(j "$IT_DIR/rec-big.json" 'j["reason"]' | grep -q 'record 0 is 15000000 bytes, over the cap of 65536 bytes'; echo $?)" \
    "a batch with a 15 MB record is refused: $(j "$IT_DIR/rec-big.json" 'j["reason"]')"
tap_ok "$(grep -q 'agent huge .*record 0 is 15000000 bytes' "$IT_DIR/aggregator.log"; echo $?)" \
    "the aggregator logs it with the node's name"
tap_is "$(ig records)" "$R0" "nothing of it reached the store"
tap_diag "the refusal came $(j "$IT_DIR/rec-big.json" 'int(j["reply_s"] * 1000)') ms after the batch began to leave"
"${PROBE[@]}" record 127.0.0.1 "$IT_AGG_PORT" fair 60000 >"$IT_DIR/rec-ok.json"
tap_is "$(j "$IT_DIR/rec-ok.json" 'j["ack"]')" 1 "a 60 KB record is acknowledged"

# ---- 1,000 garbage connections: one line, the rest counted -------------------
S0=$(ig log_suppressed)
B0=$(ig closed_bad)
L0=$(wc -l <"$IT_DIR/aggregator.log")
"${PROBE[@]}" garbage 127.0.0.1 "$IT_AGG_PORT" 1000 >"$IT_DIR/garbage.json"
sleep 0.3
tap_diag "garbage: $(cat "$IT_DIR/garbage.json")"
tap_is "$(j "$IT_DIR/garbage.json" 'j["refused"]')" 1000 \
    "1000 connections sending an HTTP request: each refused"
tap_is "$(lines 'bad magic')" 1 "one log line says so"
tap_cmp "$(($(ig log_suppressed) - S0))" -ge 999 \
    "the other $(($(ig log_suppressed) - S0)) are counted in ingest.log_suppressed"
tap_cmp "$(($(ig closed_bad) - B0))" -ge 1000 "and all in ingest.closed_bad"
tap_diag "log lines at warning level written meanwhile: $(tail -n +"$((L0 + 1))" \
    "$IT_DIR/aggregator.log" | grep -vc 'connection from\|ctl: client')"
tap_cmp "$(rss "$AGG")" -lt $((RSS0 + 16384)) \
    "after all this the aggregator's RSS is $(rss "$AGG") KiB (it started at $RSS0 KiB)"

# ---- out of descriptors: pause, no spinning, recover -------------------------
P2=$(it_free_ports 1)
(ulimit -n 40 && exec "$IT_AGGREGATOR" -d --listen "127.0.0.1:$P2" \
    --db "$IT_DIR/agg2.db" --ctl "$IT_DIR/ctl2.sock" --alert-log none) \
    >"$IT_DIR/aggregator2.log" 2>&1 &
AGG2=$!
IT_PIDS+=("$AGG2")
it_wait_listen "$P2" 10
"${PROBE[@]}" idle 127.0.0.1 "$P2" 60 6 >"$IT_DIR/idle.json" &
IDLE=$!
sleep 2
c0=$(cpu_ms "$AGG2")
sleep 3
c1=$(cpu_ms "$AGG2")
wait "$IDLE"
tap_diag "idle connections under 40 descriptors: $(cat "$IT_DIR/idle.json")"
tap_cmp "$(grep -c 'Too many open files' "$IT_DIR/aggregator2.log")" -ge 1 \
    "out of descriptors with 60 idle connections (ulimit -n 40)"
tap_cmp "$((c1 - c0))" -lt 300 "it does not spin: $((c1 - c0)) ms of CPU in 3 s"
tap_is "$(grep -c 'Too many open files' "$IT_DIR/aggregator2.log")" 1 \
    "one log line for the whole episode, though it paused every second"
"$PUSH" "127.0.0.1:$P2" after-emfile "$IT_DIR/one.jsonl" "" 10 >>"$IT_DIR/push.log" 2>&1
tap_ok $? "once they are gone an agent's records are acknowledged again"
"$IT_STRATACTL" -s "$IT_DIR/ctl2.sock" --json status >"$IT_DIR/status2.json"
tap_cmp "$(j "$IT_DIR/status2.json" 'j["aggregator"]["ingest"]["accept_pauses"]')" -ge 2 \
    "ingest.accept_pauses counts $(j "$IT_DIR/status2.json" 'j["aggregator"]["ingest"]["accept_pauses"]') pauses"
tap_ok "$(grep -q 'accepting again, after' "$IT_DIR/aggregator2.log"; echo $?)" \
    "and the log says when accepting works again"
tap_done
