"""Known secret values: report any occurrence, even where no heuristic would.

Everything here lives in process memory only; nothing is ever written. The
object holds keyed fingerprints (:mod:`jupyter_secrets.knownprints`), never a value, and
finds them in the text without knowing the value:

* **Substrings** (``jsfp2`` sketches of the value and its JSON-escaped and
  URL-quoted forms). The document's UTF-8 bytes are mapped through the keyed
  4-symbol table with ``bytes.translate``; an Aho-Corasick automaton (or
  ``bytes.find`` when there are few; see :mod:`.anchors`) finds every place where the symbols of a
  form's first 12 bytes occur; each such anchor is confirmed by the HMAC of
  exactly that many bytes of text. So a value is found at any boundary:
  ``VALUE.``, ``**VALUE**``, ``-pVALUE``, inside a JSON string, with spaces or
  quotes in it.
* **Binary tokens** (``jsbin1``: base64 and hex forms, 12+ characters) match
  whole runs of base64/hex characters (and the pieces of a run split at
  ``=``, ``+`` and ``/``).
* **Old whole tokens** (``jsfp1``) match tokens split on whitespace, quotes
  and punctuation, as before.

Forms shorter than 8 bytes (values of 4 to 7 characters) match only where
they do not continue a word: the character before the match and its first
character are not both word characters (ASCII letters, digits, ``_`` or any
non-ASCII letter), and likewise at the end. So ``hunter2`` is found in
``pw=hunter2!`` but not in ``hunter22`` or ``xhunter2``; short values do not
flag ordinary code. Values shorter than 4 characters are ignored.

**What a fingerprint reveals.** Without the key: the length of each form,
nothing else. To a holder of the key (this process): the HMAC lets it test
guesses of the value offline, as any keyed hash does; a sketch adds at most
2 bits per byte of the first 12 bytes of each text form, so at most 24 bits
per form (the value, and its JSON and URL forms where they differ, which
begin with the same bytes up to the first escaped character). Binary forms
get no sketch: hex and base64 of the first bytes would add up to several
more bits per byte of the value.

``add(value)`` (values the server itself holds: stored with PUT, its own
link tokens) computes the same kind of entries with this object's key, plus
substring sketches of the binary forms, and keeps no plaintext.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import knownprints as kp
from ..knownprints import MIN_LENGTH, SHORT_LENGTH, fingerprints, link_fingerprints
from .anchors import FEW_ANCHORS, AnchorSearch
from .confidence import VERIFIED
from .detectors import Candidate
from .document import Document

__all__ = [
    "FEW_ANCHORS",
    "KNOWN_DETECTOR",
    "KNOWN_TYPE",
    "MIN_LENGTH",
    "SHORT_LENGTH",
    "KnownValues",
    "fingerprints",
    "link_fingerprints",
]

KNOWN_TYPE = "Known secret value"
KNOWN_DETECTOR = "known_values"
KNOWN_PRIORITY = 1000  # an exact known value beats every heuristic

_FINE_TOKEN_RE = re.compile(r"[^\s\"'`,;:/@=()\[\]{}<>\\|&?]{4,}")
_COARSE_TOKEN_RE = re.compile(r"[^\s\"'`<>]{4,}")
#: Word bytes for the short-value boundary rule (bytes >= 0x80 belong to non-ASCII letters).
_WORD = bytes(
    1 if (chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_")) or b >= 0x80 else 0
    for b in range(256)
)
_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
_BINARY_MARK = bytes(ord("x") if b in _B64_CHARS else ord(" ") for b in range(256))
_BINARY_PIECES = (re.compile(r"[A-Za-z0-9+/_-]+=*"), re.compile(r"[A-Za-z0-9_-]+"))

#: anchor -> ((form byte length, HMAC digests), ...)
Entries = tuple[tuple[int, frozenset[bytes]], ...]


@dataclass(frozen=True)
class _Search:
    """An immutable snapshot of what to look for, so scans never race additions."""

    version: int
    anchors: AnchorSearch[Entries]
    binary: dict[int, frozenset[bytes]]


class KnownValues:
    """A set of secret fingerprints to find. ``repr`` shows counts only.

    ``key`` keys every fingerprint (shared with the kernels that send them); a
    random one is generated when not given. Thread-safe: the server adds
    fingerprints while scans run.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(32)
        self._table = kp.symbol_table(self.key)
        self._lock = threading.Lock()
        self._sketches: dict[str, dict[int, frozenset[bytes]]] = {}
        self._binary: dict[int, frozenset[bytes]] = {}
        self._tokens: dict[str, str] = {}
        self._token_lengths: set[int] = set()
        self._labels: dict[tuple[str, int, bytes], str] = {}
        self._values = 0
        self._search: _Search | None = None
        #: Bumped on every change, so caches keyed on it stay correct.
        self.version = 0

    # -- adding ----------------------------------------------------------

    def add(self, value: str, label: str = "") -> None:
        """A value this process holds: its fingerprints are kept, the value is not."""
        if not isinstance(value, str) or len(value) < MIN_LENGTH:
            return
        forms = kp.text_forms(value) + kp.binary_forms(value)
        with self._lock:
            for form in dict.fromkeys(forms):
                if len(form) >= MIN_LENGTH:
                    self._add(kp.parse(kp.sketch(form, self.key)), label)
            self._values += 1
            self.version += 1

    def add_fingerprint(self, fp: str, label: str = "") -> bool:
        """Add one fingerprint string; True when it was new. ValueError when malformed."""
        parsed = kp.parse(fp)
        with self._lock:
            new = self._add(parsed, label, fp)
            if new:
                self.version += 1
        return new

    def has_fingerprint(self, fp: str) -> bool:
        parsed = kp.parse(fp)
        with self._lock:
            return (parsed.kind, parsed.length, parsed.digest) in self._labels

    def _add(self, fp: kp.Print, label: str, text: str = "") -> bool:
        ident = (fp.kind, fp.length, fp.digest)
        if ident in self._labels:
            return False
        self._labels[ident] = label
        # Copy on write: a scan in another thread may hold the old sets.
        if fp.kind == kp.SKETCH_PREFIX:
            by_length = dict(self._sketches.get(fp.anchor, {}))
            by_length[fp.length] = by_length.get(fp.length, frozenset()) | {fp.digest}
            self._sketches[fp.anchor] = by_length
        elif fp.kind == kp.BINARY_PREFIX:
            self._binary[fp.length] = self._binary.get(fp.length, frozenset()) | {fp.digest}
        else:
            self._tokens[text or f"{fp.kind}:{fp.length}:{fp.digest.hex()}"] = label
            self._token_lengths.add(fp.length)
        return True

    # -- inspecting ------------------------------------------------------

    def __len__(self) -> int:
        return len(self._labels)

    def __bool__(self) -> bool:
        return bool(self._labels)

    def __repr__(self) -> str:
        return f"<KnownValues values={self._values} fingerprints={len(self._labels)}>"

    def __reduce__(self) -> Any:
        raise TypeError("KnownValues holds secrets and cannot be pickled")

    def label_of(self, matched: str) -> str:
        """The label of the value ``matched`` is a form of ("" when none)."""
        data = matched.encode(*kp.ENCODING)
        digest = kp.digest(self.key, data)
        for ident in (
            (kp.SKETCH_PREFIX, len(data), digest),
            (kp.BINARY_PREFIX, len(matched), digest),
            (kp.TOKEN_PREFIX, len(matched), digest),
        ):
            if ident in self._labels:
                return self._labels[ident]
        return ""

    # -- finding ---------------------------------------------------------

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        if not text or not self._labels:
            return
        search = self._snapshot()
        data = text.encode(*kp.ENCODING)
        spans: set[tuple[int, int]] = set()
        if search.anchors:
            spans.update(self._substrings(data, search))
        if search.binary:
            spans.update(self._binary_tokens(data, search.binary))
        for start, end in _char_spans(text, data, spans):
            yield Candidate(start, end, KNOWN_TYPE, KNOWN_DETECTOR, KNOWN_PRIORITY, VERIFIED)
        if self._tokens:
            yield from self._whole_tokens(text)

    def _snapshot(self) -> _Search:
        with self._lock:
            search = self._search
            if search is None or search.version != self.version:
                anchors = {
                    anchor: tuple(sorted(by_length.items()))
                    for anchor, by_length in self._sketches.items()
                }
                search = _Search(
                    self.version, AnchorSearch(anchors, self._table), dict(self._binary)
                )
                self._search = search
            return search

    def _substrings(self, data: bytes, search: _Search) -> list[tuple[int, int]]:
        key, size, word = self.key, len(data), _WORD
        found: list[tuple[int, int]] = []
        for start, entries in search.anchors.find(data):
            for length, digests in entries:
                end = start + length
                if end > size:
                    break  # entries are sorted by length
                if length < SHORT_LENGTH and (
                    (start and word[data[start - 1]] and word[data[start]])
                    or (end < size and word[data[end - 1]] and word[data[end]])
                ):
                    continue  # a short form inside a word: ordinary text
                if hmac.digest(key, data[start:end], "sha256") in digests:
                    found.append((start, end))
        return found

    def _binary_tokens(
        self, data: bytes, binary: dict[int, frozenset[bytes]]
    ) -> list[tuple[int, int]]:
        marks = data.translate(_BINARY_MARK)
        shortest = min(binary)
        needle = b"x" * shortest
        found: list[tuple[int, int]] = []
        at = marks.find(needle)
        while at >= 0:
            start = marks.rfind(b" ", 0, at) + 1
            end = marks.find(b" ", at)
            end = len(marks) if end < 0 else end
            run = data[start:end].decode("ascii")
            if end - start not in binary and "=" not in run and "+" not in run and "/" not in run:
                at = marks.find(needle, end)
                continue  # an identifier or a word: no token of a known length in it
            found.extend(
                (start + a, start + b) for a, b in _binary_candidates(run, binary, self.key)
            )
            at = marks.find(needle, end)
        return found

    def _whole_tokens(self, doc_text: str) -> Iterator[Candidate]:
        seen: set[tuple[int, int]] = set()
        lengths, key, known = self._token_lengths, self.key, self._tokens
        for token_re in (_FINE_TOKEN_RE, _COARSE_TOKEN_RE):
            for match in token_re.finditer(doc_text):
                start, end = match.span()
                if (
                    end - start in lengths
                    and (start, end) not in seen
                    and kp.token_print(match.group(), key) in known
                ):
                    seen.add((start, end))
                    yield Candidate(
                        start, end, KNOWN_TYPE, KNOWN_DETECTOR, KNOWN_PRIORITY, VERIFIED
                    )


def _binary_candidates(
    run: str, binary: dict[int, frozenset[bytes]], key: bytes
) -> Iterator[tuple[int, int]]:
    """(start, end) in ``run`` of each whole base64/hex token a fingerprint confirms."""
    spans = {(0, len(run))}
    if "=" in run or "+" in run or "/" in run:
        for pattern in _BINARY_PIECES:
            for piece in pattern.finditer(run):
                spans.add(piece.span())
                stripped = piece.group().rstrip("=")
                spans.add((piece.start(), piece.start() + len(stripped)))
    for start, end in spans:
        digests = binary.get(end - start)
        if digests and kp.digest(key, run[start:end].encode()) in digests:
            yield start, end


def _char_spans(text: str, data: bytes, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte offsets of ``data`` (the UTF-8 of ``text``) as str offsets of ``text``."""
    ordered = sorted(spans)
    if len(data) == len(text) or not ordered:
        return ordered  # ASCII: bytes and characters coincide
    offsets = sorted({o for span in ordered for o in span})
    chars: dict[int, int] = {}
    byte_at = char_at = 0
    for offset in offsets:
        # Confirmed spans start and end on character boundaries (they are whole UTF-8 forms).
        char_at += len(data[byte_at:offset].decode(*kp.ENCODING))
        byte_at = offset
        chars[offset] = char_at
    return [(chars[start], chars[end]) for start, end in ordered]
