#!/bin/bash
# units.sh: every systemd unit passes `systemd-analyze verify`, checked on
# a DESTDIR install.  verify wants the programs a unit runs to exist at
# the unit's paths, and --root=DESTDIR would need a whole systemd tree
# (sysinit.target ...), so each installed unit is verified as a copy
# whose Exec programs point into DESTDIR, with MANPATH at the installed
# man pages (Documentation=man:... is checked too).  A broken copy must
# fail, so the check is not vacuous.  Then the settings the units promise
# (Type=notify, watchdog, user, directories, hardening) and
# `systemd-analyze security` exposure.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/ops/lib.sh"

it_init ops-units 180
R=$IT_DIR/root
UNITS="strata-agent strata-aggregator strata-relayd"

command -v systemd-analyze >/dev/null ||
    tap_skip_all "systemd-analyze not installed"
if ! ops_dirs || ! ops_install "$R"; then
	tap_ok 1 "make install DESTDIR=... for the units" ||
	    tap_diag "$(tail -n 10 "$IT_DIR/install.log")"
	tap_done
fi

for u in $UNITS; do
	out=$(ops_verify "$R$UNITDIR/$u.service" "$R")
	tap_ok $? "systemd-analyze verify $u.service" || tap_diag "$out"
done

# The negative control: a misspelled setting and a missing program.
sed -e 's/^ProtectSystem=/ProtectSytem=/' \
    -e "s#^ExecStart=[^ ]*#ExecStart=$SBINDIR/strata-no-such-agent#" \
    "$R$UNITDIR/strata-agent.service" >"$IT_DIR/strata-broken.service"
out=$(ops_verify "$IT_DIR/strata-broken.service" "$R")
st=$?
[ "$st" -ne 0 ] && grep -q ProtectSytem <<<"$out" &&
    grep -q strata-no-such-agent <<<"$out"
tap_ok $? "verify rejects a unit with a misspelled key and a missing program" ||
    tap_diag "status $st" "$out"

# has UNIT SETTING...: the unit sets each of these lines exactly.
has()
{
	local u=$1 s missing=
	shift
	for s; do
		grep -qxF "$s" "$R$UNITDIR/$u.service" || missing="$missing $s"
	done
	[ -z "$missing" ] || { tap_diag "missing:$missing"; return 1; }
}
common="Restart=on-failure User=strata Group=strata NoNewPrivileges=yes
ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes
CapabilityBoundingSet= MemoryDenyWriteExecute=yes"
# shellcheck disable=SC2086
has strata-agent $common Type=notify WatchdogSec=30s StateDirectory=strata \
    SupplementaryGroups=tracing LimitNOFILE=4096
tap_ok $? "strata-agent.service: Type=notify, watchdog, hardening, state directory, tracing group, LimitNOFILE=4096"
# shellcheck disable=SC2086
has strata-aggregator $common Type=notify WatchdogSec=30s \
    StateDirectory=strata RuntimeDirectory=strata RuntimeDirectoryMode=0755 \
    LimitNOFILE=65536
tap_ok $? "strata-aggregator.service: Type=notify, watchdog, hardening, state and runtime directories (0755: the read-only socket), LimitNOFILE=65536"
# systemd's soft default, 1024, is what a flood of idle agents exhausted:
# exactly one LimitNOFILE in each daemon's unit, none below 4096.
for u in strata-agent strata-aggregator; do
	lims=$(sed -n 's/^LimitNOFILE=//p' "$R$UNITDIR/$u.service" | tr '\n' ' ')
	[ "$(wc -w <<<"$lims")" -eq 1 ] && [ "${lims%% *}" -ge 4096 ]
	tap_ok $? "$u.service: one LimitNOFILE, >= 4096 (${lims% })"
done
# shellcheck disable=SC2086
has strata-relayd $common StateDirectory=strata-relayd
tap_ok $? "strata-relayd.service: hardening, state directory"
grep -q '^ExecStart=.* -C tcp://127.0.0.1:5342 -D tcp://127.0.0.1:5343 -L tcp://127.0.0.1:5344 ' \
    "$R$UNITDIR/strata-relayd.service"
tap_ok $? "strata-relayd listens on loopback only, LTTng's default ports"

# Exposure as systemd rates it (0 best .. 10): at most 2.5 ("OK").
for u in $UNITS; do
	line=$(systemd-analyze security --offline=yes \
	    "$IT_DIR/verify/$u.service" 2>/dev/null | grep 'Overall exposure')
	score=$(sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p' <<<"$line")
	awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.5) }'
	tap_ok $? "$u.service exposure ${score:-?} <= 2.5" || tap_diag "$line"
done

tap_done
