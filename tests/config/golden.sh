#!/usr/bin/env bash
# golden.sh: `strata-agent -nv` and `strata-aggregator -nv` on the configs
# in tests/config, diffed against the expected outputs beside them
# (NAME.out: what the daemon printed, stdout then stderr, and its exit
# code).  A line "# args: OPTIONS" in a config adds OPTIONS (split at
# spaces) to the command line, after -nv -f NAME.conf: the options go
# through the same checks as the file.  STRATA_GOLDEN_UPDATE=1 rewrites
# the expected files.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bld=${top_builddir:-$(pwd)}
cases=()
for f in "$here"/agent-*.conf; do cases+=("agent $f"); done
for f in "$here"/aggregator-*.conf; do [ -e "$f" ] && cases+=("aggregator $f"); done
echo "1..${#cases[@]}"
n=0 fail=0
for c in "${cases[@]}"; do
	set -- $c
	daemon=$1 conf=$2 name=$(basename "$conf" .conf)
	n=$((n + 1))
	case $daemon in
	agent)		bin=$bld/agent/strata-agent ;;
	aggregator)	bin=$bld/aggregator/strata-aggregator ;;
	esac
	if [ ! -x "$bin" ]; then
		echo "ok $n - $name # SKIP $bin not built"
		continue
	fi
	# Relative path, so the FILE:LINE in messages is the same everywhere.
	read -r -a args < <(sed -n 's/^# args: //p' "$conf")
	got=$(cd "$here" && { "$bin" -nv -f "$name.conf" "${args[@]}" 2>&1
	    echo "exit $?"; } |
	    sed "s|^$(basename "$bin"): ||")
	if [ "${STRATA_GOLDEN_UPDATE:-}" = 1 ]; then
		printf '%s\n' "$got" > "$here/$name.out"
	fi
	if diff -u "$here/$name.out" <(printf '%s\n' "$got") > /tmp/golden.$$ 2>&1; then
		echo "ok $n - $daemon -nv $name.conf matches $name.out"
	else
		echo "not ok $n - $daemon -nv $name.conf matches $name.out"
		sed 's/^/# /' /tmp/golden.$$
		fail=$((fail + 1))
	fi
	rm -f /tmp/golden.$$
done
[ $fail -eq 0 ]
