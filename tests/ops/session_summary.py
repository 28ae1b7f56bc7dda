#!/usr/bin/env python3
# tests/ops/session_summary.py: one line per fact of a session saved with
# `lttng save SESSION -o DIR` (the session XML), for arm.sh to compare:
#
#	started true
#	live 200000
#	UST PER_UID strata: events ovs:*,qemu:*,strata:*; contexts VPID,VTID; tracefile 16777216x4
#
# `lttng list` shows neither contexts nor the live timer; the XML has both.
import sys
import xml.etree.ElementTree as ET

s = ET.parse(sys.argv[1]).getroot().find("session")
print("started", s.findtext("started"))
print("live", s.findtext("attributes/live_timer_interval"))
for d in s.iterfind("domains/domain"):
    for c in d.iterfind("channels/channel"):
        ev = sorted(e.findtext("name") for e in c.iterfind("events/event"))
        cx = sorted(x.findtext("type") for x in c.iterfind("contexts/context"))
        print("%s %s %s: events %s; contexts %s; tracefile %sx%s" % (
            d.findtext("type"), d.findtext("buffer_type"), c.findtext("name"),
            ",".join(ev), ",".join(cx), c.findtext("tracefile_size"),
            c.findtext("tracefile_count")))
