#!/bin/bash
# tests/integration/exhaust-crash.sh: kill -9 of the aggregator during a
# write burst, 20 times at random points (check-long: 100).  An agent
# stand-in (strata-load.py writer) pushes migration records as fast as
# the aggregator acknowledges them, reconnecting and sending again what
# was not acknowledged; the aggregator is killed 0.1-1.2 s into each of
# its lives and started again on the same database.  Then: the database
# opens, PRAGMA integrity_check is ok, every acknowledged record is there
# exactly once, and nothing that was never sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/exhaust-lib.sh"

it_init exhaust-crash "$(ex_long 150 600)"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
tap_plan 7

KILLS=$(ex_long 20 100)

if ! it_start_aggregator; then
	tap_ok 1 "aggregator up"
	tap_skip_rest "no aggregator"
	tap_done
fi
tap_ok 0 "aggregator up (durable: each batch fsynced before its ACK)"

STRATA_LOAD_STOP=$IT_DIR/stop ex_load writer 127.0.0.1 "$IT_AGG_PORT" burst \
    100000000 50 "$IT_DIR/acked" "$(ex_long 120 500)" 200 >"$IT_DIR/writer.out" &
WRITER=$!
IT_PIDS+=("$WRITER")

RANDOM=$$
killed=0 grew=0 restarted=0 prev=0
for i in $(seq 1 "$KILLS"); do
	sleep "0.$((RANDOM % 11 + 1))"
	it_stop_aggregator KILL
	killed=$((killed + 1))
	n=$(wc -l <"$IT_DIR/acked")
	[ "$n" -gt "$prev" ] && grew=$((grew + 1))
	prev=$n
	it_start_aggregator && restarted=$((restarted + 1))
done
tap_diag "$killed kills; acknowledged records grew before $grew of them; $prev acknowledged by the last"
tap_is "$restarted" "$KILLS" "killed with SIGKILL $KILLS times at random points, started again each time on the same database"
tap_cmp "$grew" -ge $((KILLS * 3 / 4)) \
    "the kills came during the burst: records were being acknowledged before $grew of $KILLS"

sleep 1
touch "$IT_DIR/stop"
wait "$WRITER"
tap_diag "the agent: $(cat "$IT_DIR/writer.out")"
tap_ok "$(ex_get "$IT_DIR/writer.out" 'j["acked"] == j["sent_ids"] and j["acked"] > 0' | grep -q true; echo $?)" \
    "in the end every record sent was acknowledged ($(ex_get "$IT_DIR/writer.out" 'j["acked"]'), after $(ex_get "$IT_DIR/writer.out" 'j["reconnects"]') reconnections)"
it_stop_aggregator

python3 - "$IT_AGG_DB" "$IT_DIR/acked" "$(ex_get "$IT_DIR/writer.out" 'j["sent_ids"]')" \
    >"$IT_DIR/check.out" <<'EOF'
import collections, json, sqlite3, sys
db, acked_path, sent = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = sqlite3.connect(db)
integrity = c.execute("PRAGMA integrity_check").fetchall()
stored = collections.Counter(r[0] for r in c.execute(
    "SELECT sid FROM migration_sides WHERE node = 'burst'"))
acked = [l.strip() for l in open(acked_path) if l.strip()]
sent_ids = set("burst/w/%d" % i for i in range(sent))
print(json.dumps({
    "integrity": [r[0] for r in integrity],
    "acked": len(acked), "acked_distinct": len(set(acked)),
    "stored": sum(stored.values()), "stored_distinct": len(stored),
    "missing": sorted(set(acked) - set(stored))[:5],
    "missing_n": len(set(acked) - set(stored)),
    "twice": [k for k, v in stored.items() if v > 1][:5],
    "never_sent": sorted(set(stored) - sent_ids)[:5],
}))
EOF
tap_diag "the store: $(cat "$IT_DIR/check.out")"
tap_is "$(ex_get "$IT_DIR/check.out" 'j["integrity"]')" '["ok"]' \
    "the database opens, PRAGMA integrity_check: ok"
tap_is "$(ex_get "$IT_DIR/check.out" '[j["missing_n"], j["twice"]]')" "[0, []]" \
    "every acknowledged record is there, exactly once ($(ex_get "$IT_DIR/check.out" 'j["acked_distinct"]') acknowledged, $(ex_get "$IT_DIR/check.out" 'j["stored"]') stored)"
tap_is "$(ex_get "$IT_DIR/check.out" 'j["never_sent"]')" "[]" \
    "and nothing that was never sent"
tap_done
