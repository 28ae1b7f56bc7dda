#!/usr/bin/env python3
# tests/bench/ctl_latency.py: latency of strata-aggregator's control
# queries over its real UNIX socket.  For each query: COUNT requests one
# after the other on one connection (as stratactl or a dashboard would
# send them), the wall clock of each from the request's first byte to the
# answer's newline, and the aggregator's CPU time per request (from
# /proc/PID/stat over the whole series).  A query whose first answer takes
# long gets fewer requests (about 10 s of them, at least 20).  Stdlib only.
#
#   ctl_latency.py SOCKET AGGREGATOR_PID COUNT
#   ctl_latency.py --while PID SOCKET
#
# --while: `status` again and again, each on a new connection (as
# stratactl status does), for as long as process PID runs (a load
# generator); prints one line: status n N p50_ms P p99_ms P max_ms M.
#
# Queries: status, migrations (the default 1000 newest, then the newest
# 100), migration ID (the
# stored migration with the most rounds), nodes, alerts firing.  Prints a
# markdown table, then one line per query for scripts:
#   query NAME p50_ms P p99_ms P max_ms M cpu_ms C bytes B
import json
import os
import socket
import sys
import time


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(60)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")

    def ask(self, req):
        self.f.write(json.dumps(req).encode() + b"\n")
        self.f.flush()
        return self.f.readline()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def status_while(pid, path):
    t = []
    while alive(pid):
        t0 = time.perf_counter()
        c = Ctl(path)
        a = c.ask({"cmd": "status"})
        c.s.close()
        if not json.loads(a).get("ok"):
            sys.stderr.write("ctl_latency: status: %s\n" % a[:200])
            return 1
        t.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)
    if not t:
        sys.stderr.write("ctl_latency: process %d was gone already\n" % pid)
        return 1
    print("status n %d p50_ms %.3f p99_ms %.3f max_ms %.3f" % (
        len(t), pct(t, 50), pct(t, 99), max(t)))
    return 0


def main(argv):
    if argv[1] == "--while":
        return status_while(int(argv[2]), argv[3])
    path, pid, count = argv[1], int(argv[2]), int(argv[3])
    c = Ctl(path)
    st = json.loads(c.ask({"cmd": "status"}))["result"]
    migs = json.loads(c.ask({"cmd": "migrations",
                             "args": {"limit": 100000}}))["result"]
    best = max(migs, key=lambda m: m.get("rounds") or 0)
    queries = [
        ("status", {"cmd": "status"}),
        ("migrations", {"cmd": "migrations"}),
        ("migrations limit:100", {"cmd": "migrations",
                                  "args": {"limit": 100}}),
        ("migration ID (%d rounds)" % best["rounds"],
         {"cmd": "migration", "args": {"id": best["id"]}}),
        ("nodes", {"cmd": "nodes"}),
        ("alerts firing", {"cmd": "alerts", "args": {"firing": True}}),
    ]
    rounds = sum(m.get("rounds") or 0 for m in migs)
    print("store: %d migrations (%d in the list), %d rounds, %d alerts "
          "firing, db %.0f MiB" % (
              st["migrations_total"], len(migs), rounds, st["alerts_firing"],
              os.path.getsize(st["db"]) / 2**20))
    print()
    print("| query (one connection) | requests | p50 ms | p99 ms | max ms "
          "| aggregator CPU ms/request | answer bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    lines = []
    for name, req in queries:
        t0 = time.perf_counter()
        c.ask(req)			# warm: statements prepared, pages cached
        first = time.perf_counter() - t0
        n = max(20, min(count, int(10 / max(first, 1e-6))))
        t = []
        size = 0
        cpu0 = cpu_s(pid)
        for _ in range(n):
            t0 = time.perf_counter()
            a = c.ask(req)
            t.append((time.perf_counter() - t0) * 1000)
            size = len(a)
        cpu = (cpu_s(pid) - cpu0) * 1000 / n
        if not json.loads(a).get("ok"):
            sys.stderr.write("ctl_latency: %s: %s\n" % (name, a[:200]))
            return 1
        print("| %s | %d | %.2f | %.2f | %.2f | %.2f | %d |" % (
            name, n, pct(t, 50), pct(t, 99), max(t), cpu, size))
        key = name.split(" (")[0].replace(" ", "_")
        lines.append("query %s p50_ms %.3f p99_ms %.3f max_ms %.3f cpu_ms "
                     "%.3f bytes %d" % (key, pct(t, 50), pct(t, 99), max(t),
                                        cpu, size))
    print()
    for l in lines:
        print(l)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
