#!/usr/bin/env python3
# qmp-summary.py: what QEMU's own answers (qmp.json from qmp-migrate.py,
# tests/data/qemu-7.2/*/qmp.json) say about one migration: the outcome,
# total time, downtime, dirty-sync-count, and the dirty rate over the
# bandwidth as query-migrate measured them, per phase (the phases are
# split at each change in "changes" and at the cancel).  The ratio is
# dirty-pages-rate x page-size over mbps (bytes/s both, from the same
# answer; mbps counts the bytes sent, page headers included, so it is the
# bandwidth QEMU measured, not the cap).  QEMU updates dirty-pages-rate
# once per bitmap sync period (>= 1 s): one value per sync period.  Note
# that it counts each dirty page once per period, so a working set
# rewritten faster than it is sent shows as ~1.0, whatever the guest's
# real pace.  Python standard library only.
#
#   qmp-summary.py [--per-sync] qmp.json...
import argparse
import json
import statistics


def phases(d):
    """[(start, end, label)] in seconds since migrate."""
    cuts = [(t, ", ".join("%s=%s" % (k, v) for k, v in what.items()))
            for t, what in d.get("changes", [])]
    if d.get("cancel_t") is not None:
        cuts.append((d["cancel_t"], "migrate_cancel"))
    out, start, label = [], 0.0, "start"
    for t, what in cuts:
        out.append((start, t, label))
        start, label = t, what
    out.append((start, float("inf"), label))
    return out


def syncs(d):
    """One entry per sync period seen: (t, sync count, dirty-pages-rate,
    pages-per-second, mbps, throttle %, xbzrle cache-miss-rate, ratio)."""
    out, last = [], None
    for t, q in d["samples"]:
        ram = q.get("ram")
        if q.get("status") not in ("active", "postcopy-active") or not ram:
            continue
        n = ram.get("dirty-sync-count", 0)
        if n < 2 or n == last:
            continue
        last = n
        dpr, mbps = ram.get("dirty-pages-rate", 0), ram.get("mbps", 0)
        ratio = (dpr * ram.get("page-size", 4096) * 8 / 1e6 / mbps
                 if mbps else None)
        out.append((t, n, dpr, ram.get("pages-per-second", 0), mbps,
                    q.get("cpu-throttle-percentage"),
                    q.get("xbzrle-cache", {}).get("cache-miss-rate"), ratio))
    return out


def summary(path, per_sync):
    d = json.load(open(path))
    f = d["final"] or {}
    ram = f.get("ram", {})
    p = d.get("params", {})
    print("%s: %s total-time %s ms downtime %s ms dirty-sync-count %s "
          "transferred %.1f MiB" % (path, f.get("status"), f.get("total-time"),
                                    f.get("downtime"),
                                    ram.get("dirty-sync-count"),
                                    ram.get("transferred", 0) / 1048576.0))
    if not ram:
        last = [(t, q) for t, q in d["samples"] if q.get("ram")]
        if last:
            t, q = last[-1]
            print("  last answer with ram stats, %.1f s (%s): total-time %s ms"
                  " dirty-sync-count %s transferred %.1f MiB remaining "
                  "%.1f MiB" % (t, q.get("status"), q.get("total-time"),
                                q["ram"].get("dirty-sync-count"),
                                q["ram"].get("transferred", 0) / 1048576.0,
                                q["ram"].get("remaining", 0) / 1048576.0))
    if p.get("caps"):
        print("  capabilities %s" % ",".join(p["caps"]))
    for t, what in d.get("changes", []):
        print("  change at %.1f s: %s" % (t, json.dumps(what)))
    if d.get("cancel_t") is not None:
        print("  migrate_cancel at %.1f s" % d["cancel_t"])
    if d.get("stopped_watching_t") is not None:
        print("  stopped watching at %.1f s (action none)"
              % d["stopped_watching_t"])
    ss = syncs(d)
    for start, end, label in phases(d):
        r = [s[7] for s in ss if start <= s[0] < end and s[7] is not None]
        thr = [s[5] for s in ss if start <= s[0] < end and s[5] is not None]
        if not r:
            print("  phase %.1f-%s s (%s): no dirty rate measured"
                  % (start, "end" if end == float("inf") else "%.1f" % end,
                     label))
            continue
        print("  phase %.1f-%s s (%s): dirty/bandwidth median %.2f "
              "(%.2f-%.2f over %d sync periods)%s"
              % (start, "end" if end == float("inf") else "%.1f" % end,
                 label, statistics.median(r), min(r), max(r), len(r),
                 " throttle %s%%" % "->".join(str(x) for x in
                                             sorted(set(thr))) if thr else ""))
    if "xbzrle-cache" in f:
        x = f["xbzrle-cache"]
        print("  xbzrle: pages %s bytes %s cache-miss %s overflow %s"
              % (x.get("pages"), x.get("bytes"), x.get("cache-miss"),
                 x.get("overflow")))
    if per_sync:
        for t, n, dpr, pps, mbps, thr, miss, ratio in ss:
            print("    %6.1f s sync %3d dirty-pages-rate %6d mbps %5.0f "
                  "ratio %s pages-per-second %d%s%s"
                  % (t, n, dpr, mbps,
                     "-" if ratio is None else "%.2f" % ratio, pps,
                     "" if thr is None else " throttle %d%%" % thr,
                     "" if miss is None else " xbzrle miss %.2f" % miss))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--per-sync", action="store_true",
                    help="also one line per sync period")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    for path in a.files:
        summary(path, a.per_sync)


if __name__ == "__main__":
    main()
