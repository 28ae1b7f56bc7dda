#!/usr/bin/env python3
"""strata-os-replay: a recorded OpenStack log stream played through the
real lttng-ust Python agent with its pacing, one process per node.

    strata-os-replay.py [--node N] [--speed X] [--start EPOCH] [--loop N]
                        [--linger MS] FILE|-

FILE is JSON lines, one log record each:
    {"time": 1714564800.123456, "logger": "oslo.messaging.notification.instance.update",
     "level": "INFO", "message": "{...}", "node": "cmp1"}
time is seconds since the epoch (or an ISO 8601 string, UTC unless it
says otherwise), level a name or Python's number, node optional.  Each
record is logged on its logger at its level with its message as is, so
the lttng_python:event that LTTng records has msg = message and
logger_name = logger (strata-os-emit.py --write makes such files; so can
any log shipper that keeps those four fields).  The pacing is the gaps
between the times (--speed X: X times faster; 0: no sleeping); --start
EPOCH plays the file's first time at EPOCH, so several per-node processes
started with the same --start keep their relative timing.  --node N plays
only the records of node N.  Lines that are not such records are counted
and skipped.  Summary on stderr.  Stdlib + lttngust only.
"""

import argparse
import datetime
import json
import logging
import os
import sys
import time

LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40,
          "CRITICAL": 50, "AUDIT": 20, "SAMPLE": 20}


def parse_time(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "T", 1)
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        d = datetime.datetime.fromisoformat(s)
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return d.timestamp()
    raise ValueError("bad time %r" % (v,))


def parse_level(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        if v.isdigit():
            return int(v)
        if v.upper() in LEVELS:
            return LEVELS[v.upper()]
    raise ValueError("bad level %r" % (v,))


def read(f, node, stats):
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
            if not isinstance(o, dict):
                raise ValueError("not an object")
            if node is not None and o.get("node") != node:
                stats["other_nodes"] += 1
                continue
            t = parse_time(o["time"])
            logger = o["logger"]
            msg = o["message"]
            if not isinstance(logger, str) or not isinstance(msg, str):
                raise ValueError("logger and message must be strings")
            yield t, logger, parse_level(o.get("level", "INFO")), msg
        except (ValueError, KeyError, TypeError) as e:
            stats["skipped"] += 1
            if stats["skipped"] <= 10:
                print("strata-os-replay: line %d skipped: %s" % (n, e),
                      file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", metavar="FILE")
    ap.add_argument("--node")
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--start", type=float)
    ap.add_argument("--loop", type=int, default=1)
    ap.add_argument("--linger", type=int, default=300, metavar="MS")
    a = ap.parse_args()

    try:
        import lttngust  # noqa: F401  the real agent: registers now
    except Exception as e:
        print("strata-os-replay: cannot import lttngust: %s" % e,
              file=sys.stderr)
        return 1
    logging.getLogger().setLevel(logging.DEBUG)

    stats = {"skipped": 0, "other_nodes": 0}
    with (sys.stdin if a.file == "-" else open(a.file)) as f:
        recs = list(read(f, a.node, stats))
    if not recs:
        print("strata-os-replay: nothing to play (%d skipped)" %
              stats["skipped"], file=sys.stderr)
        return 0 if stats["skipped"] == 0 else 1
    first = min(r[0] for r in recs)
    span = max(r[0] for r in recs) - first
    start = a.start if a.start is not None else time.time()
    t0 = time.time()
    n = 0
    for k in range(a.loop):
        base = start + k * (span + 1) / (a.speed or 1)
        for t, logger, level, msg in recs:
            if a.speed > 0:
                d = base + (t - first) / a.speed - time.time()
                if d > 0:
                    time.sleep(d)
            logging.getLogger(logger).log(level, msg)
            n += 1
    el = time.time() - t0
    time.sleep(a.linger / 1000.0)
    print("strata-os-replay: %d records played (node %s), %d skipped, "
          "%d of other nodes, %.2f s, %.0f records/s" %
          (n, a.node or "all", stats["skipped"], stats["other_nodes"], el,
           n / el if el > 0 else 0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
