#!/bin/bash
# tests/integration/exhaust-follow.sh: a follower that never reads while
# alerts keep coming.  An agent pushes 20,000 alerts (check-long:
# 200,000) as fast as the aggregator takes them; one `alerts follow`
# client with a 4 KiB receive buffer does not read at all meanwhile.  The
# aggregator's memory stays bounded (its follower queue of 256 alerts
# behind 64 KiB of output, sampled every 0.2 s: RSS in the diagnostics),
# the agent is not slowed down, `status` answers; when the follower reads
# at last it gets what was queued and, where alerts were lost, `skipped`
# lines: received + skipped = every alert, and the end object says the
# same total.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/exhaust-lib.sh"

it_init exhaust-follow "$(ex_long 120 600)"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
tap_plan 8

N=$(ex_long 20000 200000)

if ! it_start_aggregator --durable no; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "no aggregator"
	tap_done
fi
tap_ok 0 "aggregator up"
PID=$IT_AGG_PID
RSS0=$(ex_rss_kb "$PID")

ex_load follower "$IT_AGG_SOCK" "$IT_DIR/go" >"$IT_DIR/follower.out" &
FOL=$!
IT_PIDS+=("$FOL")
it_wait_ctl 10 'j["aggregator"]["ctl"]["followers"] == 1' status >/dev/null
tap_ok $? "the follower is subscribed"

# Memory, sampled while the alerts come.
(
	peak=0
	while kill -0 "$PID" 2>/dev/null && [ ! -e "$IT_DIR/go" ]; do
		r=$(ex_rss_kb "$PID")
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
		echo "$peak" >"$IT_DIR/peak"
		sleep 0.2
	done
) &
SAMPLER=$!
t0=$(ex_ms_now)
STRATA_LOAD_KIND=alert ex_load writer 127.0.0.1 "$IT_AGG_PORT" cmp1 "$N" 200 \
    "$IT_DIR/acked" 300 >"$IT_DIR/writer.out"
t1=$(ex_ms_now)
tap_diag "the agent: $(cat "$IT_DIR/writer.out"), $((N * 1000 / (t1 - t0 + 1))) alerts/s"
tap_is "$(ex_get "$IT_DIR/writer.out" '[j["acked"], j["reconnects"]]')" "[$N, 0]" \
    "$N alerts pushed and acknowledged, one connection: the follower did not slow the agent"
ex_status "$IT_DIR/status.json"
tap_diag "status ctl: $(ex_get "$IT_DIR/status.json" 'j["aggregator"]["ctl"]')"
tap_ok "$(ex_get "$IT_DIR/status.json" 'j["aggregator"]["ctl"]["followers"] == 1 and j["aggregator"]["ctl"]["skipped"] > 0' | grep -q true; echo $?)" \
    "status answers meanwhile: one follower, alerts skipped for it ($(ex_get "$IT_DIR/status.json" 'j["aggregator"]["ctl"]["skipped"]'))"
OFFERED=$(ex_get "$IT_DIR/status.json" 'j["aggregator"]["ctl"]["alerts"]')
touch "$IT_DIR/go"
wait "$SAMPLER"
PEAK=$(cat "$IT_DIR/peak")
tap_diag "aggregator RSS: $((RSS0 / 1024)) MiB before, $((PEAK / 1024)) MiB at most while $N alerts went past the follower, $(($(ex_hwm_kb "$PID") / 1024)) MiB peak"
# What grows is SQLite's page cache (cache_size, 32 MiB) with the alerts
# stored; the follower's share is its queue of 256 lines and 64 KiB.
tap_cmp "$PEAK" -le $((RSS0 + 48 * 1024)) \
    "memory bounded: RSS at most 48 MiB above the start (the store's 32 MiB page cache and the follower's queue) while the follower did not read ($(((PEAK - RSS0) / 1024)) MiB)"

# The follower reads now; the aggregator stops and ends its stream.
sleep 1
it_stop_aggregator
wait "$FOL"
tap_diag "the follower: $(cat "$IT_DIR/follower.out"), $OFFERED alert events offered"
tap_ok "$(python3 - "$IT_DIR/follower.out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (j["skipped"] > 0 and j["alerts"] > 0))
EOF
echo $?)" "it got the alerts that were queued ($(ex_get "$IT_DIR/follower.out" 'j["alerts"]')) and skipped lines for the lost ones ($(ex_get "$IT_DIR/follower.out" 'j["skipped"]'))"
tap_is "$(ex_get "$IT_DIR/follower.out" 'j["alerts"] + j["skipped"]')" "$OFFERED" \
    "received + skipped = every alert event ($OFFERED)"
tap_is "$(ex_get "$IT_DIR/follower.out" 'j["end"] is not None and j["end"]["skipped_total"] == j["skipped"]')" \
    true "the end object's skipped_total says the same"
tap_done
