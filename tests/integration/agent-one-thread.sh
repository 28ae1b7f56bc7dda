#!/bin/bash
# agent-one-thread.sh: `strata-agent --trace --once -D threads=1` (the loop
# runs babeltrace2 itself, no reader thread) against the default mode on
# the same traces:
# - the committed QEMU trace (tests/data/traces/qemu-mig), and traces
#   recorded here of strata-emit playing the migration scenarios with
#   kernel-sched (20 loops) and the OvS scenario (2,000 loops): the same
#   records, byte for byte;
# - OpenStack notifications and log lines logged through the real
#   lttng-ust Python agent (emit/strata-os-emit.py, every scenario but the
#   malformed one, looped) into a non-live session: the analyzers' state
#   records are emitted per batch, and a reader batch is also cut when its
#   strings fill it, so one thread may write fewer of them; every object
#   has the same last record, and the set of objects is the same;
# - the same event counts in the agent's own stats line.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init agent-one-thread 240
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT"
PY=/usr/bin/python3
[ -x $PY ] && $PY -c 'import lttngust.loghandler' 2>/dev/null ||
    tap_skip_all "no lttng-ust Python agent for $PY (python3-lttngust)"

tap_plan 9

# both NAME TRACE: the agent in each mode on TRACE, NAME.2.jsonl and
# NAME.1.jsonl; RC2 and RC1 their exits.
both()
{
	local n=$1 t=$2
	timeout -k 5 120 "$IT_AGENT" --node one --trace "$t" --once \
	    --jsonl "$IT_DIR/$n.2.jsonl" >"$IT_DIR/$n.2.err" 2>&1
	RC2=$?
	timeout -k 5 120 "$IT_AGENT" --node one --trace "$t" --once \
	    --jsonl "$IT_DIR/$n.1.jsonl" -D threads=1 >"$IT_DIR/$n.1.err" 2>&1
	RC1=$?
}

# stats NAME MODE: the source's counters of the agent's stats line.
stats()
{
	sed -n 's/.*stats: \(events .*\) records .*/\1/p' "$IT_DIR/$1.$2.err" |
	    tail -n 1
}

# --- QEMU: the committed trace
both qemu "$top_srcdir/tests/data/traces/qemu-mig"
tap_ok "$([ "$RC1" = 0 ] && [ "$RC2" = 0 ] &&
    cmp -s "$IT_DIR/qemu.2.jsonl" "$IT_DIR/qemu.1.jsonl"; echo $?)" \
    "qemu-mig: both modes exit 0 with the same $(wc -l <"$IT_DIR/qemu.2.jsonl") records, byte for byte" ||
    tap_diag "exits $RC2 $RC1; $(cmp "$IT_DIR/qemu.2.jsonl" "$IT_DIR/qemu.1.jsonl" 2>&1)"

# --- recorded here: QEMU and the kernel layer, OvS, OpenStack
it_start_sessiond || { tap_skip_rest "lttng-sessiond did not start"; tap_done; }
MIX=$IT_DIR/traces/mix
it_create_local_session mix "$MIX" --blocking-timeout=inf
args=()
for s in converge nonconverge failed postcopy autoconverge rollback \
    cancel-early kernel-sched; do
	args+=("$(it_data "$(it_scenario "$s")")")
done
it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 "$(it_bin "$IT_EMIT")" --speed 0 \
    --loop 20 "${args[@]}" >>"$IT_DIR/emit.log" 2>&1
it_lttng stop mix >>"$IT_DIR/lttng.log" 2>&1
it_destroy_session mix
both mix "$MIX"
tap_ok "$([ "$RC1" = 0 ] && [ "$RC2" = 0 ] &&
    [ "$(grep -c '"kind":"migration"' "$IT_DIR/mix.2.jsonl")" -gt 20 ] &&
    grep -q '"kind":"kernel_thread"' "$IT_DIR/mix.2.jsonl" &&
    cmp -s "$IT_DIR/mix.2.jsonl" "$IT_DIR/mix.1.jsonl"; echo $?)" \
    "migrations and kernel-sched (20 loops): the same $(wc -l <"$IT_DIR/mix.2.jsonl") records, byte for byte" ||
    tap_diag "exits $RC2 $RC1; $(cmp "$IT_DIR/mix.2.jsonl" "$IT_DIR/mix.1.jsonl" 2>&1); $(tail -n 2 "$IT_DIR/emit.log")"
tap_is "$(stats mix 1)" "$(stats mix 2)" "mix: the same counts ($(stats mix 2 | cut -c1-60))"

OVS=$IT_DIR/traces/ovs
OS=$IT_DIR/os
OST=$IT_DIR/traces/os
it_os_stage "$OS"
{
	it_lttng create ovs --output="$OVS" &&
	it_lttng enable-channel -u -s ovs --blocking-timeout=inf chan &&
	it_lttng enable-event -u -s ovs -c chan 'ovs:*' &&
	it_lttng add-context -u -s ovs -c chan -t vpid -t vtid &&
	it_lttng start ovs
} >>"$IT_DIR/lttng.log" 2>&1
it_emit --speed 0 --loop 2000 --linger 500 \
    "$top_srcdir/tests/data/ovs/ovs-latency.scn" >>"$IT_DIR/emit.log" 2>&1
it_lttng stop ovs >>"$IT_DIR/lttng.log" 2>&1
it_destroy_session ovs
both ovs "$OVS"
tap_ok "$([ "$RC1" = 0 ] && [ "$RC2" = 0 ] && [ -s "$IT_DIR/ovs.2.jsonl" ] &&
    cmp -s "$IT_DIR/ovs.2.jsonl" "$IT_DIR/ovs.1.jsonl"; echo $?)" \
    "ovs-latency (2,000 loops): the same $(wc -l <"$IT_DIR/ovs.2.jsonl") records, byte for byte" ||
    tap_diag "exits $RC2 $RC1; $(tail -n 2 "$IT_DIR/ovs.1.err")"
tap_is "$(stats ovs 1)" "$(stats ovs 2)" "ovs: the same counts ($(stats ovs 2 | cut -c1-60))"

{
	it_lttng create os --output="$OST" &&
	it_lttng enable-channel -u -s os --blocking-timeout=inf \
	    lttng_python_channel &&
	it_lttng enable-event --python -s os 'oslo.messaging.notification.*' &&
	it_lttng enable-event --python -s os 'nova.*' &&
	it_lttng enable-event --python -s os 'neutron.*' &&
	it_lttng enable-event --python -s os 'cinder.*' &&
	it_lttng start os
} >>"$IT_DIR/lttng.log" 2>&1
scns=()
for s in boot stopstart volume migrate network migrate-timeout migrate-abort; do
	scns+=("$OS/tests/data/openstack/scenarios/$s.scn")
done
it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 $PY "$OS/emit/strata-os-emit.py" \
    --speed 0 --loop 20 --linger 500 --plain-only "${scns[@]}" \
    >>"$IT_DIR/os-emit.log" 2>&1
tap_ok $? "strata-os-emit.py logged 20 loops of the scenarios through the Python agent" ||
    tap_diag "$(tail -n 3 "$IT_DIR/os-emit.log")"
it_lttng stop os >>"$IT_DIR/lttng.log" 2>&1
it_destroy_session os
both os "$OST"
tap_is "$(stats os 1)" "$(stats os 2)" "openstack: the same counts ($(stats os 2 | cut -c1-60))"

# Last record of each object: (kind, id); records without an id by text.
python3 - "$IT_DIR/os.2.jsonl" "$IT_DIR/os.1.jsonl" >"$IT_DIR/os.cmp" <<'EOF'
import json, sys
def last(path):
    d, n = {}, 0
    for line in open(path):
        r = json.loads(line)
        n += 1
        d[(r.get("kind"), r.get("id")) if "id" in r else line] = r
    return d, n
a, na = last(sys.argv[1])
b, nb = last(sys.argv[2])
diff = sorted(str(k) for k in set(a) | set(b) if a.get(k) != b.get(k))
print(na, nb, len(a), len(b), len(diff), diff[:3])
EOF
read -r na nb oa ob nd rest <"$IT_DIR/os.cmp"
tap_ok "$([ "$RC1" = 0 ] && [ "$RC2" = 0 ] && [ "${oa:-0}" -gt 100 ] &&
    [ "$oa" = "$ob" ] && [ "$nd" = 0 ]; echo $?)" \
    "openstack: the last record of each of the $oa objects is the same in both modes" ||
    tap_diag "exits $RC2 $RC1; $(cat "$IT_DIR/os.cmp")"
tap_ok "$([ "${nb:-0}" -le "${na:-0}" ] && [ "${nb:-0}" -gt 0 ]; echo $?)" \
    "openstack: one thread wrote $nb records, the default $na (batches cut by events only)"
tap_done
