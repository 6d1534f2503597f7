"""Redaction of log records, which file, socket and fd handlers write past the kernel's streams.

Three hooks, because a record's text comes together in three places:

* the record factory: the message and its arguments, and exception text;
* ``Logger.makeRecord``: fields from ``extra=`` are set after the factory ran,
  and handlers that ship the record's attributes (``SocketHandler``,
  ``HTTPHandler``, queues) never format it;
* ``Handler.format`` (class level, so every handler): the formatted line,
  which may also hold fields a filter set at handling time.
"""

from __future__ import annotations

import logging
from typing import Any

from .redaction import Redactor


def install(redactor: Redactor) -> None:
    """Install the hooks, for the life of the process."""
    previous_factory = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        if len(redactor):
            _redact_record(record, redactor)
        return record

    make_record = logging.Logger.makeRecord

    def redacting_make_record(logger: logging.Logger, *args: Any, **kwargs: Any) -> Any:
        record = make_record(logger, *args, **kwargs)
        # makeRecord(name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)
        extra = args[8] if len(args) > 8 else kwargs.get("extra")
        if len(redactor) and isinstance(extra, dict):
            for key in extra:
                record.__dict__[key] = redactor.redact_data(record.__dict__.get(key))
        return record

    format_record = logging.Handler.format

    def redacting_format(handler: logging.Handler, record: logging.LogRecord) -> str:
        line = format_record(handler, record)
        return redactor.redact(line) if len(redactor) else line

    logging.setLogRecordFactory(redacting_factory)
    logging.Logger.makeRecord = redacting_make_record  # type: ignore[method-assign, assignment]
    logging.Handler.format = redacting_format  # type: ignore[method-assign, assignment]


def _redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's own error to report
        return
    redacted = redactor.redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redactor.redact(text)
