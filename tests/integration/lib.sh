# shellcheck shell=bash
# tests/integration/lib.sh: the shared harness of the integration tests.
#
# Source it from a bash test.  It prints TAP (tap_plan, tap_ok, tap_is,
# tap_skip, tap_diag), makes a private temporary directory, runs a real
# lttng-relayd and lttng-sessiond --no-kernel on free ports (as user nobody
# with a private LTTNG_HOME when the test runs as root, because a root
# session daemon ignores LTTNG_HOME), creates live sessions, runs traced
# programs as the same user, starts strata-agent, waits for records, and
# tears every daemon down on exit, failure, timeout or signal.
#
#	. "$top_srcdir/tests/integration/lib.sh"
#	it_init my-test 120		# name, overall timeout (s)
#	it_need_lttng			# skip the whole test if LTTng is missing
#	tap_plan 3
#	it_start_lttng && it_create_live_session s1
#	it_start_agent s1 "$IT_DIR/rec.jsonl"
#	it_emit --speed 20 "$(it_scenario converge)"
#	it_wait_record "$IT_DIR/rec.jsonl" 20 'finals and finals[0]["outcome"]'
#	tap_is "$(it_rec "$IT_DIR/rec.jsonl" 'finals[0]["outcome"]')" completed \
#	    "converging scenario ends completed"
#
# Environment: top_srcdir, top_builddir (set by `make check`; derived from
# this file's location and the current directory otherwise),
# STRATA_KEEP_TMP=1 keeps the temporary directory, STRATA_TEST_VERBOSE=1
# prints daemon logs as TAP diagnostics at the end.  IT_TAP=0 (the demo)
# leaves out the TAP plan.

# ---- paths -----------------------------------------------------------------

IT_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$IT_LIBDIR/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
IT_CHECK="$IT_LIBDIR/check_records.py"
IT_AGENT="$top_builddir/agent/strata-agent"
IT_EMIT="$top_builddir/emit/strata-emit"
IT_BRIDGE="$top_builddir/emit/strata-qemu-bridge"
IT_SCENARIOS="$top_srcdir/tests/data/scenarios"
IT_QEMULOGS="$top_srcdir/tests/data/qemu-7.2"

# ---- TAP ---------------------------------------------------------------------

IT_TAP_N=0		# tests printed so far
IT_TAP_FAILED=0
IT_TAP_PLAN=0

tap_plan()
{
	IT_TAP_PLAN=$1
	echo "1..$1"
}

# The test reached its end (with no plan up front, teardown prints it).
tap_done()
{
	IT_DONE=1
	exit 0
}
IT_DONE=0

# Skips the whole test file with a reason; exits.
tap_skip_all()
{
	echo "1..0 # SKIP $*"
	IT_TAP_PLAN=-1
	exit 0
}

tap_diag()
{
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

# tap_ok STATUS DESCRIPTION: STATUS 0 passes.
tap_ok()
{
	local st=$1
	shift
	IT_TAP_N=$((IT_TAP_N + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $IT_TAP_N - $*"
	else
		echo "not ok $IT_TAP_N - $*"
		IT_TAP_FAILED=$((IT_TAP_FAILED + 1))
	fi
	return "$st"
}

# tap_is GOT EXPECTED DESCRIPTION
tap_is()
{
	local got=$1 exp=$2
	shift 2
	if [ "$got" = "$exp" ]; then
		tap_ok 0 "$*"
	else
		tap_ok 1 "$*"
		tap_diag "got:      '$got'" "expected: '$exp'"
		return 1
	fi
}

# tap_cmp GOT OP EXPECTED DESCRIPTION, OP one of -eq -ne -lt -le -gt -ge;
# a GOT that is not an integer fails.
tap_cmp()
{
	local got=$1 op=$2 exp=$3
	shift 3
	if [[ "$got" =~ ^-?[0-9]+$ ]] && [ "$got" "$op" "$exp" ]; then
		tap_ok 0 "$*"
	else
		tap_ok 1 "$*"
		tap_diag "got: '$got', wanted $op $exp"
		return 1
	fi
}

# tap_skip N REASON: N skipped tests.
tap_skip()
{
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		IT_TAP_N=$((IT_TAP_N + 1))
		echo "ok $IT_TAP_N # SKIP $*"
	done
}

# Skips whatever remains of the plan (after a setup failure).
tap_skip_rest()
{
	local left=$((IT_TAP_PLAN - IT_TAP_N))
	[ "$left" -gt 0 ] && tap_skip "$left" "$*"
	return 0
}

# ---- records -------------------------------------------------------------------

# it_mark FILE: from now on it_rec, tap_rec and it_wait_record look only at
# the records FILE gets after this point (IT_REC_FROM lines are skipped).
it_mark()
{
	IT_REC_FROM=$(wc -l <"$1" 2>/dev/null || echo 0)
}
IT_REC_FROM=0

# it_rec FILE EXPR: prints the value of EXPR over the records of FILE (see
# check_records.py for the names it can use).
it_rec()
{
	STRATA_REC_FROM=$IT_REC_FROM python3 "$IT_CHECK" eval "$1" "$2"
}

# tap_rec FILE EXPR DESCRIPTION: passes when EXPR is true.
tap_rec()
{
	local v st
	v=$(STRATA_REC_FROM=$IT_REC_FROM python3 "$IT_CHECK" eval "$1" "$2")
	st=$?
	tap_ok "$st" "$3" || {
		tap_diag "expression: $2" "value: $v"
		it_show_records "$1"
	}
	return "$st"
}

# tap_recs FILE <<EOF: many checks over the records of FILE in one go (one
# Python start instead of one per check).  Checks are separated by blank
# lines; each is a description line, then the expression (indented).
tap_recs()
{
	local st desc expr val failed=0
	while IFS=$'\t' read -r st desc expr val; do
		if [ "$st" = 1 ]; then
			tap_ok 0 "$desc"
		else
			tap_ok 1 "$desc"
			tap_diag "expression: $expr" "value: $val"
			failed=1
		fi
	done < <(STRATA_REC_FROM=$IT_REC_FROM python3 "$IT_CHECK" batch "$1")
	[ "$failed" -eq 1 ] && it_show_records "$1"
	return "$failed"
}

# it_wait_record FILE TIMEOUT EXPR: waits until EXPR is true over the
# records of FILE; fails after TIMEOUT seconds or when the agent exits.
it_wait_record()
{
	local err st
	err=$(STRATA_REC_FROM=$IT_REC_FROM python3 "$IT_CHECK" wait "$1" "$2" "$3" \
	    ${IT_AGENT_PID:+"$IT_AGENT_PID"} 2>&1)
	st=$?
	[ -n "$err" ] && tap_diag "$err"
	return "$st"
}

# Prints the records of FILE as TAP diagnostics (after a failure).
it_show_records()
{
	tap_diag "records in $(basename "$1"):"
	tap_diag "$(STRATA_REC_FROM=$IT_REC_FROM python3 "$IT_CHECK" show "$1" \
	    2>&1 | tail -n 40)"
}

# ---- temporary directory, teardown, timeout -----------------------------------

IT_DIR=
IT_NAME=
IT_PIDS=()		# background processes to end at teardown
IT_RELAYD_PID=
IT_SESSIOND_PID=
IT_AGENT_PID=
IT_WATCHDOG_PID=
IT_ROOT=0
[ "$(id -u)" -eq 0 ] && IT_ROOT=1

# it_init NAME TIMEOUT: temporary directory, traps and the watchdog that
# ends the test after TIMEOUT seconds whatever it is doing.
it_init()
{
	IT_NAME=$1
	IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-it-$1.XXXXXX") || {
		echo "Bail out! cannot make a temporary directory"
		exit 1
	}
	chmod 755 "$IT_DIR"
	mkdir -p "$IT_DIR/home" "$IT_DIR/relayd" "$IT_DIR/bin" "$IT_DIR/data" \
	    "$IT_DIR/traces"
	chmod 755 "$IT_DIR/bin" "$IT_DIR/data"
	[ "$IT_ROOT" -eq 1 ] && chown nobody:nogroup "$IT_DIR/home" \
	    "$IT_DIR/relayd" "$IT_DIR/traces"
	it_set_nobody
	trap it_teardown EXIT
	trap 'it_on_signal TERM' TERM
	trap 'it_on_signal INT' INT
	it_watchdog "${2:-120}"
}

it_watchdog()
{
	local secs=$1 main=$$
	(
		trap - EXIT TERM INT
		sleep "$secs"
		echo "# watchdog: $IT_NAME still running after ${secs}s"
		kill -TERM "$main" 2>/dev/null
		# The main shell runs its trap only after its foreground
		# command returns: end those commands too.
		for p in $(pgrep -P "$main"); do
			[ "$p" != "$BASHPID" ] && kill -TERM "$p" 2>/dev/null
		done
	) &
	IT_WATCHDOG_PID=$!
}

it_on_signal()
{
	echo "Bail out! $IT_NAME: got SIG$1 (timeout or interrupt)"
	exit 1
}

# Ends one process: TERM, up to $2 tenths of a second, then KILL.
it_kill_pid()
{
	local pid=$1 n=${2:-50}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		# a zombie we are the parent of: reap it
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

it_teardown()
{
	local st=$? p kids
	trap - EXIT TERM INT
	if [ -n "$IT_WATCHDOG_PID" ]; then
		# the watchdog first (so it does not fire), then its sleep
		kids=$(pgrep -P "$IT_WATCHDOG_PID")
		kill "$IT_WATCHDOG_PID" 2>/dev/null
		wait "$IT_WATCHDOG_PID" 2>/dev/null
		for p in $kids; do
			kill "$p" 2>/dev/null
		done
	fi
	it_kill_pid "$IT_AGENT_PID" 30
	for p in "${IT_PIDS[@]}"; do
		it_kill_pid "$p" 20
	done
	if [ -n "$IT_SESSIOND_PID" ]; then
		kids=$(pgrep -P "$IT_SESSIOND_PID")
		it_kill_pid "$IT_SESSIOND_PID" 50
		# consumer daemons outliving their session daemon
		for p in $kids $(for k in $kids; do pgrep -P "$k"; done); do
			it_kill_pid "$p" 10
		done
	fi
	it_kill_pid "$IT_RELAYD_PID" 50
	if [ "${STRATA_TEST_VERBOSE:-0}" = 1 ] || { [ "$IT_TAP_FAILED" -gt 0 ] &&
	    [ -n "$IT_DIR" ]; }; then
		for p in "$IT_DIR"/*.log; do
			[ -s "$p" ] || continue
			tap_diag "--- $(basename "$p") (last lines)"
			tap_diag "$(tail -n 15 "$p")"
		done
	fi
	if [ -n "$IT_DIR" ] && [ "${STRATA_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$IT_DIR"
	elif [ -n "$IT_DIR" ]; then
		echo "# kept $IT_DIR"
	fi
	if [ "$IT_TAP_PLAN" -gt 0 ] && [ "$IT_TAP_N" -ne "$IT_TAP_PLAN" ]; then
		echo "# planned $IT_TAP_PLAN tests, ran $IT_TAP_N"
		[ "$st" -eq 0 ] && st=1
	elif [ "$IT_TAP_PLAN" -eq 0 ] && [ "${IT_TAP:-1}" = 1 ]; then
		# no plan up front: the plan comes last, and an early end is a
		# failure of its own
		[ "$IT_DONE" -eq 1 ] ||
		    tap_ok 1 "$IT_NAME ran to its end (exit status $st)"
		echo "1..$IT_TAP_N"
	fi
	[ "$IT_TAP_FAILED" -gt 0 ] && [ "$st" -eq 0 ] && st=1
	exit "$st"
}

# ---- requirements ---------------------------------------------------------------

it_need_lttng()
{
	local p
	for p in lttng lttng-sessiond lttng-relayd python3; do
		command -v "$p" >/dev/null 2>&1 ||
		    tap_skip_all "$p not found (install lttng-tools, python3)"
	done
	if [ "$IT_ROOT" -eq 1 ]; then
		command -v setpriv >/dev/null 2>&1 ||
		    tap_skip_all "running as root needs setpriv (util-linux)"
		id nobody >/dev/null 2>&1 ||
		    tap_skip_all "running as root needs a user nobody"
	fi
	return 0
}

# it_need_prog PATH...: skips the test when a program of the build is
# missing (its part is not built yet).
it_need_prog()
{
	local p
	for p; do
		[ -x "$p" ] || tap_skip_all "$(basename "$p") not built ($p)"
	done
}

# ---- running as the tracing user -------------------------------------------------

# it_nobody CMD...: runs CMD as the user that owns the LTTng daemons, with
# their LTTNG_HOME.
it_nobody()
{
	"${IT_AS_NOBODY[@]}" "$@"
}

# The command prefix it_nobody uses, as an array (for timeout(1) & co).
it_set_nobody()
{
	if [ "$IT_ROOT" -eq 1 ]; then
		IT_AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup
		    --clear-groups env "LTTNG_HOME=$IT_DIR/home"
		    "HOME=$IT_DIR/home")
	else
		IT_AS_NOBODY=(env "LTTNG_HOME=$IT_DIR/home")
	fi
}

# it_lttng ARGS...: the lttng client, never spawning a session daemon of
# its own.
it_lttng()
{
	it_nobody lttng --no-sessiond "$@"
}

# it_bin PATH: copies an ELF into the temporary directory (the build tree
# may not be traversable by nobody) and prints the copy's path.
it_bin()
{
	local dst
	dst="$IT_DIR/bin/$(basename "$1")"
	[ -x "$dst" ] || { cp "$1" "$dst" && chmod 755 "$dst"; } || return 1
	echo "$dst"
}

# it_data PATH [NAME]: copies a data file where nobody can read it and
# prints the copy's path.
it_data()
{
	local dst
	dst="$IT_DIR/data/${2:-$(basename "$1")}"
	cp "$1" "$dst" && chmod 644 "$dst" || return 1
	echo "$dst"
}

# it_readable ARGS...: IT_ARGS = ARGS with every one that names a file
# replaced by a copy the tracing user can read, $IT_DIR/data/DIR-NAME (its
# folder's name and its own: two scenarios of one folder stay apart, and a
# program's log still names the file).  The checkout may live in a
# directory only root can read (mktemp -d): whatever a program run as
# nobody reads comes through here, it_data or it_bin.  The arguments that
# name files are inputs; an output file of the program is not copied back.
it_readable()
{
	local a
	IT_ARGS=()
	for a; do
		if [ -f "$a" ] && [ "$(dirname "$a")" != "$IT_DIR/data" ]; then
			a=$(it_data "$a" \
			    "$(basename "$(dirname "$a")")-$(basename "$a")") ||
			    return 1
		fi
		IT_ARGS+=("$a")
	done
	return 0
}

# ---- LTTng daemons -----------------------------------------------------------------

# Prints N free TCP ports on 127.0.0.1.
it_free_ports()
{
	python3 - "$1" <<'EOF'
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))
EOF
}

# Waits until 127.0.0.1:PORT accepts connections (listening), TIMEOUT s.
it_wait_listen()
{
	local port=$1 n=$((${2:-10} * 10))
	while [ "$n" -gt 0 ]; do
		if command -v ss >/dev/null 2>&1; then
			ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN &&
			    return 0
		elif (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0	# no ss (iproute2): a connection tells too
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# Starts lttng-relayd on the ports in IT_CTRL_PORT, IT_DATA_PORT and
# IT_LIVE_PORT (picked on the first start, kept on restarts).
it_start_relayd()
{
	local try
	for try in 1 2 3; do
		if [ -z "${IT_LIVE_PORT:-}" ] || [ "$try" -gt 1 ]; then
			# shellcheck disable=SC2046
			set -- $(it_free_ports 3)
			IT_CTRL_PORT=$1 IT_DATA_PORT=$2 IT_LIVE_PORT=$3
		fi
		"${IT_AS_NOBODY[@]}" lttng-relayd -C "tcp://127.0.0.1:$IT_CTRL_PORT" \
		    -D "tcp://127.0.0.1:$IT_DATA_PORT" \
		    -L "tcp://127.0.0.1:$IT_LIVE_PORT" \
		    -o "$IT_DIR/relayd" >>"$IT_DIR/relayd.log" 2>&1 &
		IT_RELAYD_PID=$!
		if it_wait_listen "$IT_LIVE_PORT" 10 &&
		    it_wait_listen "$IT_CTRL_PORT" 2 &&
		    kill -0 "$IT_RELAYD_PID" 2>/dev/null; then
			return 0
		fi
		it_kill_pid "$IT_RELAYD_PID" 10
		IT_RELAYD_PID=
		[ -n "${IT_RELAYD_STICKY:-}" ] && break	# restart: same ports
	done
	tap_diag "lttng-relayd did not start:" "$(tail -n 5 "$IT_DIR/relayd.log")"
	return 1
}

it_kill_relayd()
{
	it_kill_pid "$IT_RELAYD_PID" 50
	IT_RELAYD_PID=
}

# Restarts lttng-relayd on the same ports (the agent's URL stays valid).
it_restart_relayd()
{
	local n=30
	it_kill_relayd
	while [ "$n" -gt 0 ]; do
		IT_RELAYD_STICKY=1 it_start_relayd && return 0
		sleep 0.3		# ports not released yet
		n=$((n - 1))
	done
	return 1
}

it_start_sessiond()
{
	local n=100 agent_port
	agent_port=$(it_free_ports 1)
	"${IT_AS_NOBODY[@]}" lttng-sessiond --no-kernel --agent-tcp-port="$agent_port" \
	    >>"$IT_DIR/sessiond.log" 2>&1 &
	IT_SESSIOND_PID=$!
	while [ "$n" -gt 0 ]; do
		kill -0 "$IT_SESSIOND_PID" 2>/dev/null || break
		it_lttng list >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	tap_diag "lttng-sessiond did not start:" \
	    "$(tail -n 5 "$IT_DIR/sessiond.log")"
	return 1
}

# Starts both daemons.
it_start_lttng()
{
	it_start_relayd && it_start_sessiond
}

# it_create_live_session NAME [PYTHON-EVENT...]: a live session streaming
# to our relayd with qemu:* and strata:* enabled, vpid and vtid contexts,
# and the lttng-ust Python agent's loggers named (`lttng enable-event
# --python` arguments: names, or -a for all); started.
it_create_live_session()
{
	local s=$1
	shift
	{
		it_lttng create "$s" --live=100000 \
		    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
		it_lttng enable-event -u -s "$s" 'qemu:*' &&
		it_lttng enable-event -u -s "$s" 'strata:*' &&
		it_lttng enable-event -u -s "$s" 'strata_kernel:*' &&
		it_lttng add-context -u -s "$s" -t vpid -t vtid &&
		{ [ $# -eq 0 ] || it_lttng enable-event --python -s "$s" "$@"; } &&
		it_lttng start "$s"
	} >>"$IT_DIR/lttng.log" 2>&1 && return 0
	tap_diag "cannot create live session $s:" \
	    "$(tail -n 5 "$IT_DIR/lttng.log")"
	return 1
}

# it_ovs_session NAME [PATTERN...]: a live session of the node in use with
# the ovs:* UST events and PATTERN's (e.g. 'strata:*'), vpid and vtid.
it_ovs_session()
{
	local s=$1 ev='ovs:*' p
	shift
	for p in "$@"; do
		ev="$ev,$p"
	done
	{
		it_lttng create "$s" --live=100000 \
		    --set-url "net://127.0.0.1:$IT_CTRL_PORT:$IT_DATA_PORT" &&
		it_lttng enable-event -u -s "$s" "$ev" &&
		it_lttng add-context -u -s "$s" -t vpid -t vtid &&
		it_lttng start "$s"
	} >>"$IT_DIR/lttng.log" 2>&1 && return 0
	tap_diag "cannot create live session $s:" \
	    "$(tail -n 5 "$IT_DIR/lttng.log")"
	return 1
}

# it_os_stage DIR: the OpenStack emitters (emit/strata-os-emit.py,
# strata_os.py, strata-os-replay.py), the Python logging handler
# (python/strata_lttngust.py) and the sample data (tests/data/openstack)
# copied to DIR/emit, DIR/python and DIR/tests/data/openstack, readable by
# all: the tracing user (nobody, as root) may not read the checkout.
it_os_stage()
{
	local d=$1
	mkdir -p "$d/emit" "$d/python" "$d/tests/data" &&
	cp "$top_srcdir/emit/strata-os-emit.py" "$top_srcdir/emit/strata_os.py" \
	    "$top_srcdir/emit/strata-os-replay.py" "$d/emit/" &&
	cp "$top_srcdir/python/strata_lttngust.py" "$d/python/" &&
	cp -r "$top_srcdir/tests/data/openstack" "$d/tests/data/" &&
	chmod -R a+rX "$d"
}

# it_create_local_session NAME DIR [lttng enable-channel options]: a
# non-live session writing its trace to DIR (owned by the tracing user).
it_create_local_session()
{
	local s=$1 dir=$2
	shift 2
	{
		it_lttng create "$s" --output="$dir" &&
		it_lttng enable-channel -u -s "$s" "$@" chan &&
		it_lttng enable-event -u -s "$s" -c chan 'qemu:*' &&
		it_lttng enable-event -u -s "$s" -c chan 'strata:*' &&
		it_lttng enable-event -u -s "$s" -c chan 'strata_kernel:*' &&
		it_lttng add-context -u -s "$s" -c chan -t vpid -t vtid &&
		it_lttng start "$s"
	} >>"$IT_DIR/lttng.log" 2>&1 && return 0
	tap_diag "cannot create session $s:" "$(tail -n 5 "$IT_DIR/lttng.log")"
	return 1
}

it_destroy_session()
{
	it_lttng destroy "$1" >>"$IT_DIR/lttng.log" 2>&1
}

# The live URL of session NAME on our relayd.
it_live_url()
{
	echo "net://127.0.0.1:$IT_LIVE_PORT/host/$(uname -n)/$1"
}

# it_viewers SESSION: how many live viewers the relayd has on SESSION
# (empty when the session is not there).
it_viewers()
{
	babeltrace2 -i lttng-live "net://127.0.0.1:$IT_LIVE_PORT" 2>/dev/null |
	    sed -n "s|.*/host/[^/]*/$1 (.*, \([0-9]*\) client(s) connected)\$|\1|p"
}

# it_wait_viewer SESSION TIMEOUT: waits until a live viewer (the agent) is
# attached to SESSION; events of packets closed before a viewer attaches
# are not sent to it.
it_wait_viewer()
{
	local n=$(($2 * 4)) v
	while [ "$n" -gt 0 ]; do
		v=$(it_viewers "$1")
		[ -n "$v" ] && [ "$v" -ge 1 ] && return 0
		sleep 0.25
		n=$((n - 1))
	done
	return 1
}

# ---- strata programs ------------------------------------------------------------------

# it_start_agent SESSION JSONL [ARGS...]: strata-agent as the invoking user,
# reading the live session; IT_AGENT_PID, log in $IT_DIR/agent.log.
it_start_agent()
{
	local s=$1 out=$2
	shift 2
	: >"$out"
	"$IT_AGENT" --live "$(it_live_url "$s")" --jsonl "$out" \
	    -D "$IT_PROC_DISK" ${IT_AGENT_ARGS:-} "$@" >>"$IT_DIR/agent.log" 2>&1 &
	IT_AGENT_PID=$!
	sleep 0.2
	kill -0 "$IT_AGENT_PID" 2>/dev/null && return 0
	tap_diag "strata-agent exited at once:" "$(tail -n 5 "$IT_DIR/agent.log")"
	return 1
}

it_stop_agent()
{
	it_kill_pid "$IT_AGENT_PID" 50
	IT_AGENT_PID=
}

# it_scenario NAME: path of tests/data/scenarios/NAME.scn.
it_scenario()
{
	echo "$IT_SCENARIOS/$1.scn"
}

# it_emit ARGS... SCENARIO...: plays scenarios with strata-emit as the
# tracing user in the foreground, bounded by IT_EMIT_TIMEOUT (60 s); every
# argument that is a file is copied where nobody can read it (it_readable).
# Output goes to $IT_DIR/emit.log.
it_emit()
{
	it_prog_cmd "$IT_EMIT" "$@" || return 1
	"${IT_CMD[@]}" >>"$IT_DIR/emit.log" 2>&1
}

# it_emit_bg ...: the same in the background; its pid is in IT_LAST_PID
# (timeout(1), which passes a TERM on to the emitter).
it_emit_bg()
{
	it_prog_cmd "$IT_EMIT" "$@" || return 1
	"${IT_CMD[@]}" >>"$IT_DIR/emit.log" 2>&1 &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

# it_bridge ARGS... LOG: strata-qemu-bridge the same way; output in
# $IT_DIR/bridge.log.
it_bridge()
{
	it_prog_cmd "$IT_BRIDGE" "$@" || return 1
	"${IT_CMD[@]}" >>"$IT_DIR/bridge.log" 2>&1
}

it_bridge_bg()
{
	it_prog_cmd "$IT_BRIDGE" "$@" || return 1
	"${IT_CMD[@]}" >>"$IT_DIR/bridge.log" 2>&1 &
	IT_LAST_PID=$!
	IT_PIDS+=("$IT_LAST_PID")
}

# it_prog_cmd PROG ARGS...: IT_CMD = the bounded command line running a
# copy of PROG as the tracing user, every argument naming a file replaced
# by a readable copy (it_readable).
it_prog_cmd()
{
	local bin prog=$1
	shift
	bin=$(it_bin "$prog") || return 1
	it_readable "$@" || return 1
	IT_CMD=(timeout -k 5 "${IT_EMIT_TIMEOUT:-60}" "${IT_AS_NOBODY[@]}"
	    "$bin" "${IT_ARGS[@]}")
}

# CPU time (user+system, ms) a process has used so far.
it_cpu_ms()
{
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
	    "/proc/$1/stat" 2>/dev/null
}

# ---- the whole chain: several nodes, the aggregator, stratactl ------------------
#
# For the chain-*.sh tests and the demo.  A "node" is a session daemon of
# its own (its own LTTNG_HOME, as a compute node has) streaming to the
# test's one relay daemon; each node's agent reads its node's session and
# pushes to one strata-aggregator.
#
#	it_start_relayd && it_node_start cmp1 && it_node_start cmp2
#	it_start_aggregator
#	it_on cmp1 it_create_live_session cmp1
#	it_start_node_agent cmp1 cmp1 "$IT_DIR/cmp1.jsonl"
#	it_on cmp1 it_emit --speed 20 "$(it_scenario converge)"
#	it_ctl --json migrations

IT_AGGREGATOR="$top_builddir/aggregator/strata-aggregator"
IT_STRATACTL="$top_builddir/clients/stratactl"
IT_CHAIN_CTL="$IT_LIBDIR/chain-ctl.py"
IT_NODE_SESSIONDS=()	# session daemons of it_node_start
IT_NODE_AGENTS=()	# agents of it_start_node_agent
IT_AGG_PID=
IT_AGG_ARGS=()		# more options of every it_start_aggregator
IT_AGENT_ARGS=()	# more options of every it_start_node_agent
# The live agents of the tests send a /proc disk's record at first sight
# and at the end only: the host's disks are busy while tests run, and a
# record sent any time in between would change the counts the tests
# compare (the agent's lines, the store's, Prometheus'); test_kernel
# checks the periodic records.  A test's own -D after it wins.
IT_PROC_DISK=kernel.proc_disk_s=0
IT_AGG_PORT=		# kept across it_start_aggregator calls (restarts)
IT_AGG_SOCK=
IT_AGG_DB=

# it_node_use NODE: it_lttng, it_emit, it_bridge & co talk to NODE's
# session daemon from now on; "" is the test's first one (it_start_sessiond).
it_node_use()
{
	local home=$IT_DIR/home${1:+-$1}
	if [ "$IT_ROOT" -eq 1 ]; then
		IT_AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup
		    --clear-groups env "LTTNG_HOME=$home" "HOME=$home")
	else
		IT_AS_NOBODY=(env "LTTNG_HOME=$home")
	fi
}

# it_on NODE CMD...: runs CMD (a function such as it_emit_bg, or a
# program) against NODE's session daemon, then switches back.
it_on()
{
	local saved=("${IT_AS_NOBODY[@]}") st
	it_node_use "$1"
	shift
	"$@"
	st=$?
	IT_AS_NOBODY=("${saved[@]}")
	return "$st"
}

# it_node_start NODE: a session daemon for NODE with LTTNG_HOME
# $IT_DIR/home-NODE; log sessiond-NODE.log.  Ended at teardown.
it_node_start()
{
	local node=$1 n=100 pid agent_port saved=("${IT_AS_NOBODY[@]}")
	mkdir -p "$IT_DIR/home-$node"
	[ "$IT_ROOT" -eq 1 ] && chown nobody:nogroup "$IT_DIR/home-$node"
	it_chain_trap
	it_node_use "$node"
	agent_port=$(it_free_ports 1)
	"${IT_AS_NOBODY[@]}" lttng-sessiond --no-kernel \
	    --agent-tcp-port="$agent_port" >>"$IT_DIR/sessiond-$node.log" 2>&1 &
	pid=$!
	IT_NODE_SESSIONDS+=("$pid")
	while [ "$n" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || break
		if it_lttng list >/dev/null 2>&1; then
			IT_AS_NOBODY=("${saved[@]}")
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	IT_AS_NOBODY=("${saved[@]}")
	tap_diag "lttng-sessiond of node $node did not start:" \
	    "$(tail -n 5 "$IT_DIR/sessiond-$node.log")"
	return 1
}

# it_start_aggregator [ARGS...]: strata-aggregator -d on 127.0.0.1:
# IT_AGG_PORT (a free port the first time, the same one on a restart),
# database IT_AGG_DB ($IT_DIR/agg.db), control socket IT_AGG_SOCK
# ($IT_DIR/ctl.sock), --alert-log none, then IT_AGG_ARGS (an array: TLS
# options, say) and ARGS; pid IT_AGG_PID, log aggregator.log (-d, unless
# IT_AGG_FLAGS is set: its words replace -d).  Returns once `stratactl
# status` answers (10 s bound).
it_start_aggregator()
{
	local n=100
	: "${IT_AGG_PORT:=$(it_free_ports 1)}"
	: "${IT_AGG_DB:=$IT_DIR/agg.db}"
	: "${IT_AGG_SOCK:=$IT_DIR/ctl.sock}"
	it_chain_trap
	# shellcheck disable=SC2086
	"$IT_AGGREGATOR" ${IT_AGG_FLAGS--d} --listen "127.0.0.1:$IT_AGG_PORT" \
	    --db "$IT_AGG_DB" \
	    --ctl "$IT_AGG_SOCK" --alert-log none "${IT_AGG_ARGS[@]}" "$@" \
	    >>"$IT_DIR/aggregator.log" 2>&1 &
	IT_AGG_PID=$!
	while [ "$n" -gt 0 ] && kill -0 "$IT_AGG_PID" 2>/dev/null; do
		if [ -S "$IT_AGG_SOCK" ] && it_ctl status >/dev/null 2>&1; then
			it_wait_listen "$IT_AGG_PORT" 5 && return 0
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	tap_diag "strata-aggregator did not start:" \
	    "$(tail -n 5 "$IT_DIR/aggregator.log")"
	return 1
}

# it_stop_aggregator [SIGNAL]: TERM (and KILL after 5 s), or only SIGNAL
# (KILL: a crash).
it_stop_aggregator()
{
	if [ -n "${1:-}" ]; then
		kill "-$1" "$IT_AGG_PID" 2>/dev/null
		wait "$IT_AGG_PID" 2>/dev/null
	else
		it_kill_pid "$IT_AGG_PID" 50
	fi
	IT_AGG_PID=
}

# it_ctl ARGS...: stratactl on the test's aggregator.
it_ctl()
{
	"$IT_STRATACTL" -s "$IT_AGG_SOCK" "$@"
}

# it_start_node_agent NODE SESSION JSONL [ARGS...]: strata-agent --node NODE
# reading SESSION on the relayd, pushing to the aggregator with the spool
# $IT_DIR/spool-NODE, writing its records to JSONL as well (appended),
# with IT_AGENT_ARGS (an array; "@NODE" in it stands for the node's name:
# its certificate, say) and ARGS; pid in IT_LAST_PID, log agent-NODE.log.
# Ended at teardown, before the aggregator.
it_start_node_agent()
{
	local node=$1 s=$2 out=$3 extra=("${IT_AGENT_ARGS[@]//@NODE/$1}")
	shift 3
	it_chain_trap
	touch "$out"
	"$IT_AGENT" --node "$node" --live "$(it_live_url "$s")" --jsonl "$out" \
	    --aggregator "127.0.0.1:$IT_AGG_PORT" --spool "$IT_DIR/spool-$node" \
	    -D "$IT_PROC_DISK" "${extra[@]}" "$@" >>"$IT_DIR/agent-$node.log" 2>&1 &
	IT_LAST_PID=$!
	IT_NODE_AGENTS+=("$IT_LAST_PID")
	sleep 0.2
	kill -0 "$IT_LAST_PID" 2>/dev/null && return 0
	tap_diag "strata-agent of $node exited at once:" \
	    "$(tail -n 5 "$IT_DIR/agent-$node.log")"
	return 1
}

# it_pki DIR NODE...: a test PKI made with the openssl CLI, in DIR: ca.crt
# (the CA), aggregator.crt for 127.0.0.1 and localhost, NODE.crt for each
# NODE (CN and DNS name NODE), expired.crt (CN expired, valid only on
# 2020-01-01), and from another CA (otherca.crt) foreign.crt (CN foreign);
# each with its .key.  Certificates are valid for a year.  Then
# IT_AGG_TLS and IT_AGENT_TLS hold the options of the aggregator's and of
# a node's (@NODE for its name) TLS files.
it_pki()
{
	local d=$1 n
	shift
	mkdir -p "$d/db" && : >"$d/db/index.txt" && echo 1000 >"$d/db/serial" ||
	    return 1
	printf '%s\n' "[ca]" "default_ca = c" "[c]" "database = $d/db/index.txt" \
	    "new_certs_dir = $d/db" "serial = $d/db/serial" "default_md = sha256" \
	    "policy = p" "[p]" "commonName = supplied" >"$d/ca.cnf"
	_it_ca "$d" ca && _it_ca "$d" otherca &&
	_it_leaf "$d" ca aggregator serverAuth "IP:127.0.0.1,DNS:localhost" &&
	_it_leaf "$d" otherca foreign clientAuth "DNS:foreign" &&
	_it_leaf "$d" ca expired clientAuth "DNS:expired" \
	    -startdate 20200101000000Z -enddate 20200102000000Z || return 1
	for n; do
		_it_leaf "$d" ca "$n" clientAuth "DNS:$n" || return 1
	done
	IT_AGG_TLS=(--tls-cert "$d/aggregator.crt" --tls-key "$d/aggregator.key"
	    --tls-ca "$d/ca.crt")
	IT_AGENT_TLS=(--tls-cert "$d/@NODE.crt" --tls-key "$d/@NODE.key"
	    --tls-ca "$d/ca.crt")
}

# _it_ca DIR NAME: a CA's key and self-signed certificate.
_it_ca()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/$2.key" -out "$1/$2.crt" -days 365 -subj "/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign >>"$1/openssl.log" 2>&1
}

# _it_leaf DIR CA NAME EKU SAN [openssl ca OPTIONS]: NAME's key and
# certificate signed by CA (through `openssl ca`, which can backdate).
_it_leaf()
{
	local d=$1 ca=$2 name=$3 eku=$4 san=$5
	shift 5
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" "extendedKeyUsage=$eku" \
	    "subjectAltName=$san" >"$d/$name.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$name" \
	    >>"$d/openssl.log" 2>&1 &&
	openssl ca -batch -config "$d/ca.cnf" -cert "$d/$ca.crt" \
	    -keyfile "$d/$ca.key" -in "$d/$name.csr" -out "$d/$name.crt" \
	    -extfile "$d/$name.ext" -notext -days 365 "$@" >>"$d/openssl.log" 2>&1
}

# it_wait_ctl TIMEOUT EXPR ARGS...: waits until EXPR (Python over j, the
# JSON of `stratactl --json ARGS`) is true; prints the last value.
it_wait_ctl()
{
	local t=$1 e=$2
	shift 2
	python3 "$IT_CHAIN_CTL" wait "$t" "$e" "$IT_STRATACTL" -s "$IT_AGG_SOCK" \
	    --json "$@"
}

# tap_json NAME=FILE... <<EOF: checks over JSON files, as tap_recs (blocks
# of a description line and an indented expression); each file's JSON is
# bound to its NAME.
tap_json()
{
	local st desc expr val failed=0
	while IFS=$'\t' read -r st desc expr val; do
		if [ "$st" = 1 ]; then
			tap_ok 0 "$desc"
		else
			tap_ok 1 "$desc"
			tap_diag "expression: $expr" "value: $val"
			failed=1
		fi
	done < <(python3 "$IT_CHAIN_CTL" batch "$@")
	return "$failed"
}

# Teardown of what the helpers above started (agents, the aggregator, the
# nodes' session daemons), then it_teardown.
it_chain_teardown()
{
	local st=$? p k kids
	trap '' TERM INT
	for p in "${IT_NODE_AGENTS[@]}"; do
		it_kill_pid "$p" 60
	done
	it_kill_pid "$IT_AGG_PID" 50
	for p in "${IT_NODE_SESSIONDS[@]}"; do
		kids=$(pgrep -P "$p")
		it_kill_pid "$p" 50
		for k in $kids $(for k in $kids; do pgrep -P "$k"; done); do
			it_kill_pid "$k" 10
		done
	done
	(exit "$st")
	it_teardown
}

it_chain_trap()
{
	trap it_chain_teardown EXIT
}
