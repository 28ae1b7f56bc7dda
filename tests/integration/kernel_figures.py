#!/usr/bin/env python3
"""kernel_figures.py: per-thread scheduling and per-device block figures
computed from babeltrace2's text output (`babeltrace2 --clock-seconds
TRACE`), independently of strata-agent, for kernel-offline.sh.

The rules (the same definitions the agent documents in
lib/analyzers/kernel/kthread.c, computed here from the text):
- CPU time: from a sched_switch that puts a thread on a CPU to the switch
  that takes it off the same CPU; the idle task (tid 0) is not a thread.
- run-queue wait: from sched_wakeup/sched_wakeup_new (of a thread neither
  running nor already runnable) or a switch out with prev_state's low byte
  0 (still runnable) to the thread's next switch in.
- at the end, open intervals count up to the last kernel event read.
- softirq (softirq_* or irq_softirq_*) and irq_handler_* time per CPU: an
  exit of the vector (irq) last entered on that CPU closes its interval.
- block: block_rq_issue (dev != 0, nr_sector > 0) matched to the next
  block_rq_complete of the same dev and sector; latency = complete - issue;
  bytes = the issue's nr_sector * 512; percentiles by nearest rank.
Prints JSON: {"threads": {tid: {...}}, "disks": {"MAJ:MIN": {...}},
"cpus": {cpu: {"irq_ns", "irqs", "softirq": {vec: [count, ns]}}},
"events": N, "last_ns": T}.
"""
import json
import math
import re
import sys

LINE = re.compile(r'^\[(\d+)\.(\d+)\] \(\S+\) \S+ (\S+): '
                  r'\{ cpu_id = (\d+) \}, \{ ?(.*?) ?\}$')
FIELD = re.compile(r'(\w+) = ("(?:[^"\\]|\\.)*"|\( "[^"]*" : container = -?\d+ \)'
                   r'|\[[^\]]*\]|[^,]+)')
KERNEL = {"sched_switch", "sched_wakeup", "sched_wakeup_new",
          "sched_process_fork", "sched_process_exit", "sched_process_free",
          "kvm_x86_exit", "kvm_exit", "kvm_x86_entry", "kvm_entry",
          "block_rq_issue", "block_rq_complete", "softirq_entry",
          "irq_softirq_entry", "softirq_exit", "irq_softirq_exit",
          "irq_handler_entry", "irq_handler_exit", "net_dev_queue",
          "netif_receive_skb", "lttng_statedump_process_state",
          "lttng_statedump_block_device"}


def value(s):
    s = s.strip()
    if s.startswith('"'):
        return s[1:-1]
    m = re.match(r'\( "[^"]*" : container = (-?\d+) \)', s)
    if m:
        return int(m.group(1))
    try:
        return int(s)
    except ValueError:
        return s


def main():
    th = {}
    running = {}        # cpu -> tid
    disks = {}
    inflight = {}
    cpus = {}
    si = {}             # cpu -> (t, vec)
    irq = {}            # cpu -> t
    n = 0
    last = 0

    def thread(tid):
        if tid not in th:
            th[tid] = {"cpu_ns": 0, "wait_ns": 0, "switches": 0,
                       "kvm_exits": 0, "state": None, "t": 0, "cpu": -1}
        return th[tid]

    for line in sys.stdin:
        m = LINE.match(line.rstrip("\n"))
        if not m or m.group(3) not in KERNEL:
            continue
        t = int(m.group(1)) * 1000000000 + int(m.group(2).ljust(9, "0"))
        name, cpu = m.group(3), int(m.group(4))
        f = {k: value(v) for k, v in FIELD.findall(m.group(5))}
        n += 1
        last = max(last, t)
        if name == "sched_switch":
            p, nx = f["prev_tid"], f["next_tid"]
            if p > 0:
                x = thread(p)
                if x["state"] == "run" and x["cpu"] == cpu:
                    x["cpu_ns"] += t - x["t"]
                x["switches"] += 1
                x["state"] = "ready" if (f["prev_state"] & 0xff) == 0 \
                    else "blocked"
                x["t"], x["cpu"] = t, cpu
            if nx > 0:
                x = thread(nx)
                if x["state"] == "ready":
                    x["wait_ns"] += t - x["t"]
                x["state"], x["t"], x["cpu"] = "run", t, cpu
            running[cpu] = nx
        elif name in ("sched_wakeup", "sched_wakeup_new"):
            x = thread(f["tid"])
            if x["state"] not in ("run", "ready"):
                x["state"], x["t"] = "ready", t
        elif name in ("kvm_x86_exit", "kvm_exit"):
            if running.get(cpu, 0) > 0:
                thread(running[cpu])["kvm_exits"] += 1
        elif name in ("softirq_entry", "irq_softirq_entry"):
            si[cpu] = (t, f["vec"])
            cpus.setdefault(cpu, {"irq_ns": 0, "irqs": 0, "softirq": {}})
        elif name in ("softirq_exit", "irq_softirq_exit"):
            c = cpus.setdefault(cpu, {"irq_ns": 0, "irqs": 0, "softirq": {}})
            if cpu in si and si[cpu][1] == f["vec"] and 0 <= f["vec"] < 10:
                v = c["softirq"].setdefault(str(f["vec"]), [0, 0])
                v[0] += 1
                v[1] += t - si[cpu][0]
                del si[cpu]
        elif name == "irq_handler_entry":
            irq[cpu] = t
            cpus.setdefault(cpu, {"irq_ns": 0, "irqs": 0, "softirq": {}})
        elif name == "irq_handler_exit":
            c = cpus.setdefault(cpu, {"irq_ns": 0, "irqs": 0, "softirq": {}})
            if cpu in irq:
                c["irq_ns"] += t - irq.pop(cpu)
                c["irqs"] += 1
        elif name == "block_rq_issue":
            if f["dev"] != 0 and f["nr_sector"] > 0:
                inflight.setdefault((f["dev"], f["sector"]), []).append(
                    (t, f["nr_sector"] * 512))
        elif name == "block_rq_complete":
            q = inflight.get((f["dev"], f["sector"]))
            if q:
                t0, b = q.pop(0)
                dev = "%d:%d" % (f["dev"] >> 20, f["dev"] & 0xfffff)
                d = disks.setdefault(dev, {"lat": [], "bytes": 0})
                d["lat"].append(t - t0)
                d["bytes"] += b
    for x in th.values():
        if x["state"] == "run":
            x["cpu_ns"] += last - x["t"]
        elif x["state"] == "ready":
            x["wait_ns"] += last - x["t"]
    out = {"events": n, "last_ns": last, "threads": {}, "disks": {},
           "cpus": {str(c): x for c, x in cpus.items()}}
    for tid, x in th.items():
        out["threads"][str(tid)] = {k: x[k] for k in
                                    ("cpu_ns", "wait_ns", "switches",
                                     "kvm_exits")}
    for dev, d in disks.items():
        lat = sorted(d["lat"])

        def pct(p):
            return lat[max(1, math.ceil(p / 100.0 * len(lat))) - 1] / 1e6
        out["disks"][dev] = {"requests": len(lat), "bytes": d["bytes"],
                             "max_ms": lat[-1] / 1e6, "p50_ms": pct(50),
                             "p99_ms": pct(99),
                             "mean_ms": sum(lat) / len(lat) / 1e6}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
