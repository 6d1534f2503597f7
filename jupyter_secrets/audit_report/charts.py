"""Inline SVG charts drawn here, for the HTML report: no library, no script, no link.

Every label is escaped; each bar has a ``<title>`` (the browser's tooltip).
"""

from __future__ import annotations

from html import escape
from typing import Any

#: Fixed colours for the usual scopes; others take the palette in order.
SCOPE_COLOURS = {"dev": "#2e7d32", "stg": "#f9a825", "prod": "#c62828"}
PALETTE = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#455a64", "#ad1457")


def scope_colours(scopes: list[str]) -> dict[str, str]:
    colours: dict[str, str] = {}
    spare = iter(PALETTE * (len(scopes) // len(PALETTE) + 1))
    for scope in scopes:
        colours[scope] = SCOPE_COLOURS.get(scope) or next(spare)
    return colours


def _nice_max(value: int) -> int:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def _empty(width: int, height: int, label: str, text: str) -> str:
    return (
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">'
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="muted">'
        f"{escape(text)}</text></svg>"
    )


def timeline_chart(timeline: dict[str, Any], width: int = 860, height: int = 260) -> str:
    """Stacked bars: allowed reads per day (or week), one colour per scope, with a legend."""
    rows, scopes = timeline["rows"], timeline["scopes"]
    label = f"Allowed reads per {timeline['bucket']} and scope"
    if not rows or not scopes:
        return _empty(width, height, label, "no allowed reads in the period")
    colours = scope_colours(scopes)
    left, right, top, bottom = 48, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(sum(r["counts"].values()) for r in rows))
    slot = plot_w / len(rows)
    bar_w = max(1.0, slot * 0.8)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    for i in range(5):  # grid lines and y labels
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
            f"{value:g}</text>"
        )
    for index, row in enumerate(rows):
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h
        for scope in scopes:
            count = row["counts"][scope]
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            tip = f"{row['start']} {scope}: {count} reads"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colours[scope]}"><title>{escape(tip)}</title></rect>'
            )
    every = max(1, len(rows) // 8)  # about eight dates on the x axis
    for index in range(0, len(rows), every):
        x = left + index * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="axis">'
            f"{escape(rows[index]['start'][5:])}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle" class="axis">'
        f"{escape(timeline['bucket'])} (UTC, month-day)</text>"
    )
    x = left
    for scope in scopes:  # the legend, above the plot
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{colours[scope]}"/>'
            f'<text x="{x + 16}" y="18" class="legend">{escape(scope)}</text>'
        )
        x += 28 + 8 * len(scope)
    parts.append("</svg>")
    return "".join(parts)


def top_chart(secrets: list[dict[str, Any]], limit: int = 10, width: int = 860) -> str:
    """Horizontal bars: the secrets read most in the period, coloured by scope."""
    rows = [r for r in secrets if r["reads"]][:limit]
    label = f"Top {limit} secrets by allowed reads"
    if not rows:
        return _empty(width, 60, label, "no allowed reads in the period")
    colours = scope_colours(sorted({r["scope"] for r in rows}))  # colours depend on names only
    name_w = min(360, 20 + 7 * max(len(r["ref"]) for r in rows))
    bar_h, gap, top = 20, 6, 6
    height = top + len(rows) * (bar_h + gap) + 4
    plot_w = width - name_w - 70
    top_value = max(r["reads"] for r in rows)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    for index, row in enumerate(rows):
        y = top + index * (bar_h + gap)
        w = max(1.0, plot_w * row["reads"] / top_value)
        tip = f"{row['ref']}: {row['reads']} reads by {row['users']} users"
        parts.append(
            f'<text x="{name_w - 8}" y="{y + 14}" text-anchor="end" class="label">'
            f"{escape(row['ref'])}</text>"
            f'<rect x="{name_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{colours[row["scope"]]}"><title>{escape(tip)}</title></rect>'
            f'<text x="{name_w + w + 6:.1f}" y="{y + 14}" class="value">{row["reads"]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
