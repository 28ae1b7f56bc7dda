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
#   chain-ctl.py batch NAME=FILE... <CHECKS
#       blocks separated by blank lines, a description line then the
#       expression; FILE's JSON (a .jsonl file: a list of its lines'
#       objects) is bound to NAME.  Prints 1|0 TAB desc TAB expr TAB value.
#   chain-ctl.py ctl SOCKET
#       sends each stdin line to the control socket as is and prints each
#       reply line (one reply per request line).
#   chain-ctl.py stamp
#       copies stdin to stdout line by line, each prefixed with the wall
#       clock in ns and a space, flushed at once.
import json
import socket
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
                enumerate=enumerate, zip=zip, bool=bool)


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
    if len(argv) >= 2 and argv[1] == "batch":
        ns = names()
        for a in argv[2:]:
            k, path = a.split("=", 1)
            try:
                ns[k] = load(path)
            except (OSError, ValueError) as e:
                ns[k] = Err("%s: %s" % (path, e))
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
