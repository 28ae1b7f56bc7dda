#!/usr/bin/env python3
# tests/helpers/strata-load.py: not a test itself; the load and the
# hostile peers of the exhaustion and fault tests
# (tests/integration/exhaust-*.sh), on loopback only.  Each command prints
# one JSON object with what it saw (times in seconds, since the
# connection was made unless said otherwise).  Stdlib only.
#
#   idle HOST PORT N HOLD        N TCP connections that send nothing (non-
#                                blocking connects: a full backlog does not
#                                stop it), held HOLD s: how many the server
#                                closed, and when
#   ctl-idle SOCK N HOLD         the same on the control socket
#   ctl-lat SOCK N               N rounds of what stratactl status does (a
#                                fresh connection, help, status): ms each
#   slowloris HOST PORT MAXS     a HELLO sent one byte a second: when the
#                                server cut it, and why
#   frame4g HOST PORT NODE       a header announcing a 4 GiB frame, before
#                                HELLO and after it: the answer, how fast
#   garbage HOST PORT N          N connections in a row sending garbage
#   record HOST PORT NODE SIZE   a HELLO, then a BATCH of one well-formed
#                                record of SIZE bytes, sent in pieces
#   deep HOST PORT NODE DEPTH    a BATCH whose record nests DEPTH arrays
#   hello HOST PORT NODE         a HELLO naming NODE (bytes, \x escapes
#                                allowed): the answer
#   ctl-send SOCK KIND...        bad control requests on one connection
#                                (line1m, deep, deep30k, deepobj, utf8,
#                                utf8cut, status): each answer and whether
#                                it is valid UTF-8 JSON
#   writer HOST PORT NODE N BATCH LOG TIMEOUT [RECSIZE [RATE]]
#                                N migration records (ids NODE/w/I) in
#                                batches (RATE a second at most; padded
#                                by RECSIZE bytes); each acknowledged id
#                                appended to LOG; reconnects and resends
#                                what was not acknowledged, until all are
#                                or TIMEOUT, or (STRATA_LOAD_STOP=FILE)
#                                FILE exists and what was sent is;
#                                STRATA_LOAD_KIND=alert: alert records
#   follower SOCK PAUSE          `alerts follow`, then no read for PAUSE s
#                                (or until the file PAUSE exists), then
#                                reads to the end of the stream
#   relayd PORT SECS             a relay daemon that accepts and never
#                                answers, for SECS: connections it got
import json
import os
import resource
import select
import socket
import struct
import sys
import time
import weakref

MAGIC = 0x53545241
HELLO, WELCOME, REFUSE, BATCH, ACK, HEARTBEAT = 1, 2, 3, 4, 5, 6


def more_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def frame(ftype, body, length=None):
    return struct.pack(">IHHI", MAGIC, 1, ftype,
                       len(body) if length is None else length) + body


def hello_body(node, token=None):
    b = {"version": 1, "node": node, "agent_version": "strata-load",
         "wall_ns": time.time_ns()}
    if token:
        b["token"] = token
    return json.dumps(b).encode()


# What was read past a frame, by socket: ACKs of several batches come in
# one read.
_rbuf = weakref.WeakKeyDictionary()


def read_frame(s, timeout=5.0):
    """(type, body) of the next frame, or (None, why)."""
    s.settimeout(timeout)
    buf = _rbuf.pop(s, b"")
    try:
        while len(buf) < 12:
            d = s.recv(65536)
            if not d:
                return None, "closed"
            buf += d
        _, _, t, n = struct.unpack(">IHHI", buf[:12])
        while len(buf) < 12 + n:
            d = s.recv(65536)
            if not d:
                return None, "closed mid-frame"
            buf += d
        _rbuf[s] = buf[12 + n:]
        return t, json.loads(buf[12:12 + n])
    except socket.timeout:
        _rbuf[s] = buf
        return None, "timeout"
    except OSError as e:
        return None, str(e)


def wait_close(s, timeout):
    """Seconds until the peer closed s (None: it did not), reading all."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < timeout:
        try:
            if s.recv(65536) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0
    return None


# STRATA_LOAD_SRC=127.0.0.N: connect from that loopback address (the
# aggregator rate-limits what it logs per peer address).
SRC = os.environ.get("STRATA_LOAD_SRC")


def connect(host, port, timeout=5):
    return socket.create_connection((host, int(port)), timeout=timeout,
                                    source_address=(SRC, 0) if SRC else None)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else None


def hold(socks, born, secs):
    """Watches sockets for secs; the time each one was closed by the peer."""
    poller = select.poll()
    byfd = {}
    for s in socks:
        poller.register(s.fileno(), select.POLLIN)
        byfd[s.fileno()] = s
    closed = {}
    end = time.monotonic() + secs
    while byfd and time.monotonic() < end:
        for fd, ev in poller.poll(200):
            s = byfd.get(fd)
            if s is None:
                continue
            try:
                d = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if d == b"":
                closed[fd] = time.monotonic() - born[fd]
                poller.unregister(fd)
                del byfd[fd]
    return closed


def open_many(family, addr, n):
    """n non-blocking connects; (sockets, connect time by fd, failed).  A
    TCP connect in progress counts (the SYN waits in the backlog); a UNIX
    one whose backlog is full (EAGAIN) is retried for 2 s, then failed."""
    socks, born, failed = [], {}, 0
    for _ in range(n):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        end = time.monotonic() + 2
        while True:
            try:
                s.connect(addr)
                break
            except (BlockingIOError, InterruptedError):
                if family != socket.AF_UNIX:
                    break
                if time.monotonic() > end:
                    s.close()
                    s = None
                    break
                time.sleep(0.01)
            except OSError:
                s.close()
                s = None
                break
        if s is None:
            failed += 1
            continue
        socks.append(s)
        born[s.fileno()] = time.monotonic()
    return socks, born, failed


def cmd_idle(host, port, n, secs):
    more_fds()
    socks, born, failed = open_many(socket.AF_INET, (host, int(port)),
                                    int(n))
    first = [s.fileno() for s in socks[:100]]
    closed = hold(socks, born, float(secs))
    ts = list(closed.values())
    firsts = [closed[f] for f in first if f in closed]
    print(json.dumps({"opened": len(socks), "closed": len(ts),
                      "close_p50_s": round(pct(ts, 0.5), 2) if ts else None,
                      "close_max_s": round(max(ts), 2) if ts else None,
                      "first100_closed": len(firsts),
                      "first100_min_s": round(min(firsts), 2) if firsts else None,
                      "first100_max_s": round(max(firsts), 2) if firsts else None}))
    for s in socks:
        s.close()


def cmd_ctl_idle(path, n, secs):
    more_fds()
    socks, born, failed = open_many(socket.AF_UNIX, path, int(n))
    closed = hold(socks, born, float(secs))
    ts = list(closed.values())
    print(json.dumps({"opened": len(socks), "failed": failed,
                      "closed": len(ts),
                      "close_min_s": round(min(ts), 2) if ts else None,
                      "close_max_s": round(max(ts), 2) if ts else None}))
    for s in socks:
        s.close()


def ctl_round(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    out = []
    for req in (b'{"cmd":"help"}\n', b'{"cmd":"status"}\n'):
        f.write(req)
        f.flush()
        out.append(json.loads(f.readline()))
    s.close()
    return out


def cmd_ctl_lat(path, n):
    lat, bad = [], 0
    for _ in range(int(n)):
        t0 = time.monotonic()
        try:
            r = ctl_round(path)
            ok = all(x.get("ok") for x in r)
        except (OSError, ValueError):
            ok = False
        lat.append((time.monotonic() - t0) * 1e3)
        bad += not ok
        time.sleep(0.05)
    print(json.dumps({"rounds": len(lat), "failed": bad,
                      "p50_ms": round(pct(lat, 0.5), 2),
                      "max_ms": round(max(lat), 2)}))


def cmd_slowloris(host, port, maxs):
    data = frame(HELLO, hello_body("slowloris"))
    s = connect(host, port)
    t0 = time.monotonic()
    sent, cut, reason = 0, None, None
    while time.monotonic() - t0 < float(maxs):
        try:
            s.send(data[sent % len(data):sent % len(data) + 1])
            sent += 1
        except OSError:
            cut = time.monotonic() - t0
            break
        s.settimeout(1.0)
        try:
            d = s.recv(65536)
            if d == b"" or d:
                cut = time.monotonic() - t0
                if len(d) >= 12 and struct.unpack(">IHHI", d[:12])[2] == REFUSE:
                    reason = json.loads(d[12:]).get("reason")
                break
        except socket.timeout:
            pass
        except OSError:
            cut = time.monotonic() - t0
            break
    print(json.dumps({"bytes_sent": sent, "cut_s": round(cut, 2)
                      if cut is not None else None, "reason": reason}))


def cmd_frame4g(host, port, node):
    out = {}
    # A stranger's first header.
    s = connect(host, port)
    t0 = time.monotonic()
    s.sendall(struct.pack(">IHHI", MAGIC, 1, HELLO, 0xFFFFFFFF))
    t, b = read_frame(s)
    out["hello"] = {"reply": t, "reason": b.get("reason") if t == REFUSE
                    else b, "secs": round(time.monotonic() - t0, 3),
                    "closed_s": wait_close(s, 5)}
    s.close()
    # An agent's batch header.
    s = connect(host, port)
    s.sendall(frame(HELLO, hello_body(node)))
    t, b = read_frame(s)
    t0 = time.monotonic()
    s.sendall(struct.pack(">IHHI", MAGIC, 1, BATCH, 0xFFFFFFFF))
    t, b = read_frame(s)
    out["batch"] = {"reply": t, "reason": b.get("reason") if t == REFUSE
                    else b, "secs": round(time.monotonic() - t0, 3),
                    "closed_s": wait_close(s, 5)}
    s.close()
    print(json.dumps(out))


def cmd_garbage(host, port, n):
    more_fds()
    n = int(n)
    refused = closed = 0
    t0 = time.monotonic()
    junk = b"GET / HTTP/1.1\r\nHost: strata\r\n\r\n" + bytes(range(256))
    for _ in range(n):
        try:
            s = connect(host, port)
            s.sendall(junk)
            t, b = read_frame(s)
            refused += t == REFUSE
            closed += wait_close(s, 5) is not None
            s.close()
        except OSError:
            pass
    print(json.dumps({"connections": n, "refused": refused, "closed": closed,
                      "seconds": round(time.monotonic() - t0, 2)}))


def batch_body(seq, recs):
    return ('{"seq":%d,"records":[%s]}' % (seq, ",".join(recs))).encode()


def cmd_record(host, port, node, size):
    size = int(size)
    s = connect(host, port, timeout=30)
    s.sendall(frame(HELLO, hello_body(node)))
    t, b = read_frame(s)
    if t != WELCOME:
        print(json.dumps({"welcome": False, "got": str(b)}))
        return
    rec = {"kind": "migration", "node": node, "id": "%s/big/%d" % (node, size),
           "t_ns": time.time_ns(), "role": "source", "state": "active",
           "pad": ""}
    base = len(json.dumps(rec, separators=(",", ":")))
    rec["pad"] = "x" * max(0, size - base)
    body = batch_body(1, [json.dumps(rec, separators=(",", ":"))])
    data = frame(BATCH, body)
    t0 = time.monotonic()
    sent = 0
    s.settimeout(10)
    try:
        while sent < len(data):
            sent += s.send(data[sent:sent + (1 << 20)])
    except OSError:
        pass
    t, b = read_frame(s, 20)
    print(json.dumps({"record_bytes": len(body) - 30, "frame_bytes": len(data),
                      "sent": sent, "reply": t,
                      "reason": b.get("reason") if t == REFUSE else None,
                      "ack": b.get("seq") if t == ACK else None,
                      "secs": round(time.monotonic() - t0, 3)}))


def cmd_deep(host, port, node, depth):
    depth = int(depth)
    s = connect(host, port)
    s.sendall(frame(HELLO, hello_body(node)))
    t, b = read_frame(s)
    rec = ('{"kind":"migration","id":"%s/deep","t_ns":1,"x":%s%s}'
           % (node, "[" * depth, "]" * depth))
    t0 = time.monotonic()
    try:
        s.sendall(frame(BATCH, batch_body(1, [rec])))
    except OSError:
        pass
    t, b = read_frame(s, 10)
    print(json.dumps({"depth": depth, "reply": t,
                      "reason": b.get("reason") if t == REFUSE else None,
                      "secs": round(time.monotonic() - t0, 3)}))


def cmd_hello(host, port, node):
    name = node.encode("latin-1").decode("unicode_escape").encode("latin-1")
    body = (b'{"version":1,"node":"' + name +
            b'","agent_version":"strata-load","wall_ns":%d}' % time.time_ns())
    s = connect(host, port)
    s.sendall(frame(HELLO, body))
    t, b = read_frame(s)
    print(json.dumps({"reply": t, "reason": b.get("reason") if t == REFUSE
                      else None}))
    s.close()


def valid_json_line(raw):
    try:
        return isinstance(json.loads(raw.decode("utf-8", "strict")), dict)
    except (UnicodeDecodeError, ValueError):
        return False


def cmd_ctl_send(path, *kinds):
    reqs = {
        "line1m": b'{"cmd":"' + b"a" * (1 << 20) + b'"}\n',
        "deep": b"[" * 100000 + b"]" * 100000 + b"\n",
        "deep30k": b"[" * 30000 + b"]" * 30000 + b"\n",
        "deepobj": b'{"cmd":"status","args":' + b'{"a":' * 100000 +
                   b"1" + b"}" * 100000 + b"}\n",
        "utf8": b'{"cmd":"\xff\xfe\xc3","tag":"\xed\xa0\x80"}\n',
        "utf8cut": b'{"cmd":"' + b"a" * 63 + "é".encode() + b'zz"}\n',
        "status": b'{"cmd":"status","tag":"after"}\n',
    }
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    out = []
    for k in kinds:
        t0 = time.monotonic()
        f.write(reqs[k])
        f.flush()
        raw = f.readline()
        ok = valid_json_line(raw)
        o = json.loads(raw.decode("utf-8", "replace")) if ok else {}
        out.append({"kind": k, "bytes": len(reqs[k]), "valid": ok,
                    "ok": o.get("ok"), "error": o.get("error"),
                    "ms": round((time.monotonic() - t0) * 1e3, 1),
                    "raw": raw[:160].decode("utf-8", "backslashreplace")
                    .rstrip("\n")})
    s.close()
    print(json.dumps(out))


def alert_record(node, i, size=0):
    mig = "%s/%d/1" % (node, 100000 + i)
    r = {"kind": "alert", "node": node, "id": mig + "!migration.not_converging",
         "name": "migration.not_converging", "severity": "warning",
         "migration_id": mig, "vm_uuid": "vm-%d" % (i % 50),
         "t_ns": time.time_ns(), "message": "alert %d of a flood" % i,
         "evidence": {"pad": "e" * (size or 200)}}
    return json.dumps(r, separators=(",", ":"))


def mig_record(node, i, size=0):
    if os.environ.get("STRATA_LOAD_KIND") == "alert":
        return alert_record(node, i, size)
    r = {"kind": "migration", "node": node, "id": "%s/w/%d" % (node, i),
         "t_ns": time.time_ns(), "vm_uuid": "vm-%d" % (i % 50),
         "vm_name": "instance-%d" % (i % 50), "role": "source",
         "state": "active", "started_ns": time.time_ns()}
    if size:
        r["pad"] = "p" * size
    return json.dumps(r, separators=(",", ":"))


def cmd_writer(host, port, node, n, bsize, log, timeout, recsize="0",
               rate="0"):
    n, bsize, recsize, rate = int(n), int(bsize), int(recsize), float(rate)
    t_start = time.monotonic()
    deadline = time.monotonic() + float(timeout)
    lf = open(log, "a")
    next_i, acked, reconnects, refusals, seq = 0, 0, 0, 0, 0
    pending = []		# (seq, [ids]) sent, not acknowledged
    errors = []
    ack_max = 0.0
    last_reason = None
    s = None
    stop = os.environ.get("STRATA_LOAD_STOP")
    while acked < n and time.monotonic() < deadline:
        if stop and next_i < n and os.path.exists(stop):
            n = next_i		# told to stop: what is sent, acknowledged
            if acked >= n:
                break
        if s is None:
            try:
                s = connect(host, port, timeout=2)
                s.sendall(frame(HELLO, hello_body(node)))
                t, b = read_frame(s, 5)
                if t != WELCOME:
                    raise OSError("no WELCOME: %s" % (b,))
            except OSError as e:
                errors.append("%.1f s: connect: %s" % (
                    time.monotonic() - t_start, e))
                s = None
                reconnects += 1
                time.sleep(0.1)
                continue
            # What was not acknowledged goes again, first; a batch that
            # cannot be sent stays pending (with the rest) for the next
            # connection.
            again, pending = pending, []
            for k, (_, ids) in enumerate(again):
                seq += 1
                recs = [mig_record(node, i, recsize) for i in ids]
                try:
                    s.sendall(frame(BATCH, batch_body(seq, recs)))
                except OSError:
                    pending.extend(again[k:])
                    s.close()
                    s = None
                    reconnects += 1
                    break
                pending.append((seq, ids))
            if s is None:
                time.sleep(0.1)
                continue
        try:
            while len(pending) < 4 and next_i < n:
                if rate > 0 and seq >= rate * (time.monotonic() - t_start):
                    if not pending:
                        time.sleep(0.01)
                        continue
                    break
                ids = list(range(next_i, min(n, next_i + bsize)))
                next_i = ids[-1] + 1
                seq += 1
                recs = [mig_record(node, i, recsize) for i in ids]
                # Pending before it is written: a send that fails half
                # way (the aggregator was killed) must not lose the ids.
                pending.append((seq, ids))
                s.sendall(frame(BATCH, batch_body(seq, recs)))
            if not pending:
                continue	# nothing to wait for: told to stop
            t_wait = time.monotonic()
            t, b = read_frame(s, 30)
            ack_max = max(ack_max, time.monotonic() - t_wait)
            if t == ACK:
                while pending and pending[0][0] <= b["seq"]:
                    _, ids = pending.pop(0)
                    for i in ids:
                        lf.write("%s/w/%d\n" % (node, i))
                    acked += len(ids)
                lf.flush()
                continue
            if t == REFUSE:
                refusals += 1
                last_reason = b.get("reason")
                # As an agent does: back off while it is refused.
                time.sleep(min(1.0, 0.1 * 2 ** min(refusals, 4)))
                raise OSError("refused: %s" % (b.get("reason"),))
            raise OSError("connection lost: %s" % (b,))
        except OSError as e:
            errors.append("%.1f s: %s" % (time.monotonic() - t_start, e))
            try:
                s.close()
            except (OSError, AttributeError):
                pass
            s = None
            reconnects += 1
            time.sleep(0.1)
    lf.close()
    print(json.dumps({"acked": acked, "sent_ids": next_i,
                      "reconnects": reconnects, "refusals": refusals,
                      "last_refusal": last_reason, "errors": errors[-3:],
                      "ack_max_s": round(ack_max, 3)}))


def cmd_follower(path, pause):
    s = socket.socket(socket.AF_UNIX)
    # A small receive buffer: the aggregator sees a follower that is stuck.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(path)
    s.sendall(b'{"cmd":"alerts follow"}\n')
    f = s.makefile("rb")
    start = json.loads(f.readline())
    try:
        time.sleep(float(pause))
    except ValueError:		# a file: wait until it exists
        end = time.monotonic() + 300
        while not os.path.exists(pause) and time.monotonic() < end:
            time.sleep(0.05)
    alerts = skipped = lines = 0
    end = None
    s.settimeout(30)
    for raw in f:
        lines += 1
        o = json.loads(raw)
        k = o.get("stream")
        if k == "alert":
            alerts += 1
        elif k == "skipped":
            skipped += o["result"]["skipped"]
        elif k == "end":
            end = o["result"]
            break
    print(json.dumps({"start": start.get("ok"), "alerts": alerts,
                      "skipped": skipped, "lines": lines, "end": end}))


def cmd_relayd(port, secs):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(16)
    ls.settimeout(0.2)
    conns, got = [], 0
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            c, _ = ls.accept()
            conns.append(c)
        except socket.timeout:
            pass
        for c in conns:
            c.setblocking(False)
            try:
                got += len(c.recv(65536))
            except (BlockingIOError, OSError):
                pass
    print(json.dumps({"connections": len(conns), "bytes_received": got}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__ or "usage: strata-load.py COMMAND ...\n")
        sys.exit(2)
    globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
