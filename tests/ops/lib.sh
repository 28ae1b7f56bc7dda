# shellcheck shell=bash
# tests/ops/lib.sh: what the operations tests share, on top of the
# integration harness (tests/integration/lib.sh: TAP, temporary
# directory, teardown, LTTng daemons as nobody).
#
#	. "$top_srcdir/tests/ops/lib.sh"
#	it_init ops-x 60; tap_plan N
#	ops_install "$IT_DIR/root"	# make install DESTDIR=...
#	ops_dirs			# UNITDIR, SBINDIR, ... (make strata-dirs)

. "${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh"

OPS_SRC="$top_srcdir/tests/ops"

# ops_make ARGS...: make in the build tree, outside the make that runs
# the tests (no jobserver of its own, quiet).
ops_make()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -s -C "$top_builddir" "$@"
}

# ops_dirs: where `make install` puts things, as shell variables SBINDIR,
# BINDIR, UNITDIR, SYSUSERSDIR, TMPFILESDIR, CONFDIR, EXAMPLESDIR,
# PYTHONDIR, MANDIR.
ops_dirs()
{
	local out line k v
	out=$(ops_make strata-dirs) || return 1
	while IFS= read -r line; do
		k=${line%%=*} v=${line#*=}
		case $k in
		sbindir) SBINDIR=$v ;; bindir) BINDIR=$v ;;
		unitdir) UNITDIR=$v ;; sysusersdir) SYSUSERSDIR=$v ;;
		tmpfilesdir) TMPFILESDIR=$v ;; confdir) CONFDIR=$v ;;
		examplesdir) EXAMPLESDIR=$v ;; pythondir) PYTHONDIR=$v ;;
		mandir) MANDIR=$v ;;
		esac
	done <<<"$out"
	[ -n "$UNITDIR" ] && [ -n "$SBINDIR" ]
}

# ops_install DESTDIR [uninstall]: make install (or uninstall) into
# DESTDIR; output in $IT_DIR/install.log.
ops_install()
{
	ops_make DESTDIR="$1" "${2:-install}" >>"$IT_DIR/install.log" 2>&1
}

# ops_verify UNIT DESTDIR: systemd-analyze verify on a copy of an
# installed UNIT whose ExecStart programs point into DESTDIR (the paths
# in the unit are those of the installed system), with MANPATH at the
# installed man pages (then the system's) so Documentation=man: is
# checked too.  Prints what verify said; status 0 only when it said
# nothing and exited 0.
ops_verify()
{
	local unit=$1 root=$2 copy out st line re
	copy="$IT_DIR/verify/$(basename "$unit")"
	mkdir -p "$IT_DIR/verify"
	re='^(Exec[A-Za-z]*=[-@+!:]*)(/[^ ]*)(.*)$'
	while IFS= read -r line; do
		# an Exec program not in DESTDIR (lttng-relayd) stays as it is
		if [[ $line =~ $re ]] && [ -x "$root${BASH_REMATCH[2]}" ]; then
			line="${BASH_REMATCH[1]}$root${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
		fi
		printf '%s\n' "$line"
	done <"$unit" >"$copy"
	out=$(MANPATH="$root$MANDIR:" SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify --man=yes "$copy" 2>&1)
	st=$?
	[ -n "$out" ] && echo "$out"
	[ "$st" -eq 0 ] && [ -z "$out" ]
}
