#!/usr/bin/env bash
# tests/qemu/capture.sh: records one REAL QEMU live migration for
# tests/data/qemu-7.2/NAME (src.log, dst.log, qmp.json, params): two local
# QEMUs (KVM, `log` trace backend with tests/qemu/trace-events,
# -msg timestamp=on), the test guest dirtying a chosen working set at a
# chosen pace, and qmp-migrate.py driving the migration over QMP like Nova
# does.  Not a test: run it by hand, one capture at a time, then describe
# the result in tests/data/qemu-7.2/README.md (qmp-summary.py helps).
#
#   tests/qemu/capture.sh NAME [options]
#
# VM and guest (guest.c has the meaning of ws, rate, spin, fill, idle):
#   --mem MIB            VM memory (512)
#   --ws MIB             working set (256)
#   --rate PAGES_PER_S   dirtying pace, paced by the TSC (default: --spin)
#   --spin N             busy-wait per page instead (0: as fast as it can)
#   --no-fill            leave the working set zero until the guest reaches it
#   --idle               fill the working set once, then dirty nothing
#   --down               walk the working set downwards
#   --settle S           seconds between the guest's "ready" and migrate (2)
# Migration (qmp-migrate.py):
#   --bw MIBPS           max-bandwidth (32)
#   --downtime-limit MS  (300)
#   --timeout S          then the timeout action (60)
#   --at-timeout cancel|none   migrate_cancel (default), or just stop
#   --caps LIST          e.g. auto-converge or xbzrle
#   --cpu-throttle-initial PCT, --cpu-throttle-increment PCT,
#   --xbzrle-cache-size MIB, --param NAME=VALUE (repeatable)
#   --set-bandwidth-at S:MIBPS (repeatable)
#   --postcopy-at S      migrate-start-postcopy (with --caps postcopy-ram)
#   --kill-dst-at S      SIGKILL the destination QEMU S seconds after migrate
# Output:
#   --out DIR            instead of tests/data/qemu-7.2/NAME
#   --force              replace an existing folder
#   --keep               keep the temporary directory (serial output too)
#   --trace-file         -trace ...,file=LOG (QEMU's messages then miss
#                        from the log; the recorded data has them)
#
# Environment: STRATA_QEMU (the binary), STRATA_QEMU_ACCEL=kvm|tcg,
# top_builddir (where the guest was built; the source tree by default).

set -u
umask 022
QT_HERE=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$QT_HERE/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=tests/qemu/qemu-lib.sh
. "$QT_HERE/qemu-lib.sh"

die()
{
	echo "capture: $*" >&2
	exit 1
}

usage()
{
	awk '/^#   tests\/qemu\/capture.sh/ { on = 1 } on && !/^#/ { exit }
	    on { sub(/^# ?/, ""); print }' "$0"
	exit "${1:-0}"
}

[ $# -ge 1 ] || usage 1
case $1 in -h|--help) usage 0 ;; -*) usage 1 ;; esac
NAME=$1
shift
[[ "$NAME" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "bad name '$NAME'"

QT_MEM=512 WS=256 RATE='' SPIN=0 FILL=1 IDLE=0 DOWN=0 SETTLE=2
BW=32 DOWNTIME=300 TIMEOUT=60 AT_TIMEOUT=cancel CAPS='' KILL_DST=''
OUT='' FORCE=0 KEEP=0
MIGRATE_ARGS=() EXTRA=()
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--no-fill|--idle|--down|--force|--keep|--trace-file) ;;
	-h|--help) usage 0 ;;
	--*)	[ $# -ge 2 ] || die "$opt needs a value"
		val=$2
		shift ;;
	*)	die "unknown argument '$opt'" ;;
	esac
	shift
	case $opt in
	--mem)		QT_MEM=$val ;;
	--ws)		WS=$val ;;
	--rate)		RATE=$val ;;
	--spin)		SPIN=$val ;;
	--no-fill)	FILL=0 ;;
	--idle)		IDLE=1 ;;
	--down)		DOWN=1 ;;
	--settle)	SETTLE=$val ;;
	--bw)		BW=$val ;;
	--downtime-limit) DOWNTIME=$val ;;
	--timeout)	TIMEOUT=$val ;;
	--at-timeout)	AT_TIMEOUT=$val ;;
	--caps)		CAPS=$val; MIGRATE_ARGS+=(--caps "$val") ;;
	--cpu-throttle-initial|--cpu-throttle-increment|--xbzrle-cache-size)
			MIGRATE_ARGS+=("$opt" "$val")
			EXTRA+=("${opt#--}=$val") ;;
	--param)	MIGRATE_ARGS+=(--param "$val"); EXTRA+=("$val") ;;
	--set-bandwidth-at)
			MIGRATE_ARGS+=(--set-bandwidth-at "$val")
			EXTRA+=("bw@${val%%:*}=${val#*:}") ;;
	--postcopy-at)	MIGRATE_ARGS+=(--postcopy-at "$val")
			EXTRA+=("postcopy@$val") ;;
	--kill-dst-at)	KILL_DST=$val ;;
	--out)		OUT=$val ;;
	--force)	FORCE=1 ;;
	--keep)		KEEP=1 ;;
	--trace-file)	QT_TRACE_FILE=1 ;;
	*)		die "unknown option '$opt'" ;;
	esac
done
case $AT_TIMEOUT in cancel|none) ;; *) die "--at-timeout cancel or none" ;; esac
for v in QT_MEM WS SPIN SETTLE BW DOWNTIME TIMEOUT ${RATE:+RATE} ${KILL_DST:+KILL_DST}; do
	[[ "${!v}" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "$v: not a number: '${!v}'"
done

# What qemu-lib.sh (qt_check, qt_qemu) uses.
QT_QEMU=${STRATA_QEMU:-qemu-system-x86_64}
QT_GUEST="$top_builddir/tests/qemu/guest/strata-guest.elf"
QT_EVENTS="$QT_HERE/trace-events"
qt_check || die "$QT_WHY${QT_GUEST:+ (make tests/qemu/guest/strata-guest.elf builds the guest)}"
: "${OUT:=$top_srcdir/tests/data/qemu-7.2/$NAME}"
if [ -e "$OUT" ] && [ "$FORCE" != 1 ]; then
	die "$OUT exists (--force replaces it)"
fi

APPEND="ws=$WS"
if [ -n "$RATE" ]; then
	APPEND="$APPEND rate=$RATE"
else
	APPEND="$APPEND spin=$SPIN"
fi
[ "$FILL" = 1 ] || APPEND="$APPEND fill=0"
[ "$IDLE" = 0 ] || APPEND="$APPEND idle=1"
[ "$DOWN" = 0 ] || APPEND="$APPEND down=1"

QT_D=$(mktemp -d "${TMPDIR:-/tmp}/strata-capture.XXXXXX") || die "mktemp"
chmod 755 "$QT_D"
IT_PIDS=()

# Ends what this script started, by pid: SIGTERM, SIGKILL after 5 s.
stop_all()
{
	local p n
	for p in "${IT_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${IT_PIDS[@]}"; do
		for n in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	IT_PIDS=()
}

cleanup()
{
	stop_all
	if [ "$KEEP" = 1 ]; then
		echo "capture: kept $QT_D" >&2
	else
		rm -rf "$QT_D"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || die "no free port"
UUID=$(qt_uuid)
VMNAME="strata-$NAME"

echo "capture: $NAME: ${QT_MEM} MiB, guest '$APPEND', ${BW} MiB/s, timeout ${TIMEOUT} s ($AT_TIMEOUT)${CAPS:+, caps $CAPS}, accel $QT_ACCEL, port $PORT" >&2
qt_qemu cap dst "$APPEND" "$UUID" "$VMNAME" -incoming "tcp:127.0.0.1:$PORT"
DST_PID=$QT_PID
qt_qemu cap src "$APPEND" "$UUID" "$VMNAME"
SRC_PID=$QT_PID

n=200
while ! ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q LISTEN; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || die "destination not listening: $(tail -n 3 "$QT_D/cap-dst.log")"
	sleep 0.1
done
qt_wait_file "$QT_D/cap-src.serial" 'strata-guest: ready' 120 ||
    die "guest did not start: $(tail -n 3 "$QT_D/cap-src.log") $(cat "$QT_D/cap-src.serial")"
echo "capture: $(head -n 1 "$QT_D/cap-src.serial" | tr -d '\r'); source pid $SRC_PID, destination pid $DST_PID" >&2
sleep "$SETTLE"

if [ -n "$KILL_DST" ]; then
	# Started with qmp-migrate.py, which sets up and migrates within ms.
	( sleep "$KILL_DST" && kill -KILL "$DST_PID" ) &
	IT_PIDS+=("$!")
fi
timeout -k 5 "$(python3 -c "print(int($TIMEOUT) + 60)")" python3 \
    "$QT_HERE/qmp-migrate.py" --src "$QT_D/cap-src.qmp" \
    --dst "$QT_D/cap-dst.qmp" --port "$PORT" --bandwidth "$BW" \
    --downtime-limit "$DOWNTIME" --timeout "$TIMEOUT" --action "$AT_TIMEOUT" \
    "${MIGRATE_ARGS[@]}" --out "$QT_D/qmp.json" >&2
rc=$?
[ "$rc" = 0 ] || die "qmp-migrate.py failed ($rc)"
# The cleanup trace lines follow the end state; the recorded data ends the
# QEMUs (SIGTERM) a second or two after the migration ended.
sleep 1.5
stop_all

mkdir -p "$OUT" || die "cannot make $OUT"
for f in src.log dst.log; do
	cp "$QT_D/cap-$f" "$OUT/$f" || die "cannot copy into $OUT"
done
cp "$QT_D/qmp.json" "$OUT/qmp.json" || die "cannot copy into $OUT"
act=none
[ -z "$KILL_DST" ] || act="killdst@$KILL_DST"
spin=$SPIN
[ -z "$RATE" ] || spin=-
echo "s_${NAME//-/_} ws=$WS spin=$spin bw=$BW to=$TIMEOUT caps=$CAPS act=$act mem=$QT_MEM rate=${RATE:-0} fill=$FILL idle=$IDLE down=$DOWN dl=$DOWNTIME at_timeout=$AT_TIMEOUT${EXTRA[*]:+ ${EXTRA[*]}}" >"$OUT/params"
echo "capture: wrote $OUT ($(du -sh "$OUT" | cut -f1))" >&2
python3 "$QT_HERE/qmp-summary.py" "$OUT/qmp.json"
