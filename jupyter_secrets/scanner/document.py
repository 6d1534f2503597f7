"""The text the detectors see: segments of one file joined into one string.

Each segment is one piece of unescaped text with its origin (a cell source,
one output, or a whole plain file). Detectors run once over the joined
string, so per-cell overhead stays tiny; a separator line of NUL keeps any
match inside one segment, because no pattern crosses a line holding NUL.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Iterable, KeysView
from dataclasses import dataclass, field
from typing import NamedTuple

SEPARATOR = "\n\x00\n"
#: A keyword hit opens a window of at most this many characters each side
#: (bounded by its line): huge single-line outputs stay cheap.
WINDOW_RADIUS = 2048

KIND_CODE = "code"
KIND_MARKDOWN = "markdown"
KIND_RAW = "raw"
KIND_OUTPUT = "output"
KIND_TEXT = "text"


class Origin(NamedTuple):
    """Where a segment comes from (a tuple: a notebook makes thousands of them)."""

    location: str  # "source" | "output" | "metadata"
    kind: str  # KIND_*
    field: tuple[str, ...] = ("source",)
    cell_index: int | None = None
    cell_id: str | None = None
    output_index: int | None = None
    #: The cell carries the allowlist tag: its findings are dropped.
    allowed: bool = False
    #: The cell starts with a cell magic (%%bash...): not Python code.
    cell_magic: bool = False
    #: JSON path from the notebook root to the leaf this text came from, for
    #: pieces outside the structured fields (metadata, attachments, anything
    #: else); None for sources and text outputs. The last element is
    #: ``content.KEY`` when the text is a dict key.
    pointer: tuple[str | int, ...] | None = None


_ORIGIN = operator.itemgetter(0)
_TEXT = operator.itemgetter(1)


@dataclass(slots=True)
class Segment:
    origin: Origin
    text: str
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class Document:
    """All scannable text of one file.

    Segments are kept as parallel lists and made into :class:`Segment` objects only
    when asked for (a finding's place): a notebook has hundreds of thousands.
    """

    path: str
    _origins: list[Origin] = field(repr=False)
    _texts: list[str] = field(repr=False)
    text: str = ""
    _lower: str | None = field(default=None, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)
    _made: dict[int, Segment] = field(default_factory=dict, repr=False)
    _hits: dict[tuple[str, bool], list[int]] = field(default_factory=dict, repr=False)
    _windows: dict[tuple[tuple[str, ...], bool], list[tuple[int, int]]] = field(
        default_factory=dict, repr=False
    )
    #: Keywords whose hits a prefilter recorded: absent from ``_hits`` means none.
    _indexed: frozenset[tuple[str, bool]] = field(default=frozenset(), repr=False)
    #: Detectors one of whose ``shapes`` the prefilter found; None: not looked for.
    shaped: frozenset[str] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, path: str, pieces: Iterable[tuple[Origin, str]]) -> Document:
        # map, filter and accumulate run in C: a notebook has hundreds of thousands of pieces.
        kept = list(filter(_TEXT, pieces))
        origins = list(map(_ORIGIN, kept))
        texts = list(map(_TEXT, kept))
        gap = len(SEPARATOR)
        starts = list(
            itertools.accumulate(
                map(operator.add, map(len, texts), itertools.repeat(gap)), initial=0
            )
        )
        starts.pop()
        doc = cls(path, origins, texts, SEPARATOR.join(texts))
        doc._starts = starts
        return doc

    @property
    def segments(self) -> list[Segment]:
        return [self._segment(index) for index in range(len(self._texts))]

    def __len__(self) -> int:
        """The number of segments."""
        return len(self._texts)

    def _segment(self, index: int) -> Segment:
        made = self._made.get(index)
        if made is None:  # one object per segment: callers compare them by identity
            made = Segment(self._origins[index], self._texts[index], self._starts[index])
            self._made[index] = made
        return made

    @property
    def lower(self) -> str:
        """ASCII-lowercased text with the same offsets as ``text``."""
        if self._lower is None:
            lowered = self.text.lower()
            if len(lowered) != len(self.text):
                # Some non-ASCII characters grow when lowercased; keep offsets.
                lowered = "".join(c.lower() if c.isascii() else c for c in self.text)
            self._lower = lowered
        return self._lower

    def segment_at(self, offset: int) -> Segment:
        return self._segment(self.index_at(offset))

    def index_at(self, offset: int) -> int:
        """The index of the segment ``offset`` lies in (or, on a separator, before)."""
        return bisect.bisect_right(self._starts, offset) - 1

    def segment(self, index: int) -> Segment:
        return self._segment(index)

    def origin(self, index: int) -> Origin:
        """The origin of segment ``index``, without making the segment."""
        return self._origins[index]

    def hits(self, keyword: str, case_sensitive: bool = False) -> list[int]:
        """Every offset of ``keyword`` (cached: detectors share keywords)."""
        cached = self._hits.get((keyword, case_sensitive))
        if cached is None:
            if (keyword, case_sensitive) in self._indexed:
                return []
            haystack = self.text if case_sensitive else self.lower
            cached = []
            pos = haystack.find(keyword)
            while pos != -1:
                cached.append(pos)
                pos = haystack.find(keyword, pos + 1)
            self._hits[(keyword, case_sensitive)] = cached
        return cached

    def present_keywords(self) -> KeysView[tuple[str, bool]]:
        """(keyword, case_sensitive) pairs known to occur; after a prefilter ran, every
        indexed keyword that occurs is in it."""
        return self._hits.keys()

    def set_index(
        self,
        covered: frozenset[tuple[str, bool]],
        hits: dict[tuple[str, bool], list[int]],
        shaped: frozenset[str] | None = None,
    ) -> None:
        """Hits found by a prefilter (see :mod:`.prefilter`) for every keyword in ``covered``;
        ``hits`` holds only keywords that occur; ``shaped``, the detectors whose shapes
        occur (None when shapes were not looked for)."""
        self._hits.update(hits)
        self._indexed = covered
        self.shaped = shaped

    def windows(
        self, keywords: tuple[str, ...], case_sensitive: bool = False
    ) -> list[tuple[int, int]]:
        """Merged spans of the lines holding any keyword (lowercase unless case_sensitive)."""
        cached = self._windows.get((keywords, case_sensitive))
        if cached is not None:
            return cached
        text = self.text
        spans: list[tuple[int, int]] = []
        for keyword in keywords:
            covered = -1
            for pos in self.hits(keyword, case_sensitive):
                if pos < covered:
                    continue  # already inside the previous window of this keyword
                low = max(0, pos - WINDOW_RADIUS)
                start = max(text.rfind("\n", low, pos) + 1, low)
                end = text.find("\n", pos, pos + WINDOW_RADIUS)
                if end == -1:
                    end = min(len(text), pos + WINDOW_RADIUS)
                spans.append((start, end))
                covered = end
        merged = _merge(spans)
        self._windows[(keywords, case_sensitive)] = merged
        return merged

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not spans:
        return []
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            if end > last_end:
                merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
    return merged
