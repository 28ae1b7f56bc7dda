"""strata_os: what strata-os-emit and strata-os-replay share.

Scenario files (tests/data/openstack/scenarios/*.scn, JSON lines) are
turned into the log records real Nova, Neutron and Cinder services make
with `[oslo_messaging_notifications] driver = log` and oslo.log, built from
the real sample payloads in tests/data/openstack/ (docs/openstack.md):

  first line   {"scenario": NAME, "vars": {NAME: VALUE, ...}}
  a log line   {"at": S, "node": N, "req": R, "greq": G, "vm": V,
                "log": LOGGER, "level": "INFO", "text": "..."}
  Nova         {"at": S, "node": N, "req": R, "vm": V,
                "notify": "nova/instance-update", "publisher": "nova-compute:N",
                "data": {...}}           merged into payload nova_object.data
  Neutron      {"notify": "neutron/port-create-response",
                "event_type": "port.create.end", "payload": {...}}
                                         merged into the sample's body
  Cinder       {"notify": "cinder", "event_type": "volume.create.start",
                "volume": {...}}         cinder's _usage_from_volume fields
  as is        {"at": S, "node": N, "raw": {"logger", "level", "message"}}

"${name}" in any string is the variable's value; "vm" names a variable
holding {"uuid", "name"} that fills the payload's uuid and display_name.
A notification is logged as oslo.messaging's LogDriver does: on logger
oslo.messaging.notification.EVENT_TYPE, at its priority, the JSON of the
envelope {message_id, publisher_id, event_type, priority, payload,
timestamp}; log lines carry the request context (extra context=...).
"""

import copy
import datetime
import json
import os
import random
import re
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIRS = [os.path.join(HERE, "..", "tests", "data", "openstack"),
             "/usr/share/strata/openstack"]
LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40,
          "CRITICAL": 50, "SAMPLE": 20, "AUDIT": 20}


def data_dir(explicit=None):
    for d in ([explicit] if explicit else []) + DATA_DIRS:
        if d and os.path.isdir(os.path.join(d, "nova")):
            return os.path.abspath(d)
    raise SystemExit("strata-os: no sample data directory (use --data DIR)")


def merge(dst, src):
    """src into dst, recursively for dicts (nova's json_ref semantics)."""
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


def resolve_refs(obj, base):
    """Nova's doc/notification_samples "$ref" resolution
    (nova/tests/json_ref.py): the referenced file, then the local keys."""
    if isinstance(obj, dict):
        if "$ref" in obj:
            ref = obj["$ref"].split("#")[0]
            path = os.path.normpath(os.path.join(base, ref))
            with open(path) as f:
                target = resolve_refs(json.load(f), os.path.dirname(path))
            rest = {k: v for k, v in obj.items() if k != "$ref"}
            return merge(target, resolve_refs(rest, base))
        return {k: resolve_refs(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [resolve_refs(v, base) for v in obj]
    return obj


class Samples:
    def __init__(self, ddir):
        self.dir = ddir
        self.cache = {}

    def load(self, name):
        if name not in self.cache:
            path = os.path.join(self.dir, name + ".json")
            with open(path) as f:
                self.cache[name] = resolve_refs(json.load(f),
                                                os.path.dirname(path))
        return copy.deepcopy(self.cache[name])


# cinder/volume/volume_utils.py _usage_from_volume, in its key order.
CINDER_VOLUME = ("tenant_id", "host", "user_id", "availability_zone",
                 "volume_id", "volume_type", "display_name", "launched_at",
                 "created_at", "status", "snapshot_id", "size",
                 "replication_status", "replication_extended_status",
                 "replication_driver_data", "metadata", "volume_attachment")


def cinder_payload(fields):
    p = {k: None for k in CINDER_VOLUME}
    p.update(metadata=[], volume_attachment=[], replication_status=None)
    p.update(fields)
    return p


_VAR = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")


def lookup(env, name):
    """env[name], where "a.b" is env["a"]["b"]; KeyError when missing."""
    v = env
    for part in name.split("."):
        v = v[part]
    return v


def subst(obj, env):
    if isinstance(obj, str):
        m = _VAR.fullmatch(obj)
        if m:
            try:
                v = lookup(env, m.group(1))
            except (KeyError, TypeError):
                return obj
            return copy.deepcopy(v)

        def one(m):
            try:
                return str(lookup(env, m.group(1)))
            except (KeyError, TypeError):
                return m.group(0)
        return _VAR.sub(one, obj)
    if isinstance(obj, dict):
        return {k: subst(v, env) for k, v in obj.items()}
    if isinstance(obj, list):
        return [subst(v, env) for v in obj]
    return obj


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                   r"[0-9a-f]{12}$")


def vary(env, k):
    """The variables of loop k: uuids and req- ids made distinct per loop."""
    if k == 0:
        return env
    out = {}
    for name, v in env.items():
        if isinstance(v, str) and _UUID.match(v):
            out[name] = v[:24] + "%012x" % (int(v[24:], 16) ^ k)
        elif isinstance(v, str) and v.startswith("req-"):
            out[name] = "%s-%d" % (v, k)
        elif isinstance(v, dict):
            out[name] = vary(v, k)
        else:
            out[name] = v
    return out


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path).rsplit(".", 1)[0]
        self.vars = {}
        self.steps = []
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    raise SystemExit("%s:%d: %s" % (path, n, e))
                if "scenario" in obj:
                    self.name = obj["scenario"]
                    self.vars.update(obj.get("vars", {}))
                    continue
                if "at" not in obj:
                    raise SystemExit("%s:%d: a step needs \"at\"" % (path, n))
                obj["_line"] = n
                self.steps.append(obj)
        self.steps.sort(key=lambda s: s["at"])

    def duration(self):
        return self.steps[-1]["at"] if self.steps else 0.0


def oslo_timestamp(t):
    """str(oslo_utils.timeutils.utcnow()): '2024-05-01 12:00:00.123456'."""
    return str(datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
               .replace(tzinfo=None))


class Record:
    """One log call a service makes: logger, level, message, context."""
    __slots__ = ("at", "node", "logger", "level", "message", "context",
                 "instance", "raw")

    def __init__(self, at, node, logger, level, message, context=None,
                 instance=None, raw=False):
        self.at, self.node, self.logger = at, node, logger
        self.level, self.message = level, message
        self.context, self.instance, self.raw = context, instance, raw


def build(scn, samples, env, rng, t0, epoch=0.0):
    """The records of one scenario pass (env: its variables), at t0 + at
    seconds after the start; epoch: the start, for the envelopes' timestamp."""
    out = []
    for st in scn.steps:
        s = subst({k: v for k, v in st.items() if k != "_line"}, env)
        at = t0 + float(s["at"])
        node = s.get("node", "")
        ctx = None
        if s.get("req"):
            ctx = {"request_id": s["req"],
                   "global_request_id": s.get("greq"),
                   "user": s.get("user", env.get("user")),
                   "project": s.get("project", env.get("project"))}
        vm = s.get("vm")
        vm = env.get(vm) if isinstance(vm, str) else vm
        inst = {"uuid": vm["uuid"]} if isinstance(vm, dict) else None
        if "raw" in s:
            r = s["raw"]
            out.append(Record(at, node, r["logger"], r.get("level", "INFO"),
                              r["message"], ctx, inst, raw=True))
            continue
        if "log" in s:
            out.append(Record(at, node, s["log"], s.get("level", "INFO"),
                              s["text"], ctx, inst))
            continue
        kind = s["notify"]
        if kind.startswith("nova/"):
            note = samples.load(kind)
            data = note["payload"].setdefault("nova_object.data", {})
            if isinstance(vm, dict):
                data["uuid"] = vm["uuid"]
                if vm.get("name"):
                    data["display_name"] = vm["name"]
                    data["host_name"] = vm["name"]
                if vm.get("instance_name") and "instance_name" in data:
                    data["instance_name"] = vm["instance_name"]
            if ctx:
                data["request_id"] = ctx["request_id"]
            merge(data, s.get("data", {}))
            event_type = s.get("event_type", note["event_type"])
            payload = note["payload"]
        elif kind.startswith("neutron/"):
            payload = samples.load(kind)
            merge(payload, s.get("payload", {}))
            event_type = s["event_type"]
        elif kind == "cinder":
            payload = cinder_payload(s.get("volume", {}))
            event_type = s["event_type"]
        elif kind == "payload":
            payload = s.get("payload", {})
            event_type = s["event_type"]
        else:
            raise SystemExit("%s:%d: unknown notify %r" %
                             (scn.path, st["_line"], kind))
        priority = s.get("priority", "INFO")
        env_ = {"message_id": s.get("message_id") or
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "publisher_id": s.get("publisher"),
                "event_type": event_type,
                "priority": priority,
                "payload": payload,
                "timestamp": oslo_timestamp(epoch + at)}
        out.append(Record(at, node, "oslo.messaging.notification." +
                          event_type, priority, json.dumps(env_), ctx, inst))
    return out


def records(scenarios, samples, loops=1, gap=1.0, seed=1, epoch=0.0):
    """Every record of the scenarios, in time order from 0, one loop of
    the whole list after the other (a generator: a long run stays small)."""
    t = 0.0
    for k in range(loops):
        batch = []
        for scn in scenarios:
            env = vary(scn.vars, k)
            # Message ids: reproducible, distinct per scenario and pass.
            rng = random.Random("%s/%s/%d" % (seed, scn.name, k))
            batch.extend(build(scn, samples, env, rng, t, epoch))
            t += scn.duration() + gap
        batch.sort(key=lambda r: r.at)
        yield from batch


def level_no(level):
    if isinstance(level, int):
        return level
    return LEVELS.get(str(level).upper(), 20)
