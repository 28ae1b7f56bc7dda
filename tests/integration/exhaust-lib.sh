# shellcheck shell=bash
# tests/integration/exhaust-lib.sh: what the exhaustion and fault tests
# (exhaust-*.sh) share, sourced after lib.sh: the load helper, the
# numbers they measure of a daemon (RSS, descriptors, CPU), JSON fields,
# and the long variants.
#
#	. "$top_srcdir/tests/integration/lib.sh"
#	. "$top_srcdir/tests/integration/exhaust-lib.sh"
#	ex_load idle 127.0.0.1 "$IT_AGG_PORT" 2000 12 >"$IT_DIR/idle.out"
#	tap_cmp "$(ex_get "$IT_DIR/idle.out" 'j["closed"]')" -ge 100 "..."
#
# STRATA_LONG=1 (`make check-long`) makes ex_long print its second
# argument instead of its first: the long variant's count or duration.

EX_LOAD="$top_srcdir/tests/helpers/strata-load.py"
EX_PUSH="$top_builddir/tests/helpers/strata-push"
EX_LONG=${STRATA_LONG:-0}

# ex_long SHORT LONG: SHORT under `make check`, LONG under check-long.
ex_long()
{
	if [ "$EX_LONG" = 1 ]; then echo "$2"; else echo "$1"; fi
}

# ex_load COMMAND ARGS...: tests/helpers/strata-load.py.
ex_load()
{
	python3 "$EX_LOAD" "$@"
}

# ex_get FILE EXPR: EXPR (Python, j = the JSON in FILE); empty on error.
ex_get()
{
	python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2])
except Exception as e:
    sys.stderr.write("ex_get %s: %s\n" % (sys.argv[1], e))
    sys.exit(1)
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None
      else v)' "$1" "$2"
}

# ex_status FILE: `stratactl --json status` of the test's aggregator into FILE.
ex_status()
{
	it_ctl --json status >"$1" 2>>"$IT_DIR/stratactl.err"
}

# RSS of PID in KiB, its high-water mark, its open descriptors.
ex_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
ex_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
ex_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# ex_mem NAME PID: a TAP diagnostic with the RSS and its peak, in MiB.
ex_mem()
{
	tap_diag "$1: RSS $(($(ex_rss_kb "$2") / 1024)) MiB," \
	    "peak $(($(ex_hwm_kb "$2") / 1024)) MiB"
}

# ex_ms_now: the wall clock in ms.
ex_ms_now() { date +%s%3N; }

# ex_lowfd_aggregator N: IT_AGGREGATOR becomes a wrapper that runs the
# aggregator with `ulimit -n N` (systemd's soft default is 1024).
ex_lowfd_aggregator()
{
	local real=$top_builddir/aggregator/strata-aggregator
	cat >"$IT_DIR/agg-ulimit.sh" <<EOF
#!/bin/sh
ulimit -n $1 || exit 1
exec "$real" "\$@"
EOF
	chmod 755 "$IT_DIR/agg-ulimit.sh"
	IT_AGGREGATOR=$IT_DIR/agg-ulimit.sh
}

# ex_records FILE NODE N: N small migration records of NODE, JSON lines.
ex_records()
{
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys, time
path, node, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = time.time_ns()
with open(path, "w") as f:
    for i in range(n):
        f.write(json.dumps({"kind": "migration", "node": node,
            "id": "%s/%d/%d" % (node, 7000 + i, now), "t_ns": now + i,
            "vm_uuid": "uuid-%s-%d" % (node, i), "role": "source",
            "state": "completed", "outcome": "completed",
            "started_ns": now, "ended_ns": now + i}) + "\n")
EOF
}

# ex_push NODE N [TIMEOUT]: an agent (the push API, tests/helpers/
# strata-push) delivering N records as NODE; 0 once all are acknowledged.
ex_push()
{
	local f=$IT_DIR/push-$1.jsonl
	ex_records "$f" "$1" "$2"
	"$EX_PUSH" "127.0.0.1:$IT_AGG_PORT" "$1" "$f" "" "${3:-20}" \
	    >>"$IT_DIR/push.log" 2>&1
}

# ex_stored NODE: how many migration sides of NODE the store holds.
ex_stored()
{
	python3 - "$IT_AGG_DB" "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(c.execute("SELECT count(*) FROM migration_sides WHERE node = ?",
                (sys.argv[2],)).fetchone()[0])
EOF
}
