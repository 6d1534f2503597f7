"""The ``"events"`` audit sink: each audit event as a Jupyter event (``jupyter_events``),
under a registered, versioned schema.

The schema is :data:`SCHEMA_ID`, version :data:`SCHEMA_VERSION`, shipped with the package
as ``event_schemas/audit/v1.yaml``: the fields of :meth:`AuditLog.record` and no others
(``additionalProperties: false``), so no value can travel in an extra field. A change of
fields is a new version under the same id.

Where the events go:

* in a jupyter server, the extension gives the sink the server's own ``event_logger``
  (``SecretsConfig.event_target``), so they go wherever the server's
  ``c.EventLogger.handlers`` send its events, and to its event listeners;
* anywhere else (a kernel, the CLI), the sink builds one ``EventLogger`` from the
  ``EventLogger`` section of the jupyter_secrets_config files; when that names no
  handlers the sink sends nothing, and says so once (at INFO: no notebook shows it).

A sink that cannot take an event raises :class:`SinkDown`, as the hub sink does, so
reads under ``SecretsConfig.audit_fail_closed_prefixes`` fail closed. jupyter_events
loads only when a sink builds its own logger: the rest of the core never imports it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit import SinkDown

if TYPE_CHECKING:
    from jupyter_events import EventLogger
    from traitlets.config import Config

#: The audit event's schema id: stable, the same for every version.
SCHEMA_ID = "https://events.jupyter-secrets.org/audit"
#: The schema's version (jupyter_events versions are strings).
SCHEMA_VERSION = "1"
SCHEMA_PATH = Path(__file__).parent / "event_schemas" / "audit" / "v1.yaml"

log = logging.getLogger("jupyter_secrets.audit")
_WHERE = "the jupyter_events logger"
_told_no_handlers = False
_told_lock = threading.Lock()


@dataclass(frozen=True)
class EventTarget:
    """An EventLogger to emit on, and the event loop its listeners run on (a server's):
    an event recorded in another thread is emitted on that loop."""

    logger: EventLogger
    loop: asyncio.AbstractEventLoop | None = None


def register_schema(logger: EventLogger) -> None:
    """Register the audit event's schema with ``logger`` (again: nothing happens)."""
    if SCHEMA_ID not in logger.schemas:
        logger.register_event_schema(SCHEMA_PATH)


class EventsAuditSink:
    """Emits each audit event on ``target``, or on an EventLogger built from ``config``'s
    ``EventLogger`` section (its handlers) when no target is given."""

    def __init__(self, target: EventTarget | None = None, config: Config | None = None) -> None:
        self._target = target
        self._config = config
        self._built = False
        self._lock = threading.Lock()

    def send(self, event: dict[str, Any]) -> None:
        target = self._target if self._target is not None else self._own_target()
        if target is None:
            return
        try:
            # Checked here, in the caller's thread, so a refused event is a SinkDown.
            target.logger.schemas.validate_event(SCHEMA_ID, event)
            if target.loop is not None and _running_loop() is not target.loop:
                # The logger's listeners are tasks on its loop: emit there.
                target.loop.call_soon_threadsafe(_emit_later, target.logger, dict(event))
            else:
                target.logger.emit(schema_id=SCHEMA_ID, data=event)
        except Exception as exc:  # the event is metadata only; the error's text is not needed
            raise SinkDown(f"{_WHERE}: {type(exc).__name__}") from None

    def _own_target(self) -> EventTarget | None:
        with self._lock:
            if not self._built:
                self._target = _build_target(self._config)
                self._built = True
            return self._target


def _build_target(config: Config | None) -> EventTarget | None:
    if not _names_handlers(config):  # the common case, without loading jupyter_events
        _say_no_handlers()
        return None
    from jupyter_events import EventLogger  # noqa: PLC0415 (only a sink that sends loads jupyter_events: its jsonschema takes seconds to import)

    try:
        logger = EventLogger(config=config) if config is not None else EventLogger()
    except Exception as exc:  # e.g. an EventLogger.handlers entry that is no logging.Handler
        raise SinkDown(f"{_WHERE}: {type(exc).__name__} in EventLogger.handlers") from None
    if not logger.handlers:
        _say_no_handlers()
        return None
    register_schema(logger)
    return EventTarget(logger)


def _names_handlers(config: Config | None) -> bool:
    section = config["EventLogger"] if config is not None and "EventLogger" in config else None
    return bool(section is not None and section.get("handlers"))


def _say_no_handlers() -> None:
    global _told_no_handlers
    with _told_lock:
        if _told_no_handlers:
            return
        _told_no_handlers = True
    log.info(
        'jupyter-secrets: SecretsConfig.audit_sinks has "events", but no EventLogger.handlers '
        "are configured for this process (jupyter_secrets_config.py), so its audit events go "
        "to the other sinks only"
    )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # no loop runs in this thread
        return None


def _emit_later(logger: EventLogger, event: dict[str, Any]) -> None:
    try:
        logger.emit(schema_id=SCHEMA_ID, data=event)
    except Exception as exc:
        log.warning(
            "jupyter-secrets: an audit event for %s did not reach %s: %s",
            event.get("ref") or "-",
            _WHERE,
            type(exc).__name__,
        )
