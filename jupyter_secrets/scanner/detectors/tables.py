"""Table columns: a header cell names a column, the rows below hold its values.

``| user | password |`` over ``| bob | hunter2x |`` (markdown) and
``<th>password</th>`` over ``<td>hunter2x</td>`` (HTML, pandas' ``to_html``) bind each
value to the header's name the way ``password = "hunter2x"`` does. Both readers start
from a header cell a detector found by its keyword and return the spans of that
column's cells, markup stripped.

A column whose values share one shape and one prefix (``CUST-01234``, ``CUST-55120``,
...) is a column of identifiers whatever its header says: its cells are not returned.
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter

#: At most this many rows are read below a header (pandas shows 60 by default).
MAX_ROWS = 60
#: A header row is at most this long, a row (HTML) about this long.
MAX_HEADER = 4096
MAX_ROW = 2048
#: Values of one shape and prefix in at least this many rows make an id column.
ID_COLUMN_ROWS = 3

_MD_SEPARATOR_RE = re.compile(
    r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*"
)
_CELL_MARKUP = " \t*_`"
_TR_RE = re.compile(r"(?is)<tr\b[^>]*>(?P<body>.*?)</tr\s*>")
_CELL_RE = re.compile(r"(?is)<t(?P<tag>[hd])\b[^>]*>(?P<body>.*?)</t(?P=tag)\s*>")
_ONE_RUN_RE = re.compile(
    r"[ \t\n]*(?:<[^<>]*>[ \t\n]*)*(?P<run>[^<>]*?)[ \t\n]*(?:</?[^<>]*>[ \t\n]*)*"
)
_CLASSES = str.maketrans(
    {
        **dict.fromkeys(string.ascii_uppercase, "A"),
        **dict.fromkeys(string.ascii_lowercase, "a"),
        **dict.fromkeys(string.digits, "9"),
    }
)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a cell's value without surrounding spaces and markdown markup."""
    while start < end and text[start] in _CELL_MARKUP:
        start += 1
    while end > start and text[end - 1] in _CELL_MARKUP:
        end -= 1
    return start, end


def _shape(value: str) -> str:
    """``CUST-01234`` -> ``AAAA-99999``: the character classes (in C)."""
    return value.translate(_CLASSES)


def drop_id_column(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """``spans`` less the cells whose shape and 3-character prefix are shared by
    ``ID_COLUMN_ROWS`` rows or more (generated identifiers, not credentials)."""
    if len(spans) < ID_COLUMN_ROWS:
        return spans
    keys = [(_shape(text[s:e]), text[s : min(e, s + 3)]) for s, e in spans]
    counts = Counter(keys)
    return [span for span, key in zip(spans, keys, strict=True) if counts[key] < ID_COLUMN_ROWS]


def _md_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cell spans of one markdown table row ``text[start:end]`` (pipes excluded)."""
    pipes = [i for i in range(start, end) if text[i] == "|" and text[i - 1 : i] != "\\"]
    if not pipes:
        return []
    bounds = [start - 1, *pipes, end] if text[start : pipes[0]].strip() else [*pipes, end]
    cells = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    if cells and not text[cells[-1][0] : cells[-1][1]].strip():
        cells.pop()  # the row's closing pipe
    return cells


def markdown_column(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """The cells below the markdown header cell holding ``text[start:end]``."""
    low = max(0, start - MAX_HEADER)
    line_start = text.rfind("\n", low, start) + 1
    if line_start == 0 and low > 0:
        return []  # a line this long is no table header
    line_end = text.find("\n", end, min(limit, end + MAX_HEADER))
    if line_end == -1:
        if end + MAX_HEADER < limit:
            return []
        line_end = limit
    header = _md_cells(text, line_start, line_end)
    column = next((i for i, (s, e) in enumerate(header) if s <= start and end <= e), None)
    if column is None:
        return []
    if not _names_column(text, *_strip(text, *header[column]), end):
        return []
    found: list[tuple[int, int]] = []
    pos = line_end + 1
    for row in range(MAX_ROWS + 1):
        if pos >= limit:
            break
        stop = text.find("\n", pos, min(limit, pos + MAX_ROW))
        stop = min(limit, pos + MAX_ROW) if stop == -1 else stop
        if "|" not in text[pos:stop]:
            break
        if row == 0 and _MD_SEPARATOR_RE.fullmatch(text, pos, stop):
            pos = stop + 1
            continue
        cells = _md_cells(text, pos, stop)
        if column < len(cells):
            s, e = _strip(text, *cells[column])
            if s < e:
                found.append((s, e))
        pos = stop + 1
    return drop_id_column(found, text)


def html_column(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """The cells below the HTML header cell (``<th>``, or a first-row ``<td>``) holding
    ``text[start:end]``, up to the end of its table."""
    row_start = text.rfind("<tr", max(0, start - 4096), start)
    if row_start == -1:
        return []
    reach = min(limit, end + MAX_ROWS * MAX_ROW)
    table_end = text.find("</table", end, reach)
    table_end = reach if table_end == -1 else table_end
    rows = _TR_RE.finditer(text, row_start, table_end)
    header = next(rows, None)
    if header is None or not header.start("body") <= start < header.end("body"):
        return []
    cells = list(_CELL_RE.finditer(text, header.start("body"), header.end("body")))
    column = next(
        (i for i, c in enumerate(cells) if c.start("body") <= start and end <= c.end("body")),
        None,
    )
    if column is None:
        return []
    s, e = _inner(text, *cells[column].span("body"))
    if not _names_column(text, s, e, end):
        return []
    found: list[tuple[int, int]] = []
    nth = _nth_cell(column)
    for index, row in enumerate(rows):
        if index >= MAX_ROWS:
            break
        cell = nth.match(text, row.start("body"), row.end("body"))
        if cell is not None:
            s, e = _inner(text, *cell.span("body"))
            if s < e:
                found.append((s, e))
    return drop_id_column(found, text)


@functools.lru_cache(maxsize=64)
def _nth_cell(column: int) -> re.Pattern[str]:
    """A row's ``column``-th cell (0-based), in one match."""
    skip = r"<t[hd]\b[^>]*>.*?</t[hd]\s*>\s*"
    return re.compile(
        rf"(?is)\s*(?:{skip}){{{column}}}<t(?P<tag>[hd])\b[^>]*>(?P<body>.*?)</t(?P=tag)\s*>"
    )


def _inner(text: str, start: int, end: int) -> tuple[int, int]:
    """The text of an HTML cell holding one run of text (``<td><code>v</code></td>``);
    an empty span when it holds more (two runs, a nested table)."""
    if text.find("<", start, end) == -1:
        return _strip(text, start, end)  # plain text, the common case
    match = _ONE_RUN_RE.fullmatch(text, start, end)
    if match is None:
        return start, start
    return _strip(text, *match.span("run"))


def _names_column(text: str, start: int, end: int, name_end: int) -> bool:
    """A header cell ``text[start:end]`` that ends with the name and is a short
    phrase ("password", "API key", "DB Password"), not a sentence about one."""
    return start < end and end == name_end and len(text[start:end].split()) <= 3
