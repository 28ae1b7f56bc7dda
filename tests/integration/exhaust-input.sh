#!/bin/bash
# tests/integration/exhaust-input.sh: hostile input at both of the
# aggregator's doors while a good agent keeps delivering (a steady 100
# records a second over one connection).  Agent port: a slowloris (a
# HELLO one byte a second), headers announcing a 4 GiB frame before and
# after HELLO, 10,000 garbage connections in a row (check-long: 50,000),
# a well-formed record of 50 MB and one of 200 KB, 100,000 levels of
# nested JSON, a node name that is not UTF-8.  Control socket: a 1 MB
# request line, 100,000 nested arrays and objects, bytes that are not
# UTF-8.  Each is refused with a clear log line (strangers' lines rate-
# limited), the answers stay valid JSON, memory stays bounded (RSS in
# the diagnostics), no descriptor is left over and the good agent never
# notices: one connection, every record acknowledged and stored.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/exhaust-lib.sh"

it_init exhaust-input "$(ex_long 150 400)"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
tap_plan 18

NGARBAGE=$(ex_long 10000 50000)
LOG=$IT_DIR/aggregator.log

if ! it_start_aggregator; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "no aggregator"
	tap_done
fi
tap_ok 0 "aggregator up"
PID=$IT_AGG_PID
FD0=$(ex_fds "$PID")
RSS0=$(ex_rss_kb "$PID")
ex_mem "at the start" "$PID"

# The good agent, until told to stop.
STRATA_LOAD_STOP=$IT_DIR/good.stop ex_load writer 127.0.0.1 "$IT_AGG_PORT" \
    good 1000000 5 "$IT_DIR/good.acked" 300 0 20 >"$IT_DIR/good.out" &
GOOD=$!
IT_PIDS+=("$GOOD")
# The slowloris, meanwhile (from 127.0.0.2: what is logged is per peer).
STRATA_LOAD_SRC=127.0.0.2 ex_load slowloris 127.0.0.1 "$IT_AGG_PORT" 20 \
    >"$IT_DIR/slowloris.out" &
SLOW=$!

# log_since MARK PATTERN: lines matching PATTERN after line MARK of the log.
mark() { wc -l <"$LOG"; }
log_since() { tail -n "+$(($1 + 1))" "$LOG" | grep -c -- "$2"; }

# ---- 4 GiB frames -------------------------------------------------------------
m=$(mark)
STRATA_LOAD_SRC=127.0.0.3 ex_load frame4g 127.0.0.1 "$IT_AGG_PORT" big4g \
    >"$IT_DIR/4g.out"
tap_diag "4 GiB headers: $(cat "$IT_DIR/4g.out")"
tap_ok "$(python3 - "$IT_DIR/4g.out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
h, b = j["hello"], j["batch"]
sys.exit(not (h["reply"] == 3 and "over the cap" in h["reason"] and
              h["secs"] < 1 and h["closed_s"] is not None and
              b["reply"] == 3 and "over the cap" in b["reason"] and
              b["secs"] < 1 and b["closed_s"] is not None))
EOF
echo $?)" "a header announcing 4 GiB, before HELLO and after it: refused at once from the header, connection closed"
tap_cmp "$(log_since "$m" 'frame of 4294967307 bytes over the cap')" -ge 2 \
    "both logged: ... frame of 4294967307 bytes over the cap of ... bytes"

# ---- garbage ------------------------------------------------------------------
m=$(mark)
t=$(ex_ms_now)
STRATA_LOAD_SRC=127.0.0.4 ex_load garbage 127.0.0.1 "$IT_AGG_PORT" "$NGARBAGE" \
    >"$IT_DIR/garbage.out"
tap_diag "garbage: $(cat "$IT_DIR/garbage.out"), log +$(tail -n "+$((m + 1))" "$LOG" | wc -c) bytes with -d (a line per connection at debug level)"
tap_is "$(ex_get "$IT_DIR/garbage.out" '[j["refused"], j["closed"]]')" \
    "[$NGARBAGE, $NGARBAGE]" "$NGARBAGE garbage connections in a row: each refused (bad magic) and closed"
n=$(log_since "$m" 'closing:.*magic')
tap_ok "$([ "$n" -ge 1 ] && [ "$n" -le 20 ]; echo $?)" \
    "logged, rate-limited: $n warning lines for $NGARBAGE connections"
ex_mem "after $NGARBAGE garbage connections" "$PID"

# ---- big records ----------------------------------------------------------------
m=$(mark)
ex_load record 127.0.0.1 "$IT_AGG_PORT" big50 $((50 * 1024 * 1024)) \
    >"$IT_DIR/rec50.out"
tap_diag "50 MB record: $(cat "$IT_DIR/rec50.out")"
tap_ok "$(python3 - "$IT_DIR/rec50.out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (j["reply"] == 3 and "over the cap of 16777216" in j["reason"]
              and j["secs"] < 2))
EOF
echo $?)" "a well-formed record of 50 MB: refused from its frame's header, within 2 s"
ex_load record 127.0.0.1 "$IT_AGG_PORT" big200k $((200 * 1024)) \
    >"$IT_DIR/rec200k.out"
tap_diag "200 KB record: $(cat "$IT_DIR/rec200k.out")"
tap_ok "$(python3 - "$IT_DIR/rec200k.out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (j["reply"] == 3 and "over the cap of 65536 bytes a record"
              in j["reason"]))
EOF
echo $?)" "a record of 200 KB in a frame under the cap: refused, records are at most 64 KiB (docs/protocol.md)"
tap_ok "$([ "$(log_since "$m" 'big50 from.*over the cap')" -ge 1 ] &&
    [ "$(log_since "$m" 'big200k from.*a record')" -ge 1 ]; echo $?)" \
    "both logged with the node and the reason"
tap_is "$(ex_stored big50) $(ex_stored big200k)" "0 0" "nothing of either stored"
ex_mem "after the big records" "$PID"

# ---- deep JSON, a name that is not UTF-8 -------------------------------------------
m=$(mark)
ex_load deep 127.0.0.1 "$IT_AGG_PORT" deep 100000 >"$IT_DIR/deep.out"
ex_load deep 127.0.0.1 "$IT_AGG_PORT" deep30k 30000 >"$IT_DIR/deep30k.out"
tap_diag "100,000 nested arrays in a record: $(cat "$IT_DIR/deep.out")"
tap_diag "30,000 (under the record cap): $(cat "$IT_DIR/deep30k.out")"
tap_ok "$([ "$(ex_get "$IT_DIR/deep.out" 'j["reply"]')" = 3 ] &&
    [ "$(ex_get "$IT_DIR/deep30k.out" 'j["reply"]')" = 3 ] &&
    [ "$(log_since "$m" 'agent deep from')" -ge 1 ] &&
    [ "$(log_since "$m" 'agent deep30k from')" -ge 1 ]; echo $?)" \
    "100,000 levels of nested JSON in a batch: refused ($(ex_get "$IT_DIR/deep.out" 'j["reason"]')), and 30,000 ($(ex_get "$IT_DIR/deep30k.out" 'j["reason"]')), logged"
ex_load hello 127.0.0.1 "$IT_AGG_PORT" 'cmp\xff\xfe-bad' >"$IT_DIR/badname.out"
tap_diag "HELLO from a node named cmp\\xff\\xfe-bad: $(cat "$IT_DIR/badname.out")"
it_ctl --json nodes >"$IT_DIR/nodes.json" 2>>"$IT_DIR/stratactl.err"
ex_status "$IT_DIR/status-utf8.json"
tap_ok "$(python3 - "$IT_DIR/nodes.json" "$IT_DIR/status-utf8.json" <<'EOF'
import json, sys
for p in sys.argv[1:]:
    json.loads(open(p, "rb").read().decode("utf-8", "strict"))
EOF
echo $?)" "after a HELLO naming a node in bytes that are not UTF-8: nodes and status still valid UTF-8 JSON"

# ---- the control socket --------------------------------------------------------------
m=$(mark)
ex_load ctl-send "$IT_AGG_SOCK" line1m status deep deep30k deepobj utf8 \
    utf8cut status \
    >"$IT_DIR/ctl.out"
python3 - "$IT_DIR/ctl.out" <<'EOF' | while IFS= read -r l; do tap_diag "$l"; done
import json, sys
for a in json.load(open(sys.argv[1])):
    print("%(kind)s (%(bytes)d bytes): %(ms)s ms, valid %(valid)s, %(raw)s" % a)
EOF
tap_ok "$(python3 - "$IT_DIR/ctl.out" <<'EOF'
import json, sys
a = {}
for x in json.load(open(sys.argv[1])):
    a.setdefault(x["kind"], []).append(x)
ok = (all(x["valid"] for v in a.values() for x in v) and
      a["line1m"][0]["ok"] is False and
      "longer than 65536" in a["line1m"][0]["error"] and
      a["deep"][0]["ok"] is False and
      "longer than 65536" in a["deep"][0]["error"] and
      a["deep30k"][0]["ok"] is False and
      "not JSON" in a["deep30k"][0]["error"] and
      a["deepobj"][0]["ok"] is False and
      a["utf8"][0]["ok"] is False and "UTF-8" in a["utf8"][0]["error"] and
      a["utf8cut"][0]["ok"] is False and
      all(x["ok"] is True for x in a["status"]))
sys.exit(not ok)
EOF
echo $?)" "control: a 1 MB line, 100,000 nested arrays and objects, bytes that are not UTF-8: each an error object, every answer valid UTF-8 JSON, the connection still answers status"
tap_cmp "$(log_since "$m" 'ctl: client [0-9]*: request ')" -ge 1 \
    "logged once for that client (ctl: client N: request ...)"
tap_cmp "$(ex_get "$IT_DIR/ctl.out" 'int(max(x["ms"] for x in j))')" -le 1000 \
    "each answered within 1 s"

# ---- the slowloris, the good agent, what is left -----------------------------------------
wait "$SLOW"
tap_diag "slowloris: $(cat "$IT_DIR/slowloris.out")"
tap_ok "$(python3 - "$IT_DIR/slowloris.out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (j["cut_s"] is not None and 9 <= j["cut_s"] <= 12))
EOF
echo $?)" "a HELLO sent one byte a second: cut at the 10 s deadline from accept ($(ex_get "$IT_DIR/slowloris.out" 'j["cut_s"]') s, $(ex_get "$IT_DIR/slowloris.out" 'j["bytes_sent"]') bytes)"
touch "$IT_DIR/good.stop"
wait "$GOOD"
tap_diag "the good agent: $(cat "$IT_DIR/good.out")"
acked=$(ex_get "$IT_DIR/good.out" 'j["acked"]')
tap_ok "$([ "$(ex_get "$IT_DIR/good.out" '[j["reconnects"], j["refusals"], j["acked"] == j["sent_ids"]]')" = "[0, 0, true]" ]
    echo $?)" "the good agent meanwhile: one connection all along, every one of its $acked records acknowledged"
tap_is "$(ex_stored good)" "$acked" "and stored"

n=50
while [ "$n" -gt 0 ] && [ "$(ex_fds "$PID")" -gt $((FD0 + 2)) ]; do
	sleep 0.1
	n=$((n - 1))
done
FD1=$(ex_fds "$PID")
RSS1=$(ex_rss_kb "$PID")
HWM=$(ex_hwm_kb "$PID")
ex_mem "at the end" "$PID"
tap_ok "$([ "$FD1" -le $((FD0 + 2)) ] && [ "$RSS1" -le $((RSS0 + 32768)) ] &&
    [ "$HWM" -le $((96 * 1024)) ]; echo $?)" \
    "no descriptor left over ($FD0 -> $FD1), RSS within 32 MiB of the start ($((RSS0 / 1024)) -> $((RSS1 / 1024)) MiB), peak <= 96 MiB ($((HWM / 1024)) MiB)"
tap_done
