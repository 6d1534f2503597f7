"""Keep secrets out of the server log, whatever jupyter_server or nbformat write to it.

Some messages quote content: nbformat's "Notebook JSON is invalid: ..." (the
invalid fragment, on every read and save of such a notebook), jupyter_server's
"Error while saving file: ... <exception>", tracebacks of failed requests.
A filter on the server's loggers scans every record's text with the server's
scanner (detectors and known values) and redacts what it finds before any
handler formats it. A record that cannot be scanned is reduced to its
logger, level and a note, never passed on as it is.

The server's own token is the one credential left as it is: jupyter_server
prints it in its start-up URL for the person who started it, who needs it to
log in. (A token it did not generate, from $JUPYTER_TOKEN or the config, it
masks itself.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..scanner.strip import strip_text

#: Loggers that may quote request or file content.
LOGGERS = ("tornado.application", "tornado.general", "tornado.access")


class RedactingFilter(logging.Filter):
    def __init__(
        self, scanner: Callable[[], Any], shown: Callable[[], frozenset[str]] = frozenset
    ) -> None:
        super().__init__("jupyter-secrets")
        self._scanner = scanner
        #: Values the server itself shows on purpose (its own token).
        self._shown = shown

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            elif record.exc_text:
                text += "\n" + record.exc_text
            findings = self._scanner().scan_text(text, "server.log")
            if findings:
                shown = self._shown()
                findings = [f for f in findings if f.span is None or f.span.value not in shown]
            if findings:
                record.msg, record.args = strip_text(text, findings), None
                record.exc_info, record.exc_text = None, None
        except Exception:  # a filter must never break logging, nor let content through
            record.msg, record.args = "[log message hidden by jupyter-secrets]", None
            record.exc_info, record.exc_text = None, None
        return True


_FILTER: RedactingFilter | None = None


def install(
    log: logging.Logger,
    scanner: Callable[[], Any],
    shown: Callable[[], frozenset[str]] = frozenset,
) -> RedactingFilter:
    """Filter the server's own logger and the tornado loggers (and their handlers).

    Loggers are process-wide, so there is one filter per process: a second
    server in it (tests, a notebook launching one) points that filter at its
    scanner, and no record is ever scanned twice.
    """
    global _FILTER
    if _FILTER is None:
        _FILTER = RedactingFilter(scanner, shown)
    _FILTER._scanner, _FILTER._shown = scanner, shown
    for logger in (log, *(logging.getLogger(name) for name in LOGGERS)):
        for target in (logger, *logger.handlers):
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)
    return _FILTER


def server_tokens(serverapp: Any) -> frozenset[str]:
    """The token a jupyter server prints in its own start-up URL (none when it has none)."""
    provider = getattr(serverapp, "identity_provider", None)
    token = getattr(provider, "token", None) or getattr(serverapp, "token", None)
    return frozenset({token}) if isinstance(token, str) and token else frozenset()
