# shellcheck shell=bash
# tests/qemu/qemu-lib.sh: the pieces shared by tests/qemu/migration.sh (the
# live test) and tests/qemu/capture.sh (records tests/data/qemu-7.2): the
# requirements check, one QEMU started the way the recorded data has it,
# and small waits and look-ups.  Sourced, never run.
#
# The caller sets, before qt_qemu: QT_QEMU (binary), QT_GUEST (the guest
# kernel), QT_EVENTS (trace-events file), QT_MEM (MiB), QT_D (the directory
# of logs, serial output and QMP sockets), and has an IT_PIDS array.
# qt_check sets QT_ACCEL.

# qt_check: can a KVM (or TCG, STRATA_QEMU_ACCEL=tcg) QEMU run the guest?
# Returns 0 and sets QT_ACCEL; 1 with the reason in QT_WHY (a skip); 2 with
# QT_WHY for a wrong setting (a bail-out).
qt_check()
{
	QT_WHY=
	if ! command -v "$QT_QEMU" >/dev/null 2>&1; then
		QT_WHY="$QT_QEMU not found (Debian: qemu-system-x86)"
		return 1
	fi
	case "${STRATA_QEMU_ACCEL:-kvm}" in
	kvm)
		if [ ! -e /dev/kvm ]; then
			QT_WHY="no /dev/kvm (STRATA_QEMU_ACCEL=tcg runs it under TCG)"
			return 1
		fi
		if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
			QT_WHY="/dev/kvm not usable by $(id -un) (STRATA_QEMU_ACCEL=tcg runs it under TCG)"
			return 1
		fi
		QT_ACCEL=kvm ;;
	tcg)	QT_ACCEL=tcg ;;
	*)	QT_WHY="STRATA_QEMU_ACCEL must be kvm or tcg"
		return 2 ;;
	esac
	if [ ! -f "$QT_GUEST" ]; then
		QT_WHY="guest kernel not built ($QT_GUEST)"
		[ -s "$(dirname "$QT_GUEST")/build.err" ] &&
		    QT_WHY="cannot build the 32-bit guest: $(head -n 1 \
		    "$(dirname "$QT_GUEST")/build.err")"
		return 1
	fi
	return 0
}

qt_uuid()
{
	python3 -c 'import uuid; print(uuid.uuid4())'
}

# qt_qemu CASE ROLE APPEND UUID NAME [ARGS...]: one QEMU in the background;
# its trace and messages go to $QT_D/CASE-ROLE.log, interleaved the way the
# recorded data in tests/data/qemu-7.2 has them (QEMU 7.2 writes trace
# lines to stderr when -trace has no file=; with file= its error messages
# would be missing from the log).  QT_TRACE_FILE=1 uses file= instead (the
# messages then go to $QT_D/CASE-ROLE.stderr).  Sets QT_PID.
qt_qemu()
{
	local c=$1 role=$2 append=$3 uuid=$4 name=$5 trace err
	shift 5
	: >"$QT_D/$c-$role.log"
	trace="events=$QT_EVENTS"
	err="$QT_D/$c-$role.log"
	if [ "${QT_TRACE_FILE:-0}" = 1 ]; then
		trace="$trace,file=$QT_D/$c-$role.log"
		err="$QT_D/$c-$role.stderr"
	fi
	"$QT_QEMU" -accel "$QT_ACCEL" -m "$QT_MEM" -smp 1 \
	    -name "guest=$name,debug-threads=on" -uuid "$uuid" \
	    -display none -nodefaults -no-user-config \
	    -kernel "$QT_GUEST" -append "$append" \
	    -serial "file:$QT_D/$c-$role.serial" \
	    -qmp "unix:$QT_D/$c-$role.qmp,server=on,wait=off" \
	    -trace "$trace" -msg timestamp=on \
	    "$@" 2>>"$err" &
	QT_PID=$!
	IT_PIDS+=("$QT_PID")
}

# qt_wait_file FILE PATTERN TIMEOUT: waits until FILE has a line matching.
qt_wait_file()
{
	local n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# qt_json FILE EXPR: a value out of qmp-migrate.py's result (d).
qt_json()
{
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)' "$1" "$2" 2>/dev/null
}
