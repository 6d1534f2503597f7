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
import weakref
from dataclasses import dataclass

from ..document import KIND_CODE, Document, Segment
from ..native import MODULE

#: Python code outside string literals and comments.
PYTHON = "python"
#: Inside a Python string literal (its content).
STRING = "string"
#: A ``!cmd`` / ``%magic`` line of a code cell, or a cell under a cell magic (%%bash).
SHELL = "shell"
#: Markdown, raw cells, outputs, plain files, Python comments.
TEXT = "text"
#: How far back a line start is looked for.
LINE_REACH = 4096


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
            # Bounded: on a line longer than LINE_REACH, a point that is no line start
            # (nothing is at the start of such a line for the rules that ask).
            low = max(0, self._pos - LINE_REACH)
            self._lo = max(self._text.rfind("\n", low, self._pos) + 1, low)
        return self._lo

    def __repr__(self) -> str:
        return f"<Place {self.kind} {self.lo}:{self.hi}>"


# One pass in C over a code segment: IPython's !shell / %magic / var = !shell lines, a
# comment's text, and string literals (prefix, quotes, escapes; an unclosed one ends
# at its line, or for triple quotes at the end of the text).
_CODE_PATTERN = (
    r"(?P<shell>^[ \t]*(?:!|%(?!%)[A-Za-z]|[A-Za-z_]\w*[ \t]*=[ \t]*!)[^\n]*)"
    r"|\#(?P<comment>[^\n]*)"
    r"|(?P<prefix>(?<![A-Za-z0-9_])[rRbBuUfFtT]{1,2})?(?:"
    r'"""(?P<d3>[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*)(?:"""|\Z)'
    r"|'''(?P<s3>[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*)(?:'''|\Z)"
    r'|"(?P<d1>[^"\\\n]*(?:\\.[^"\\\n]*)*)(?:"|(?=\n)|\Z)'
    r"|'(?P<s1>[^'\\\n]*(?:\\.[^'\\\n]*)*)(?:'|(?=\n)|\Z)"
    r")"
)
_CODE_FLAGS = re.MULTILINE | re.DOTALL
# Every branch starts at a line start, a "#", a prefix letter or a quote: the lookahead
# turns every other position away at once, where the branches were each tried (1.5x
# faster on real notebook code; a property test holds the two to the same tokens).
_CODE_TOKEN = re.compile(r"(?=[#\"'rRbBuUfFtT]|^)(?:" + _CODE_PATTERN + ")", _CODE_FLAGS)
_BODIES = ("d3", "s3", "d1", "s1")


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


def _scan_code(text: str, base: int) -> _CodeMap:
    """The code map of a code segment ``text`` starting at offset ``base``: compiled where
    it is built (native/src/code.rs, held to _python_tokens by a property test), about
    a hundred times sooner than the regex."""
    found = MODULE.code_tokens(text, base) if MODULE is not None else None
    strings, comments, shell = found if found is not None else _python_tokens(text, base)
    return _CodeMap(
        strings,
        [s for s, _, _ in strings],
        comments,
        [s for s, _ in comments],
        shell,
        [s for s, _ in shell],
    )


def _python_tokens(
    text: str, base: int
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]], list[tuple[int, int]]]:
    """String literals, comments and shell lines of ``text`` by _CODE_TOKEN."""
    strings: list[tuple[int, int, str]] = []
    comments: list[tuple[int, int]] = []
    shell: list[tuple[int, int]] = []
    for match in _CODE_TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "shell":
            s, e = match.span("shell")
            shell.append((base + s, base + e))
        elif kind == "comment":
            s, e = match.span("comment")
            comments.append((base + s, base + e))
        else:
            for body in _BODIES:
                s, e = match.span(body)
                if s != -1:
                    strings.append((base + s, base + e, (match.group("prefix") or "").lower()))
                    break
    return strings, comments, shell


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> tuple[int, int] | None:
    index = bisect.bisect_right(starts, pos) - 1
    if index >= 0 and spans[index][0] <= pos <= spans[index][1]:
        return spans[index]
    return None


class Places:
    """Answers :meth:`at` for one document; :func:`places` shares one between the
    detectors that scan the same document."""

    def __init__(self, doc: Document) -> None:
        self._doc = weakref.ref(doc)
        self._maps: dict[int, _CodeMap] = {}

    @property
    def doc(self) -> Document:
        doc = self._doc()
        if doc is None:  # pragma: no cover - a Places never outlives its scan
            raise ReferenceError("the document of these places is gone")
        return doc

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

    def literals_between(self, lo: int, hi: int) -> list[tuple[int, int, str]]:
        """String literals of the code segment holding ``lo`` that start in ``[lo, hi)``."""
        segment = self.doc.segment_at(lo)
        if segment.origin.kind != KIND_CODE or segment.origin.cell_magic:
            return []
        code = self.code_map(segment)
        first = bisect.bisect_left(code.starts, lo)
        last = bisect.bisect_left(code.starts, hi)
        return code.strings[first:last]


# One Places per live document, shared by the detectors that scan it (each code
# segment is tokenized once per scan). Documents are not hashable: keyed by id and
# checked by a weak reference, dropped when the document is.
_SHARED: dict[int, tuple[weakref.ref[Document], Places]] = {}


def places(doc: Document) -> Places:
    """The :class:`Places` of ``doc``, made on first use."""
    key = id(doc)
    entry = _SHARED.get(key)
    if entry is not None and entry[0]() is doc:
        return entry[1]
    found = Places(doc)

    def forget(_: object, key: int = key) -> None:
        current = _SHARED.get(key)
        if current is not None and current[0]() is None:
            _SHARED.pop(key, None)

    _SHARED[key] = (weakref.ref(doc, forget), found)
    return found
