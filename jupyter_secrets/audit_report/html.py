"""The report as one self-contained HTML file: inline CSS, inline SVG, no script.

It opens offline and from an email attachment: nothing is fetched (no link, no
``src``, no font), every name from the log is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from . import tables
from .charts import scope_colours, timeline_chart, top_chart
from .formats import TABLE_LIMIT, lines_word, more_rows, period_text
from .report import scope_order
from .tables import when

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;
margin:0 auto;max-width:980px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}.meta{color:#57606a;margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:110px}
.card b{display:block;font-size:20px}.note,.muted{color:#57606a;font-size:12px}
.warn{color:#9a3412}.legend-row span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
svg.chart{max-width:100%;height:auto}svg .grid{stroke:#eaeef2}svg .axis,svg .value{font-size:11px;fill:#57606a}
svg .legend,svg .label{font-size:12px;fill:#1b1f24}svg text.muted{font-size:13px;fill:#57606a}
@media print{body{max-width:none}}
"""


def _e(value: object) -> str:
    return escape("-" if value is None or value == "" else str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    hidden = max(0, len(rows) - TABLE_LIMIT)
    rows = rows[:TABLE_LIMIT]
    numeric = [
        all(r[i] is None or (isinstance(r[i], int) and not isinstance(r[i], bool)) for r in rows)
        for i in range(len(headers))
    ]
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if numeric[i] else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(c)}</td>' if numeric[i] else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    note = f'<p class="note">{escape(more_rows(hidden))}</p>' if hidden else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _legend(scopes: list[str]) -> str:
    colours = scope_colours(scopes)
    items = "".join(
        f'<span><i class="swatch" style="background:{colours[s]}"></i>{escape(s)}</span>'
        for s in scopes
    )
    return f'<p class="legend-row note">Scopes: {items}</p>' if scopes else ""


def render_html(report: dict[str, Any]) -> str:
    totals = report["totals"]
    timeline = report["timeline"]
    scopes = sorted(
        {*timeline["scopes"], *(r["scope"] for r in report["secrets"])}, key=scope_order
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Secrets audit report: {escape(period_text(report))}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>jupyter-secrets audit report</h1>",
        f'<p class="meta">Period: <b>{escape(period_text(report))}</b></p>',
        f'<p class="meta">Generated: {escape(when(report["generated"]))}</p>',
    ]
    for source in report["sources"]:
        line = f"Log: {source['path']} ({source['events']} events"
        if source["skipped"]:
            line += f"; skipped {lines_word(source['skipped'])}"
        out.append(f'<p class="meta">{escape(line)})</p>')
    cards = [
        ("allowed reads", totals["reads_allowed"]),
        ("secrets read", totals["secrets_read"]),
        ("users", totals["users"]),
        ("denied attempts", totals["denied"]),
        ("save refusals", totals["save_refusals"]),
        ("events in the period", totals["events"]),
        ("malformed lines skipped", totals["skipped_lines"]),
    ]
    out.append(
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{n}</b>{escape(label)}</div>' for label, n in cards)
        + "</div>"
    )
    out.append(f"<h2>Allowed reads per {escape(timeline['bucket'])}, by scope</h2>")
    out.append(timeline_chart(timeline))
    out.append(_legend(timeline["scopes"]))
    out.append("<h2>Top secrets by allowed reads</h2>")
    out.append(top_chart(report["secrets"]))
    out.append(_legend(scopes))

    out.append("<h2>Accesses per secret</h2>")
    out.append(_table(*tables.secrets(report), "No secret was read in the period."))
    out.append("<h2>Accesses per user</h2>")
    out.append(_table(*tables.users(report), "No user in the period."))
    out.append("<h2>Denied attempts</h2>")
    out.append(_table(*tables.denied(report), "No denied attempt in the period."))
    saves = report["save_refusals"]
    out.append("<h2>Save refusals</h2>")
    out.append(_table(*tables.save_refusals(report), "No refused save in the period."))
    out.append(f'<p class="note">{escape(saves["note"])}.</p>')
    outside = report["outside_env"]
    out.append("<h2>Reads outside a user's env</h2>")
    out.append(_table(*tables.outside_env(report), "None in the period."))
    out.append(f'<p class="note">Rule: {escape(outside["rule"])}.</p>')

    inventory = report["inventory"]
    if inventory is None:
        out.append("<h2>Inventory</h2>")
        out.append(
            '<p class="muted">Not checked: run with --inventory FILE to list unused secrets '
            "and secrets past their rotation cadence.</p>"
        )
    else:
        out.append("<h2>Unused in the period: propose cleanup</h2>")
        out.append(
            f'<p class="note">Inventory {escape(str(inventory["path"]))}: '
            f"{inventory['entries']} entries"
            + (
                f", {len(inventory['problems'])} malformed entries skipped"
                if inventory["problems"]
                else ""
            )
            + ".</p>"
        )
        out.append(
            _table(
                *tables.unused(inventory), "None: every inventory secret was read in the period."
            )
        )
        out.append("<h2>Past their rotation cadence</h2>")
        out.append(
            _table(
                *tables.rotation(inventory),
                "None: every secret with a cadence got a new value in time.",
            )
        )
        if inventory["env_mismatch"]:
            out.append("<h2>Inventory env differs from the ref's scope</h2>")
            out.append(_table(*tables.env_mismatch(inventory), ""))
    out.append("<h2>Reads per secret and user</h2>")
    out.append(_table(*tables.access(report), "No read in the period."))
    out.append("<h2>Events per action</h2>")
    out.append(_table(*tables.actions(report), "No event in the period."))
    out.append(
        '<p class="note">Names and counts only: the audit log never holds a value. Times are UTC.'
        "</p></body></html>"
    )
    return "\n".join(out) + "\n"
