"""Echo tracking: a value found once in a document is found wherever it repeats.

Detectors find a secret where its context gives it away (``pw = "..."`` in a
code cell); a notebook then echoes it where no context is left: a cell's
result, stdout, a DataFrame's HTML, a traceback, metadata. So after the
detectors ran, the values they found (at least :data:`MIN_ECHO_LENGTH`
characters, never a redaction marker) are searched again in the whole
document, as they are and in their escaped forms (JSON, HTML, URL, repr;
and unescaped, for a value found as an escaped literal), with one
Aho-Corasick pass. The engine turns each occurrence that no finding
covers into a finding linked to the one it echoes (same type and
``hashed_secret``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote, quote_plus

import ahocorasick

from .finding import LOCATION_OUTPUT, Finding

ECHO_DETECTOR = "echo"
#: Shorter values would match ordinary words and numbers all over a notebook.
MIN_ECHO_LENGTH = 8
#: A value holding this came from a redaction (``[REDACTED]``, ``[REDACTED ref]``).
_MARKER = "[REDACTED"

_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "/": "/"}

#: (cell_index, location, output_index, field, pointer): one piece of text of a notebook.
PlaceKey = tuple[int | None, str, int | None, tuple[str, ...], tuple[str | int, ...] | None]


def escaped_forms(value: str) -> list[str]:
    """``value`` and each escaped form of it that differs from it (none shorter than
    :data:`MIN_ECHO_LENGTH`: the unescaped form of ``\\u00e9...`` may be)."""
    forms = [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        html.escape(value, quote=False),
        html.escape(value),
        quote(value, safe="", errors="surrogatepass"),
        quote(value, errors="surrogatepass"),
        quote_plus(value, safe="", errors="surrogatepass"),
    ]
    if "\\" in value:  # found as an escaped literal (JSON in a string): printed unescaped
        forms.append(_ESCAPE_RE.sub(_unescape, value))
    return [form for form in dict.fromkeys(forms) if len(form) >= MIN_ECHO_LENGTH]


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(1)
    if len(escape) > 1:  # \uXXXX, \xXX
        return chr(int(escape[1:], 16))
    return _ESCAPES.get(escape, match.group())


def seeds(findings: Iterable[Finding]) -> dict[str, Finding]:
    """The values worth tracking, each with the first finding of it (echoes are not seeds)."""
    found: dict[str, Finding] = {}
    for finding in findings:
        span = finding.span
        if span is None or finding.detector == ECHO_DETECTOR:
            continue
        value = span.value
        if len(value) >= MIN_ECHO_LENGTH and _MARKER not in value and value not in found:
            found[value] = finding
    return found


def occurrences(text: str, values: Sequence[str]) -> list[tuple[int, int, int]]:
    """``(start, end, index into values)`` of every occurrence of a value or an escaped
    form of it; of overlapping occurrences, the longest (then the first) is kept."""
    automaton = ahocorasick.Automaton()
    for index, value in enumerate(values):
        for form in escaped_forms(value):
            if form not in automaton:
                automaton.add_word(form, (len(form), index))
    automaton.make_automaton()
    hits = [(last + 1 - size, last + 1, index) for last, (size, index) in automaton.iter(text)]
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    kept: list[tuple[int, int, int]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][1]:
            last = kept[-1]
            if hit[1] - hit[0] > last[1] - last[0]:
                kept[-1] = hit
        else:
            kept.append(hit)
    return kept


class Covered:
    """The places findings already hold, to tell an echo from a finding already made."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._spans: dict[PlaceKey, list[tuple[int, int]]] = {}
        #: One finding per secret per output (per form): what each output already reports.
        #: Not a finding by pointer (a leaf of an unknown field), which strip redacts in
        #: its leaf alone: the output's other fields still need a finding of their own.
        self.outputs: set[tuple[int | None, int | None, str, str]] = set()
        for f in findings:
            span = f.span
            if span is None:
                continue
            key = (f.cell_index, f.location, f.output_index, span.field, span.pointer)
            self._spans.setdefault(key, []).append((span.start, span.end))
            if f.location == LOCATION_OUTPUT and span.pointer is None:
                self.outputs.add((f.cell_index, f.output_index, f.type, span.value))

    def contains(self, key: PlaceKey, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self._spans.get(key, ()))
