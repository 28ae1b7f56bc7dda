#!/usr/bin/env python3
# tests/ops/notify_listen.py: a stand-in for systemd's notification
# socket.  Binds an AF_UNIX SOCK_DGRAM socket at PATH and writes every
# datagram a daemon sends (sd_notify) to OUT as one line
# "SECONDS ASSIGNMENT|ASSIGNMENT...", seconds since the listener started.
# Ends TIMEOUT seconds after it started, or 0.5 s after STOPPING=1.
#
#	notify_listen.py PATH OUT TIMEOUT
import os
import socket
import sys
import time

path, out, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
t0 = time.monotonic()
end = t0 + timeout
with open(out, "w") as f:
    print("listening", file=f, flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        print("%.3f %s" % (time.monotonic() - t0,
                           "|".join(msg.strip("\n").split("\n"))),
              file=f, flush=True)
        if "STOPPING=1" in msg.split("\n"):
            end = min(end, time.monotonic() + 0.5)
s.close()
os.unlink(path)
