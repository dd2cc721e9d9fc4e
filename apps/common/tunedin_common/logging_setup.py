"""Process-wide logging: JSON lines (python-json-logger) or plain text, to stderr.

``configure_logging`` sets up a TunedIn process; ``gunicorn_logconfig`` gives the API's gunicorn
master the same handler for its own loggers (``gunicorn.error``, and ``uvicorn.error``, to which
the uvicorn workers hand them), so every line of the API's stderr has one format.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries whose INFO lines are start-up chatter: faiss's loader reports each instruction set
# it tries, with a ModuleNotFoundError for every one its wheel lacks. Their warnings still show.
QUIET_LOGGERS = ("faiss.loader",)


def stderr_handler(fmt: str = "text") -> logging.Handler:
    """A stderr handler in the chosen format (``json``: one object per line, or ``text``)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Replace the root logger's handlers with one stderr handler in the chosen format."""
    # Neither format shows where a call was made nor which thread made it, so records skip
    # collecting them (the logging HOWTO's "Optimization"): the API logs a line per request.
    # The process id stays, for any handler a library brings that prints it.
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [stderr_handler(fmt)]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _server_record(record: logging.LogRecord) -> bool:
    """Quiet the server's own records: drop gunicorn's "Error while closing socket [Errno 9]"
    at a worker's exit (uvicorn has closed the listener already: nothing to report), and the
    ANSI-coloured copy of the message uvicorn attaches to its records."""
    record.__dict__.pop("color_message", None)
    return not (record.msg == "Error while closing socket %s" and "[Errno 9]" in str(record.args))


def gunicorn_logconfig(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its loggers write through ``stderr_handler(fmt)`` (in
    place of its own ``[pid] [LEVEL]`` lines), without propagating to the root logger, which
    the app configures itself in each worker. Its access logger stays without a handler, as
    ``accesslog = None`` leaves it (the app logs each request itself)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"handlers": [], "propagate": False},
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
        },
        "handlers": {"stderr": {"()": f"{__name__}.stderr_handler", "fmt": fmt, "filters": ["server"]}},
        "filters": {"server": {"()": lambda: _server_record}},
        "formatters": {},
    }
