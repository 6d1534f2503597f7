"""Where a source finding sits in its cell, in the units the browser counts.

The scan API tells the frontend which characters to underline and which to
replace when the user moves a value to the store. Python counts code points,
JavaScript strings count UTF-16 code units: an emoji earlier in the cell
shifts every later offset by one, so offsets are converted here, once.
Only offsets leave the server, never the value.
"""

from __future__ import annotations

from typing import Any

from ..scanner import Finding
from ..scanner.finding import LOCATION_SOURCE

#: Fields of a span that hold a cell's source or a plain file's text, as scanned.
_SOURCE_FIELDS = {("source",), ("text",)}


def utf16_offset(text: str, index: int) -> int:
    """``index`` (code points into ``text``) as UTF-16 code units."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def source_text(source: Any) -> str | None:
    """A cell's source as one string (nbformat allows a list of lines)."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def source_range(finding: Finding, source: str | None) -> dict[str, int] | None:
    """``{"start", "end"}`` of the value in ``source`` (UTF-16 units), or None.

    None for outputs and metadata, and whenever the value is not literally at
    the span's offsets (found after unescaping, say): a wrong range would make a
    fix replace the wrong characters, so no range is better than a guess.
    """
    span = finding.span
    if (
        source is None
        or span is None
        or finding.location != LOCATION_SOURCE
        or span.field not in _SOURCE_FIELDS
        or source[span.start : span.end] != span.value
    ):
        return None
    return {"start": utf16_offset(source, span.start), "end": utf16_offset(source, span.end)}


def findings_json(findings: list[Finding], sources: dict[int | None, str | None]) -> list[Any]:
    """Each finding's JSON with its ``range``; ``sources`` maps cell index (None: a file) to text."""
    return [{**f.to_dict(), "range": source_range(f, sources.get(f.cell_index))} for f in findings]
