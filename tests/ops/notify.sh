#!/bin/bash
# notify.sh: the sd_notify protocol as systemd sees it.  A stand-in for
# systemd's socket (notify_listen.py) gets what lib/notify.c sends on
# its own (notify_test), then what strata-agent and strata-aggregator
# send when started with NOTIFY_SOCKET and WATCHDOG_USEC=400000 (as
# WatchdogSec=0.4s would): READY=1, a STATUS= line, WATCHDOG=1 at least
# every 400 ms, and STOPPING=1 after SIGTERM, then exit status 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/ops/lib.sh"

it_init ops-notify 120
WD_USEC=400000

# listen NAME: starts a listener on $IT_DIR/NAME.sock writing NAME.out.
listen()
{
	local n=50
	python3 "$OPS_SRC/notify_listen.py" "$IT_DIR/$1.sock" \
	    "$IT_DIR/$1.out" 30 2>>"$IT_DIR/listen.log" &
	IT_PIDS+=("$!")
	LISTENER=$!
	while [ "$n" -gt 0 ]; do
		grep -q '^listening' "$IT_DIR/$1.out" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_msg NAME PATTERN TIMEOUT: until a message matching PATTERN.
wait_msg()
{
	local n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		grep -q "$2" "$IT_DIR/$1.out" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# check NAME WHO: the messages of one run.
check()
{
	local out=$IT_DIR/$1.out who=$2 gaps
	grep -q '^[0-9.]* \(.*|\)\?READY=1\(|\|$\)' "$out"
	tap_ok $? "$who: READY=1" || tap_diag "$(head -n 5 "$out")"
	grep -q 'STATUS=[^|]' "$out"
	tap_ok $? "$who: a STATUS= line ($(grep -o 'STATUS=[^|]*' "$out" |
	    tail -n 1))" || tap_diag "no STATUS= in $(wc -l <"$out") messages"
	# WATCHDOG=1 pings: at least 3, never more than WATCHDOG_USEC apart
	gaps=$(grep 'WATCHDOG=1' "$out" | awk '
	    { t[NR] = $1 } END {
		max = 0
		for (i = 2; i <= NR; i++) if (t[i] - t[i-1] > max) max = t[i] - t[i-1]
		printf "%d %.3f\n", NR, max }')
	set -- $gaps
	[ "${1:-0}" -ge 3 ] && awk -v m="$2" -v w=$WD_USEC \
	    'BEGIN { exit !(m * 1e6 < w) }'
	tap_ok $? "$who: WATCHDOG=1 ${1:-0} times, at most ${2:-?} s apart (< 0.4 s)" ||
	    tap_diag "$who does not ping the watchdog: the daemon must use lib/notify.c" \
	    "(notify_create/notify_ready/notify_stopping)"
	grep -q 'STOPPING=1' "$out"
	tap_ok $? "$who: STOPPING=1 after SIGTERM"
}

# run NAME WHO PROG ARGS...: the daemon under a listener; SIGTERM once
# READY=1 and 1.5 s of pings are there.
run()
{
	local name=$1 who=$2 pid st
	shift 2
	if [ ! -x "$1" ]; then
		tap_ok 1 "$who is built ($1)"
		tap_skip 4 "$who not built"
		return
	fi
	if ! listen "$name"; then
		tap_ok 1 "$who: notification listener starts"
		tap_skip 4 "no listener"
		return
	fi
	NOTIFY_SOCKET=$IT_DIR/$name.sock WATCHDOG_USEC=$WD_USEC \
	    "$@" >"$IT_DIR/$name.log" 2>&1 &
	pid=$!
	IT_PIDS+=("$pid")
	wait_msg "$name" 'READY=1' 10
	sleep 1.5
	kill -TERM "$pid" 2>/dev/null
	timeout 10 tail --pid="$pid" -f /dev/null
	wait "$pid"
	st=$?
	tap_is "$st" 0 "$who exits 0 on SIGTERM" ||
	    tap_diag "$(tail -n 5 "$IT_DIR/$name.log")"
	wait "$LISTENER" 2>/dev/null
	check "$name" "$who"
}

# notify.c itself; it stops on its own after 1.5 s.
NT=$top_builddir/tests/ops/notify_test
if listen nt; then
	NOTIFY_SOCKET=$IT_DIR/nt.sock WATCHDOG_USEC=$WD_USEC "$NT" 1500 \
	    >"$IT_DIR/nt.log" 2>&1
	tap_is $? 0 "notify_test runs 1.5 s and exits 0"
	wait "$LISTENER" 2>/dev/null
	check nt "notify.c"
else
	tap_ok 1 "notification listener starts"
fi

read -r P1 P2 < <(it_free_ports 2)
# Nothing listens on P1: the live agent keeps retrying and stays up.
run agent strata-agent "$top_builddir/agent/strata-agent" \
    --live "net://127.0.0.1:$P1/host/$(hostname)/ops" --jsonl /dev/null
run aggregator strata-aggregator "$top_builddir/aggregator/strata-aggregator" \
    -d --listen "127.0.0.1:$P2" --db "$IT_DIR/agg.db" --ctl "$IT_DIR/agg.sock"

tap_done
