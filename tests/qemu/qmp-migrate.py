#!/usr/bin/env python3
# qmp-migrate.py: drive one live migration over QMP the way the recorded
# data in shared/data/qemu-7.2 was made (and the way Nova's libvirt driver
# behaves): cap bandwidth and downtime, migrate, poll query-migrate every
# 0.5 s, migrate_cancel at the timeout (Nova's "abort").  Writes the final
# answer and all samples as JSON.  Python standard library only.
import argparse
import json
import socket
import sys
import time


class QMPError(Exception):
    pass


class QMP:
    """One QMP connection on a UNIX socket; events are kept, not lost."""

    def __init__(self, path, wait=10.0):
        deadline = time.monotonic() + wait
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError("connect %s: %s" % (path, e))
                time.sleep(0.1)
        self.sock.settimeout(30)
        self.rfile = self.sock.makefile("r", encoding="utf-8")
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QMPError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise QMPError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise QMPError("%s: %s" % (name, r["error"].get("desc")))
            return r.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", required=True, help="source QMP socket")
    ap.add_argument("--dst", help="destination QMP socket")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bandwidth", type=float, required=True,
                    help="max-bandwidth, MiB/s")
    ap.add_argument("--downtime-limit", type=int, default=300, help="ms")
    ap.add_argument("--timeout", type=float, required=True,
                    help="seconds before migrate_cancel")
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--out", required=True, help="JSON result file")
    a = ap.parse_args()

    src = QMP(a.src)
    dst = QMP(a.dst) if a.dst else None
    src.cmd("migrate-set-parameters",
            **{"max-bandwidth": int(a.bandwidth * 1024 * 1024),
               "downtime-limit": a.downtime_limit})
    res = {"params": {"bandwidth_mib": a.bandwidth,
                      "downtime_limit_ms": a.downtime_limit,
                      "timeout_s": a.timeout, "port": a.port},
           "samples": [], "cancel_t_ns": None}
    res["start_t_ns"] = time.time_ns()
    t0 = time.monotonic()
    src.cmd("migrate", uri="tcp:127.0.0.1:%d" % a.port)
    final = None
    cancel_deadline = None
    while True:
        time.sleep(a.interval)
        q = src.cmd("query-migrate")
        t = time.monotonic() - t0
        res["samples"].append([round(t, 3), q])
        st = q.get("status")
        if st in ("completed", "failed", "cancelled"):
            final = q
            break
        if res["cancel_t_ns"] is None and t >= a.timeout:
            res["cancel_t_ns"] = time.time_ns()
            src.cmd("migrate_cancel")
            cancel_deadline = t + 20
        elif cancel_deadline is not None and t > cancel_deadline:
            final = q
            break
    res["end_t_ns"] = time.time_ns()
    res["final"] = final
    res["src_status"] = src.cmd("query-status")
    if dst is not None:
        try:
            res["dst_status"] = dst.cmd("query-status")
        except (QMPError, OSError) as e:
            # a destination whose incoming migration failed exits
            res["dst_status"] = {"error": str(e)}
        dst.close()
    res["src_events"] = src.events
    src.close()
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    ram = final.get("ram", {})
    print("qmp: status %s total-time %s ms downtime %s ms dirty-sync-count %s"
          " transferred %s" % (final.get("status"), final.get("total-time"),
                               final.get("downtime"),
                               ram.get("dirty-sync-count"),
                               ram.get("transferred")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (QMPError, OSError) as e:
        print("qmp-migrate: %s" % e, file=sys.stderr)
        sys.exit(2)
