"""Masked previews: what may be shown of a value (never the value itself)."""

from __future__ import annotations


def masked(value: str) -> str:
    """At most 4 + 4 characters of a long value, fewer of a short one, none under 8."""
    n = len(value)
    keep = 4 if n >= 20 else 2 if n >= 12 else 1 if n >= 8 else 0
    stars = "*" * min(max(n - 2 * keep, 0), 16)
    return _printable(value[:keep]) + stars + _printable(value[n - keep :] if keep else "")


def masked_line(line: str, value: str, column: int = 0, width: int = 160) -> str:
    """``line`` with ``value`` masked, cut to ``width`` characters around ``column`` (1-based)."""
    shown = line.replace(value, masked(value)) if value else line
    start = max(0, min(column - 1 - width // 3, len(shown) - width)) if column else 0
    cut = shown[start : start + width]
    return (
        ("..." if start else "") + _printable(cut) + ("..." if start + width < len(shown) else "")
    )


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)
