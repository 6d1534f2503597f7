"""Audit lines as ``AuditLog.record`` writes them, at chosen times (for periods and cadences)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jupyter_secrets.audit import _FIELDS

#: A fixed "now" for reports built in-process.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def line(when: datetime, **fields: Any) -> str:
    """One JSON line with every field AuditLog writes (None for those not given)."""
    event: dict[str, Any] = {"time": when.isoformat(timespec="milliseconds")}
    for name in _FIELDS:
        event[name] = fields.get(name)
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def days_ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    return path


def write_inventory(path: Path, entries: list[Any]) -> Path:
    """An inventory file (JSON is YAML too) in the format jupyter_secrets.inventory reads."""
    path.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    return path
