#!/usr/bin/env python3
"""strata-os-emit: Nova, Neutron and Cinder log streams through the real
lttng-ust Python agent, from scenario files built on the services' real
sample payloads (emit/strata_os.py, tests/data/openstack/).

    strata-os-emit.py [--node N] [--speed X] [--start EPOCH] [--loop N]
                      [--plain-only] [--data DIR] [--linger MS]
                      [--write FILE [--route json|plain|both]] [--list]
                      SCENARIO...

It logs what the services would log, the way they would: notifications
as oslo.messaging's log driver does (logger
oslo.messaging.notification.EVENT_TYPE, the envelope's JSON), log lines on
their own loggers with the request context, through the lttngust agent's
root handler and python/strata_lttngust.py's JSONHandler (logger
strata.json.NAME, oslo.log's JSON); the tracing session's enabled Python
loggers decide which of them LTTng records.  --node N plays only node N's
records (one process per node; give both the same --start so they stay in
step); --speed X is X times faster, 0 does not sleep; --loop N plays the
list N times with distinct uuids and request ids per pass.  --write FILE
writes the lttng_python:event messages as JSON lines instead (time, node,
logger, level, message: what strata-os-replay.py plays), emitting
nothing.  Stdlib + lttngust only.
"""

import argparse
import json
import logging
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "python")]

import strata_os  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    ap.add_argument("--node")
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--start", type=float)
    ap.add_argument("--loop", type=int, default=1)
    ap.add_argument("--gap", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data")
    ap.add_argument("--write")
    ap.add_argument("--route", choices=("json", "plain", "both"),
                    default="json")
    ap.add_argument("--plain-only", action="store_true",
                    help="no JSON handler: as a service without it")
    ap.add_argument("--linger", type=int, default=300, metavar="MS")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()

    samples = strata_os.Samples(strata_os.data_dir(a.data))
    scns = [strata_os.Scenario(p) for p in a.scenarios]
    start = a.start if a.start is not None else time.time()
    recs = strata_os.records(scns, samples, loops=a.loop, gap=a.gap,
                             seed=a.seed, epoch=start)
    if a.node:
        recs = (r for r in recs if r.node == a.node)

    if a.list:
        for r in recs:
            print("%9.3f %-5s %-7s %-60s %s" % (
                r.at, r.node, r.level, r.logger[:60], r.message[:100]))
        return 0
    if a.write:
        return write(a, recs, start)
    return play(a, recs, start)


def write(a, recs, start):
    import strata_lttngust
    fmt = strata_lttngust.FallbackJSONFormatter()
    n = 0
    out = sys.stdout if a.write == "-" else open(a.write, "w")
    for r in recs:
        t = start + r.at
        lines = []
        if a.route in ("plain", "both"):
            lines.append((r.logger, r.message))
        if a.route in ("json", "both"):
            rec = make_record(r, t)
            lines.append((strata_lttngust.JSON_PREFIX + r.logger,
                          fmt.format(rec)))
        for logger, msg in lines:
            out.write(json.dumps({"time": round(t, 6), "node": r.node,
                                  "logger": logger, "level": r.level,
                                  "message": msg}) + "\n")
            n += 1
    if out is not sys.stdout:
        out.close()
    print("strata-os-emit: %d lines written to %s" % (n, a.write),
          file=sys.stderr)
    return 0


def make_record(r, t):
    rec = logging.LogRecord(r.logger, strata_os.level_no(r.level), "", 0,
                            r.message, None, None)
    rec.created = t
    rec.msecs = (t - int(t)) * 1000
    # Reproducible files: what would differ from one run to the next.
    rec.relativeCreated = r.at * 1000
    rec.thread = 140000000000000 + sum(map(ord, r.node))
    rec.process = 4000 + sum(map(ord, r.node))
    rec.funcName = "notify" if r.logger.startswith("oslo.messaging.") else \
        "<module>"
    rec.context = r.context
    rec.hostname = r.node
    if r.instance:
        rec.instance = r.instance
    return rec


def play(a, recs, start):
    import strata_lttngust
    if strata_lttngust._lttngust() is None:
        print("strata-os-emit: cannot import lttngust (python3-lttngust)",
              file=sys.stderr)
        return 1
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    if not a.plain_only:
        root.addHandler(strata_lttngust.JSONHandler())
    t0 = time.time()
    n = notes = lines = 0
    for r in recs:
        if a.speed > 0:
            due = start + r.at / a.speed
            d = due - time.time()
            if d > 0:
                time.sleep(d)
        extra = {"hostname": r.node}
        if r.context:
            extra["context"] = r.context
        if r.instance:
            extra["instance"] = r.instance
        logging.getLogger(r.logger).log(strata_os.level_no(r.level),
                                        r.message, extra=extra)
        n += 1
        if r.logger.startswith("oslo.messaging.notification."):
            notes += 1
        else:
            lines += 1
    el = time.time() - t0
    time.sleep(a.linger / 1000.0)
    print("strata-os-emit: %d records (%d notifications, %d log lines) "
          "node %s in %.2f s, %.0f records/s" %
          (n, notes, lines, a.node or "all", el, n / el if el > 0 else 0),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
