"""Where an offset of a document sits: Python code, a Python string literal, a shell
line, or text.

Detectors read syntax differently by place. ``password = x`` in Python code is an
expression; the same line inside a string literal (``yaml.safe_load(\"\"\"...\"\"\")``,
``configparser.read_string(...)``, a libpq DSN, a shell string for ``subprocess``), on a
``!`` shell line, in a ``%%bash`` cell, in a comment, a markdown cell or an output is
configuration or prose, where an unquoted value is a literal.

:class:`Places` answers per offset, lazily: a code segment is tokenized (string
literals, comments, shell and magic lines) the first time an offset inside it is asked
about, once per detector run. The tokenizer is deliberately small: it knows quotes,
prefixes, escapes, comments and IPython's ``!``/``%`` lines, which is all a place needs.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..document import KIND_CODE, Document, Segment

#: Python code outside string literals and comments.
PYTHON = "python"
#: Inside a Python string literal (its content).
STRING = "string"
#: A ``!cmd`` / ``%magic`` line of a code cell, or a cell under a cell magic (%%bash).
SHELL = "shell"
#: Markdown, raw cells, outputs, plain files, Python comments.
TEXT = "text"


class Place:
    """The place of an offset and its logical line ``[lo, hi)`` (absolute offsets).

    In a string literal the line is also bounded by the literal and by ``\\n`` escapes
    (``read_string("[db]\\npassword = x")`` holds two lines); in a comment it starts
    after the ``#``. Elsewhere ``hi`` is the end of the text (a pattern's ``$`` finds the
    line end itself) and ``lo`` is found only when asked for: a detector asks for it
    after a cheap match, so a 100 MB one-line output costs per match, not per hit.
    """

    __slots__ = ("_lo", "_pos", "_text", "hi", "kind", "literal", "prefix")

    def __init__(
        self,
        kind: str,
        text: str,
        pos: int,
        lo: int | None,
        hi: int,
        literal: tuple[int, int] | None = None,
        prefix: str = "",
    ) -> None:
        self.kind = kind
        self._text = text
        self._pos = pos
        self._lo = lo
        self.hi = hi
        #: The string literal's content span (STRING only), absolute.
        self.literal = literal
        #: The literal's prefix letters, lowercased (``f``, ``rb``...), STRING only.
        self.prefix = prefix

    @property
    def lo(self) -> int:
        if self._lo is None:
            self._lo = self._text.rfind("\n", 0, self._pos) + 1
        return self._lo

    def __repr__(self) -> str:
        return f"<Place {self.kind} {self.lo}:{self.hi}>"


# A line that IPython does not hand to Python: !shell, %magic, var = !shell.
_MAGIC_LINE = re.compile(r"[ \t]*(?:!|%(?!%)[A-Za-z]|[A-Za-z_]\w*[ \t]*=[ \t]*!)")
_NEXT_TOKEN = re.compile(
    r"(?P<nl>\n)|(?P<comment>#)"
    r"|(?P<prefix>(?<![A-Za-z0-9_])[rRbBuUfFtT]{1,2})?(?P<quote>'''|\"\"\"|'|\")"
)
_SINGLE_BODY = {
    "'": re.compile(r"(?:[^'\\\n]|\\.|\\\n)*"),
    '"': re.compile(r'(?:[^"\\\n]|\\.|\\\n)*'),
}


@dataclass(slots=True)
class _CodeMap:
    """String literals, comments and shell lines of one code segment (absolute offsets)."""

    #: (content start, content end, prefix), sorted by start.
    strings: list[tuple[int, int, str]]
    starts: list[int]
    #: (start after '#', line end), sorted.
    comments: list[tuple[int, int]]
    comment_starts: list[int]
    #: (line start, line end) of !/% lines, sorted.
    shell: list[tuple[int, int]]
    shell_starts: list[int]


def _string_end(text: str, content: int, quote: str) -> tuple[int, int]:
    """(end of the literal's content, offset after its closing quote); an unclosed
    literal ends at the end of the text (triple) or of its line."""
    size = len(text)
    if len(quote) == 3:
        close = content
        while True:
            close = text.find(quote, close)
            if close == -1:
                return size, size
            backslashes = 0
            while close - 1 - backslashes >= content and text[close - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                return close, close + 3
            close += 1
    body = _SINGLE_BODY[quote].match(text, content)
    close = body.end() if body is not None else content
    return close, (close + 1 if close < size and text[close] == quote else close)


def _scan_code(text: str, base: int) -> _CodeMap:
    strings: list[tuple[int, int, str]] = []
    comments: list[tuple[int, int]] = []
    shell: list[tuple[int, int]] = []
    size = len(text)
    pos = 0
    line_start = True
    while pos < size:
        if line_start:
            line_start = False
            if _MAGIC_LINE.match(text, pos):
                end = text.find("\n", pos)
                end = size if end == -1 else end
                shell.append((base + pos, base + end))
                pos = end + 1
                line_start = True
                continue
        match = _NEXT_TOKEN.search(text, pos)
        if match is None:
            break
        if match.group("nl"):
            pos = match.end()
            line_start = True
            continue
        if match.group("comment"):
            end = text.find("\n", match.end())
            end = size if end == -1 else end
            comments.append((base + match.end(), base + end))
            pos = end
            continue
        content = match.end()
        close, pos = _string_end(text, content, match.group("quote"))
        strings.append((base + content, base + close, (match.group("prefix") or "").lower()))
    return _CodeMap(
        strings,
        [s for s, _, _ in strings],
        comments,
        [s for s, _ in comments],
        shell,
        [s for s, _ in shell],
    )


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> tuple[int, int] | None:
    index = bisect.bisect_right(starts, pos) - 1
    if index >= 0 and spans[index][0] <= pos <= spans[index][1]:
        return spans[index]
    return None


class Places:
    """Answers :meth:`at` for one document (make one per detector run)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._maps: dict[int, _CodeMap] = {}

    def code_map(self, segment: Segment) -> _CodeMap:
        found = self._maps.get(segment.start)
        if found is None:
            found = self._maps[segment.start] = _scan_code(segment.text, segment.start)
        return found

    def at(self, pos: int) -> Place:
        doc = self.doc
        text = doc.text
        size = len(text)
        segment = doc.segment_at(pos)
        origin = segment.origin
        if origin.kind != KIND_CODE:
            return Place(TEXT, text, pos, None, size)
        if origin.cell_magic:
            return Place(SHELL, text, pos, None, size)
        code = self.code_map(segment)
        if _inside(code.shell, code.shell_starts, pos) is not None:
            return Place(SHELL, text, pos, None, size)
        index = bisect.bisect_right(code.starts, pos) - 1
        if index >= 0:
            start, end, prefix = code.strings[index]
            if start <= pos < end or (start == end == pos):
                lo = text.rfind("\n", start, pos) + 1 or start
                hi = text.find("\n", pos, end)
                hi = end if hi == -1 else hi
                # "\n" escapes end a line of the text the literal holds.
                escape = text.rfind("\\n", lo, pos)
                if escape != -1:
                    lo = escape + 2
                for mark in ("\\n", "\\r"):
                    escape = text.find(mark, pos, hi)
                    if escape != -1:
                        hi = escape
                return Place(STRING, text, pos, lo, hi, (start, end), prefix)
        comment = _inside(code.comments, code.comment_starts, pos)
        if comment is not None:
            return Place(TEXT, text, pos, comment[0], comment[1])
        return Place(PYTHON, text, pos, None, size)

    def literal_at(self, pos: int) -> tuple[int, int, str] | None:
        """The string literal (content start, end, prefix) holding ``pos`` in a code
        segment, else None."""
        segment = self.doc.segment_at(pos)
        if segment.origin.kind != KIND_CODE or segment.origin.cell_magic:
            return None
        code = self.code_map(segment)
        index = bisect.bisect_right(code.starts, pos) - 1
        if index >= 0:
            start, end, prefix = code.strings[index]
            if start <= pos < end:
                return start, end, prefix
        return None

    def literals_between(self, lo: int, hi: int) -> list[tuple[int, int, str]]:
        """String literals of the code segment holding ``lo`` that start in ``[lo, hi)``."""
        segment = self.doc.segment_at(lo)
        if segment.origin.kind != KIND_CODE or segment.origin.cell_magic:
            return []
        code = self.code_map(segment)
        first = bisect.bisect_left(code.starts, lo)
        last = bisect.bisect_left(code.starts, hi)
        return code.strings[first:last]
