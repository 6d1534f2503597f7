"""Append-only JSON-lines audit log of secret access.

One line per event: time, user, ref, backend, version, kernel id, notebook
path, outcome. Never a value: :meth:`AuditLog.record` takes only named
metadata fields, and refuses anything that is not a plain scalar.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from .errors import BackendUnavailableError, ConfigError

log = logging.getLogger("jupyter_secrets.audit")

OUTCOMES = (
    "allowed",
    "denied",
    "not_found",
    "error",
    "stored",
    "deleted",
    # rotation steps (action "rotate")
    "approved",
    "staged",
    "applied",
    "validated",
    "promoted",
    "failed",
    "reverted",
    "rolled_back",
)
_FIELDS = (
    "user",
    "action",
    "ref",
    "backend",
    "version",
    "outcome",
    "reason",
    "kernel_id",
    "notebook",
    "source",
    "step",
    "approver",
)


class SinkDown(Exception):
    """A sink could not take an event; its text names the sink and why, never a value."""


class AuditSink(Protocol):
    """Where events go besides the file (``SecretsConfig.audit_sinks``): the hub audit
    service, Jupyter events (:mod:`jupyter_secrets.audit_events`)."""

    def send(self, event: dict[str, Any]) -> None:
        """Take one event, or raise :class:`SinkDown`."""


class HubAuditSink:
    """Sends each event to the JupyterHub audit service (:mod:`jupyter_secrets.hub_service`)
    with this server's own hub token, so the service records the hub's identity."""

    def __init__(self, url: str, token: str | None, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                "SecretsConfig.audit_service_url must be the audit service's http(s) URL, e.g. "
                "http://127.0.0.1:10101/services/jupyter-secrets-audit/api/events"
            )
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, event: dict[str, Any]) -> None:
        import urllib.error  # noqa: PLC0415
        import urllib.request  # noqa: PLC0415

        if not self.token:
            raise SinkDown("the hub audit service: no $JUPYTERHUB_API_TOKEN here")
        body = json.dumps({"events": [event]}).encode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked in __init__)
            self.url, data=body, method="POST",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status != 201:
                    raise SinkDown(f"the hub audit service: HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            raise SinkDown(f"the hub audit service: HTTP {exc.code}") from None
        except OSError as exc:  # URLError wraps the socket's own error
            reason = getattr(exc, "reason", exc)
            kind = type(reason).__name__ if isinstance(reason, BaseException) else "unreachable"
            raise SinkDown(f"the hub audit service: {kind}") from None


#: The names ``SecretsConfig.audit_sinks`` takes.
SINK_NAMES = ("file", "hub", "events")


class UnknownSink:
    """A name in ``audit_sinks`` that is no sink ("hubb"): every event it would take is
    lost, so it is down for good. It does not stop the server starting (a server that
    failed to load would save with no gate at all); it makes the loss visible, and
    reads under ``audit_fail_closed_prefixes`` fail as for any sink that is down."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, event: dict[str, Any]) -> None:
        raise SinkDown(
            f"SecretsConfig.audit_sinks names {self.name!r}, which is no sink "
            f"(it takes {', '.join(repr(n) for n in SINK_NAMES)}); fix the name"
        )


def default_audit_path() -> Path:
    from jupyter_core.paths import jupyter_data_dir  # noqa: PLC0415 (only when no log path is configured)

    return Path(jupyter_data_dir()) / "jupyter_secrets" / "audit.log"


class AuditLog:
    """A JSON-lines file, created 0600 in a 0700 directory, appended atomically per line."""

    _lock = threading.Lock()

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        sinks: tuple[AuditSink, ...] = (),
        fail_closed_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.path = Path(path) if path else default_audit_path()
        self.sinks = sinks
        self.fail_closed_prefixes = fail_closed_prefixes

    def record(self, **fields: Any) -> dict[str, Any]:
        """Append one event. Unknown field names are a programming error."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown audit fields: {sorted(unknown)}")
        if fields.get("outcome") not in OUTCOMES:
            raise TypeError(f"audit outcome must be one of {OUTCOMES}")
        event: dict[str, Any] = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        }
        for name in _FIELDS:
            value = fields.get(name)
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise TypeError(f"audit field {name} must be a scalar")
            event[name] = _storable(value) if isinstance(value, str) else value
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n"
        with self._lock:
            self._append(line.encode("utf-8"))
        for sink in self.sinks:
            try:
                sink.send(event)
            except SinkDown as down:
                self._sink_failed(event, down)
        return event

    def _sink_failed(self, event: dict[str, Any], down: SinkDown) -> None:
        ref = str(event.get("ref") or "")
        guarded = next((p for p in self.fail_closed_prefixes if ref.startswith(p)), None)
        if (
            guarded is not None
            and event.get("action") == "read"
            and event.get("outcome") == "allowed"
        ):
            raise BackendUnavailableError(
                f"the audit trail is down ({down}), so reads of {guarded} fail closed until it is "
                "back (SecretsConfig.audit_fail_closed_prefixes); the value was not returned"
            )
        log.warning("jupyter-secrets: an audit event for %s did not reach %s", ref or "-", down)

    def _append(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the audit log {self.path}: {exc.strerror}; "
                "fix its permissions or set SecretsConfig.audit_log"
            ) from None
        try:
            # O_APPEND + one write per line keeps lines whole across processes.
            os.write(fd, data)
        finally:
            os.close(fd)

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event, oldest first; unreadable lines are skipped."""
        try:
            handle = self.path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return
        with handle:
            for line in handle:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    yield event

    def read(
        self, user: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Events newest first, optionally for one user, paged by ``limit``/``offset``."""
        matching = [e for e in self.events() if user is None or e.get("user") == user]
        matching.reverse()
        return matching[offset : offset + max(limit, 0)]


def _storable(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate (a file name that is not UTF-8,
    as Python reads one) becomes its ``\\udcxx`` escape, so that the event is still
    written, and sent, rather than the save or read that it records failing."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
