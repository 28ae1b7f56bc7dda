#!/bin/sh
# seed.sh: writes the seed corpora of the text targets under
# tests/fuzz/corpus/ from real inputs of the tree (make fuzz-corpus runs it;
# the ingest corpus comes from fuzz-corpus.c):
#   ctl        every request of docs/control.md, one per file, those of
#              chain-bad.sh and aggregator_ctl.sh, and one client's session
#              of several lines
#   agent_conf the golden configurations tests/config/agent-*.conf and
#              systemd/agent.conf.example
#   agg_conf   tests/config/aggregator-*.conf, systemd/aggregator.conf.example
#   qemu_log   the real QEMU 7.2 logs of tests/data/qemu-7.2: for every
#              event name and for QEMU's own messages, the first lines of
#              each log that carry it (after the log's first trace line,
#              which gives the parser the QEMU pid), and each log's first
#              40 lines as they come
#   oslo       every message of the recorded OpenStack streams
#              tests/data/openstack/streams/*.jsonl, one per file, and each
#              stream whole (one message a line); a line's first byte picks
#              the logger and level fuzz_oslo.c gives it (its loggers[])
#   ovs_bridge the answers of a real Open vSwitch, from ovs-seed.sh, when
#              ovsdb-server and ovs-vswitchd are installed (else the
#              committed files are kept)
# usage: seed.sh SRCDIR CORPUSDIR
set -e
src=$1
out=$2
[ -n "$src" ] && [ -n "$out" ] || { echo "usage: seed.sh SRCDIR CORPUSDIR" >&2; exit 2; }

mkdir -p "$out/ctl" "$out/agent_conf" "$out/agg_conf" "$out/qemu_log" \
    "$out/oslo"

# ctl: docs/control.md's requests, in its own words.
n=0
grep -h '^{"cmd' "$src/docs/control.md" | while IFS= read -r l; do
	n=$((n + 1))
	printf '%s\n' "$l" > "$out/ctl/doc-$n"
done
# The refused requests chain-bad.sh sends (tests/integration/chain-bad.sh).
printf '%s\n' 'this is not json' '{"cmd": "status"' '[1, 2, 3]' '"status"' \
    '{"args": {}}' '{"cmd": "frobnicate"}' '{"cmd": 7}' \
    '{"cmd": "migrations", "args": {"limit": "ten"}}' \
    '{"cmd": "migrations", "args": {"bogus": true}}' \
    '{"cmd": "migration"}' '{"cmd": "migration", "args": {"id": "no-such"}}' \
    '{"cmd": "alert ack", "args": {"id": -5}}' \
    '{"cmd": "status", "extra": 1}' '{"cmd": "status", "tag": 42}' \
    > "$out/ctl/chain-bad"
# The bad requests of aggregator_ctl.sh, a status after them: a NUL and
# invalid UTF-8, nesting 5000 deep, a line of 100000 bytes.
printf 'hello\n\000\377\376\n[1,2]\n{"cmd":"nope"}\n' > "$out/ctl/aggregator_ctl-bad"
printf '{"cmd":"migrations","args":{"since":"yesterday"}}\n{"cmd":"migration"}\n' \
    >> "$out/ctl/aggregator_ctl-bad"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "{"; printf "\n";
	for (i = 0; i < 100000; i++) printf "x"; printf "\n" }' \
    >> "$out/ctl/aggregator_ctl-bad"
printf '{"cmd":"status"}\n' >> "$out/ctl/aggregator_ctl-bad"
# One stratactl session against the seeded store (fuzz_ctl.c): the ids exist.
cat > "$out/ctl/session" <<'EOF'
{"cmd":"help"}
{"cmd":"status","tag":"s1"}
{"cmd":"nodes"}
{"cmd":"migrations","args":{"vm":"instance-0000002a","limit":10}}
{"cmd":"migrations","args":{"failed":true,"node":"cmp1","since":1795634000000000000}}
{"cmd":"migration","args":{"id":"cmp1/9112/1795634430599890000"}}
{"cmd":"migration","args":{"id":"9122/1795634430600455000"}}
{"cmd":"alerts","args":{"firing":true,"limit":5}}
{"cmd":"alert ack","args":{"id":1}}
{"cmd":"alerts follow"}
EOF

# The configurations.
for f in "$src"/tests/config/agent-*.conf; do
	cp "$f" "$out/agent_conf/$(basename "$f" .conf)"
done
cp "$src/systemd/agent.conf.example" "$out/agent_conf/agent.conf.example"
for f in "$src"/tests/config/aggregator-*.conf; do
	cp "$f" "$out/agg_conf/$(basename "$f" .conf)"
done
cp "$src/systemd/aggregator.conf.example" "$out/agg_conf/aggregator.conf.example"

# QEMU logs: per event name (and "msg" for QEMU's messages), 3 lines of it.
for log in "$src"/tests/data/qemu-7.2/*/*.log; do
	set_=$(basename "$(dirname "$log")")
	side=$(basename "$log" .log)
	awk -v dir="$out/qemu_log" -v pre="$set_-$side" '
		first == "" && /^[0-9]+@/ { first = $0 }
		{
			if ($0 ~ /^[0-9]+@[0-9.]+:/) {
				name = $0
				sub(/^[0-9]+@[0-9.]+:/, "", name)
				sub(/ .*/, "", name)
			} else
				name = "msg"
			if (seen[name]++ >= 3)
				next
			f = dir "/" pre "-" name
			if (seen[name] == 1 && name != "msg" && $0 != first)
				print first > f
			print > f
		}' "$log"
	head -n 40 "$log" > "$out/qemu_log/$set_-$side-head"
done

# OpenStack messages: the byte of each (logger, level) is its index in
# fuzz_oslo.c's loggers[] ("@" + index, byte % 16; "O", 15, for any other).
oslo_line='
BEGIN {
	n = split("strata.json.oslo.messaging.notification.instance.update/20 " \
	    "strata.json.nova.virt.libvirt.driver/20 " \
	    "strata.json.nova.api.openstack.requestlog/20 " \
	    "oslo.messaging.notification.instance.update/20 " \
	    "strata.json.neutron.wsgi/20 nova.virt.libvirt.driver/20 " \
	    "strata.json.cinder.api.openstack.wsgi/20 " \
	    "strata.json.nova.compute.manager/40 " \
	    "nova.virt.libvirt.migration/30 nova.api.openstack.requestlog/20 " \
	    "nova.compute.manager/20 strata.json.nova.virt.libvirt.driver/40 " \
	    "oslo.messaging.notification.port.create.end/20 " \
	    "strata.json.nova.virt.libvirt.migration/30 neutron.wsgi/20", L, " ")
	for (i = 1; i <= n; i++)
		idx[L[i]] = i - 1
}
function byte(logger, level,   k) {
	k = logger "/" level
	if (k in idx)
		return sprintf("%c", 64 + idx[k])
	# Another notification logger: the instance.update one carries its shape.
	if (logger ~ /^strata\.json\.oslo\.messaging\.notification\./)
		return "@"
	if (logger ~ /^oslo\.messaging\.notification\./)
		return "C"
	return "O"
}'
for s in "$src"/tests/data/openstack/streams/*.jsonl; do
	name=$(basename "$s" .jsonl)
	python3 -c '
import json, sys
lv = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
for l in open(sys.argv[1]):
    try:
        o = json.loads(l)
    except ValueError:
        continue
    m = str(o.get("message", "")).replace("\n", " ")
    print("%s\t%d\t%s" % (o.get("logger", ""), lv.get(o.get("level"), 20), m))
' "$s" | awk -F '\t' -v dir="$out/oslo" -v name="$name" "$oslo_line"'
	{
		m = $0
		sub(/^[^\t]*\t[^\t]*\t/, "", m)
		line = byte($1, $2) m
		f = sprintf("%s/%s-%02d", dir, name, NR)
		print line > f
		close(f)
		print line > (dir "/" name "-stream")
	}'
done

# Open vSwitch's answers: a private ovsdb-server and ovs-vswitchd.
PATH=$PATH:/usr/sbin
if command -v ovs-vswitchd >/dev/null 2>&1 &&
    command -v ovsdb-server >/dev/null 2>&1; then
	sh "$src/tests/fuzz/ovs-seed.sh" "$out/ovs_bridge"
else
	echo "seed.sh: no ovs-vswitchd: $out/ovs_bridge kept as it is" >&2
fi
