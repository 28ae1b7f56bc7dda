#!/usr/bin/env python3
# tests/integration/ingest_probe.py: hostile and broken peers of the
# aggregator's agent port, for tests/integration/ingest-limits.sh and
# tls.sh.  Each command prints one JSON object with what it saw.
#
#   slow HOST PORT N SECS       N clients, each sending a HELLO one byte a
#                               second; how long until each was cut (or SECS)
#   bighello HOST PORT N SIZE   N clients announcing a SIZE-byte HELLO and
#                               sending its body as fast as the server reads
#   record HOST PORT NODE SIZE  a HELLO, then a BATCH of one SIZE-byte record
#   bigbatch HOST PORT N SIZE   N agents (HELLO as node bbK) each sending all
#                               but 1000 bytes of a SIZE-byte BATCH, then
#                               waiting SECS before closing
#   garbage HOST PORT N         N connections in a row sending an HTTP request
#   idle HOST PORT N SECS       N connections that send nothing; how many the
#                               server closed within SECS
#   hello NODE                  writes a HELLO frame of NODE to stdout (for
#                               openssl s_client)
import json
import socket
import struct
import sys
import time

MAGIC = 0x53545241
HELLO, WELCOME, REFUSE, BATCH, ACK = 1, 2, 3, 4, 5


def frame(ftype, body):
    return struct.pack(">IHHI", MAGIC, 1, ftype, len(body)) + body


def hello(node):
    return frame(HELLO, json.dumps({"version": 1, "node": node,
                                    "agent_version": "probe",
                                    "wall_ns": time.time_ns()}).encode())


def read_frame(s, timeout=5.0):
    """The first frame the server sends: (type, body) or (None, why)."""
    s.settimeout(timeout)
    buf = b""
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
        return t, json.loads(buf[12:12 + n])
    except (socket.timeout, OSError) as e:
        return None, str(e)


def connect(host, port):
    return socket.create_connection((host, int(port)), timeout=5)


def cmd_slow(host, port, n, secs):
    n, secs = int(n), float(secs)
    data = hello("slow")
    socks = [connect(host, port) for _ in range(n)]
    t0 = time.monotonic()
    cut = [None] * n
    i = 0
    while time.monotonic() - t0 < secs and None in cut:
        for k, s in enumerate(socks):
            if cut[k] is not None:
                continue
            try:
                s.send(data[i % len(data):i % len(data) + 1])
            except OSError:
                cut[k] = time.monotonic() - t0
        i += 1
        # Sleep a second, noticing every close meanwhile.
        end = time.monotonic() + 1
        while time.monotonic() < end:
            for k, s in enumerate(socks):
                if cut[k] is not None:
                    continue
                s.setblocking(False)
                try:
                    d = s.recv(65536)
                    if d == b"" or d:
                        # a REFUSE (then a close) or the close itself
                        cut[k] = time.monotonic() - t0
                except BlockingIOError:
                    pass
                except OSError:
                    cut[k] = time.monotonic() - t0
                s.setblocking(True)
            time.sleep(0.05)
    got = [c for c in cut if c is not None]
    print(json.dumps({"clients": n, "cut": len(got),
                      "min_s": min(got) if got else None,
                      "max_s": max(got) if got else None,
                      "bytes_sent": i}))


def cmd_bighello(host, port, n, size):
    """Sends every body first (a server that buffers them holds them all
    at once), then reads what each connection was told."""
    n, size = int(n), int(size)
    hdr = struct.pack(">IHHI", MAGIC, 1, HELLO, size - 12)
    chunk = b"x" * 65536
    socks, reasons, sent = [], [], []
    for _ in range(n):
        s = connect(host, port)
        s.settimeout(2)
        total = 0
        try:
            s.sendall(hdr)
            while total < size - 12 - 1000:     # unfinished: 1000 short
                total += s.send(chunk[:size - 12 - 1000 - total])
        except OSError:
            pass
        socks.append(s)
        sent.append(total)
    for s in socks:
        t, body = read_frame(s, 1)
        reasons.append(body.get("reason") if t == REFUSE else
                       "type %s: %s" % (t, body))
    for s in socks:
        s.close()
    print(json.dumps({"clients": n, "refused": sum(
        1 for r in reasons if r and "over the cap" in r),
        "reason": reasons[0] if reasons else None,
        "max_sent": max(sent) if sent else 0}))


def cmd_record(host, port, node, size):
    size = int(size)
    s = connect(host, port)
    s.sendall(hello(node))
    t, body = read_frame(s)
    if t != WELCOME:
        print(json.dumps({"welcome": False, "got": str(body)}))
        return
    rec = {"kind": "probe", "id": "%s/%d" % (node, size), "t_ns": 1,
           "pad": ""}
    rec["pad"] = "x" * max(0, size - len(json.dumps(rec, separators=(",", ":"))))
    body = ('{"records":[%s],"seq":1}' % json.dumps(
        rec, separators=(",", ":"))).encode()
    t0 = time.monotonic()
    try:
        s.sendall(frame(BATCH, body))
    except OSError:
        pass
    t, reply = read_frame(s, 20)
    print(json.dumps({"welcome": True, "record_bytes": len(json.dumps(
        rec, separators=(",", ":"))), "type": t,
        "reason": reply.get("reason") if t == REFUSE else None,
        "ack": reply.get("seq") if t == ACK else None,
        "reply_s": round(time.monotonic() - t0, 3)}))


def cmd_bigbatch(host, port, n, size, secs):
    n, size = int(n), int(size)
    hdr = struct.pack(">IHHI", MAGIC, 1, BATCH, size - 12)
    chunk = b"x" * 65536
    socks, welcomed = [], 0
    for k in range(n):
        s = connect(host, port)
        s.sendall(hello("bb%d" % k))
        t, body = read_frame(s)
        welcomed += t == WELCOME
        s.sendall(hdr + b'{"records":[')
        total = 0
        while total < size - 12 - 12 - 1000:
            total += s.send(chunk[:size - 12 - 12 - 1000 - total])
        socks.append(s)
    time.sleep(float(secs))
    for s in socks:
        s.close()
    print(json.dumps({"agents": n, "welcomed": welcomed}))


def cmd_garbage(host, port, n):
    n = int(n)
    refused = 0
    t0 = time.monotonic()
    for _ in range(n):
        s = connect(host, port)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            t, body = read_frame(s)
            refused += t == REFUSE
        except OSError:
            pass
        s.close()
    print(json.dumps({"connections": n, "refused": refused,
                      "seconds": round(time.monotonic() - t0, 2)}))


def cmd_idle(host, port, n, secs):
    n, secs = int(n), float(secs)
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(host, port))
        except OSError:
            break
    t0 = time.monotonic()
    closed = [None] * len(socks)
    while time.monotonic() - t0 < secs and None in closed:
        for k, s in enumerate(socks):
            if closed[k] is not None:
                continue
            s.setblocking(False)
            try:
                if s.recv(65536) == b"":
                    closed[k] = time.monotonic() - t0
            except BlockingIOError:
                pass
            except OSError:
                closed[k] = time.monotonic() - t0
        time.sleep(0.1)
    got = [c for c in closed if c is not None]
    for s in socks:
        s.close()
    print(json.dumps({"connected": len(socks), "closed": len(got),
                      "max_s": max(got) if got else None}))


def cmd_hello(node):
    sys.stdout.buffer.write(hello(node))


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
