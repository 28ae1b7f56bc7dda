#!/bin/bash
# tests/bench/aggregator.sh: `make bench-aggregator` (and the second half
# of `make bench`).  How fast strata-aggregator takes records and answers
# queries, with its real SQLite store and real sockets.
#
# 1. A corpus of real records: the migration scenarios (all of them, and
#    dst-completed as the destination of converge) recorded by a private
#    lttng-sessiond into a local trace, read by strata-agent --trace --once
#    --jsonl.  152 records: migration_round, migration, alert.
# 2. Ingest: for N in 1 4 16 simulated agents (bench_ingest: the agent's own
#    push code, one connection each, copies of the corpus with their own
#    ids and VM uuids, destinations sent by the next agent so the store
#    correlates them across nodes), a fresh aggregator and database;
#    records/s on the wall clock and per CPU-second of the aggregator
#    process (/proc/PID/stat), synchronous=FULL (the default) and, for
#    N = 4, --durable no; beside each, the floor: as many corpus records
#    inserted by a raw SQLite loop at the same synchronous mode
#    (bench_floor), and that loop with a json-c parse of each record.
# 3. Planner statistics: bench_store -R restart against -R continue, a
#    batch's cost after a clean restart that left statistics of one VM.
# 4. Queries: a database of >= 1 M rounds filled through the aggregator (4
#    agents), the aggregator restarted on it, then ctl_latency.py: status,
#    migrations (1000, then 100), migration ID, nodes, alerts over the
#    control socket, p50/p99 and the aggregator's CPU per request, while
#    4 more agents keep sending records.
# 5. Scale: 1,000 simulated agents (bench_ingest, one process, one
#    connection each through the agent's push code) on one aggregator:
#    their handshakes (push_create() to WELCOME, all at once), every record
#    stored exactly once (the store's counter and its rows against what
#    was sent), `status` on a new control connection every 50 ms during
#    the run (p50/p99/max), the aggregator's CPU, and its peak and final
#    RSS.
# Run from the build directory.
#
# Environment: STRATA_BENCH_SCALE (agents of the scale run, 1000; 0: none),
# STRATA_BENCH_SCALE_COPIES (corpus copies each of them sends, 2),
# STRATA_BENCH_AGENTS ("1 4 16"; empty: no ingest runs),
# STRATA_BENCH_RECORDS (records per ingest run, 150000),
# STRATA_BENCH_ROUNDS (rounds in the query database, 1000000; 0: no query
# runs unless STRATA_BENCH_DB), STRATA_BENCH_QUERIES (requests per query, 500),
# STRATA_BENCH_QUERY_LOAD (agents sending during the queries, 4; 0: none),
# STRATA_BENCH_CORPUS=FILE (use these JSON lines as the corpus),
# STRATA_BENCH_DB=FILE (time the queries over this database instead of
# filling one), STRATA_KEEP_TMP=1 (keep the corpus and the databases).
set -u

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(pwd)
IT_TAP=0
. "$top_srcdir/tests/integration/lib.sh"

AGENTS=${STRATA_BENCH_AGENTS-1 4 16}	# set and empty: no ingest runs
RECORDS=${STRATA_BENCH_RECORDS:-150000}
ROUNDS=${STRATA_BENCH_ROUNDS:-1000000}
QUERIES=${STRATA_BENCH_QUERIES:-500}
GEN="$top_builddir/tests/bench/bench_ingest"
FLOOR="$top_builddir/tests/bench/bench_floor"
LAT="$top_srcdir/tests/bench/ctl_latency.py"

for p in "$IT_AGENT" "$IT_EMIT" "$IT_AGGREGATOR" "$IT_STRATACTL" "$GEN" \
    "$FLOOR"; do
	[ -x "$p" ] || { echo "bench: $p is not built (make all)" >&2; exit 1; }
done
for p in lttng lttng-sessiond python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "bench: $p not found" >&2; exit 1; }
done

it_init bench-aggregator 1800
IT_AGG_FLAGS=			# no -d: production logging (syslog)

# cpu_ticks PID: user + system clock ticks of a process.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# ---- 1. the corpus -------------------------------------------------------------
if [ -n "${STRATA_BENCH_CORPUS:-}" ]; then
	CORPUS=$STRATA_BENCH_CORPUS
else
	CORPUS=$IT_DIR/corpus.jsonl
	T=$IT_DIR/traces/corpus
	it_start_sessiond || { echo "bench: lttng-sessiond did not start" >&2; exit 1; }
	it_create_local_session corpus "$T" --subbuf-size=1M --num-subbuf=8 \
	    --blocking-timeout=inf ||
	    { echo "bench: cannot create the session" >&2; exit 1; }
	args=()
	for s in nonconverge failed postcopy autoconverge rollback cancel-early; do
		args+=("$(it_data "$(it_scenario "$s")")")
	done
	bin=$(it_bin "$IT_EMIT")
	# Blocking mode: no event lost.  converge and its destination side as
	# two processes at one pace, the others one after the other.
	it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 "$bin" --speed 0 "${args[@]}" \
	    >>"$IT_DIR/emit.log" 2>&1 &
	p1=$!
	it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 "$bin" --speed 50 \
	    "$(it_data "$(it_scenario converge)")" >>"$IT_DIR/emit.log" 2>&1 &
	p2=$!
	it_nobody env LTTNG_UST_ALLOW_BLOCKING=1 "$bin" --speed 50 \
	    "$(it_data "$(it_scenario dst-completed)")" >>"$IT_DIR/emit.log" 2>&1 &
	p3=$!
	wait "$p1" "$p2" "$p3" ||
	    { echo "bench: strata-emit failed" >&2; cat "$IT_DIR/emit.log" >&2; exit 1; }
	it_lttng stop corpus >>"$IT_DIR/lttng.log" 2>&1
	it_destroy_session corpus
	"$IT_AGENT" --node corpus --trace "$T" --once --jsonl "$CORPUS" \
	    2>>"$IT_DIR/agent.log" ||
	    { echo "bench: strata-agent failed" >&2; exit 1; }
fi
python3 - "$CORPUS" >"$IT_DIR/corpus.txt" <<'EOF'
import collections, json, sys
n, size, rounds = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n[r["kind"]] += 1
    size[r["kind"]] += len(line)
    rounds += r["kind"] == "migration_round"
print(sum(n.values()), rounds)
print("corpus: %d records, %s" % (sum(n.values()), ", ".join(
    "%d %s (%.0f B avg)" % (n[k], k, size[k] / n[k]) for k in sorted(n))))
EOF
read -r NCORPUS CROUNDS <"$IT_DIR/corpus.txt"
sed -n 2p "$IT_DIR/corpus.txt" | sed 's/^/bench: /'

# ingest NAME N COPIES [aggregator options]: a fresh aggregator and
# database, N agents sending COPIES copies each; one result line.
ingest()
{
	local name=$1 n=$2 copies=$3 c0 c1 out
	shift 3
	IT_AGG_PORT='' IT_AGG_DB=$IT_DIR/$name.db IT_AGG_SOCK=$IT_DIR/$name.sock
	it_start_aggregator "$@" ||
	    { echo "bench: strata-aggregator did not start" >&2; exit 1; }
	c0=$(cpu_ticks "$IT_AGG_PID")
	out=$("$GEN" -n "$n" -c "$copies" "127.0.0.1:$IT_AGG_PORT" "$CORPUS" \
	    2>>"$IT_DIR/bench_ingest.log") ||
	    { echo "bench: bench_ingest failed" >&2; exit 1; }
	c1=$(cpu_ticks "$IT_AGG_PID")
	it_ctl --json status >"$IT_DIR/$name.status"
	it_stop_aggregator
	# The floor, in the same run: as many records of the corpus by a
	# raw SQLite loop at the aggregator's synchronous mode, then with a
	# json-c parse of each record (bench_floor.c).
	sync=full
	case " $* " in *" --durable no "*) sync=normal ;; esac
	sent=$(echo "$out" | awk '{ for (i = 1; i < NF; i++)
	    if ($i == "records") print $(i + 1) }')
	floor=$("$FLOOR" -n "$sent" -s "$sync" "$IT_DIR/$name.floor.db" \
	    "$CORPUS") &&
	floorj=$("$FLOOR" -j -n "$sent" -s "$sync" "$IT_DIR/$name.floor.db" \
	    "$CORPUS") ||
	    { echo "bench: bench_floor failed" >&2; exit 1; }
	rm -f "$IT_DIR/$name.floor.db"*
	python3 - "$out" "$((c1 - c0))" "$(getconf CLK_TCK)" \
	    "$IT_DIR/$name.status" "$name" "$floor" "$floorj" <<'EOF'
import json, sys
def kv(s):
    s = s.split()
    return dict(zip(s[0::2], s[1::2]))
r = kv(sys.argv[1])
recs, wall = int(r["records"]), float(r["wall_s"])
cpu = int(sys.argv[2]) / int(sys.argv[3])
st = json.load(open(sys.argv[4]))
stored = st["counters"].get("records.stored", 0)
ok = "" if stored == recs else " (stored %d of %d!)" % (stored, recs)
fl = float(kv(sys.argv[6])["per_cpu_s"])
flj = float(kv(sys.argv[7])["per_cpu_s"])
rate = recs / cpu if cpu else 0
print("| %s | %s | %d | %.2f | %.0f | %.2f | %.0f | %.0f | %.3f | %.0f | %.2f |%s" % (
    sys.argv[5], r["agents"], recs, wall, recs / wall, cpu, rate,
    fl, rate / fl, flj, float(r["generator_cpu_s"]), ok))
EOF
}

HEAD="| run | agents | records | wall s | records/s | aggregator CPU s | records per aggregator CPU-s | raw SQLite floor per CPU-s | ratio to the floor | floor with a json-c parse, per CPU-s | generator CPU s |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

# ---- 2. ingest -------------------------------------------------------------------
if [ -n "$AGENTS" ]; then
	echo
	echo "$HEAD"
	for n in $AGENTS; do
		ingest "full-$n" "$n" $(((RECORDS / NCORPUS + n - 1) / n))
	done
	ingest "normal-4" 4 $(((RECORDS / NCORPUS + 3) / 4)) --durable no
fi

# ---- 3. batches after a clean restart (SQLite's planner statistics) ----------------
# A few migrations of one VM (all its sides of one role per node), a
# clean stop (PRAGMA optimize writes sqlite_stat1), a start, then 2000
# migrations over 500 VMs; against the same without the restart.  The
# plans are pinned (docs/store.md, "Query plans"): the two must match.
echo
BS="$top_builddir/tests/bench/bench_store"
for how in continue restart; do
	"$BS" -d "$IT_DIR" -m 3 -M "${STRATA_BENCH_RESTART_MIGS:-2000}" -r 10 \
	    -v 500 -n 4 -q 5 -s normal -R "$how" >"$IT_DIR/restart-$how.out" ||
	    { echo "bench: bench_store -R $how failed" >&2; exit 1; }
done
python3 - "$IT_DIR/restart-continue.out" "$IT_DIR/restart-restart.out" <<'EOF'
import re, sys
def ms(path):
    for line in open(path):
        m = re.search(r"(continue|restart): [0-9.]+ ms per batch before, "
                      r"([0-9.]+) ms after", line)
        if m:
            return float(m.group(2))
c, r = ms(sys.argv[1]), ms(sys.argv[2])
print("batches after a clean restart (one VM's statistics): %.2f ms per "
      "batch, %.2f ms without the restart (x%.2f)" % (r, c, r / c))
EOF

# ---- 5. scale: 1,000 agents on one aggregator ---------------------------------------
# Before the queries, which may leave early (no rounds to query).
SCALE=${STRATA_BENCH_SCALE:-1000}
if [ "$SCALE" -gt 0 ]; then
	IT_AGG_PORT='' IT_AGG_DB=$IT_DIR/scale.db IT_AGG_SOCK=$IT_DIR/scale.sock
	it_start_aggregator ||
	    { echo "bench: strata-aggregator did not start" >&2; exit 1; }
	c0=$(cpu_ticks "$IT_AGG_PID")
	"$GEN" -n "$SCALE" -c "${STRATA_BENCH_SCALE_COPIES:-2}" -b 50 \
	    "127.0.0.1:$IT_AGG_PORT" "$CORPUS" >"$IT_DIR/scale.out" \
	    2>>"$IT_DIR/bench_ingest.log" &
	gen=$!
	python3 "$LAT" --while "$gen" "$IT_AGG_SOCK" >"$IT_DIR/scale.lat" ||
	    { echo "bench: ctl_latency.py --while failed" >&2; exit 1; }
	wait "$gen" || { echo "bench: bench_ingest -n $SCALE failed" >&2; exit 1; }
	c1=$(cpu_ticks "$IT_AGG_PID")
	it_ctl --json status >"$IT_DIR/scale.status"
	grep -E '^Vm(HWM|RSS)' "/proc/$IT_AGG_PID/status" >"$IT_DIR/scale.rss"
	it_stop_aggregator
	echo
	python3 - "$(cat "$IT_DIR/scale.out")" "$((c1 - c0))" "$(getconf CLK_TCK)" \
	    "$IT_DIR/scale.status" "$IT_DIR/scale.lat" "$IT_DIR/scale.rss" \
	    "$IT_AGG_DB" "$((CROUNDS * SCALE * ${STRATA_BENCH_SCALE_COPIES:-2}))" <<'EOF'
import json, sqlite3, sys
kv = sys.argv[1].split()
r = dict(zip(kv[0::2], kv[1::2]))
recs, wall = int(r["records"]), float(r["wall_s"])
cpu = int(sys.argv[2]) / int(sys.argv[3])
st = json.load(open(sys.argv[4]))
lat = open(sys.argv[5]).read().split()
lat = dict(zip(lat[1::2], lat[2::2]))
rss = dict(l.split(":") for l in open(sys.argv[6]))
db = sqlite3.connect(sys.argv[7])
rounds = db.execute("SELECT count(*) FROM rounds").fetchone()[0]
stored = st["counters"].get("records.stored", 0)
dup = st["counters"].get("records.duplicate", 0)
nodes = db.execute("SELECT count(*) FROM nodes").fetchone()[0]
print("| agents | records sent | stored (counter) | duplicates | rounds stored / sent "
      "| nodes | wall s | records/s | aggregator CPU s | records per CPU-s "
      "| handshake p50 / p99 / max ms | status p50 / p99 / max ms (n) "
      "| aggregator RSS peak / end MiB |")
print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|---|")
print("| %s | %d | %d | %d | %d / %s | %d | %.2f | %.0f | %.2f | %.0f "
      "| %s / %s / %s | %s / %s / %s (%s) | %.0f / %.0f |" % (
          r["agents"], recs, stored, dup, rounds, sys.argv[8], nodes, wall,
          recs / wall, cpu,
          recs / cpu if cpu else 0, r["welcome_p50_ms"], r["welcome_p99_ms"],
          r["welcome_max_ms"], lat["p50_ms"], lat["p99_ms"], lat["max_ms"],
          lat["n"], int(rss["VmHWM"].split()[0]) / 1024,
          int(rss["VmRSS"].split()[0]) / 1024))
if stored != recs or rounds != int(sys.argv[8]):
    print("bench: %d records sent, %d stored, %d of %s rounds!" % (
        recs, stored, rounds, sys.argv[8]))
EOF
fi

# ---- 4. queries over >= 1 M rounds -------------------------------------------------
if [ -n "${STRATA_BENCH_DB:-}" ]; then
	QDB=$STRATA_BENCH_DB
elif [ "$ROUNDS" -eq 0 ] || [ "$CROUNDS" -eq 0 ]; then
	IT_DONE=1
	exit 0
else
	QDB=$IT_DIR/rounds.db
	copies=$(((ROUNDS / CROUNDS + 4) / 4))
	echo
	echo "bench: filling $QDB with $((copies * 4 * CROUNDS)) rounds" \
	    "($((copies * 4 * NCORPUS)) records) through the aggregator, 4 agents"
	echo "$HEAD"
	ingest rounds 4 "$copies"
fi
IT_AGG_PORT='' IT_AGG_DB=$QDB IT_AGG_SOCK=$IT_DIR/q.sock
it_start_aggregator ||
    { echo "bench: strata-aggregator did not start on $QDB" >&2; exit 1; }
echo
# The queries while ingest runs: 4 more agents (nodes load1-00 .. 03,
# load2-00, ...) send copies of the corpus for as long as the queries last.
load=
if [ "${STRATA_BENCH_QUERY_LOAD:-4}" -gt 0 ]; then
	: >"$IT_DIR/load.out"
	(i=0; while :; do
		i=$((i + 1))
		"$GEN" -p "load$i" -n "${STRATA_BENCH_QUERY_LOAD:-4}" -c 50 \
		    -b "${STRATA_BENCH_LOAD_BATCH:-500}" \
		    "127.0.0.1:$IT_AGG_PORT" "$CORPUS" >>"$IT_DIR/load.out" \
		    2>>"$IT_DIR/bench_ingest.log" || break
	done) &
	load=$!
	echo "bench: the queries run while ${STRATA_BENCH_QUERY_LOAD:-4}" \
	    "agents send records (bench_ingest -p loadN, 50 copies a run)"
fi
python3 "$LAT" "$IT_AGG_SOCK" "$IT_AGG_PID" "$QUERIES" ||
    { echo "bench: ctl_latency.py failed" >&2; exit 1; }
if [ -n "$load" ]; then
	kill "$load" 2>/dev/null
	pkill -f "bench_ingest -p load" 2>/dev/null
	wait "$load" 2>/dev/null
	awk '{ for (i = 1; i < NF; i++) if ($i == "records") n += $(i + 1);
	    r++ } END { printf "bench: during the queries the load had %d" \
	    " records acknowledged in %d whole runs\n", n, r }' "$IT_DIR/load.out"
fi
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
	it_ctl --json migrations >/dev/null
done
t1=$(date +%s%N)
echo "stratactl --json migrations (process start, query, JSON printed):" \
    "$(((t1 - t0) / 10000000)) ms per run"
it_stop_aggregator
IT_DONE=1
exit 0
