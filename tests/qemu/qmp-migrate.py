#!/usr/bin/env python3
# qmp-migrate.py: drive one live migration over QMP the way the recorded
# data in tests/data/qemu-7.2 was made (and the way Nova's libvirt driver
# behaves): cap bandwidth and downtime, migrate, poll query-migrate every
# 0.5 s, migrate_cancel at the timeout (Nova's "abort").  Writes the final
# answer and all samples as JSON.  Python standard library only.
#
# Also (tests/qemu/capture.sh uses them): capabilities (--caps, set on the
# source, and on the destination too for those both ends need), their
# parameters (--cpu-throttle-initial/-increment, --xbzrle-cache-size,
# --param NAME=VALUE), max-bandwidth changes during the migration
# (--set-bandwidth-at SECONDS:MIBPS), migrate-start-postcopy
# (--postcopy-at SECONDS) and what to do at the timeout (--action cancel,
# or none: stop watching and leave the migration running).  Every change
# made after `migrate` is in "changes" as [seconds since migrate, {what}].
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


# Capabilities the destination must have as well (QEMU checks them there).
BOTH_ENDS = ("postcopy-ram", "multifd", "postcopy-preempt", "return-path",
             "late-block-activate", "validate-uuid")


def number(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v in ("true", "false"):
        return v == "true"
    return v


def at_spec(v):
    """SECONDS:MIBPS -> (seconds, MiB/s)"""
    try:
        t, mib = v.split(":", 1)
        return float(t), float(mib)
    except ValueError:
        raise argparse.ArgumentTypeError("want SECONDS:MIBPS, got %r" % v)


def param_spec(v):
    if "=" not in v:
        raise argparse.ArgumentTypeError("want NAME=VALUE, got %r" % v)
    k, val = v.split("=", 1)
    return k, number(val)


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
    ap.add_argument("--action", choices=("cancel", "none"), default="cancel",
                    help="at the timeout: migrate_cancel (default), or "
                    "none: stop watching, the migration goes on")
    ap.add_argument("--caps", default="",
                    help="capabilities to enable, comma-separated "
                    "(auto-converge,xbzrle,postcopy-ram,...)")
    ap.add_argument("--cpu-throttle-initial", type=int, help="percent")
    ap.add_argument("--cpu-throttle-increment", type=int, help="percent")
    ap.add_argument("--xbzrle-cache-size", type=float, help="MiB")
    ap.add_argument("--param", type=param_spec, action="append", default=[],
                    metavar="NAME=VALUE",
                    help="any other migrate-set-parameters member, repeatable")
    ap.add_argument("--set-bandwidth-at", type=at_spec, action="append",
                    default=[], metavar="SECONDS:MIBPS",
                    help="set max-bandwidth at SECONDS after migrate, "
                    "repeatable")
    ap.add_argument("--postcopy-at", type=float, metavar="SECONDS",
                    help="migrate-start-postcopy at SECONDS after migrate "
                    "(needs --caps postcopy-ram)")
    a = ap.parse_args()
    caps = [c for c in a.caps.split(",") if c]
    if a.postcopy_at is not None and "postcopy-ram" not in caps:
        ap.error("--postcopy-at needs --caps postcopy-ram")
    params = {"max-bandwidth": int(a.bandwidth * 1024 * 1024),
              "downtime-limit": a.downtime_limit}
    if a.cpu_throttle_initial is not None:
        params["cpu-throttle-initial"] = a.cpu_throttle_initial
    if a.cpu_throttle_increment is not None:
        params["cpu-throttle-increment"] = a.cpu_throttle_increment
    if a.xbzrle_cache_size is not None:
        params["xbzrle-cache-size"] = int(a.xbzrle_cache_size * 1024 * 1024)
    for k, v in a.param:
        params[k] = v
    # (time, kind, argument), in time order
    plan = [(t, "bandwidth", mib) for t, mib in a.set_bandwidth_at]
    if a.postcopy_at is not None:
        plan.append((a.postcopy_at, "postcopy", None))
    plan.sort(key=lambda p: p[0])

    src = QMP(a.src)
    dst = QMP(a.dst) if a.dst else None
    if caps:
        state = [{"capability": c, "state": True} for c in caps]
        src.cmd("migrate-set-capabilities", capabilities=state)
        both = [c for c in state if c["capability"] in BOTH_ENDS]
        if both and dst is not None:
            dst.cmd("migrate-set-capabilities", capabilities=both)
    src.cmd("migrate-set-parameters", **params)
    res = {"params": {"bandwidth_mib": a.bandwidth,
                      "downtime_limit_ms": a.downtime_limit,
                      "timeout_s": a.timeout, "port": a.port},
           "samples": [], "cancel_t_ns": None}
    res["params"].update({
        "caps": caps, "action": a.action, "set_parameters": params,
        "set_bandwidth_at": [list(p) for p in a.set_bandwidth_at],
        "postcopy_at": a.postcopy_at})
    # What QEMU says it runs with, and what changed after migrate.
    res["capabilities"] = [c["capability"] for c in
                           src.cmd("query-migrate-capabilities")
                           if c["state"]]
    res["parameters"] = src.cmd("query-migrate-parameters")
    res["changes"] = []
    res["start_t_ns"] = time.time_ns()
    t0 = time.monotonic()
    src.cmd("migrate", uri="tcp:127.0.0.1:%d" % a.port)
    final = None
    cancel_deadline = None
    while True:
        # Sleep to the next poll, or to the next planned change first.
        wake = time.monotonic() + a.interval
        while plan and t0 + plan[0][0] < wake:
            time.sleep(max(0.0, t0 + plan[0][0] - time.monotonic()))
            when, kind, arg = plan.pop(0)
            t = time.monotonic() - t0
            try:
                if kind == "bandwidth":
                    what = {"max-bandwidth": int(arg * 1024 * 1024)}
                    src.cmd("migrate-set-parameters", **what)
                else:
                    what = {"migrate-start-postcopy": True}
                    src.cmd("migrate-start-postcopy")
            except QMPError as e:
                what["error"] = str(e)
            res["changes"].append([round(t, 3), what])
            print("qmp: %.3f s: %s" % (t, json.dumps(what)), flush=True)
        time.sleep(max(0.0, wake - time.monotonic()))
        q = src.cmd("query-migrate")
        t = time.monotonic() - t0
        res["samples"].append([round(t, 3), q])
        st = q.get("status")
        if st == "completed" and (not q.get("total-time") or
                                  "downtime" not in q):
            # QEMU 7.2 sets "completed" a little before it fills in
            # total-time and downtime (they read 0 in between): ask again.
            time.sleep(0.2)
            q = src.cmd("query-migrate")
            res["samples"].append([round(time.monotonic() - t0, 3), q])
        if st in ("completed", "failed", "cancelled"):
            final = q
            break
        if t >= a.timeout and a.action == "none":
            # Nobody acts: the migration goes on after we stop watching.
            final = q
            res["stopped_watching_t"] = round(t, 3)
            break
        if res["cancel_t_ns"] is None and t >= a.timeout:
            res["cancel_t_ns"] = time.time_ns()
            src.cmd("migrate_cancel")
            res["cancel_t"] = round(time.monotonic() - t0, 3)
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
