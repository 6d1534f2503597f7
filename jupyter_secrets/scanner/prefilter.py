"""Every detector keyword found in one pass over a document.

Detectors ask :meth:`Document.hits` for the offsets of their keywords. One
``str.find`` sweep per keyword costs about 0.8 ms per MB, and there are
about fifty keywords; one pass finds them all at once. Case-sensitive
keywords are found through their lowercase form and then checked against
the original text.

Two engines give the same hits (a property test holds them to it):

* Hyperscan (where its wheel exists), SIMD over the text as Latin-1 bytes,
  case-insensitive for ASCII: about 1 GB/s. Offsets stay those of the str,
  because each character becomes one byte (those beyond Latin-1 become
  ``?``, which no keyword holds). The only characters whose lowercase is
  ASCII are KELVIN SIGN and I WITH DOT ABOVE, which ``Document.lower`` may
  fold; and Python's case-insensitive regexes, which shapes stand in for,
  also match LATIN SMALL LETTER LONG S for "s" and DOTLESS I for "i". A
  document holding any of the four is left to the other engine.
* Aho-Corasick (pyahocorasick) over ``Document.lower``: about 80 MB/s.

``JUPYTER_SECRETS_PREFILTER=ahocorasick`` chooses the second.

Hyperscan also looks, in the same fill (a database of their own), for the
``shapes`` of the detectors that declare some (a Twilio SID, a Mailchimp key's
``-us`` tail): a detector with shapes runs only on a document holding one, so
its regexes are never tried on the many documents that merely hold its keyword.
Where Hyperscan does not run, shapes are not looked for and every detector runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import ahocorasick

from . import dbcache
from .document import Document
from .native import MODULE

hyperscan: Any
try:
    import hyperscan
except ImportError:  # no wheel for this platform: Aho-Corasick alone
    hyperscan = None

ENV_ENGINE = "JUPYTER_SECRETS_PREFILTER"
#: Hits past which Hyperscan hands a document to the automaton (see _SimdLiterals.find).
_MAX_CALLBACKS = 20_000
#: Characters that lowercase, or case-insensitively match, to ASCII (see the module docstring).
_FOLDS_TO_ASCII = ("\u212a", "\u0130", "\u017f", "\u0131")


class KeywordIndex:
    """Records in a document the hits of a fixed set of keywords."""

    def __init__(
        self,
        keywords: Iterable[tuple[str, bool]],
        shapes: Mapping[str, Iterable[str]] | None = None,
        shape_gated: Iterable[tuple[str, bool]] = (),
    ) -> None:
        """``shapes`` maps a detector's name to its Hyperscan patterns (see
        ``Detector.shapes``); the names with a match are recorded in each document.
        ``shape_gated``: keywords only shaped detectors have. Where Hyperscan looks for
        shapes, those gate their detectors, so these keywords are not indexed there
        (a detector that runs finds their hits with ``str.find``): "://" alone is in
        every link, a quarter of all hits in real notebooks."""
        wanted = {(k, cs) for k, cs in keywords if k}
        self.covered = frozenset(wanted)
        lowered = sorted({k.lower() for k, _ in wanted})
        # Case-sensitive keywords by their lowercase form.
        self._exact: dict[str, list[str]] = {}
        for keyword, case_sensitive in sorted(wanted):
            if case_sensitive:
                self._exact.setdefault(keyword.lower(), []).append(keyword)
        # Lowercase forms of case-sensitive keywords are searched too.
        self._searched = self.covered | {(k, False) for k in self._exact}
        shaped = {name: tuple(p) for name, p in (shapes or {}).items() if p}
        skipped = frozenset(shape_gated) & self.covered if shaped else frozenset()
        unskipped = self.covered - skipped
        #: What the Hyperscan path indexes: every keyword but the shape-gated ones.
        self._simd_searched = unskipped | {(k.lower(), False) for k, cs in unskipped if cs}
        simd_keywords = sorted({k.lower() for k, _ in unskipped})
        self._automaton: ahocorasick.Automaton | None = None
        if lowered:
            automaton = ahocorasick.Automaton()
            for keyword in lowered:
                automaton.add_word(keyword, (keyword, len(keyword) - 1))
            automaton.make_automaton()
            self._automaton = automaton
        self._simd = (
            _SimdLiterals(simd_keywords, shaped)
            if (lowered or shaped) and _use_hyperscan(lowered)
            else None
        )

    @property
    def engine(self) -> str:
        return "hyperscan" if self._simd is not None else "ahocorasick"

    def fill(self, doc: Document) -> None:
        """Record the hits of every keyword in ``doc`` (sorted offsets, overlaps kept)."""
        if self._automaton is None and self._simd is None:
            return
        if not doc.text:
            if self._simd is not None:
                doc.set_index(self._simd_searched, {}, frozenset())
            else:
                doc.set_index(self._searched, {}, None)
            return
        found = None
        shaped = None
        data = latin1(doc.text) if self._simd is not None else None
        if self._simd is not None and data is not None:
            simd = self._simd.find(data)
            if simd is not None:
                found, shaped = simd
        if found is None:
            found = self._automaton_hits(doc.lower)
        self._record(doc, found, shaped)

    def _automaton_hits(self, lowered: str) -> dict[str, list[int]]:
        if self._automaton is None:
            return {}
        found: dict[str, list[int]] = {}
        for end, (keyword, back) in self._automaton.iter(lowered):
            offsets = found.get(keyword)
            if offsets is None:
                offsets = found[keyword] = []
            offsets.append(end - back)
        return found

    def _record(
        self, doc: Document, found: dict[str, list[int]], shaped: frozenset[str] | None
    ) -> None:
        hits: dict[tuple[str, bool], list[int]] = {}
        text = doc.text
        for lowered, offsets in found.items():
            hits[(lowered, False)] = offsets
            for exact in self._exact.get(lowered, ()):
                size = len(exact)
                matching = [p for p in offsets if text[p : p + size] == exact]
                if matching:
                    hits[(exact, True)] = matching
        # Shapes looked for: the shape-gated keywords were not (see __init__).
        doc.set_index(self._searched if shaped is None else self._simd_searched, hits, shaped)


def latin1(text: str) -> bytes | None:
    """The bytes Hyperscan reads for ``text``: each character as one byte, ``?`` for those
    beyond Latin-1; None when it holds a character of _FOLDS_TO_ASCII (see the module
    docstring). Compiled where it is built: Python's "replace" handler is slow on the
    wide strings that one emoji makes of a whole notebook's text."""
    if MODULE is not None:
        result: bytes | None = MODULE.latin1(text)
        return result
    if any(c in text for c in _FOLDS_TO_ASCII):
        return None
    return text.encode("latin-1", "replace")


def _use_hyperscan(keywords: list[str]) -> bool:
    if hyperscan is None or os.environ.get(ENV_ENGINE, "").lower() == "ahocorasick":
        return False
    # One byte per character, and "?" stands for what Latin-1 cannot hold.
    return all(k.isascii() and "?" not in k for k in keywords)


class _SimdLiterals:
    """Case-insensitive literal search with Hyperscan, and the detectors' shapes in
    a database of their own (a literal database is the faster); a scratch space
    per database and thread."""

    def __init__(self, keywords: list[str], shapes: dict[str, tuple[str, ...]]) -> None:
        assert hyperscan is not None
        self._keywords = keywords
        self._database = (
            compile_database(
                [k.encode("ascii") for k in keywords],
                [hyperscan.HS_FLAG_CASELESS] * len(keywords),
                literal=True,
            )
            if keywords
            else None
        )
        #: Shape pattern id -> the detector it is one of.
        self._shape_owner = [name for name, patterns in sorted(shapes.items()) for _ in patterns]
        expressions = [p.encode("ascii") for _, ps in sorted(shapes.items()) for p in ps]
        self._shapes = (
            compile_database(expressions, [hyperscan.HS_FLAG_SINGLEMATCH] * len(expressions))
            if expressions
            else None
        )
        self._local = threading.local()

    def _scratch(self, name: str, database: Any) -> Any:
        scratch = getattr(self._local, name, None)
        if scratch is None:
            scratch = hyperscan.Scratch(database)
            setattr(self._local, name, scratch)
        return scratch

    def find(self, data: bytes) -> tuple[dict[str, list[int]], frozenset[str] | None] | None:
        """Hits by keyword in ``data`` (see :func:`latin1`) and the detectors whose shape
        matched (None when no detector has shapes: then none was looked for); None when
        there are so many hits that a Python call per hit costs more than the automaton
        (a 100 MB line of keywords)."""
        found = self._keyword_hits(data) if self._database is not None else {}
        if found is None:
            return None
        if self._shapes is None:
            return found, None
        shaped: set[str] = set()
        owner = self._shape_owner

        def on_shape(ident: int, *_: Any) -> None:
            shaped.add(owner[ident])

        self._shapes.scan(
            data, match_event_handler=on_shape, scratch=self._scratch("shapes", self._shapes)
        )
        return found, frozenset(shaped)

    def _keyword_hits(self, data: bytes) -> dict[str, list[int]] | None:
        assert self._database is not None
        matches: list[tuple[int, int]] = []
        limit = max(_MAX_CALLBACKS, len(data) // 256)

        def on_match(ident: int, _start: int, end: int, _flags: int, _context: Any) -> bool:
            matches.append((end, ident))
            return len(matches) > limit  # True stops the scan

        try:
            self._database.scan(
                data,
                match_event_handler=on_match,
                scratch=self._scratch("keywords", self._database),
            )
        except hyperscan.ScanTerminated:
            return None
        matches.sort()  # by end offset, as the automaton reports them
        found: dict[str, list[int]] = {}
        keywords = self._keywords
        for end, ident in matches:
            keyword = keywords[ident]
            offsets = found.get(keyword)
            if offsets is None:
                offsets = found[keyword] = []
            offsets.append(end - len(keyword))
        return found


def compile_database(expressions: list[bytes], flags: list[int], *, literal: bool = False) -> Any:
    """A Hyperscan block-mode database of ``expressions``, each one's id its index
    (from the on-disk cache when the CLI turned it on: see .dbcache)."""

    def compile_() -> Any:
        database = hyperscan.Database()
        database.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=flags,
            literal=literal,
        )
        return database

    return dbcache.load_or_compile(hyperscan, (expressions, flags, literal), compile_)


def literal_expression(word: str) -> bytes:
    """``word`` as a Hyperscan expression matching it literally."""
    return b"".join(
        bytes([c]) if chr(c).isalnum() else b"\\x%02x" % c for c in word.encode("ascii")
    )
