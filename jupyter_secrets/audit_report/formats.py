"""The report as text, JSON and CSV (HTML: :mod:`.html`), all rendered from one dict.

CSV is one table (so any CSV reader and spreadsheet takes it whole), one row
per fact, its kind in the first column ``section``: ``access`` (one row per
(ref, user): allowed reads), ``denied``, ``save_refusal``, ``not_found`` and
``error`` (failed reads per ref), ``outside_env``, ``unused``, ``rotation``,
``env_mismatch`` and ``skipped_lines`` (per log). A cell that a spreadsheet
would run as a formula (starting with ``= + - @``) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import orjson

from . import tables
from .tables import when

CSV_COLUMNS = (
    "section",
    "ref",
    "scope",
    "user",
    "action",
    "notebook",
    "count",
    "last",
    "owners",
    "detail",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Text and HTML show at most this many rows per table (the first ones: the largest
#: counts); JSON and CSV hold every row.
TABLE_LIMIT = 200


def more_rows(hidden: int) -> str:
    return f"... and {hidden} more rows (--format json or csv has them all)"


def period_text(report: dict[str, Any]) -> str:
    period = report["period"]
    start = when(period["since"]) if period["since"] else "the first event"
    return f"{start} to {when(period['until'])}"


def render_json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"


# -- text --------------------------------------------------------------------


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    indent: str = "  ",
    limit: int | None = TABLE_LIMIT,
) -> str:
    hidden = len(rows) - limit if limit is not None and len(rows) > limit else 0
    if hidden:
        rows = rows[:limit]
    cells = [[str(c) for c in headers]] + [
        ["-" if c in (None, "") else str(c) for c in r] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        any(_is_number(r[i]) for r in rows) and all(_is_number(r[i]) or r[i] is None for r in rows)
        for i in range(len(headers))
    ]
    lines = []
    for row in cells:
        parts = [
            c.rjust(widths[i]) if numeric[i] else c.ljust(widths[i]) for i, c in enumerate(row)
        ]
        lines.append(indent + "  ".join(parts).rstrip())
    if hidden:
        lines.append(indent + more_rows(hidden))
    return "\n".join(lines)


def _listed(table: tables.Table, empty: str = "  none") -> str:
    headers, rows = table
    return _table(headers, rows) if rows else empty


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _section(title: str, body: str) -> str:
    return f"\n{title}\n{'-' * len(title)}\n{body}"


def lines_word(count: int) -> str:
    return f"{count} malformed line{'' if count == 1 else 's'}"


def render_text(report: dict[str, Any]) -> str:
    totals = report["totals"]
    out = [
        "jupyter-secrets audit report",
        "============================",
        f"Period:    {period_text(report)}",
        f"Generated: {when(report['generated'])}",
    ]
    for source in report["sources"]:
        line = f"Log:       {source['path']} ({source['events']} events"
        if source["skipped"]:
            shown = ", ".join(str(n) for n in source["skipped_lines"])
            more = ", ..." if source["skipped"] > len(source["skipped_lines"]) else ""
            line += f"; skipped {lines_word(source['skipped'])}: line {shown}{more}"
        out.append(line + ")")
    summary = [
        ("events in the period", totals["events"]),
        ("allowed reads", totals["reads_allowed"]),
        ("secrets read", totals["secrets_read"]),
        ("users", totals["users"]),
        ("denied attempts", totals["denied"]),
        ("save refusals", totals["save_refusals"]),
        ("malformed lines skipped", totals["skipped_lines"]),
    ]
    out.append(_section("Summary", _table(("", "count"), summary)))

    out.append(_section("Accesses per secret (allowed reads)", _listed(tables.secrets(report))))
    out.append(_section("Accesses per user", _listed(tables.users(report))))
    out.append(_section("Reads per secret and user", _listed(tables.access(report))))
    out.append(_section("Denied attempts", _listed(tables.denied(report))))
    saves = report["save_refusals"]
    body = _listed(tables.save_refusals(report), "  none in the period")
    out.append(_section("Save refusals", f"{body}\n  Note: {saves['note']}."))
    outside = report["outside_env"]
    body = _listed(tables.outside_env(report))
    out.append(_section("Reads outside a user's env", f"{body}\n  Rule: {outside['rule']}."))

    inventory = report["inventory"]
    if inventory is None:
        out.append(
            _section(
                "Inventory",
                "  not checked: give --inventory FILE for unused secrets and rotation cadence",
            )
        )
    else:
        headers, rows = tables.unused(inventory)
        unused = (headers[:-1], [row[:-1] for row in rows])  # the proposal is the title's
        body = _listed(unused, "  none: every inventory secret was read")
        title = f"Unused in the period: propose cleanup ({inventory['path']}, {inventory['entries']} entries)"
        if inventory["problems"]:
            body += f"\n  ({len(inventory['problems'])} malformed inventory entries skipped)"
        out.append(_section(title, body))
        body = _listed(
            tables.rotation(inventory), "  none: every secret with a cadence was rotated in time"
        )
        out.append(_section("Past their rotation cadence", body))
        if inventory["env_mismatch"]:
            body = _listed(tables.env_mismatch(inventory))
            out.append(_section("Inventory env differs from the ref's scope", body))

    timeline = report["timeline"]
    rows = [
        (r["start"], *(r["counts"][s] for s in timeline["scopes"]), sum(r["counts"].values()))
        for r in timeline["rows"]
        if any(r["counts"].values())
    ]
    body = (
        _table((timeline["bucket"], *timeline["scopes"], "total"), rows, limit=None)
        if rows
        else "  no allowed reads in the period"
    )
    out.append(_section(f"Allowed reads per {timeline['bucket']} and scope", body))
    if report["actions"]:
        out.append(_section("Events per action", _listed(tables.actions(report))))
    return "\n".join(out).rstrip() + "\n"


# -- csv ---------------------------------------------------------------------


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_rows(report: dict[str, Any]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def add(section: str, **cells: object) -> None:
        rows.append({"section": section, **cells})

    for r in report["access"]:
        add(
            "access",
            ref=r["ref"],
            scope=_scope(r["ref"]),
            user=r["user"],
            action="read",
            count=r["reads"],
            last=r["last_access"],
        )
    for r in report["denied"]:
        add(
            "denied",
            ref=r["ref"],
            scope=_scope(r["ref"]),
            user=r["user"],
            action=r["action"],
            count=r["count"],
            last=r["last"],
            detail=r["reason"],
        )
    for r in report["save_refusals"]["rows"]:
        add(
            "save_refusal",
            user=r["user"],
            action=r["action"],
            notebook=r["notebook"],
            count=r["count"],
            last=r["last"],
            detail=r["reason"],
        )
    for r in report["secrets"]:
        if r["not_found"]:
            add("not_found", ref=r["ref"], scope=r["scope"], action="read", count=r["not_found"])
        if r["errors"]:
            add("error", ref=r["ref"], scope=r["scope"], action="read", count=r["errors"])
    for r in report["outside_env"]["rows"]:
        add(
            "outside_env",
            ref=r["ref"],
            scope=r["scope"],
            user=r["user"],
            action="read",
            count=r["reads"],
            last=r["last"],
            detail=f"home scope {r['home_scope']}",
        )
    inventory = report["inventory"]
    if inventory is not None:
        for r in inventory["unused"]:
            add(
                "unused",
                ref=r["ref"],
                scope=_scope(r["ref"]),
                count=0,
                last=r["last_read_before_period"],
                owners=";".join(r["owners"]),
                detail=r["proposal"],
            )
        for r in inventory["rotation"]:
            detail = f"{r['status']}: cadence {r['rotation_days']} days"
            if r["age_days"] is not None:
                detail += f", last new value {r['age_days']} days old"
            add(
                "rotation",
                ref=r["ref"],
                scope=_scope(r["ref"]),
                user=r["by"],
                count=r["overdue_days"],
                last=r["last_rotated"],
                owners=";".join(r["owners"]),
                detail=detail,
            )
        for r in inventory["env_mismatch"]:
            add(
                "env_mismatch",
                ref=r["ref"],
                scope=r["scope"],
                count=r["reads"],
                detail=f"inventory env {r['env']}",
            )
    for s in report["sources"]:
        add("skipped_lines", count=s["skipped"], detail=s["path"])
    return rows


def _scope(ref: str | None) -> str:
    return ref.partition("/")[0] if ref else ""


def render_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(report):
        writer.writerow({k: _safe(row.get(k)) for k in CSV_COLUMNS})
    return buffer.getvalue()
