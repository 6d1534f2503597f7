"""Append-only JSON-lines audit log of secret access.

One line per event: time, user, ref, backend, version, kernel id, notebook
path, outcome. Never a value: :meth:`AuditLog.record` takes only named
metadata fields, and refuses anything that is not a plain scalar.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigError

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


def default_audit_path() -> Path:
    from jupyter_core.paths import jupyter_data_dir  # noqa: PLC0415 (only when no log path is configured)

    return Path(jupyter_data_dir()) / "jupyter_secrets" / "audit.log"


class AuditLog:
    """A JSON-lines file, created 0600 in a 0700 directory, appended atomically per line."""

    _lock = threading.Lock()

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else default_audit_path()

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
            event[name] = value
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n"
        with self._lock:
            self._append(line.encode("utf-8"))
        return event

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
