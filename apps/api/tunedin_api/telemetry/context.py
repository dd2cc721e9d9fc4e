"""The correlation id of the request being served, for every log line it produces."""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter
from pythonjsonlogger.orjson import OrjsonFormatter

from tunedin_common.logging_setup import JSON_FIELDS

REQUEST_ID: ContextVar[str | None] = ContextVar("tunedin_request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id_from(header: bytes | None) -> str:
    """The client's ``X-Request-ID`` when it is a sane token, else a fresh one."""
    if header:
        value = header.decode("latin-1")
        if _VALID.match(value):
            return value
    return os.urandom(16).hex()  # 32 hex digits, like uuid4().hex, without building a UUID


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            value = REQUEST_ID.get()
            if value is not None:
                record.request_id = value
        return True


def install_request_id_filter() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def use_orjson_log_lines() -> None:
    """Render the JSON log lines with orjson (the same fields, ~3× cheaper than ``json``)."""
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if isinstance(formatter, JsonFormatter):
            handler.setFormatter(
                OrjsonFormatter(
                    JSON_FIELDS,
                    rename_fields=formatter.rename_fields,
                    static_fields=formatter.static_fields,
                    reserved_attrs=formatter.reserved_attrs,
                    timestamp=formatter.timestamp,
                )
            )
