"""strata_logging: OpenStack service logs as JSON events in LTTng.

StrataHandler turns each log record into one JSON object (event_type,
instance_uuid, instance_name, state, task_state, host, request_id, plus
logger, level and message) and hands it to the lttng-ust Python agent
(python3-lttngust) as a record of the logger named after the service,
e.g. "nova".  A session that enables that logger name in the Python
domain (`strata-agent --arm`, key arm_loggers) records it as a
`lttng_python:event` whose `msg` field is the JSON.  While no session
enables Python events, or without lttngust, a record costs a look at the
root logger's handlers and nothing more.

    import logging, strata_logging
    strata_logging.install("nova")
    LOG = logging.getLogger("nova.compute.manager")
    LOG.info("spawned", extra={"event_type": "compute.instance.create.end",
                               "instance_uuid": uuid, "state": "active"})

The lttngust agent adds its own handler to the root logger, so the plain
records go to LTTng too, under their own logger names (nova.compute...);
a session enabling exactly "nova" gets only the JSON ones.
"""

import json
import logging
import socket

FIELDS = ("event_type", "instance_uuid", "instance_name", "state",
          "task_state", "host", "request_id")

try:
    import lttngust  # registers this process with the session daemon(s)
    from lttngust.loghandler import _Handler as _LttngHandler
except Exception:  # not installed, or liblttng-ust-python-agent missing
    _LttngHandler = None


def _instance(rec, out):
    """oslo.log's instance= extra: a dict, an object or a uuid string."""
    inst = getattr(rec, "instance", None)
    if isinstance(inst, dict):
        out.setdefault("instance_uuid", inst.get("uuid"))
        out.setdefault("instance_name", inst.get("name"))
    elif isinstance(inst, str):
        out.setdefault("instance_uuid", inst)
    elif inst is not None:
        out.setdefault("instance_uuid", getattr(inst, "uuid", None))
        out.setdefault("instance_name", getattr(inst, "name", None))
    ctx = getattr(rec, "context", None)
    if ctx is not None and not isinstance(ctx, dict):
        out.setdefault("request_id", getattr(ctx, "request_id", None))


class StrataHandler(logging.Handler):
    """Sends each record as JSON through the lttngust handler."""

    def __init__(self, service, level=logging.NOTSET):
        super().__init__(level)
        self.service = service
        self.host = socket.gethostname()

    def _lttng(self):
        if _LttngHandler is None:
            return None
        for h in logging.getLogger().handlers:
            if isinstance(h, _LttngHandler):
                return h
        return None

    def to_json(self, rec):
        out = {k: getattr(rec, k) for k in FIELDS
               if getattr(rec, k, None) is not None}
        _instance(rec, out)
        out.setdefault("event_type", "log")
        out.setdefault("host", self.host)
        out.update(logger=rec.name, level=rec.levelname,
                   message=rec.getMessage())
        return json.dumps({k: v for k, v in out.items() if v is not None},
                          default=str, separators=(",", ":"))

    def emit(self, record):
        lttng = self._lttng()
        if lttng is None:
            return
        try:
            rec = logging.makeLogRecord(record.__dict__)
            rec.name = self.service
            rec.msg, rec.args, rec.exc_info = self.to_json(record), None, None
            lttng.handle(rec)
        except Exception:
            self.handleError(record)


def install(service, logger=None, level=logging.INFO):
    """Adds a StrataHandler to `logger` (default: the service's logger).

    Records below `level` are not sent; the logger's own level (oslo.log's
    configuration) is left as it is and still decides what is logged."""
    handler = StrataHandler(service, level)
    logging.getLogger(service if logger is None else logger).addHandler(handler)
    return handler
