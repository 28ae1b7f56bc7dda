#!/bin/sh
# run.sh: the fuzz targets under make check (TAP).  For every target, two
# tests: its committed corpus tests/fuzz/corpus/TARGET/ (seeds and the
# inputs of past findings) replays without a finding, then FUZZ_TIME
# seconds (default 20) of fuzzing from it, with the format's dictionary,
# find nothing.  The executions and the coverage reached (libFuzzer's cov:
# and ft:) are printed as diagnostics.  A finding leaves its input in
# tests/fuzz/work/TARGET/ and its report in tests/fuzz/work/TARGET.log.
#
# Environment: FUZZ_SEED (libFuzzer -seed, 1: the same mutations every
# run, so a make check slice says the same on every machine; 0: random),
# FUZZ_TIME (seconds per target; 0 replays the corpora only),
# FUZZ_RUNS (stop after that many executions, if it comes first),
# FUZZ_TARGETS (names, default all), FUZZ_KEEP=1 (make fuzz-long: keep the
# inputs found in tests/fuzz/work/TARGET/corpus for the next run),
# FUZZ_JOBS (fuzzing processes per target, default 1: with N > 1, N
# libFuzzer jobs at once on one shared corpus, FUZZ_RUNS executions each,
# their logs tests/fuzz/work/TARGET/fuzz-*.log, the executions summed).
# Skips, with the reason, when configure found no clang with libFuzzer.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
fuzz=$top_srcdir/tests/fuzz
work=$top_builddir/tests/fuzz/work
time=${FUZZ_TIME:-20}

if [ ! -r "$top_builddir/tests/fuzz/fuzz-env.sh" ]; then
	echo "1..0 # SKIP tests/fuzz/fuzz-env.sh missing: run it through make"
	exit 0
fi
. "$top_builddir/tests/fuzz/fuzz-env.sh"
if [ "$FUZZ_OK" != yes ]; then
	echo "1..0 # SKIP $FUZZ_WHY"
	exit 0
fi
names=${FUZZ_TARGETS:-$FUZZ_NAMES}
set -- $names
echo "1..$(($# * 2))"

n=0
failed=0
result() {		# result OK|NOT TEXT...
	n=$((n + 1))
	r=$1
	shift
	if [ "$r" = OK ]; then
		echo "ok $n - $*"
	else
		echo "not ok $n - $*"
		failed=1
	fi
}

# The last lines of a libFuzzer log as TAP diagnostics.
tail_diag() {
	tail -n "${2:-25}" "$1" | sed 's/^/# /'
}

mkdir -p "$work"
for t in $names; do
	bin=$top_builddir/tests/fuzz/fuzz_$t
	corpus=$fuzz/corpus/$t
	log=$work/$t.log
	if [ ! -x "$bin" ]; then
		result NOT "$t: tests/fuzz/fuzz_$t is not built (make fuzz)"
		result NOT "$t: fuzzing"
		continue
	fi

	# The committed corpus, every input once.
	ninputs=$(ls "$corpus" | wc -l)
	if "$bin" -timeout=30 "$corpus"/* > "$log" 2>&1; then
		result OK "$t: the $ninputs inputs of corpus/$t replay without a finding"
	else
		result NOT "$t: corpus/$t replays with a finding"
		tail_diag "$log"
	fi

	if [ "$time" -eq 0 ]; then
		result OK "$t: fuzzing # SKIP FUZZ_TIME=0"
		continue
	fi
	case $t in
	# A pair of sides fits (fuzz-corpus.c); so do the whole streams of
	# corpus/oslo (its messages are 2-6 kB).
	ingest|oslo) opts=-max_len=8192 ;;
	# A client's requests are a few dozen bytes: 512 holds several (the
	# 100 kB line of corpus/ctl is replayed whole above, fuzzed cut).
	# An ovs input grown to 3 kB crosses thousands of summary windows
	# and ran at a tenth of the rate; 512 bytes are some 60 events.
	ctl|ovs) opts=-max_len=512 ;;
	*)	opts= ;;
	esac
	jobs=${FUZZ_JOBS:-1}
	[ "$jobs" -gt 1 ] && opts="$opts -jobs=$jobs -workers=$jobs"
	[ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$work/$t"
	mkdir -p "$work/$t/corpus"
	rm -f "$work/$t"/fuzz-*.log
	start=$(date +%s)
	# With -jobs, libFuzzer writes each job's log as fuzz-N.log in the
	# current directory.
	if (cd "$work/$t" && "$bin" -max_total_time="$time" \
	    ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -seed="${FUZZ_SEED:-1}" \
	    $opts -timeout=10 -rss_limit_mb=2048 \
	    -dict="$fuzz/$t.dict" -artifact_prefix="$work/$t/" \
	    -print_final_stats=1 "$work/$t/corpus" "$corpus") > "$log" 2>&1
	then
		r=OK
	else
		r=NOT
	fi
	secs=$(($(date +%s) - start))
	logs=$log
	[ "$jobs" -gt 1 ] && logs=$(ls "$work/$t"/fuzz-*.log)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $logs | \
	    awk '{ n += $1 } END { if (NR) print n }')
	cov=$(grep -hE '^#[0-9]+' $logs | tail -n 1 | \
	    sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/cov \1 ft \2/p')
	[ "$jobs" -gt 1 ] && grep -q -E 'Test unit written|==[0-9]+==ERROR|deadly signal|ALARM' \
	    $logs && r=NOT
	if [ "$r" = OK ]; then
		result OK "$t: $secs s of fuzzing, ${execs:-?} executions," \
		    "${cov:-no coverage line}, no finding"
	else
		result NOT "$t: fuzzing found something after ${execs:-?}" \
		    "executions (input in tests/fuzz/work/$t/)"
		tail_diag "$log" 40
	fi
done
exit $failed
