"""strata_lttngust: OpenStack services into LTTng without editing them.

Installed by `make install` beside strata-lttngust.pth, which imports this
module at every Python start; it does nothing unless the process asks for
it, by environment (a systemd drop-in for nova-compute.service, ...):

    STRATA_LTTNGUST=1       import lttngust (the lttng-ust Python agent):
                            every log record, including oslo.messaging's
                            log-driver notifications, can reach LTTng as a
                            `lttng_python:event` under its logger's name
    STRATA_LTTNGUST_JSON=1  also add JSONHandler to the root logger: each
                            record once more, under the logger name
                            `strata.json.NAME`, with oslo.log's JSON (the
                            request context: request_id, global_request_id)

or, without the environment, from oslo.log's `log_config_append` file
(docs/openstack.md): a handler of class `strata_lttngust.JSONHandler`.

oslo.log's setup removes every handler of the root logger, which would
remove the lttngust agent's handler (and ours) for good; the guard below
keeps those two on the root logger unless lttngust itself removes its own
(when the session daemon disables Python events).  Nothing is sent unless
a tracing session enables the logger names (`lttng enable-event --python`);
until then a record costs a look at the root logger's handlers.
"""

import json
import logging
import os
import socket
import sys
import types

JSON_PREFIX = "strata.json."

_lttng_handler_cls = None


def _lttngust():
    """The lttngust handler class, importing the agent once; None if absent."""
    global _lttng_handler_cls
    if _lttng_handler_cls is None:
        try:
            import lttngust  # noqa: F401  registers with the session daemon
            from lttngust.loghandler import _Handler
            _lttng_handler_cls = _Handler
        except Exception:  # not installed, or liblttng-ust-python-agent missing
            _lttng_handler_cls = False
    return _lttng_handler_cls or None


def _lttng_root_handler():
    cls = _lttngust()
    if cls is None:
        return None
    for h in logging.getLogger().handlers:
        if isinstance(h, cls):
            return h
    return None


def _guard_root():
    """Keeps the lttngust handler and ours on the root logger when a
    logging setup (oslo.log, fileConfig, dictConfig) clears it."""
    root = logging.getLogger()
    if getattr(root, "_strata_guarded", False):
        return
    orig = root.removeHandler

    def removeHandler(self, h):
        cls = _lttng_handler_cls or None
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if ((cls is not None and isinstance(h, cls) and
             not caller.startswith("lttngust")) or
                (isinstance(h, JSONHandler) and h.sticky)):
            return
        orig(h)

    root.removeHandler = types.MethodType(removeHandler, root)
    root._strata_guarded = True


def _context_dict(ctx):
    if ctx is None:
        return {}
    if isinstance(ctx, dict):
        return ctx
    for name in ("get_logging_values", "to_dict"):
        f = getattr(ctx, name, None)
        if callable(f):
            try:
                return f()
            except Exception:
                pass
    return {k: getattr(ctx, k) for k in
            ("request_id", "global_request_id", "user", "project")
            if getattr(ctx, k, None) is not None}


def _current_context():
    try:
        from oslo_context import context as oc
        return oc.get_current()
    except Exception:
        return None


class FallbackJSONFormatter(logging.Formatter):
    """oslo.log's JSONFormatter output (its keys), for processes without
    oslo.log (the emitters, tests)."""

    def __init__(self, fmt=None, datefmt=None, style="%"):
        super().__init__()
        self.datefmt = datefmt
        self.hostname = socket.gethostname()

    def format(self, record):
        ctx = getattr(record, "context", None) or _current_context()
        extra = {k: getattr(record, k) for k in
                 getattr(record, "extra_keys", []) if k != "context"}
        inst = getattr(record, "instance", None)
        if inst is not None and "instance" not in extra:
            extra["instance"] = inst
        msg = {
            "message": record.getMessage(),
            "asctime": self.formatTime(record, self.datefmt),
            "name": record.name,
            "msg": str(record.msg),
            "args": None,
            "levelname": record.levelname,
            "levelno": record.levelno,
            "pathname": record.pathname,
            "filename": record.filename,
            "module": record.module,
            "lineno": record.lineno,
            "funcname": record.funcName,
            "created": record.created,
            "msecs": record.msecs,
            "relative_created": record.relativeCreated,
            "thread": record.thread,
            "thread_name": record.threadName,
            "process_name": record.processName,
            "process": record.process,
            "traceback": (self.formatException(record.exc_info)
                          if record.exc_info else None),
            "hostname": getattr(record, "hostname", None) or self.hostname,
            "error_summary": "",
            "context": _context_dict(ctx),
            "extra": extra,
        }
        return json.dumps(msg, default=str, separators=(",", ":"))


def _formatter():
    try:
        from oslo_log import formatters
        return formatters.JSONFormatter()
    except Exception:
        return FallbackJSONFormatter()


class JSONHandler(logging.Handler):
    """Sends each record as oslo.log JSON through the lttngust agent, under
    the logger name strata.json.NAME (so a session enabling the plain
    names does not get it twice).  Usable from log_config_append:

        [handler_strata]
        class = strata_lttngust.JSONHandler
        args = ()
    """

    def __init__(self, level=logging.NOTSET, sticky=False):
        super().__init__(level)
        self.sticky = sticky
        self.setFormatter(_formatter())
        _lttngust()

    def emit(self, record):
        if record.name.startswith(JSON_PREFIX):
            return
        lttng = _lttng_root_handler()
        if lttng is None:
            return
        try:
            rec = logging.makeLogRecord(record.__dict__)
            rec.name = JSON_PREFIX + record.name
            rec.msg, rec.args, rec.exc_info = self.format(record), None, None
            lttng.handle(rec)
        except Exception:
            self.handleError(record)


def _truthy(name):
    return os.environ.get(name, "").strip().lower() in ("1", "yes", "true",
                                                        "on")


def boot():
    """What strata-lttngust.pth runs: nothing unless asked (above)."""
    if not _truthy("STRATA_LTTNGUST"):
        return
    if _lttngust() is None:
        return
    _guard_root()
    if _truthy("STRATA_LTTNGUST_JSON"):
        root = logging.getLogger()
        if not any(isinstance(h, JSONHandler) for h in root.handlers):
            root.addHandler(JSONHandler(sticky=True))


try:
    boot()
except Exception:  # never break the interpreter's start
    pass
