"""Where a notebook finding sits in the raw ``.ipynb`` JSON text (for SARIF annotations).

Findings carry cell-relative positions. Code-scanning UIs annotate lines of
the file as stored, so this tokenizes the JSON, tracks the path of every
string (``cells[3].outputs[0].text[2]``), and maps a finding to the raw line
and column of its first character. JSON strings never span raw lines (a
newline inside is escaped), so each string element has one raw line.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .finding import LOCATION_OUTPUT, Finding

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")
#: Fields whose text is the concatenation of their string elements, line by line.
_JOINED = ("source", "text")

FieldKey = tuple[int, str, int | None, tuple[str, ...]]


@dataclass
class _Str:
    line: int  # 1-based raw line
    column: int  # 1-based raw column of the opening quote
    raw: str  # the token, quotes included

    def decoded(self) -> str:
        try:
            value = json.loads(self.raw)
        except ValueError:
            return ""
        return value if isinstance(value, str) else ""

    def raw_column(self, offset: int) -> int:
        """1-based raw column of decoded character ``offset`` (escapes are wider raw)."""
        body = self.raw[1:-1]
        raw_index = decoded = 0
        for match in _ESCAPE.finditer(body):
            plain = match.start() - raw_index
            if decoded + plain >= offset:
                break
            decoded += plain
            escape = match.group()
            # The high half of a \ud83d\ude00 pair adds no character of its own.
            if not (escape.startswith("\\u") and 0xD800 <= int(escape[2:], 16) < 0xDC00):
                decoded += 1
            raw_index = match.end()
        return self.column + 1 + raw_index + (offset - decoded)


class RawNotebook:
    """String tokens of one notebook's JSON, grouped by cell, location, output and field."""

    def __init__(self, text: str) -> None:
        self.fields: dict[FieldKey, list[_Str]] = {}
        for path, token in _strings(text):
            key = _field_key(path)
            if key is not None:
                self.fields.setdefault(key, []).append(token)

    def position(self, finding: Finding) -> tuple[int, int] | None:
        """(raw line, raw column) of the finding's first character, or None if unknown."""
        span = finding.span
        if finding.cell_index is None or span is None:
            return None
        location = "output" if finding.location == LOCATION_OUTPUT else "source"
        field = tuple(span.field)
        needle = span.value.split("\n", 1)[0]
        elements = self.fields.get((finding.cell_index, location, finding.output_index, field))
        if elements and (field[0] in _JOINED or field[0] == "data"):
            found = _by_line(elements, finding.line, finding.column, needle)
            if found is not None:
                return found
        if not elements and field[:1] == ("data",):  # JSON mimetypes: strings nest deeper
            elements = [
                token
                for (cell, loc, out, key), tokens in self.fields.items()
                if (cell, loc, out) == (finding.cell_index, location, finding.output_index)
                and key[:2] == field
                for token in tokens
            ]
        if not elements:
            return None
        for token in elements:  # tracebacks (ANSI stripped), JSON: the first occurrence
            offset = token.decoded().find(needle) if needle else -1
            if offset != -1:
                return token.line, token.raw_column(offset)
        return elements[0].line, elements[0].column


def _by_line(elements: list[_Str], line: int, column: int, needle: str) -> tuple[int, int] | None:
    """The element holding (line, column) of the joined elements' text, and the raw column."""
    texts = [token.decoded() for token in elements]
    joined = "".join(texts)
    offset = 0
    for _ in range(line - 1):
        offset = joined.find("\n", offset) + 1
        if offset == 0:
            return None
    offset += column - 1
    if needle and not joined.startswith(needle, offset):
        return None
    starts = list(itertools.accumulate((len(t) for t in texts), initial=0))
    index = bisect.bisect_right(starts, offset) - 1
    index = min(index, len(elements) - 1)
    return elements[index].line, elements[index].raw_column(offset - starts[index])


def _field_key(path: list[str | int]) -> FieldKey | None:
    if len(path) < 3 or path[0] != "cells" or not isinstance(path[1], int):
        return None
    cell = path[1]
    if path[2] == "source":
        return (cell, "source", None, ("source",))
    if path[2] == "outputs" and len(path) >= 5 and isinstance(path[3], int):
        rest = [p for p in path[4:] if isinstance(p, str)]
        if not rest:
            return None
        if rest[0] == "data" and len(rest) >= 2:
            # Deeper keys of JSON mimetypes keep their first two names for lookup.
            return (cell, "output", path[3], tuple(rest[:2]) if len(rest) == 2 else tuple(rest))
        return (cell, "output", path[3], (rest[0],))
    return None


class _Container:
    __slots__ = ("expecting_key", "is_object", "key")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.key: str | int = "" if is_object else 0
        self.expecting_key = is_object


def _strings(text: str) -> Iterator[tuple[list[str | int], _Str]]:
    """(path, token) of every string value (not key) in the JSON ``text``."""
    stack: list[_Container] = []
    line, line_start, last = 1, 0, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        start = match.start()
        newlines = text.count("\n", last, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", last, start) + 1
        last = start
        char = token[0]
        top = stack[-1] if stack else None
        if char in "{[":
            stack.append(_Container(char == "{"))
        elif char in "}]":
            if stack:
                stack.pop()
        elif top is None:
            continue
        elif char == ":":
            top.expecting_key = False
        elif char == ",":
            if top.is_object:
                top.expecting_key = True
            elif isinstance(top.key, int):
                top.key += 1
        elif char == '"' and top.expecting_key:
            try:
                top.key = str(json.loads(token))
            except ValueError:
                top.key = ""
        elif char == '"':
            yield [c.key for c in stack], _Str(line, start - line_start + 1, token)
