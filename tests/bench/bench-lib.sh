# tests/bench/bench-lib.sh: what the agent benchmarks (run.sh, os_bench.sh,
# ovs_bench.sh) share, sourced after tests/integration/lib.sh: the median
# of the runs, and one run timed by /usr/bin/time -v.

# median LIST...: the median of numbers.
median()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed OUT CMD...: runs CMD under /usr/bin/time -v, its output in OUT.out
# and OUT.err; sets TIMED_RC, WALL (s), CPU (user + system, s) and RSS
# (KiB).
timed()
{
	local out=$1
	shift
	/usr/bin/time -v -o "$out.time" "$@" >"$out.out" 2>"$out.err"
	TIMED_RC=$?
	WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":");
	    s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' \
	    "$out.time")
	CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
	    END { print u + s }' "$out.time")
	RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' \
	    "$out.time")
}
