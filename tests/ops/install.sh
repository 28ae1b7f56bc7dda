#!/bin/bash
# install.sh: `make install DESTDIR=...` checked file by file: programs,
# systemd units (ExecStart naming the installed programs and config),
# sysusers.d/tmpfiles.d (applied to a scratch root), configurations
# copied from the examples, man pages (rendered without a groff warning),
# the Python module; then a second install over a modified configuration
# leaves it alone, and uninstall removes everything else.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/ops/lib.sh"

it_init ops-install 180
R=$IT_DIR/root

if ! ops_dirs; then
	tap_ok 1 "make strata-dirs prints the install directories"
	tap_done
fi
tap_diag "prefix dirs: sbin $SBINDIR, units $UNITDIR, conf $CONFDIR," \
    "python $PYTHONDIR, man $MANDIR"

ops_install "$R"
tap_ok $? "make install DESTDIR=... succeeds" ||
    tap_diag "$(tail -n 15 "$IT_DIR/install.log")"

# ---- programs
for p in "$SBINDIR/strata-agent" "$SBINDIR/strata-aggregator" \
    "$BINDIR/stratactl" "$BINDIR/strata-emit" "$BINDIR/strata-qemu-bridge"; do
	[ -f "$R$p" ] && [ -x "$R$p" ]
	tap_ok $? "program installed: $p" ||
	    tap_diag "missing (is it built? sbin_PROGRAMS/bin_PROGRAMS)"
done
v=$("$R$SBINDIR/strata-agent" --version 2>&1)
tap_ok $? "installed strata-agent runs: $v"

# ---- units, sysusers.d, tmpfiles.d
for u in strata-agent strata-aggregator strata-relayd; do
	[ -f "$R$UNITDIR/$u.service" ]
	tap_ok $? "unit installed: $UNITDIR/$u.service"
done
for d in agent aggregator; do
	grep -qx "ExecStart=$SBINDIR/strata-$d -f $CONFDIR/$d.conf" \
	    "$R$UNITDIR/strata-$d.service"
	tap_ok $? "strata-$d.service runs $SBINDIR/strata-$d -f $CONFDIR/$d.conf" ||
	    tap_diag "$(grep ExecStart "$R$UNITDIR/strata-$d.service")"
done
cmp -s "$top_srcdir/systemd/strata.sysusers" "$R$SYSUSERSDIR/strata.conf" &&
    cmp -s "$top_srcdir/systemd/strata.tmpfiles" "$R$TMPFILESDIR/strata.conf"
tap_ok $? "sysusers.d and tmpfiles.d files installed as strata.conf"

if command -v systemd-sysusers >/dev/null; then
	S=$IT_DIR/sysroot
	mkdir -p "$S/etc"
	systemd-sysusers --root="$S" "$R$SYSUSERSDIR/strata.conf" \
	    >"$IT_DIR/sysusers.log" 2>&1
	grep -q '^strata:x:[0-9]*:[0-9]*:Strata LTTng analysis:/var/lib/strata:' \
	    "$S/etc/passwd" && grep -q '^tracing:' "$S/etc/group" &&
	    grep -q '^strata:' "$S/etc/group"
	tap_ok $? "systemd-sysusers makes user strata, groups strata and tracing" ||
	    tap_diag "$(cat "$IT_DIR/sysusers.log" "$S/etc/passwd" 2>&1)"
	systemd-tmpfiles --root="$S" --create "$R$TMPFILESDIR/strata.conf" \
	    >"$IT_DIR/tmpfiles.log" 2>&1
	[ "$(stat -c %a "$S/var/lib/strata" 2>/dev/null)" = 750 ] &&
	    [ "$(stat -c %a "$S/var/lib/strata-relayd" 2>/dev/null)" = 750 ]
	tap_ok $? "systemd-tmpfiles makes /var/lib/strata and /var/lib/strata-relayd 0750" ||
	    tap_diag "$(cat "$IT_DIR/tmpfiles.log")"
else
	tap_skip 2 "systemd-sysusers not installed"
fi

# ---- configurations and examples
for c in agent aggregator; do
	cmp -s "$top_srcdir/systemd/$c.conf.example" "$R$CONFDIR/$c.conf" &&
	    cmp -s "$top_srcdir/systemd/$c.conf.example" \
	    "$R$EXAMPLESDIR/$c.conf.example"
	tap_ok $? "$CONFDIR/$c.conf and $EXAMPLESDIR/$c.conf.example installed"
done
# The examples parse: every key they set (or show commented) is known.
if [ -x "$R$SBINDIR/strata-aggregator" ]; then
	sed 's/^#\([a-z-]* = \)/\1/' "$R$CONFDIR/aggregator.conf" |
	    grep -v '^token-file\|^hook\|^http-token-file' >"$IT_DIR/agg-all.conf"
	"$R$SBINDIR/strata-aggregator" -n -f "$IT_DIR/agg-all.conf" \
	    >"$IT_DIR/agg-n.log" 2>&1
	tap_ok $? "strata-aggregator -n accepts every key of aggregator.conf" ||
	    tap_diag "$(cat "$IT_DIR/agg-n.log")"
else
	tap_skip 1 "strata-aggregator not installed"
fi

if [ -x "$R$SBINDIR/strata-agent" ]; then
	sed 's/^#\([a-z_]* = \)/\1/' "$R$CONFDIR/agent.conf" |
	    grep -v '^arm = \|^token_file = \|^http_token_file = ' \
	    >"$IT_DIR/agent-all.conf"
	# exit 1 (the trace is missing) means the configuration was accepted
	"$R$SBINDIR/strata-agent" -f "$IT_DIR/agent-all.conf" -D jsonl=- \
	    --trace "$IT_DIR/no-such-trace" >"$IT_DIR/agent-n.log" 2>&1
	tap_is $? 1 "strata-agent accepts every key of agent.conf" || {
		tap_diag "$(cat "$IT_DIR/agent-n.log")"
		grep -q 'unknown key "arm_' "$IT_DIR/agent-n.log" &&
		    tap_diag "agent_conf.c no longer hands the arm_* keys to arm_conf_set()"
	}
else
	tap_skip 1 "strata-agent not installed"
fi

# ---- man pages
for m in man8/strata-agent.8 man8/strata-aggregator.8 man1/stratactl.1 \
    man5/strata.conf.5; do
	f=$R$MANDIR/$m
	w=$( [ -f "$f" ] && groff -man -Tutf8 -ww -z "$f" 2>&1)
	[ -f "$f" ] && [ -z "$w" ] && [ "$(wc -l <"$f")" -gt 20 ]
	tap_ok $? "man page $MANDIR/$m installed, renders without warnings" ||
	    tap_diag "$w"
done

# ---- Python module
py=/usr/bin/python3
[ -x $py ] || py=python3
$py -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
    "$R$PYTHONDIR/strata_logging.py" "$IT_DIR/strata_logging.pyc" 2>"$IT_DIR/py.log"
tap_ok $? "$PYTHONDIR/strata_logging.py installed and compiles" ||
    tap_diag "$(cat "$IT_DIR/py.log")"

# ---- a second install keeps a modified configuration
echo "node = edited-by-operator" >>"$R$CONFDIR/agent.conf"
cp "$R$CONFDIR/agent.conf" "$IT_DIR/agent.conf.mine"
rm -f "$R$CONFDIR/aggregator.conf"
ops_install "$R"
tap_ok $? "second make install succeeds"
cmp -s "$IT_DIR/agent.conf.mine" "$R$CONFDIR/agent.conf"
tap_ok $? "second install leaves the modified agent.conf as it was"
cmp -s "$top_srcdir/systemd/aggregator.conf.example" "$R$CONFDIR/aggregator.conf"
tap_ok $? "second install puts back the missing aggregator.conf"

# ---- uninstall: only the modified configuration stays
ops_install "$R" uninstall
tap_ok $? "make uninstall DESTDIR=... succeeds" ||
    tap_diag "$(tail -n 15 "$IT_DIR/install.log")"
left=$(cd "$R" && find . -type f | sort)
tap_is "$left" ".$CONFDIR/agent.conf" \
    "after uninstall only the modified agent.conf is left"

tap_done
