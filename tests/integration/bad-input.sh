#!/bin/bash
# bad-input.sh: what strata-agent and strata-qemu-bridge do with input that
# is wrong: a directory that is no trace, a live URL naming no session, a
# QEMU log with garbage lines, a trace cut short, QEMU events Strata does
# not know.  Each gets a clear error or a counted skip, never a crash, and
# what was good in the input is still analyzed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init bad-input 150
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT" "$IT_BRIDGE"

# The trace events Strata consumes (the event schema in docs/events.md);
# the bridge cannot re-emit any other.
SCHEMA="migrate_set_state migration_bitmap_sync_start migration_bitmap_sync_end
 migrate_pending migrate_pending_estimate migrate_pending_exact
 migrate_transferred migration_thread_low_pending migration_completion_vm_stop
 vm_state_notify migrate_fd_error migrate_error migrate_fd_cancel
 migration_cancel migrate_fd_cleanup migration_cleanup
 migration_thread_file_err migration_throttle cpu_throttle_set postcopy_start
 savevm_state_setup savevm_state_complete_precopy loadvm_state_setup
 ram_load_complete process_incoming_migration_co_end"

# offline DIR OUT: strata-agent --once on a trace directory, bounded; sets
# RC, and leaves stderr in $OUT.err.
offline()
{
	timeout -k 5 60 "$IT_AGENT" --trace "$1" --once --jsonl "$2" \
	    >"$2.err" 2>&1
	RC=$?
}

# --- 1. a directory that is not a trace
mkdir -p "$IT_DIR/notatrace/sub"
echo "hello" >"$IT_DIR/notatrace/metadata.txt"
head -c 4096 /dev/urandom >"$IT_DIR/notatrace/sub/channel0_0"
offline "$IT_DIR/notatrace" "$IT_DIR/nat.jsonl"
tap_cmp "$RC" -ge 1 "--trace on a directory that is no trace: non-zero exit"
tap_cmp "$RC" -lt 124 "--trace on a directory that is no trace: exit $RC, no signal, no timeout"
grep -q "notatrace" "$IT_DIR/nat.jsonl.err"
tap_ok $? "the message names the directory" ||
    tap_diag "$(head -c 600 "$IT_DIR/nat.jsonl.err")"
tap_diag "agent said: $(grep -v '^$' "$IT_DIR/nat.jsonl.err" | head -n 2)"
offline "$IT_DIR/no/such/dir" "$IT_DIR/nsd.jsonl"
tap_ok $([ "$RC" -ge 1 ] && [ "$RC" -lt 124 ]; echo $?) \
    "--trace on a missing directory: exit $RC, an error, no crash"

# --- 2. a live URL naming a session that does not exist
it_start_lttng
tap_ok $? "LTTng daemons start" || tap_done
J=$IT_DIR/nosession.jsonl
it_start_agent nosuchsession "$J"
sleep 3
t0=$(it_cpu_ms "$IT_AGENT_PID")
sleep 2
t1=$(it_cpu_ms "$IT_AGENT_PID")
kill -0 "$IT_AGENT_PID" 2>/dev/null
tap_ok $? "--live with no such session: the agent waits (still running after 5 s)"
tap_cmp "$((t1 - t0))" -le 100 "and used $((t1 - t0)) ms of CPU in 2 s"
kill -TERM "$IT_AGENT_PID"
n=50
while [ $n -gt 0 ] && kill -0 "$IT_AGENT_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
wait "$IT_AGENT_PID"
rc=$?
tap_is "$rc" 0 "SIGTERM ends the waiting agent cleanly within 5 s"
IT_AGENT_PID=

# --- 3. a QEMU log with garbage lines, through the bridge
it_create_live_session garbage
J=$IT_DIR/garbage.jsonl
it_start_agent garbage "$J" && it_wait_viewer garbage 20
tap_ok $? "agent attached to a live session for the bridge" || tap_done
G=$IT_DIR/data/garbage-src.log
python3 - "$IT_QEMULOGS/conv-rounds/src.log" "$G" <<'EOF'
# Six lines no parser can take, spread over a real log: first, middle, last.
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
junk = [b"this is not a QEMU log line",
        b"9130@17956x4430.605348:migrate_set_state new state active",
        b"9130@1795634430.605348:",
        b"@@@@@@@@ \x00\x01\x02\xff\xfe binary",
        b"x" * 65536,
        b"TID@SECONDS:event"]
out = [junk[0]] + lines[:200] + junk[1:4] + lines[200:-1] + junk[4:] + [b""]
open(sys.argv[2], "wb").write(b"\n".join(out))
EOF
chmod 644 "$G"
it_bridge --speed 10 --vm-uuid 44444444-4444-4444-8444-444444444444 \
    --vm-name garbage "$G"
tap_ok $? "the bridge replays a log with 6 garbage lines, exit 0"
summary=$(grep "garbage-src.log:" "$IT_DIR/bridge.log" | tail -n 1)
tap_diag "$summary"
skipped=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<<"$summary")
tap_is "$skipped" 6 "the bridge counts the 6 garbage lines as skipped"
it_wait_record "$J" 20 'finals and finals[0]["outcome"] is not None'
tap_rec "$J" 'len(ids) == 1 and finals[0]["outcome"] == "completed" and
    len([r for r in finals[0]["rounds"] if r["dirty_pages"] > 0]) >= 6' \
    "the migration around the garbage is still analyzed: completed, its rounds there"

# --- 4. QEMU trace events Strata does not know, in the bridge
expect=$(awk -v schema="$SCHEMA" 'BEGIN { n = split(schema, a); for (i = 1;
    i <= n; i++) known[a[i]] = 1 } /^[0-9]+@[0-9.]+:[a-z_0-9]+/ {
    sub(/^[0-9]+@[0-9.]+:/, ""); sub(/[^a-z_0-9].*/, "");
    if (!($0 in known)) u++ } END { print u + 0 }' \
    "$IT_QEMULOGS/conv-rounds/src.log")
unknown=$(sed -n 's/.* \([0-9]*\) not emittable.*/\1/p' <<<"$summary")
tap_is "$unknown" "$expect" "the bridge counts the log's $expect trace events outside the schema as not emittable"

# --- 5. an offline trace: intact, with an event QEMU renamed, cut short
T=$IT_DIR/traces/t1
it_create_local_session off "$T"
tap_ok $? "a local (non-live) session" || tap_done
it_emit --speed 0 "$(it_scenario converge)"
it_lttng stop off >>"$IT_DIR/lttng.log" 2>&1
it_destroy_session off
nev=$(babeltrace2 "$T" 2>/dev/null | wc -l)
tap_cmp "$nev" -gt 100 "the recorded trace holds $nev events"
offline "$T" "$IT_DIR/off.jsonl"
tap_is "$RC" 0 "--trace --once on the intact trace: exit 0"
tap_rec "$IT_DIR/off.jsonl" 'len(ids) == 1 and finals[0]["outcome"] == "completed"' \
    "the intact trace: one migration, completed"
seen=$(sed -n 's/.*stats: events \([0-9]*\) .*/\1/p' "$IT_DIR/off.jsonl.err" | tail -n 1)
tap_is "$seen" "$nev" "the agent's stats count the $nev events babeltrace2 reads"

# A QEMU that renamed savevm_state_setup: same layout, a name no analyzer
# knows (the metadata is text; same length keeps its packets valid).
R=$IT_DIR/renamed
cp -r "$T" "$R"
python3 - "$R" <<'EOF'
import os, sys
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f == "metadata":
            p = os.path.join(d, f)
            b = open(p, "rb").read()
            open(p, "wb").write(b.replace(b'"qemu:savevm_state_setup"',
                                          b'"qemu:savevm_state_start"'))
EOF
nren=$(babeltrace2 "$R" 2>/dev/null | grep -c 'qemu:savevm_state_start:')
offline "$R" "$IT_DIR/ren.jsonl"
unclaimed=$(sed -n 's/.*stats: .* unclaimed \([0-9]*\) .*/\1/p' "$IT_DIR/ren.jsonl.err" | tail -n 1)
tap_is "$RC/$unclaimed" "0/$nren" "an unknown qemu event: exit 0, its $nren event(s) counted as unclaimed"
tap_rec "$IT_DIR/ren.jsonl" 'len(ids) == 1 and finals[0]["outcome"] == "completed"' \
    "an unknown qemu event: the migration is still analyzed, completed"

# Cut the biggest data stream in the middle, and another copy inside the
# first packet header.
for cut in half header; do
	C=$IT_DIR/cut-$cut
	cp -r "$T" "$C"
	f=$(find "$C" -type f -name 'chan*_[0-9]*' ! -name '*.idx' \
	    -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
	sz=$(stat -c %s "$f")
	if [ "$cut" = half ]; then
		truncate -s $((sz / 2 + 13)) "$f"
	else
		truncate -s 20 "$f"
	fi
	find "$C" -name '*.idx' -delete
	offline "$C" "$IT_DIR/cut-$cut.jsonl"
	tap_cmp "$RC" -lt 124 "stream cut ($cut, $sz -> $(stat -c %s "$f") bytes): exit $RC, no crash, no hang"
	if [ "$RC" -eq 0 ]; then
		grep -q "stats: events" "$IT_DIR/cut-$cut.jsonl.err"
		tap_ok $? "cut ($cut): exit 0 with the events read counted"
	else
		grep -qiE "cut-$cut|trace|stream|packet" "$IT_DIR/cut-$cut.jsonl.err"
		tap_ok $? "cut ($cut): a clear error message"
	fi
	tap_diag "agent said: $(grep -v '^$' "$IT_DIR/cut-$cut.jsonl.err" | tail -n 2)"
done
tap_done
