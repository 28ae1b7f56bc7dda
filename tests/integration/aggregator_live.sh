#!/bin/bash
# tests/integration/aggregator_live.sh: the live path into the aggregator.
# strata-emit plays the non-converging scenario into a real LTTng live
# session; strata-agent --live --aggregator pushes what it finds to
# strata-aggregator; a follower on the control socket gets the
# migration.not_converging alert, and the delay from the traced event to
# the follower is measured; stratactl shows the cancelled, stalled migration.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init aggregator-live 180
it_need_lttng
AGG="$top_builddir/aggregator/strata-aggregator"
CTL="$top_builddir/clients/stratactl"
it_need_prog "$AGG" "$CTL" "$IT_AGENT" "$IT_EMIT"
tap_plan 9

SOCK="$IT_DIR/ctl.sock"
PORT=$(it_free_ports 1)
"$AGG" -d --listen "127.0.0.1:$PORT" --db "$IT_DIR/agg.db" --ctl "$SOCK" \
    --alert-log none >"$IT_DIR/aggregator.log" 2>&1 &
IT_PIDS+=("$!")
n=50
while [ ! -S "$SOCK" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done

# The follower stamps each stream line with the wall clock at receipt.
python3 - "$SOCK" >"$IT_DIR/follow.out" 2>&1 <<'EOF' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"alerts follow"}\n')
for line in s.makefile("rb"):
    r = json.loads(line)
    a = r.get("result") or {}
    if r.get("stream") == "alert":
        print(a["name"], a.get("event"), a.get("t_ns"), time.time_ns(),
              flush=True)
    elif r.get("stream") == "end":
        print("end", flush=True)
EOF
IT_PIDS+=("$!")

if ! { it_start_lttng && it_create_live_session agl &&
    it_start_agent agl "$IT_DIR/rec.jsonl" --node cmp1 \
        --aggregator "127.0.0.1:$PORT" && it_wait_viewer agl 20; }; then
	tap_ok 1 "aggregator, LTTng daemons, live session, agent attached"
	tap_skip_rest "setup failed"
	exit 1
fi
tap_ok 0 "aggregator, LTTng daemons, live session, agent attached"

it_emit --speed 20 "$(it_scenario nonconverge)"
tap_ok $? "strata-emit plays the non-converging scenario"

n=150
while ! grep -q "^migration.failed fired" "$IT_DIR/follow.out" &&
    [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
tap_ok "$(grep -q '^migration.not_converging fired' "$IT_DIR/follow.out"
    echo $?)" "the follower gets migration.not_converging"
tap_ok "$(grep -q '^migration.failed fired' "$IT_DIR/follow.out"; echo $?)" \
    "and migration.failed when the migration is cancelled"
read -r _ _ t_ns seen_ns < <(grep '^migration.not_converging fired' \
    "$IT_DIR/follow.out")
tap_diag "traced event -> follower: $(((seen_ns - t_ns) / 1000000)) ms (LTTng live timer 100 ms, agent flush, push, store commit)"
tap_cmp "$(((seen_ns - t_ns) / 1000000))" -lt 3000 \
    "the alert reaches the follower within 3 s of the traced event"

"$CTL" -s "$SOCK" --json migrations >"$IT_DIR/migs.json"
tap_is "$(python3 -c 'import json, sys
m = [x for x in json.load(open(sys.argv[1])) if x["vm_name"] == "instance-0000003b"]
print(len(m), m[0]["src_node"], m[0]["outcome"], m[0]["verdict"] in ("stalled", "diverging"),
      m[0]["rounds"] >= 3)' "$IT_DIR/migs.json")" "1 cmp1 cancelled True True" \
    "stratactl --json migrations: cmp1's migration cancelled, stalled, rounds"
"$CTL" -s "$SOCK" --json alerts >"$IT_DIR/alerts.json"
tap_is "$(python3 -c 'import json, sys
print(sorted(a["name"] for a in json.load(open(sys.argv[1]))
    if a["node"] == "cmp1"))' "$IT_DIR/alerts.json")" \
    "['migration.failed', 'migration.not_converging']" \
    "stratactl --json alerts: not_converging and failed from cmp1"
MID=$(python3 -c 'import json, sys
print([x["id"] for x in json.load(open(sys.argv[1]))
    if x["vm_name"] == "instance-0000003b"][0])' "$IT_DIR/migs.json")
"$CTL" -s "$SOCK" migration "$MID" >"$IT_DIR/mig.txt"
tap_ok "$(grep -q 'source on cmp1' "$IT_DIR/mig.txt" &&
    grep -q ' over$' "$IT_DIR/mig.txt"; echo $?)" \
    "stratactl migration: the source side and rounds over the downtime limit"
tap_diag "$(sed -n '/^round /,$p' "$IT_DIR/mig.txt")"

it_stop_agent
"$CTL" -s "$SOCK" --json nodes >"$IT_DIR/nodes.json"
tap_is "$(python3 -c 'import json, sys
print([n["name"] for n in json.load(open(sys.argv[1]))])' "$IT_DIR/nodes.json")" \
    "['cmp1']" "nodes: the agent's node"
