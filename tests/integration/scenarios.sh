#!/bin/bash
# scenarios.sh: every migration scenario of tests/data/scenarios played by
# strata-emit into a real LTTng live session, read back by one strata-agent
# through lttng-relayd; checks the outcome, rounds and alerts an operator
# would see for each, then two emitters at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init scenarios 240
it_need_lttng
it_need_prog "$IT_AGENT" "$IT_EMIT"

SPEED=${STRATA_SCN_SPEED:-20}
J=$IT_DIR/records.jsonl

if ! { it_start_lttng && it_create_live_session scn &&
    it_start_agent scn "$J" && it_wait_viewer scn 20; }; then
	tap_ok 1 "LTTng daemons, live session and agent start, agent attached"
	tap_done
fi
tap_ok 0 "LTTng daemons, live session and agent start, agent attached"

# play SCENARIO [strata-emit options]: plays one scenario from a fresh mark
# and waits until every migration it started has an outcome.
play()
{
	local scn=$1 t0
	shift
	it_mark "$J"
	t0=$SECONDS
	it_emit --speed "$SPEED" "$@" "$(it_scenario "$scn")"
	tap_ok $? "$scn: strata-emit plays it" ||
	    tap_diag "$(tail -n 3 "$IT_DIR/emit.log")"
	it_wait_record "$J" 30 \
	    'finals and all(f["outcome"] is not None for f in finals)'
	tap_ok $? "$scn: the migration reaches an outcome ($((SECONDS - t0)) s)"
}

play converge
tap_recs "$J" <<'EOF'
converge: one migration, outcome completed
	len(ids) == 1 and finals[0]["outcome"] == "completed" and
	finals[0]["state"] == "completed"

converge: >= 3 rounds, dirty pages fall from the first to the last
	len(finals[0]["rounds"]) >= 3 and
	finals[0]["rounds"][-1]["dirty_pages"] < finals[0]["rounds"][0]["dirty_pages"]

converge: role source, downtime and total time reported
	finals[0]["role"] == "source" and finals[0]["downtime_ms"] > 0 and
	finals[0]["total_ms"] > finals[0]["downtime_ms"]

converge: a migration_round record per round
	len(RD) == len(finals[0]["rounds"])

converge: no alert at all
	len(A) == 0
EOF

play nonconverge
tap_recs "$J" <<'EOF'
nonconverge: outcome cancelled
	len(ids) == 1 and finals[0]["outcome"] == "cancelled"

nonconverge: exactly one migration.not_converging alert
	len(alerts("migration.not_converging", ids[0])) == 1

nonconverge: the alert comes before the cancel
	[i for i, r in enumerate(R) if r.get("name") == "migration.not_converging"][0] <
	[i for i, r in enumerate(R) if r.get("state") in ("cancelling", "cancelled")][0]

nonconverge: the alert names the VM and node, severity warning, a message
	(lambda a: a["vm_uuid"] == finals[0]["vm_uuid"] and
	 a["severity"] == "warning" and a["node"] == finals[0]["node"] and
	 len(a["message"]) > 20)(alerts("migration.not_converging")[0])

nonconverge: verdict stalled or diverging when the alert fires
	any(r["verdict"] in ("stalled", "diverging") for r in seq(ids[0])
	    if r["t_ns"] <= alerts("migration.not_converging")[0]["t_ns"])

nonconverge: the cancel raises migration.failed (severity error)
	[a["severity"] for a in alerts("migration.failed", ids[0])] == ["error"]
EOF

play failed
tap_recs "$J" <<'EOF'
failed: outcome failed
	len(ids) == 1 and finals[0]["outcome"] == "failed" and
	finals[0]["state"] == "failed"

failed: carries QEMU's error text
	len(finals[0].get("error") or "") > 5

failed: one migration.failed alert, severity error, no not_converging
	[a["severity"] for a in alerts("migration.failed", ids[0])] == ["error"] and
	not alerts("migration.not_converging")
EOF

play postcopy
tap_recs "$J" <<'EOF'
postcopy: state postcopy-active reported (a record, and in the history)
	"postcopy-active" in history(ids[0]) and "postcopy-active" in states(ids[0])

postcopy: outcome completed
	len(ids) == 1 and finals[0]["outcome"] == "completed"

postcopy: verdict converged once in postcopy
	finals[0]["verdict"] == "converged"
EOF

play autoconverge
tap_recs "$J" <<'EOF'
autoconverge: throttle_pct > 0 reported
	max(r["throttle_pct"] or 0 for r in seq(ids[0])) > 0

autoconverge: outcome completed
	len(ids) == 1 and finals[0]["outcome"] == "completed"

autoconverge: a not_converging alert, if any, is resolved by migration.converged
	not alerts("migration.not_converging") or
	(len(alerts("migration.converged", ids[0])) == 1 and
	 alerts("migration.converged")[0]["t_ns"] >=
	 alerts("migration.not_converging")[0]["t_ns"])
EOF

play rollback
tap_recs "$J" <<'EOF'
rollback: outcome rolled_back
	len(ids) == 1 and finals[0]["outcome"] == "rolled_back"
EOF

play cancel-early
tap_recs "$J" <<'EOF'
cancel-early: outcome cancelled
	len(ids) == 1 and finals[0]["outcome"] == "cancelled"

cancel-early: no not_converging alert for a migration cancelled in its first pass
	not alerts("migration.not_converging")
EOF

# --- two VMs at once: tracked separately
it_mark "$J"
UA=11111111-1111-4111-8111-111111111111
UB=22222222-2222-4222-8222-222222222222
it_emit_bg --speed "$SPEED" --vm-uuid $UA --vm-name vm-a \
    "$(it_scenario converge)"
pa=$IT_LAST_PID
it_emit_bg --speed "$SPEED" --vm-uuid $UB --vm-name vm-b \
    "$(it_scenario nonconverge)"
pb=$IT_LAST_PID
wait "$pa" "$pb"
it_wait_record "$J" 30 'len(finals) >= 2 and
    all(f["outcome"] is not None for f in finals)'
tap_ok $? "two VMs: both migrations reach an outcome"
tap_recs "$J" <<EOF
two VMs: two distinct migration ids and processes
	len(set(ids)) == 2 and len(set(f["vpid"] for f in finals)) == 2

two VMs: vm-a completed, named vm-a
	[(f["outcome"], f["vm_name"]) for f in byvm("$UA")] == [("completed", "vm-a")]

two VMs: vm-b cancelled
	[f["outcome"] for f in byvm("$UB")] == ["cancelled"]

two VMs: the one not_converging alert is vm-b's, not vm-a's
	[a["vm_uuid"] for a in alerts("migration.not_converging")] == ["$UB"]
EOF

# --- one VM, source and destination side (two processes): two roles
it_mark "$J"
U=33333333-3333-4333-8333-333333333333
it_emit_bg --speed "$SPEED" --vm-uuid $U --vm-name vm-c \
    "$(it_scenario converge)"
pa=$IT_LAST_PID
it_emit_bg --speed "$SPEED" --vm-uuid $U --vm-name vm-c \
    "$(it_scenario dst-completed)"
pb=$IT_LAST_PID
wait "$pa" "$pb"
it_wait_record "$J" 30 "len(byvm('$U')) >= 2 and
    all(f['outcome'] is not None for f in finals)"
tap_ok $? "source and destination of one VM: both sides reach an outcome"
tap_recs "$J" <<EOF
source and destination: one migration per role
	sorted(f["role"] for f in byvm("$U")) == ["destination", "source"]

source and destination: distinct ids
	len(set(f["id"] for f in byvm("$U"))) == 2

source and destination: both completed
	[f["outcome"] for f in byvm("$U")] == ["completed", "completed"]

source and destination: rounds on the source only
	[len(f["rounds"]) > 0 for f in byvm("$U", "source") + byvm("$U", "destination")]
	== [True, False]
EOF

# --- the whole stream
IT_REC_FROM=0
v=$(python3 "$IT_CHECK" validate "$J")
tap_ok $? "every record follows the record contract" || tap_diag "$v"
kill -0 "$IT_AGENT_PID" 2>/dev/null
tap_ok $? "strata-agent still running after $(wc -l <"$J") records"
tap_done
