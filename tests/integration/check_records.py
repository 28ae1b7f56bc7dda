#!/usr/bin/env python3
# check_records.py: read the JSON lines strata-agent writes (--jsonl FILE)
# and answer the integration tests' questions about them: wait until a
# record matches, evaluate an expression over all records, validate the
# record contract, and print readable lines and a summary for the demo.
#
# Expressions are Python, evaluated with these names bound:
#   R        every record, in file order
#   M        the `migration` records        A  the `alert` records
#   RD       the `migration_round` records
#   ids      migration ids in order of first appearance
#   finals   the last `migration` record of every id (same order as ids)
#   last(id) the last `migration` record of one migration
#   seq(id)  every `migration` record of one migration, in order
#   states(id)  the states of one migration's records, repeats removed
#   history(id) the QEMU states it went through (its last record's `states`)
#   alerts(name=None, mid=None)  alert records, optionally filtered
#   byvm(uuid, role=None)        finals of one VM (and role)
#   num(x)   x as a float, None stays None
# STRATA_REC_FROM=N in the environment leaves out the first N lines (the
# records of what a test played before).  Stdlib only.
import json
import os
import sys
import time

KINDS = ("migration", "migration_round", "alert")
MIG_FIELDS = ("id", "node", "t_ns", "vm_uuid", "vm_name", "vpid", "role",
              "state", "outcome", "rounds", "downtime_ms", "total_ms",
              "verdict", "predicted_downtime_ms", "throttle_pct")
ALERT_FIELDS = ("name", "severity", "migration_id", "vm_uuid", "node",
                "t_ns", "message")
OUTCOMES = (None, "completed", "failed", "cancelled", "rolled_back")
VERDICTS = (None, "converging", "stalled", "diverging", "converged")
ROLES = ("source", "destination")


def load(path):
    """Records of a JSONL file; a last line still being written is left
    out.  Returns (records, bad) where bad lists unparsable lines."""
    recs, bad = [], []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return recs, bad
    lines = data.split(b"\n")
    lines = lines[:-1]			# "" or an incomplete last line
    first = int(os.environ.get("STRATA_REC_FROM") or 0)
    for i, line in enumerate(lines[first:], first + 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            bad.append((i, str(e), line[:120]))
            continue
        if not isinstance(obj, dict):
            bad.append((i, "not an object", line[:120]))
            continue
        recs.append(obj)
    return recs, bad


def namespace(recs):
    M = [r for r in recs if r.get("kind") == "migration"]
    A = [r for r in recs if r.get("kind") == "alert"]
    RD = [r for r in recs if r.get("kind") == "migration_round"]
    ids, by = [], {}
    for r in M:
        i = r.get("id")
        if i not in by:
            ids.append(i)
            by[i] = []
        by[i].append(r)

    def seq(i):
        return by.get(i, [])

    def last(i):
        s = by.get(i)
        return s[-1] if s else None

    def states(i):
        out = []
        for r in by.get(i, []):
            s = r.get("state")
            if not out or out[-1] != s:
                out.append(s)
        return out

    def history(i):
        # the states history the last record carries (records leave once
        # per batch, so two quick changes may share one record)
        r = last(i)
        if r is not None and isinstance(r.get("states"), list):
            return [x.get("state") for x in r["states"]]
        return states(i)

    def alerts(name=None, mid=None):
        return [a for a in A
                if (name is None or a.get("name") == name)
                and (mid is None or a.get("migration_id") == mid)]

    finals = [last(i) for i in ids]

    def byvm(uuid, role=None):
        return [f for f in finals if f.get("vm_uuid") == uuid
                and (role is None or f.get("role") == role)]

    def num(x):
        return None if x is None else float(x)

    return dict(R=recs, M=M, A=A, RD=RD, ids=ids, finals=finals,
                last=last, seq=seq, states=states, history=history,
                alerts=alerts,
                byvm=byvm, num=num, len=len, any=any, all=all, sorted=sorted,
                set=set, max=max, min=min, sum=sum, abs=abs,
                enumerate=enumerate, round=round)


def evaluate(path, expr):
    recs, bad = load(path)
    ns = namespace(recs)
    try:
        # parenthesized, so an expression may span lines
        # (globals, so that lambdas in expr see the names too)
        ns["__builtins__"] = {}
        return eval("(" + expr + "\n)", ns), bad
    except Exception as e:		# a missing field is a failed check
        return ErrorValue("%s: %s" % (type(e).__name__, e)), bad


class ErrorValue:
    def __init__(self, msg):
        self.msg = msg

    def __bool__(self):
        return False

    def __str__(self):
        return "<error %s>" % self.msg


def fmt(v):
    if isinstance(v, ErrorValue):
        return str(v)
    if isinstance(v, str):
        return v
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, sort_keys=True)


def short(r):
    """One readable line for one record."""
    k = r.get("kind")
    if k == "migration":
        rounds = r.get("rounds") or []
        dp = [x.get("dirty_pages") for x in rounds]
        s = "%-9s %-8s %-11s %-16s %-15s outcome=%s rounds=%d" % (
            "migration", str(r.get("id"))[-8:], r.get("role"),
            (r.get("vm_name") or r.get("vm_uuid") or "?")[:16],
            r.get("state"), r.get("outcome"), len(rounds))
        if dp:
            s += " dirty=%s" % ",".join(str(x) for x in dp[-6:])
        if r.get("verdict") is not None:
            s += " verdict=%s" % r.get("verdict")
        if r.get("throttle_pct"):
            s += " throttle=%s%%" % r.get("throttle_pct")
        if r.get("downtime_ms") is not None:
            s += " downtime=%sms" % fmt(r.get("downtime_ms"))
        if r.get("total_ms") is not None:
            s += " total=%sms" % fmt(r.get("total_ms"))
        if r.get("error"):
            s += " error=%r" % r.get("error")
        return s
    if k == "alert":
        return "ALERT     %-8s %-26s %-8s %s" % (
            str(r.get("migration_id"))[-8:], r.get("name"),
            r.get("severity"), r.get("message"))
    if k == "migration_round":
        return "round     %-8s n=%s dirty_pages=%s duration_ms=%s" % (
            str(r.get("migration_id", r.get("id")))[-8:], r.get("n"),
            r.get("dirty_pages"), fmt(r.get("duration_ms")))
    return "%-9s %s" % (k, json.dumps(r, sort_keys=True)[:150])


def validate(recs, bad):
    """Problems with the record contract, as strings."""
    errs = ["line %d: %s: %r" % b for b in bad]
    for n, r in enumerate(recs, 1):
        k = r.get("kind")
        if k not in KINDS:
            continue			# other kinds (stats) are allowed
        for f in ("id", "node", "t_ns") if k != "alert" else ("node", "t_ns"):
            if f not in r:
                errs.append("record %d (%s): no %s" % (n, k, f))
        if not isinstance(r.get("t_ns"), int) or r.get("t_ns", 0) < 10**18:
            errs.append("record %d (%s): t_ns %r is not ns since the epoch"
                        % (n, k, r.get("t_ns")))
        if k == "migration":
            for f in MIG_FIELDS:
                if f not in r:
                    errs.append("record %d (migration): no %s" % (n, f))
            if r.get("role") not in ROLES + (None,):
                errs.append("record %d: role %r" % (n, r.get("role")))
            if r.get("outcome") not in OUTCOMES:
                errs.append("record %d: outcome %r" % (n, r.get("outcome")))
            if r.get("verdict") not in VERDICTS:
                errs.append("record %d: verdict %r" % (n, r.get("verdict")))
            if not isinstance(r.get("rounds"), list):
                errs.append("record %d: rounds is not a list" % n)
            else:
                for x in r["rounds"]:
                    for f in ("n", "t_ns", "dirty_pages", "duration_ms"):
                        if f not in x:
                            errs.append("record %d: a round has no %s"
                                        % (n, f))
            if r.get("outcome") == "failed" and not r.get("error"):
                errs.append("record %d: failed without error text" % n)
        if k == "alert":
            for f in ALERT_FIELDS:
                if f not in r:
                    errs.append("record %d (alert): no %s" % (n, f))
    return errs


def summary(recs):
    ns = namespace(recs)
    rows = []

    def fmt(v):
        return "-" if v is None else globals()["fmt"](v)
    for f in ns["finals"]:
        i = f.get("id")
        al = sorted(set(a.get("name", "?").replace("migration.", "")
                        for a in ns["alerts"](mid=i)))
        rows.append((str(f.get("vm_name") or f.get("vm_uuid"))[:18],
                     str(f.get("role")), str(f.get("outcome") or
                                             "(" + str(f.get("state")) + ")"),
                     str(len(f.get("rounds") or [])),
                     fmt(f.get("downtime_ms")), fmt(f.get("total_ms")),
                     str(f.get("verdict")), fmt(f.get("throttle_pct")),
                     ",".join(al) or "-"))
    head = ("vm", "role", "outcome", "rounds", "downtime_ms", "total_ms",
            "verdict", "throttle", "alerts")
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    out = ["  ".join(c.ljust(w[j]) for j, c in enumerate(head)),
           "  ".join("-" * x for x in w)]
    for r in rows:
        out.append("  ".join(c.ljust(w[j]) for j, c in enumerate(r)))
    out.append("%d migrations, %d alerts, %d records" %
               (len(ns["finals"]), len(ns["A"]), len(recs)))
    return "\n".join(out)


def hms(t_ns):
    t = (t_ns or 0) / 1e9
    return time.strftime("%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)


def ms(v):
    if v is None:
        return "?"
    return "%.0f ms" % v if v >= 10 else "%.2f ms" % v


class Follower:
    """Readable lines for a stream of records: one per state change (from
    each record's states history), per verdict change, per outcome and per
    alert."""

    def __init__(self):
        self.nstates, self.verdict, self.done = {}, {}, set()

    def who(self, r):
        return "%-18s %-11s" % ((r.get("vm_name") or r.get("vm_uuid")
                                 or "?")[:18], r.get("role") or "?")

    def lines(self, r):
        out = []
        k = r.get("kind")
        if k == "alert":
            out.append("%s  ALERT %s [%s] %s" % (
                hms(r.get("t_ns")), r.get("name"), r.get("severity"),
                r.get("message")))
            return out
        if k != "migration":
            return out
        i = r.get("id")
        hist = r.get("states") or [{"state": r.get("state"),
                                    "t_ns": r.get("t_ns")}]
        for st in hist[self.nstates.get(i, 0):]:
            out.append("%s  %s state %s" % (hms(st.get("t_ns")),
                                            self.who(r), st.get("state")))
        self.nstates[i] = len(hist)
        v = r.get("verdict")
        if v is not None and v != self.verdict.get(i) and \
                r.get("outcome") is None:
            rounds = r.get("rounds") or []
            last = rounds[-1] if rounds else {}
            out.append("%s  %s verdict %s after %d round(s): %s dirty "
                       "pages, predicted downtime %s" % (
                           hms(r.get("t_ns")), self.who(r), v, len(rounds),
                           last.get("dirty_pages", "?"),
                           ms(r.get("predicted_downtime_ms"))))
        self.verdict[i] = v
        if r.get("outcome") is not None and i not in self.done:
            self.done.add(i)
            s = "%s  %s outcome %s: %d rounds, total %s" % (
                hms(r.get("t_ns")), self.who(r), r.get("outcome"),
                len(r.get("rounds") or []), ms(r.get("total_ms")))
            if r.get("downtime_ms") is not None:
                s += ", downtime %s" % ms(r.get("downtime_ms"))
            if r.get("throttle_pct"):
                s += ", CPU throttled %s%%" % r.get("throttle_pct")
            if r.get("error"):
                s += ", error: %s" % r.get("error")
            out.append(s)
        return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def usage():
    sys.stderr.write(
        "usage: check_records.py eval FILE EXPR\n"
        "       check_records.py wait FILE TIMEOUT EXPR [PID]\n"
        "       check_records.py batch FILE <CHECKS\n"
        "       check_records.py show FILE\n"
        "       check_records.py validate FILE\n"
        "       check_records.py summary FILE\n"
        "       check_records.py follow FILE STOPFILE\n")
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        usage()
    cmd, path = argv[1], argv[2]
    if cmd == "eval" and len(argv) == 4:
        v, _ = evaluate(path, argv[3])
        print(fmt(v))
        return 0 if v else 1
    if cmd == "wait" and len(argv) in (5, 6):
        deadline = time.monotonic() + float(argv[3])
        pid = int(argv[5]) if len(argv) == 6 else None
        while True:
            v, _ = evaluate(path, argv[4])
            if v:
                return 0
            if time.monotonic() > deadline:
                sys.stderr.write("timeout after %ss waiting for: %s\n"
                                 % (argv[3], argv[4]))
                return 1
            if pid is not None and not alive(pid):
                sys.stderr.write("pid %d exited while waiting for: %s\n"
                                 % (pid, argv[4]))
                return 3
            time.sleep(0.1)
    if cmd == "batch" and len(argv) == 3:
        # Blocks on stdin, separated by blank lines: a description line,
        # then the expression.  One line per block on stdout:
        # 1|0 TAB description TAB expression TAB value.
        recs, bad = load(path)
        blocks = [b for b in sys.stdin.read().split("\n\n") if b.strip()]
        for b in blocks:
            lines = b.strip("\n").split("\n")
            desc, expr = lines[0].strip(), "\n".join(lines[1:])
            ns = namespace(recs)
            ns["__builtins__"] = {}
            try:
                v = eval("(" + expr + "\n)", ns)
            except Exception as e:
                v = ErrorValue("%s: %s" % (type(e).__name__, e))
            print("%d\t%s\t%s\t%s" % (1 if v else 0, desc,
                  " ".join(expr.split()), fmt(v).replace("\n", " ")[:300]))
        return 0
    if cmd == "show" and len(argv) == 3:
        recs, bad = load(path)
        for r in recs:
            print(short(r))
        for b in bad:
            print("BAD line %d: %s: %r" % b)
        return 0
    if cmd == "validate" and len(argv) == 3:
        recs, bad = load(path)
        errs = validate(recs, bad)
        for e in errs[:20]:
            print(e)
        if len(errs) > 20:
            print("... %d more" % (len(errs) - 20))
        return 1 if errs else 0
    if cmd == "summary" and len(argv) == 3:
        recs, _ = load(path)
        print(summary(recs))
        return 0
    if cmd == "follow" and len(argv) == 4:
        # Print state changes, verdict changes and alerts as they arrive,
        # until STOPFILE exists (the demo).
        seen, fol = 0, Follower()
        while True:
            stop = os.path.exists(argv[3])
            recs, _ = load(path)
            for r in recs[seen:]:
                for line in fol.lines(r):
                    print(line, flush=True)
            seen = len(recs)
            if stop:
                return 0
            time.sleep(0.2)
    usage()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
