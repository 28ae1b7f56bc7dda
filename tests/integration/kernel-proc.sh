#!/bin/bash
# kernel-proc.sh: the kernel layer on a host without lttng-modules (this
# one): the agent reads a live session where a QEMU-like process
# (strata-emit playing nonconverge.scn) migrates, and samples that
# process's threads from /proc/PID/task/TID/schedstat at the live timer's
# pace while its migration events come.  The process is pinned to CPU 0
# beside a busy loop pinned there too, so its thread waits on the run
# queue.  Asserted: kernel_thread records with source "proc" for its pid,
# with CPU time and run-queue wait; `stratactl --json threads MIGRATION`
# and the migration's rounds carry them; diskstats give kernel_disk
# records (source proc).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init kernel-proc 180
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v taskset >/dev/null || tap_skip_all "no taskset"
[ -d /sys/module/lttng_tracer ] &&
    tap_skip_all "lttng-modules is loaded: the agent reads kernel events, not /proc"
[ -r /proc/self/task/$$/schedstat ] ||
    tap_skip_all "no /proc/PID/task/TID/schedstat (kernel without schedstats)"
tap_plan 9

J=$IT_DIR/cmp1.jsonl
U=8d2e5b1a-4c7f-4e0b-b3d9-6a1f2c8e7d40
if ! { it_start_relayd && it_node_start cmp1 && it_start_aggregator &&
    it_on cmp1 it_create_live_session cmp1 &&
    it_start_node_agent cmp1 cmp1 "$J" && it_wait_viewer cmp1 20; }; then
	tap_ok 1 "relayd, session daemon, aggregator, agent attached"
	tap_skip_rest "setup failed"
	tap_done
fi
tap_ok 0 "relayd, session daemon, aggregator, agent attached"
grep -q "read from /proc every 200 ms" "$IT_DIR/agent-cmp1.log"
tap_ok $? "the agent says it reads the kernel's accounting from /proc" ||
    tap_diag "$(tail -n 5 "$IT_DIR/agent-cmp1.log")"

# The competitor on CPU 0, and the emitter pinned beside it.
taskset -c 0 sh -c 'while :; do :; done' &
IT_PIDS+=("$!")
it_on cmp1 it_emit_bg --speed 10 "$(it_scenario nonconverge)"
EMIT=$IT_LAST_PID
# The emitter's pid is the migration's vpid (the first records say it;
# other tests may run other strata-emits at the same time).
it_wait_record "$J" 20 "byvm('$U')"
P=$(it_rec "$J" "byvm('$U')[0]['vpid']")
[[ "$P" =~ ^[0-9]+$ ]] && taskset -a -p -c 0 "$P" >/dev/null 2>&1
tap_ok $? "strata-emit (pid $P, the migration's vpid) pinned to CPU 0 beside a busy loop"
wait "$EMIT"
it_wait_ctl 30 '[m for m in j if m.get("vm_uuid") == "'$U'" and
    m.get("outcome") == "cancelled"]' migrations >"$IT_DIR/migs.json"
tap_ok $? "the migration is stored, cancelled"
MID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' \
    "$IT_DIR/migs.json" 2>/dev/null)
it_wait_ctl 20 '[x for x in j if x["source"] == "proc"]' threads "$MID" \
    >"$IT_DIR/threads.json"
it_ctl --json migration "$MID" >"$IT_DIR/mig.json"

tap_diag "threads: $(python3 -c 'import json,sys; print([(x["comm"], x["cpu_ms"], x["wait_ms"], x["switches"]) for x in json.load(open(sys.argv[1]))][:4])' "$IT_DIR/threads.json" 2>&1)"
tap_json t="$IT_DIR/threads.json" m="$IT_DIR/mig.json" <<EOF
threads $MID: strata-emit's threads (pid $P) from /proc, CPU time > 0
	[x for x in t if x["pid"] == $P and x["source"] == "proc"] and
	sum(x["cpu_ms"] for x in t if x["pid"] == $P) > 0

and run-queue wait > 0: it shared CPU 0 with a busy loop
	sum(x["wait_ms"] for x in t if x["pid"] == $P) > 0

the migration's rounds carry the /proc figures
	[r for s in m["sides"] for r in s["rounds"]
	 if (r.get("kernel") or {}).get("source") == "proc"]
EOF
python3 - "$J" "$P" <<'EOF' >"$IT_DIR/recs.txt"
import json, sys
th = [r for r in map(json.loads, open(sys.argv[1]))
      if r["kind"] == "kernel_thread" and r.get("pid") == int(sys.argv[2])]
dk = [r for r in map(json.loads, open(sys.argv[1])) if r["kind"] == "kernel_disk"]
print(len(th), all(r["source"] == "proc" for r in th),
      len(dk), all(r["source"] == "proc" for r in dk))
EOF
read -r NT ALLP ND ALLD <"$IT_DIR/recs.txt"
tap_diag "agent records: $NT kernel_thread of pid $P, $ND kernel_disk"
tap_cmp "$NT" -gt 0 "the agent's kernel_thread records of pid $P ($NT), all source proc: $ALLP" &&
    [ "$ALLP" = True ]
# Every block device but loop and ram ones gets a record at first sight,
# with or without I/O (CI's machine may see none during the test).
if awk '$3 !~ /^(loop|ram)/ { n++ } END { exit !n }' /proc/diskstats; then
	tap_is "$ALLD/$([ "$ND" -gt 0 ] && echo some)" "True/some" \
	    "kernel_disk records from /proc/diskstats ($ND), source proc"
else
	tap_skip 1 "/proc/diskstats lists no block device but loop and ram ones"
fi
tap_done
