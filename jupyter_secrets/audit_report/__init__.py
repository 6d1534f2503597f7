"""``jupyter-secrets audit report``'s core: read audit logs, check an inventory, render.

:func:`make_report` streams every log once (:mod:`.reader`), builds the
report's content (:mod:`.report`) and :func:`render` prints it as text, JSON,
CSV (:mod:`.formats`) or one self-contained HTML file (:mod:`.html`,
:mod:`.charts`). Periods are parsed by :mod:`.period`, inventories read by
:mod:`.inventory`. No Jupyter server or kernel is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .formats import render_csv, render_json, render_text
from .html import render_html
from .inventory import Entry, load_entries
from .period import Period, parse_period
from .reader import Tally, read_lines, read_logs
from .report import build_report

FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "html": render_html,
    "csv": render_csv,
}

__all__ = [
    "FORMATS",
    "Entry",
    "Period",
    "Tally",
    "build_report",
    "make_report",
    "make_report_from_lines",
    "parse_period",
    "read_logs",
    "render",
]


def make_report(
    logs: Sequence[Path],
    since: str | None = None,
    until: str | None = None,
    inventory: Path | None = None,
    now: datetime | None = None,
    service: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The report over ``logs`` (or the hub audit service: ``(events URL, admin token)``)
    for the period ``since``/``until`` (see :mod:`.period`)."""
    if service is not None:
        from .service import service_lines  # noqa: PLC0415

        return make_report_from_lines(
            service[0], service_lines(*service), since, until, inventory, now
        )
    return _report(lambda period: read_logs(list(logs), period), since, until, inventory, now)


def make_report_from_lines(
    name: str,
    lines: Iterable[bytes],
    since: str | None = None,
    until: str | None = None,
    inventory: Path | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report over JSON lines read from somewhere other than a file (the service's
    store, its API), shown as ``name`` among the report's sources."""
    return _report(lambda period: read_lines(name, lines, period), since, until, inventory, now)


def _report(
    tally_of: Callable[[Period], Tally],
    since: str | None,
    until: str | None,
    inventory: Path | None,
    now: datetime | None,
) -> dict[str, Any]:
    moment = now or datetime.now(timezone.utc)
    period = parse_period(since, until, moment)  # refused before any line is read
    entries, problems = load_entries(inventory) if inventory is not None else (None, [])
    tally = tally_of(period)
    where = str(inventory) if inventory is not None else None
    return build_report(tally, period, moment, entries, where, problems)


def render(report: dict[str, Any], fmt: str) -> str:
    return FORMATS[fmt](report)
