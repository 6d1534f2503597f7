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
  fold; a document holding one is left to the other engine.
* Aho-Corasick (pyahocorasick) over ``Document.lower``: about 80 MB/s.

``JUPYTER_SECRETS_PREFILTER=ahocorasick`` chooses the second.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

import ahocorasick

from .document import Document

hyperscan: Any
try:
    import hyperscan
except ImportError:  # no wheel for this platform: Aho-Corasick alone
    hyperscan = None

ENV_ENGINE = "JUPYTER_SECRETS_PREFILTER"
#: Hits past which Hyperscan hands a document to the automaton (see _SimdLiterals.find).
_MAX_CALLBACKS = 20_000
#: Characters whose lowercase is ASCII (see the module docstring).
_FOLDS_TO_ASCII = ("\u212a", "\u0130")


class KeywordIndex:
    """Records in a document the hits of a fixed set of keywords."""

    def __init__(self, keywords: Iterable[tuple[str, bool]]) -> None:
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
        self._automaton: ahocorasick.Automaton | None = None
        if lowered:
            automaton = ahocorasick.Automaton()
            for keyword in lowered:
                automaton.add_word(keyword, (keyword, len(keyword) - 1))
            automaton.make_automaton()
            self._automaton = automaton
        self._simd = _SimdLiterals(lowered) if lowered and _use_hyperscan(lowered) else None

    @property
    def engine(self) -> str:
        return "hyperscan" if self._simd is not None else "ahocorasick"

    def fill(self, doc: Document) -> None:
        """Record the hits of every keyword in ``doc`` (sorted offsets, overlaps kept)."""
        if self._automaton is None:
            return
        if not doc.text:
            doc.set_index(self._searched, {})
            return
        text = doc.text
        found = None
        if self._simd is not None and not any(c in text for c in _FOLDS_TO_ASCII):
            found = self._simd.find(text)
        if found is None:
            found = self._automaton_hits(doc.lower)
        self._record(doc, found)

    def _automaton_hits(self, lowered: str) -> dict[str, list[int]]:
        assert self._automaton is not None
        found: dict[str, list[int]] = {}
        for end, (keyword, back) in self._automaton.iter(lowered):
            offsets = found.get(keyword)
            if offsets is None:
                offsets = found[keyword] = []
            offsets.append(end - back)
        return found

    def _record(self, doc: Document, found: dict[str, list[int]]) -> None:
        hits: dict[tuple[str, bool], list[int]] = {}
        text = doc.text
        for lowered, offsets in found.items():
            hits[(lowered, False)] = offsets
            for exact in self._exact.get(lowered, ()):
                size = len(exact)
                matching = [p for p in offsets if text[p : p + size] == exact]
                if matching:
                    hits[(exact, True)] = matching
        doc.set_index(self._searched, hits)


def _use_hyperscan(keywords: list[str]) -> bool:
    if hyperscan is None or os.environ.get(ENV_ENGINE, "").lower() == "ahocorasick":
        return False
    # One byte per character, and "?" stands for what Latin-1 cannot hold.
    return all(k.isascii() and "?" not in k for k in keywords)


class _SimdLiterals:
    """Case-insensitive literal search with Hyperscan; a scratch space per thread."""

    def __init__(self, keywords: list[str]) -> None:
        assert hyperscan is not None
        self._keywords = keywords
        self._database = hyperscan.Database()
        self._database.compile(
            expressions=[k.encode("ascii") for k in keywords],
            ids=list(range(len(keywords))),
            elements=len(keywords),
            flags=[hyperscan.HS_FLAG_CASELESS] * len(keywords),
            literal=True,
        )
        self._local = threading.local()

    def find(self, text: str) -> dict[str, list[int]] | None:
        """Hits by keyword; None when there are so many that a Python call per hit
        costs more than the automaton (a 100 MB line of keywords)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        matches: list[tuple[int, int]] = []
        limit = max(_MAX_CALLBACKS, len(text) // 256)

        def on_match(ident: int, _start: int, end: int, _flags: int, _context: Any) -> bool:
            matches.append((end, ident))
            return len(matches) > limit  # True stops the scan

        try:
            self._database.scan(
                text.encode("latin-1", "replace"), match_event_handler=on_match, scratch=scratch
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
