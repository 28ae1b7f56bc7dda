#!/usr/bin/env python3
# chain-ctl.py: the whole-chain tests' questions about JSON answers of
# strata-aggregator (stratactl --json output, control socket replies, the
# agents' JSON lines): wait until an expression over a stratactl answer
# holds, run many checks over saved answers at once, speak the control
# protocol raw, and timestamp lines as they arrive.  Stdlib only.
#
#   chain-ctl.py wait TIMEOUT EXPR STRATACTL ARGS...
#       runs `STRATACTL ARGS` every 0.2 s until EXPR (Python, `j` = its
#       JSON output) is true; prints the value; exit 1 on timeout.
#   chain-ctl.py waitfor TIMEOUT EXPR NAME=FILE...
#       reloads the files (bound as for batch) every 0.05 s until EXPR is
#       true; prints the value; exit 1 on timeout.
#   chain-ctl.py batch NAME=FILE... <CHECKS
#       blocks separated by blank lines, a description line then the
#       expression; FILE's JSON (a .jsonl file: a list of its lines'
#       objects) is bound to NAME.  Prints 1|0 TAB desc TAB expr TAB value.
#   chain-ctl.py keys DB NAME=FILE...
#       compares the store DB (read only, while the aggregator runs) with
#       records: each FILE is an agent's JSON lines, or (spool-*) its
#       spool.  Prints one JSON object: per NAME its distinct (node, id)
#       keys and how many of them the store lacks, the store's key count,
#       the keys it holds that no FILE has, and the sides whose stored
#       state is not their last record's.  Alerts that are no alert of
#       their own in the store (migration.converged) are left out.
#   chain-ctl.py dump DB
#       the store's keys, as a JSON array of [kind, node, id].
#   chain-ctl.py ctl SOCKET
#       sends each stdin line to the control socket as is and prints each
#       reply line (one reply per request line).
#   chain-ctl.py stamp
#       copies stdin to stdout line by line, each prefixed with the wall
#       clock in ns and a space, flushed at once.
import json
import socket
import sqlite3
import subprocess
import sys
import time


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".jsonl") or path.endswith(".out"):
        out = []
        for line in data.split(b"\n"):
            line = line.strip()
            if not line:
                continue
            # a timestamped line (stamp): "NS {...}"
            if line[:1].isdigit() and b" " in line:
                ns, rest = line.split(b" ", 1)
                try:
                    o = json.loads(rest)
                except ValueError:
                    continue
                if isinstance(o, dict):
                    o["_recv_ns"] = int(ns)
                out.append(o)
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out
    return json.loads(data)


def names():
    return dict(len=len, any=any, all=all, sorted=sorted, set=set, max=max,
                min=min, sum=sum, abs=abs, round=round, int=int, float=float,
                str=str, isinstance=isinstance, list=list, dict=dict,
                enumerate=enumerate, zip=zip, bool=bool, tuple=tuple,
                range=range)


def fmt(v):
    if isinstance(v, str):
        return v
    try:
        return json.dumps(v, sort_keys=True)
    except TypeError:
        return str(v)


def ev(expr, ns):
    ns["__builtins__"] = {}
    try:
        # globals, so that comprehensions and lambdas see the names
        return eval("(" + expr + "\n)", ns)
    except Exception as e:		# a missing member is a failed check
        return Err("%s: %s" % (type(e).__name__, e))


def bind(args):
    """names() plus NAME=FILE arguments, each FILE's JSON bound to NAME."""
    ns = names()
    for a in args:
        k, path = a.split("=", 1)
        try:
            ns[k] = load(path)
        except (OSError, ValueError) as e:
            ns[k] = Err("%s: %s" % (path, e))
    return ns


def record_key(r):
    """(node, id) of a record the store keeps one of, or None."""
    k = r.get("kind")
    if k == "alert" and r.get("name") == "migration.converged":
        return None
    if k in ("migration", "alert"):
        return (k, r.get("node"), r.get("id"))
    if k == "migration_round":
        return (k, r.get("node"), "%s#%s" % (r.get("migration_id"), r.get("n")))
    return None


def records_of(path):
    """The records of an agent's JSON lines or of its spool file (seq
    JSON per line, 'a N' ack lines, a header), as (records, acked seq,
    unacked records)."""
    recs, unacked, acked = [], [], 0
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")[:-1]	# a torn last line is left out
    for line in lines:
        line = line.strip()
        if line.startswith(b"{"):
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
        elif line.startswith(b"a "):
            acked = max(acked, int(line[2:]))
        elif line[:1].isdigit():
            seq, rest = line.split(b" ", 1)
            try:
                r = json.loads(rest)
            except ValueError:
                continue
            recs.append(r)
            r["_seq"] = int(seq)
    unacked = [r for r in recs if r.get("_seq", 0) > acked]
    return recs, acked, unacked


def store_keys(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    keys = set()
    last = {}
    for node, sid, state, outcome in c.execute(
            "SELECT node, sid, state, outcome FROM migration_sides "
            "WHERE role != ''"):
        keys.add(("migration", node, sid))
        last[(node, sid)] = (state, outcome)
    for node, sid, n in c.execute(
            "SELECT s.node, s.sid, r.n FROM rounds r "
            "JOIN migration_sides s ON s.id = r.side"):
        keys.add(("migration_round", node, "%s#%d" % (sid, n)))
    for node, src in c.execute(
            "SELECT node, src_id FROM alerts WHERE src_id IS NOT NULL"):
        keys.add(("alert", node, src))
    c.close()
    return keys, last


def keys_report(db, args):
    keys, last = store_keys(db)
    out = {"store": len(keys)}
    every = set()
    mismatched = []
    for a in args:
        name, path = a.split("=", 1)
        recs, acked, unacked = records_of(path)
        ks = []
        final = {}
        for r in recs:
            k = record_key(r)
            if k is None:
                continue
            ks.append(k)
            if k[0] == "migration":
                final[(k[1], k[2])] = (r.get("state"), r.get("outcome"))
        uniq = list(dict.fromkeys(ks))
        missing = [k for k in uniq if k not in keys]
        every.update(uniq)
        out[name] = {"records": len(recs), "keys": len(uniq),
                     "missing": len(missing),
                     "missing_keys": [list(k) for k in missing[:5]],
                     # positions (in distinct keys) of the missing ones
                     "missing_pos": [uniq.index(k) for k in missing]}
        if path.split("/")[-1].startswith("spool"):
            out[name]["acked"] = acked
            out[name]["unacked"] = len(unacked)
        for (node, sid), v in final.items():
            if (node, sid) in last and last[(node, sid)] != v:
                mismatched.append([node, sid, v, last[(node, sid)]])
    extra = sorted(k for k in keys if k not in every)
    out["extra"] = len(extra)
    out["extra_keys"] = [list(k) for k in extra[:5]]
    out["stale_sides"] = mismatched[:5]
    return out


class Err:
    def __init__(self, m):
        self.m = m

    def __bool__(self):
        return False

    def __str__(self):
        return "<error %s>" % self.m


def main(argv):
    if len(argv) >= 5 and argv[1] == "wait":
        deadline = time.monotonic() + float(argv[2])
        expr, cmd = argv[3], argv[4:]
        v = None
        while True:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            if p.returncode == 0:
                try:
                    ns = names()
                    ns["j"] = json.loads(p.stdout)
                    v = ev(expr, ns)
                except ValueError as e:
                    v = Err("not JSON: %s" % e)
            else:
                v = Err("exit %d: %s" % (p.returncode,
                                         p.stderr.decode().strip()))
            if v:
                print(fmt(v))
                return 0
            if time.monotonic() > deadline:
                print(str(v) if isinstance(v, Err) else fmt(v))
                sys.stderr.write("timeout after %ss waiting for: %s\n"
                                 % (argv[2], expr))
                return 1
            time.sleep(0.2)
    if len(argv) >= 5 and argv[1] == "waitfor":
        deadline = time.monotonic() + float(argv[2])
        while True:
            ns = bind(argv[4:])
            v = ev(argv[3], ns)
            if v or time.monotonic() > deadline:
                print(str(v) if isinstance(v, Err) else fmt(v))
                return 0 if v else 1
            time.sleep(0.05)
    if len(argv) >= 2 and argv[1] == "batch":
        ns = bind(argv[2:])
        blocks = [b for b in sys.stdin.read().split("\n\n") if b.strip()]
        for b in blocks:
            lines = b.strip("\n").split("\n")
            desc, expr = lines[0].strip(), "\n".join(lines[1:])
            v = ev(expr, ns)
            print("%d\t%s\t%s\t%s" % (1 if v else 0, desc,
                  " ".join(expr.split()),
                  (str(v) if isinstance(v, Err) else fmt(v))
                  .replace("\n", " ")[:300]))
        return 0
    if len(argv) >= 3 and argv[1] == "keys":
        print(json.dumps(keys_report(argv[2], argv[3:]), sort_keys=True))
        return 0
    if len(argv) == 3 and argv[1] == "dump":
        print(json.dumps(sorted(list(k) for k in store_keys(argv[2])[0])))
        return 0
    if len(argv) == 3 and argv[1] == "ctl":
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(argv[2])
        f = s.makefile("rwb")
        for line in sys.stdin.buffer:
            f.write(line)
            f.flush()
            sys.stdout.write(f.readline().decode("utf-8", "replace"))
            sys.stdout.flush()
        return 0
    if len(argv) == 2 and argv[1] == "stamp":
        for line in sys.stdin.buffer:
            sys.stdout.write("%d %s" % (time.time_ns(),
                                        line.decode("utf-8", "replace")))
            sys.stdout.flush()
        return 0
    sys.stderr.write("usage: chain-ctl.py wait|batch|ctl|stamp ...\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
