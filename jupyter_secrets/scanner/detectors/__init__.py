"""Detectors: small classes that find candidate secrets in a :class:`Document`.

A detector declares lowercase ``keywords``; it runs only on the lines that
contain one (a cheap ``str.find`` prefilter), so most text is never handed
to a regex. Detectors are registered under the entry-point group
``jupyter_secrets.detectors`` (see :mod:`jupyter_secrets.scanner.registry`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ..document import Document

#: Characters of base64/base62/hex tokens: a secret must not touch them on
#: either side, so a lucky substring of a base64 blob never matches.
_WORD_CLASS = "A-Za-z0-9+/_\\-"
BEFORE = rf"(?<![{_WORD_CLASS}])"
AFTER = rf"(?![{_WORD_CLASS}])"


@dataclass(frozen=True)
class Candidate:
    """A possible secret at ``doc.text[start:end]``.

    ``confidence`` is the detector's level for it ("verified", "likely" or "possible",
    see :mod:`..confidence`); the engine may still raise it on proof or lower a generic
    one on weak evidence.
    """

    start: int
    end: int
    type: str
    detector: str
    priority: int
    confidence: str = "likely"


class Detector:
    """Base class. Subclasses set the class attributes and implement ``find``."""

    name: ClassVar[str] = ""
    finding_type: ClassVar[str] = ""
    #: Higher wins when two candidates overlap (vendor formats beat generic rules).
    priority: ClassVar[int] = 50
    #: Lowercase substrings; the detector looks only at lines holding one.
    keywords: ClassVar[tuple[str, ...]] = ()
    #: Match ``keywords`` against the text as is instead of lowercased.
    case_sensitive: ClassVar[bool] = False
    #: Generic detectors get the placeholder/reference/hash filters; vendor
    #: formats with a fixed shape only get the example-key and mask filters.
    generic: ClassVar[bool] = False
    #: How sure a candidate of this detector is: "verified" (a checksum or the structure
    #: proves it), "likely" (a vendor shape, a credential name with a strong value) or
    #: "possible" (weak evidence). ``candidate(confidence=...)`` sets one per candidate.
    confidence: ClassVar[str] = "likely"
    #: Every candidate lies in a segment (one piece of text) that holds one of
    #: ``keywords`` or, for a detector without keywords, a match of ``shapes``, and
    #: none needs context from a segment holding neither. Then a notebook part
    #: without any can be skipped unread (see :mod:`..coarse`).
    #: Built-in detectors keep this, and their tests hold them to it; others opt in.
    segment_local: ClassVar[bool] = False
    #: Hyperscan patterns (ASCII, without boundaries or lookarounds), one of which
    #: every candidate's segment holds, in its text and as JSON text. The engine runs
    #: the detector only on documents holding one (found in the keyword pass), and a
    #: detector without keywords is told apart from "may match anywhere" by them.
    shapes: ClassVar[tuple[str, ...]] = ()

    def find(self, doc: Document) -> Iterator[Candidate]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Load now what ``find`` would load on first use (a plugin, a table): a batch
        scan calls it once before it forks its workers, so that none pays for it again."""

    def candidate(
        self,
        start: int,
        end: int,
        finding_type: str | None = None,
        confidence: str | None = None,
    ) -> Candidate:
        return Candidate(
            start,
            end,
            finding_type or self.finding_type,
            self.name,
            self.priority,
            str(confidence or self.confidence),
        )

    def __repr__(self) -> str:
        return f"<detector {self.name}>"


class RegexDetector(Detector):
    """Finds ``pattern`` (its ``secret`` group, else the whole match) in keyword windows."""

    pattern: ClassVar[re.Pattern[str]]

    def find(self, doc: Document) -> Iterator[Candidate]:
        group = "secret" if "secret" in self.pattern.groupindex else 0
        for start, end in doc.windows(self.keywords, self.case_sensitive):
            for match in self.pattern.finditer(doc.text, start, end):
                s, e = match.span(group)
                if s < e and self.accept(doc.text[s:e], match, doc):
                    yield self.candidate(s, e)

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        """Extra checks (checksums, context); True keeps the candidate."""
        return True
