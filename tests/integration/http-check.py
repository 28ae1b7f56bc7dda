#!/usr/bin/env python3
# http-check.py: the HTTP tests' hands (aggregator_http.sh,
# chain-prometheus.sh, chain-web.sh): requests to the daemons' --http
# listeners, questions to a real Prometheus, and the DOM a headless
# browser rendered, each saved as a JSON file the tests then check with
# chain-ctl.py batch (tap_json).  Stdlib only.
#
#   http-check.py fetch HOST:PORT OUTDIR <REQUESTS
#       one request per line, tab-separated: NAME, METHOD, PATH, then
#       optional "Header: value" fields and "body=N" (N bytes of body).
#       METHOD RAW sends PATH as bytes (\r\n escapes) on a fresh
#       connection.  Saves OUTDIR/NAME.json: {code, reason, headers
#       (lower-case names), body, json (the body parsed, or null), prom
#       (a Prometheus or OpenMetrics body: {"name{k=\"v\",...}": value},
#       labels sorted), types ({family: type}), eof (ends with # EOF)}.
#   http-check.py hold HOST:PORT SECONDS
#       sends half a request and waits for the server to close the
#       connection; prints how many seconds that took (or SECONDS).
#   http-check.py query PROMETHEUS OUTDIR NAME=PROMQL...
#       Prometheus's /api/v1/query; OUTDIR/NAME.json is the result: a
#       list of {"metric": {...}, "value": float}.
#   http-check.py waitquery PROMETHEUS TIMEOUT EXPR PROMQL
#       queries every 0.5 s until EXPR (Python over r, the result as
#       above) is true; prints r; exit 1 on timeout.
#   http-check.py targets PROMETHEUS TIMEOUT N
#       waits until N scrape targets are up; prints them.
#   http-check.py dashboard PROMETHEUS DASHBOARD.json OUT.json
#       runs every query of a Grafana dashboard ($__rate_interval 1m,
#       $__range 10m, $node .*): OUT.json is {"n": queries, "errors":
#       [[title, expr, error]], "empty": [[title, expr]]}.
#   http-check.py dom HTML OUT.json
#       the elements of a --dump-dom page that have an id, a class or
#       data-* attributes: {"all": [{tag, id, cls, data, text}]} with
#       data's names as the page's dataset has them (camelCase) and text
#       the element's whole text (stripped).
import html.parser
import json
import re
import socket
import sys
import time
import urllib.parse
import urllib.request


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def parse_prom(text):
    samples, types = {}, {}
    for line in text.split("\n"):
        if line.startswith("# TYPE "):
            _, _, fam, typ = line.split(" ", 3)
            types[fam] = typ
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)', line)
        if not m:
            continue
        labels = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                            m.group(3) or "")
        key = m.group(1)
        if labels:
            key += "{" + ",".join('%s="%s"' % kv for kv in sorted(labels)) + "}"
        v = m.group(4)
        samples[key] = float(v.replace("+Inf", "inf").replace("-Inf", "-inf"))
    return samples, types


def save(outdir, name, code, reason, headers, body):
    o = {"code": code, "reason": reason, "headers": headers,
         "body": body.decode("utf-8", "replace"), "json": None}
    try:
        o["json"] = json.loads(body)
    except ValueError:
        pass
    ct = headers.get("content-type", "")
    if "openmetrics" in ct or "version=0.0.4" in ct:
        o["prom"], o["types"] = parse_prom(o["body"])
        o["eof"] = o["body"].endswith("# EOF\n")
    with open("%s/%s.json" % (outdir, name), "w") as f:
        json.dump(o, f)


def raw(host, port, data):
    s = socket.create_connection((host, port), timeout=15)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    buf = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            buf += b
    except OSError:
        pass
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d+) ?(.*)", lines[0] if lines else "")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return (int(m.group(1)) if m else 0, m.group(2) if m else lines[0],
            headers, body)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own (301 and its Location)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def fetch(hp, outdir):
    host, port = hostport(hp)
    opener = urllib.request.build_opener(NoRedirect)
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        f = line.split("\t")
        name, method, path = f[0], f[1], f[2]
        if method == "RAW":
            code, reason, headers, body = raw(
                host, port, path.encode("latin-1").decode(
                    "unicode_escape").encode("latin-1"))
            save(outdir, name, code, reason, headers, body)
            continue
        hdrs, data = {}, None
        for x in f[3:]:
            if x.startswith("body="):
                data = b"x" * int(x[5:])
            else:
                k, _, v = x.partition(":")
                hdrs[k.strip()] = v.strip()
        req = urllib.request.Request("http://%s%s" % (hp, path), data=data,
                                     headers=hdrs, method=method)
        try:
            r = opener.open(req, timeout=15)
            code, reason, body = r.status, r.reason, r.read()
            headers = {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as e:
            code, reason, body = e.code, e.reason, e.read()
            headers = {k.lower(): v for k, v in e.headers.items()}
        except (OSError, urllib.error.URLError) as e:
            code, reason, body, headers = 0, str(e), b"", {}
        save(outdir, name, code, reason, headers, body)


def hold(hp, secs):
    host, port = hostport(hp)
    s = socket.create_connection((host, port), timeout=secs)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    print("%.1f" % (time.time() - t0))


def query(prom, q):
    u = "%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(u, timeout=10) as r:
        j = json.load(r)
    out = []
    for x in j["data"]["result"]:
        out.append({"metric": x["metric"], "value": float(x["value"][1])})
    return sorted(out, key=lambda x: sorted(x["metric"].items()))


def names():
    return dict(len=len, any=any, all=all, sorted=sorted, set=set, max=max,
                min=min, sum=sum, abs=abs, round=round, int=int, float=float,
                str=str, list=list, dict=dict)


def waitquery(prom, timeout, expr, q):
    end = time.time() + timeout
    r = None
    while time.time() < end:
        try:
            r = query(prom, q)
            if eval(expr, names(), {"r": r}):
                print(json.dumps(r))
                return 0
        except (OSError, ValueError, KeyError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    print(json.dumps(r))
    return 1


def targets(prom, timeout, n):
    end = time.time() + timeout
    up = []
    while time.time() < end:
        try:
            with urllib.request.urlopen(prom + "/api/v1/targets",
                                        timeout=5) as r:
                j = json.load(r)
            up = [(t["scrapeUrl"], t["health"], t.get("lastError", ""))
                  for t in j["data"]["activeTargets"]]
            if len([t for t in up if t[1] == "up"]) >= n:
                print(json.dumps(up))
                return 0
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    print(json.dumps(up))
    return 1


def dashboard(prom, path, out):
    d = json.load(open(path))
    res = {"n": 0, "errors": [], "empty": []}
    for p in d["panels"]:
        for t in p.get("targets", []):
            e = (t["expr"].replace("$__rate_interval", "1m")
                 .replace("$__range", "10m").replace("$node", ".*"))
            res["n"] += 1
            u = "%s/api/v1/query?%s" % (prom, urllib.parse.urlencode(
                {"query": e}))
            try:
                with urllib.request.urlopen(u, timeout=10) as r:
                    j = json.load(r)
                if not j["data"]["result"]:
                    res["empty"].append([p["title"], e])
            except urllib.error.HTTPError as x:
                res["errors"].append([p["title"], e, x.read().decode()])
            except (OSError, ValueError, KeyError) as x:
                res["errors"].append([p["title"], e, str(x)])
    with open(out, "w") as f:
        json.dump(res, f)


class Dom(html.parser.HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input",
            "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.all = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        data = {}
        for k, v in attrs:
            if k.startswith("data-"):
                parts = k[5:].split("-")
                data[parts[0] + "".join(p.title() for p in parts[1:])] = v
        e = {"tag": tag, "id": a.get("id"), "cls": (a.get("class") or "").split(),
             "data": data, "href": a.get("href"), "text": ""}
        if a.get("id") or a.get("class") or data:
            self.all.append(e)
        if tag not in self.VOID:
            self.stack.append(e)

    def handle_endtag(self, tag):
        while self.stack:
            e = self.stack.pop()
            if e["tag"] == tag:
                break

    def handle_data(self, d):
        for e in self.stack:
            e["text"] += d


def dom(path, out):
    p = Dom()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    for e in p.all:
        e["text"] = " ".join(e["text"].split())[:4000]
    with open(out, "w") as f:
        json.dump({"all": p.all}, f)


def main():
    a = sys.argv[1:]
    if a[0] == "fetch":
        fetch(a[1], a[2])
    elif a[0] == "hold":
        hold(a[1], float(a[2]))
    elif a[0] == "query":
        for nq in a[3:]:
            n, _, q = nq.partition("=")
            with open("%s/%s.json" % (a[2], n), "w") as f:
                json.dump(query(a[1], q), f)
    elif a[0] == "waitquery":
        return waitquery(a[1], float(a[2]), a[3], a[4])
    elif a[0] == "targets":
        return targets(a[1], float(a[2]), int(a[3]))
    elif a[0] == "dashboard":
        dashboard(a[1], a[2], a[3])
    elif a[0] == "dom":
        dom(a[1], a[2])
    else:
        print("http-check.py: unknown command " + a[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
