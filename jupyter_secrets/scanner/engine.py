"""The :class:`Scanner`: notebooks, plain files and contents models in, findings out."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from . import echoes
from .baseline import Baseline
from .coarse import CoarseCheck
from .confidence import grade
from .content import (
    Piece,
    cell_pieces,
    leaf_pieces,
    notebook_pieces,
    notebook_pieces_from_json,
    notebook_pieces_skipping,
    top_level_pieces,
)
from .decode import decode_bytes
from .detectors import Candidate, Detector
from .document import KIND_CODE, KIND_MARKDOWN, KIND_TEXT, Document, Origin, Segment
from .errors import ScanError
from .filters import is_false_positive
from .finding import LOCATION_OUTPUT, LOCATION_SOURCE, Finding, Span, hash_secret, mask
from .jsontext import loads_checked, string_literals
from .known_values import KnownValues
from .prefilter import KeywordIndex
from .registry import load_detectors

ENV_HASH_KEY = "JUPYTER_SECRETS_HASH_KEY"
PRAGMA = "pragma: allowlist secret"
PRAGMA_NEXTLINE = "pragma: allowlist nextline secret"
#: What both pragmas start with: a document without it needs no per-line check.
_PRAGMA_HEAD = "pragma: allowlist"
NOTEBOOK_SUFFIXES = (".ipynb",)
#: Files whose raw text is JSON: their escaped string literals are read unescaped too.
JSON_SUFFIXES = (".ipynb", ".json")
CODE_SUFFIXES = (".py", ".pyw", ".ipy")
#: Markdown files get the inline rules of markdown cells (**password**: `x`, tables).
MARKDOWN_SUFFIXES = (".md", ".markdown")
# A per-process key: hashes printed by one run cannot be brute-forced offline.
_PROCESS_KEY = secrets.token_bytes(32)


def default_hash_key(baseline: Baseline | None = None) -> bytes:
    """The baseline's salt, else $JUPYTER_SECRETS_HASH_KEY, else a per-process random key."""
    if baseline is not None:
        return baseline.salt
    env = os.environ.get(ENV_HASH_KEY)
    if env:
        return env.encode()
    return _PROCESS_KEY


class Scanner:
    """Find secrets. Thread-safe: one scanner may serve concurrent scans (the server
    shares one, and a scan that times out keeps running beside the next). Its only
    mutable state is the cell cache, under a lock; known values lock their own."""

    def __init__(
        self,
        known: KnownValues | None = None,
        baseline: Baseline | None = None,
        detectors: Iterable[str] | None = None,
        max_bytes: int | None = None,
        *,
        hash_key: bytes | None = None,
        cache_size: int = 4096,
        track: Iterable[Finding] = (),
        coarse: bool = True,
        shape_gate: bool = True,
    ) -> None:
        self.known = known
        #: Findings of an earlier scan whose values are found again wherever they occur,
        #: as echoes (the proof that a strip left none: their context went with them).
        self._track = [f for f in track if f.span is not None]
        self.baseline = baseline
        self.max_bytes = max_bytes
        self.hash_key = hash_key if hash_key is not None else default_hash_key(baseline)
        self.detectors: list[Detector] = load_detectors(detectors)
        #: Detector name -> generic (generic rules get the weak-evidence grading).
        self._generic = {d.name: d.generic for d in self.detectors}
        self._detector_keys = [
            (d, frozenset((keyword, d.case_sensitive) for keyword in d.keywords))
            for d in self.detectors
        ]
        self._gates = _Gates(self._detector_keys)
        self._keywords = KeywordIndex(
            ((keyword, d.case_sensitive) for d in self.detectors for keyword in d.keywords),
            {d.name: d.shapes for d in self.detectors if d.shapes} if shape_gate else None,
            _shape_gated_keywords(self.detectors) if shape_gate else (),
        )
        #: Skips notebook metadata proven clear unread (see .coarse); None when asked
        #: to walk every leaf, or when a detector makes skipping unsafe.
        self._coarse = CoarseCheck.build(self.detectors) if coarse else None
        self._cache: OrderedDict[tuple[bytes, int], list[Finding]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    def prepare(self) -> None:
        """Load what the detectors load on first use (see ``Detector.prepare``)."""
        for detector in self.detectors:
            detector.prepare()

    def __repr__(self) -> str:
        return f"<Scanner detectors={len(self.detectors)} known={self.known!r}>"

    # -- entry points ---------------------------------------------------

    def scan_notebook(self, nb: Any, path: str = "") -> list[Finding]:
        """Every string of a notebook (any structure, any nbformat); raw text when not JSON.

        Text that is not JSON, or JSON with a duplicate key (a parser would
        keep only the last one, while the file keeps both), is scanned as
        raw text with its string literals unescaped.
        """
        # Known values and tracked findings are looked for in every part: nothing skipped.
        coarse = None if self.known or self._track else self._coarse
        if isinstance(nb, (str, bytes)):
            self._check_size(len(nb), path)
            if coarse is not None and isinstance(nb, bytes):
                # Parsed and walked in one compiled pass, unless that parse declines.
                walked = notebook_pieces_from_json(nb, coarse.weigh, coarse.weigh_text)
                if walked is not None:
                    data = nb
                    return self._scan_skipping(walked, lambda: loads_checked(data), path)
            try:
                nb = loads_checked(nb)
            except ValueError:
                return self.scan_text(nb, path, json_literals=True)
        if coarse is not None:
            parsed = nb
            walked = notebook_pieces_skipping(parsed, coarse.weigh)
            return self._scan_skipping(walked, lambda: parsed, path)
        return self._finish(self.scan_document(Document.build(path, notebook_pieces(nb))))

    def _scan_skipping(
        self, walked: tuple[list[Piece], bool], parsed: Callable[[], Any], path: str
    ) -> list[Finding]:
        """Findings of a notebook's pieces, less the parts the coarse check skipped
        (``walked``); ``parsed`` gives the whole notebook should echoes be looked for."""
        pieces, skipped = walked
        doc = Document.build(path, pieces)
        if not skipped:
            return self._finish(self.scan_document(doc))
        direct = self._direct_findings(doc)
        if not direct:
            return []
        # A skipped part holds no candidate of its own (it is clear) and no context
        # a candidate elsewhere needs (detectors read their own segment), but it may
        # hold an echo: those are looked for in the whole notebook.
        return self._finish(
            direct + track_echoes(Document.build(path, notebook_pieces(parsed())), direct)
        )

    def scan_text(
        self, text: str | bytes, path: str = "", *, json_literals: bool | None = None
    ) -> list[Finding]:
        if isinstance(text, bytes):
            self._check_size(len(text), path)
            text = decode_bytes(text).text
        elif "\x00" in text:
            # UTF-16 of ASCII is valid UTF-8 with NULs between the letters: a client that
            # decoded such bytes as UTF-8 hands us that. Read it as the bytes it came from.
            text = decode_bytes(text.encode("utf-8", "surrogatepass")).text
        kind = (
            KIND_CODE
            if path.endswith(CODE_SUFFIXES)
            else KIND_MARKDOWN
            if path.lower().endswith(MARKDOWN_SUFFIXES)
            else KIND_TEXT
        )
        origin = Origin(LOCATION_SOURCE, kind, ("text",))
        pieces = [(origin, text)]
        if json_literals or (json_literals is None and path.lower().endswith(JSON_SUFFIXES)):
            pieces.extend((origin, literal) for literal in string_literals(text))
        return self._finish(self.scan_document(Document.build(path, pieces)))

    def scan_file(self, path: str | os.PathLike[str]) -> list[Finding]:
        name = os.fspath(path)
        try:
            data = self._read(name)
        except OSError as exc:
            raise ScanError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from None
        if name.endswith(NOTEBOOK_SUFFIXES):
            return self.scan_notebook(data, name)
        return self.scan_text(data, name)

    def _read(self, name: str) -> bytes:
        """The bytes of a file, refused before they are read when it is too large (one
        open, one fstat and one read for most files: a folder scan reads thousands)."""
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            size = os.fstat(fd).st_size
            self._check_size(size, name)
            data = os.read(fd, size + 1)
            if len(data) != size:  # it grew or shrank, or a short read: read to the end
                chunks = [data]
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
                data = b"".join(chunks)
            return data
        finally:
            os.close(fd)

    def scan_model(self, model: dict[str, Any]) -> list[Finding]:
        """A jupyter_server contents model: every string it would write, whatever its shape."""
        path = str(model.get("path") or "")
        content = model.get("content")
        if content is None or model.get("type") == "directory":
            return []
        notebook = model.get("type") == "notebook" or path.lower().endswith(NOTEBOOK_SUFFIXES)
        if model.get("format") == "base64" and isinstance(content, (str, bytes)):
            raw = decode_base64(content, path)
            return self.scan_notebook(raw, path) if notebook else self.scan_text(raw, path)
        if notebook:
            return self.scan_notebook(content, path)
        if isinstance(content, (str, bytes)):
            return self.scan_text(content, path)
        # A file model whose content is not text: whatever strings it holds are scanned.
        origin = Origin(LOCATION_SOURCE, KIND_TEXT, ("text",))
        return self._finish(
            self.scan_document(Document.build(path, leaf_pieces(content, (), origin)))
        )

    def scan_pieces(self, pieces: Iterable[tuple[Origin, str]], path: str = "") -> list[Finding]:
        """Findings in pieces of text made by :mod:`.content` (e.g. a notebook's metadata)."""
        return self._finish(self.scan_document(Document.build(path, pieces)))

    def scan_cell(
        self, cell: dict[str, Any], cell_index: int | None = None, path: str = ""
    ) -> list[Finding]:
        """One cell (source and outputs), cached by content hash for incremental rescans."""
        return self._finish(self._cell_findings(cell, cell_index, path))

    def scan_echoes(
        self, nb: dict[str, Any], findings: list[Finding], path: str = ""
    ) -> list[Finding]:
        """Echoes across a notebook scanned in parts (:meth:`scan_cell` per cell and
        :meth:`scan_pieces` for the rest, whose ``findings`` these are): every other
        occurrence of a value found in one part, which that part's scan cannot see.
        Together they are scan_notebook's findings, in another order."""
        if not findings and self.baseline is None:
            return []
        if self.baseline is not None:  # echoes of accepted findings too, as in one document
            findings = self._unfiltered(nb, path)
        if not echoes.seeds(findings):
            return []
        return self._finish(track_echoes(Document.build(path, notebook_pieces(nb)), findings))

    def _unfiltered(self, nb: dict[str, Any], path: str) -> list[Finding]:
        """A notebook's findings in parts, before the baseline (cells from the cache)."""
        cells = nb.get("cells")
        found = [
            f
            for index, cell in enumerate(cells if isinstance(cells, list) else [])
            for f in self._cell_findings(cell, index, path)
        ]
        return found + self.scan_document(Document.build(path, top_level_pieces(nb)))

    def _cell_findings(
        self, cell: dict[str, Any], cell_index: int | None, path: str
    ) -> list[Finding]:
        """scan_cell before the baseline; pointers lead from the notebook root when the
        cell's index is given (as in a whole-notebook scan), else from the cell."""
        if not isinstance(cell, dict):
            raise ScanError(f"{path or '<cell>'}: not a notebook cell (not a JSON object)")
        digest = hashlib.blake2b(_cache_blob(cell), digest_size=20).digest()
        key = (digest, self.known.version if self.known else 0)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            # Scanned outside the lock: two threads may scan one cell, never block on it.
            cached = self.scan_document(Document.build("", cell_pieces(cell, None)))
            with self._cache_lock:
                self._cache[key] = cached
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return [_stamped(f, path, cell_index) for f in cached]

    # -- core ----------------------------------------------------------

    def scan_document(self, doc: Document) -> list[Finding]:
        """Findings of one document, before baseline filtering."""
        findings = self._direct_findings(doc)
        if self._track:
            return findings + track_echoes(doc, findings, [*findings, *self._track])
        return findings + track_echoes(doc, findings) if findings else findings

    def _direct_findings(self, doc: Document) -> list[Finding]:
        """The detectors' and known values' findings of a document, without echoes."""
        if len(doc) == 0:
            return []
        self._keywords.fill(doc)
        candidates: list[Candidate] = []
        text = doc.text
        verdicts: dict[tuple[str, bool], bool] = {}  # per scan only: values stay short-lived
        for detector in self._gates.open(doc):
            for cand in detector.find(doc):
                key = (text[cand.start : cand.end], detector.generic)
                rejected = verdicts.get(key)
                if rejected is None:
                    rejected = verdicts[key] = is_false_positive(*key)
                if not rejected:
                    candidates.append(cand)
        if self.known:
            candidates.extend(self.known.find(doc))
        check_pragma = "allowlist" in doc.lower if candidates else False
        findings: list[Finding] = []
        seen_outputs: set[tuple[Any, ...]] = set()
        cursor = _LineCursor()
        for cand in resolve_overlaps(candidates):
            segment = doc.segment_at(cand.start)
            origin = segment.origin
            local = cand.start - segment.start
            if origin.allowed or (check_pragma and self._pragma_allows(segment.text, local)):
                continue
            if origin.location == LOCATION_OUTPUT and origin.pointer is None:
                # One finding per secret per output, whatever the number of mimetypes; not
                # per leaf found by pointer (a dict key, a nested list), which strip redacts
                # by its own finding, so none may be folded into another.
                seen = (
                    origin.cell_index,
                    origin.output_index,
                    cand.type,
                    text[cand.start : cand.end],
                )
                if seen in seen_outputs:
                    continue
                seen_outputs.add(seen)
            line, column = cursor.position(segment, local)
            confidence = grade(
                cand.confidence,
                text[cand.start : cand.end],
                text,
                cand.start,
                cand.end,
                generic=self._generic.get(cand.detector, False),
                detector=cand.detector,
            )
            findings.append(
                self._finding(doc.path, segment.text, origin, cand, local, line, column, confidence)
            )
        return findings

    def _finding(
        self,
        path: str,
        text: str,
        origin: Origin,
        cand: Candidate,
        local: int,
        line: int,
        column: int,
        confidence: str,
    ) -> Finding:
        value = text[local : local + cand.end - cand.start]
        hashed = hash_secret(value, self.hash_key)
        return finding_at(
            path,
            origin,
            value,
            local,
            line,
            column,
            cand.type,
            hashed,
            mask(value),
            cand.detector,
            confidence,
        )

    @staticmethod
    def _pragma_allows(text: str, local: int) -> bool:
        start = text.rfind("\n", 0, local) + 1
        end = text.find("\n", local)
        line = text[start : end if end != -1 else len(text)]
        if PRAGMA in line:
            return True
        if start > 0:
            previous = text[text.rfind("\n", 0, start - 1) + 1 : start - 1]
            return PRAGMA_NEXTLINE in previous
        return False

    def _finish(self, findings: list[Finding]) -> list[Finding]:
        if self.baseline is None:
            return findings
        return [f for f in findings if not self.baseline.allows(f)]

    def _check_size(self, size: int, path: str) -> None:
        if self.max_bytes is not None and size > self.max_bytes:
            raise ScanError(
                f"{path or '<input>'}: {size} bytes is over the {self.max_bytes}-byte scan limit; "
                "raise the limit (--max-bytes) or exclude the file",
                kind="too_large",
            )


class _Gates:
    """Which detectors read a document, in their order: a detector only looks near its
    keywords, so one without a keyword hit in the document is not asked; where the
    prefilter looked for shapes, a detector with shapes is asked only when one of them
    is there (its own keywords may not be indexed: see KeywordIndex), and then even
    without a keyword (it finds nothing). Worked out from the keywords present, not
    by asking every detector: a folder has thousands of small files."""

    def __init__(self, detector_keys: list[tuple[Detector, frozenset[tuple[str, bool]]]]) -> None:
        self._detectors = [d for d, _ in detector_keys]
        #: Detectors without keywords (and, for _unshaped_always, without shapes).
        self._always = [i for i, (_, keys) in enumerate(detector_keys) if not keys]
        self._unshaped_always = [i for i in self._always if not self._detectors[i].shapes]
        self._by_keyword: dict[tuple[str, bool], list[int]] = {}
        self._unshaped_by_keyword: dict[tuple[str, bool], list[int]] = {}
        for index, (detector, keys) in enumerate(detector_keys):
            for key in keys:
                self._by_keyword.setdefault(key, []).append(index)
                if not detector.shapes:
                    self._unshaped_by_keyword.setdefault(key, []).append(index)
        self._shaped = {d.name: i for i, d in enumerate(self._detectors) if d.shapes}

    def open(self, doc: Document) -> list[Detector]:
        # The index is complete for every keyword a gate here reads (see KeywordIndex).
        shaped = doc.shaped
        if shaped is None:
            chosen = set(self._always)
            by_keyword = self._by_keyword
        else:
            chosen = set(self._unshaped_always)
            chosen.update(self._shaped[name] for name in shaped if name in self._shaped)
            by_keyword = self._unshaped_by_keyword
        for key in doc.present_keywords():
            found = by_keyword.get(key)
            if found is not None:
                chosen.update(found)
        detectors = self._detectors
        return [detectors[i] for i in sorted(chosen)]


def _shape_gated_keywords(detectors: list[Detector]) -> set[tuple[str, bool]]:
    """Keywords of shaped detectors that no detector without shapes has."""
    shaped = {(k, d.case_sensitive) for d in detectors if d.shapes for k in d.keywords}
    unshaped = {(k, d.case_sensitive) for d in detectors if not d.shapes for k in d.keywords}
    return shaped - unshaped


def track_echoes(
    doc: Document, findings: list[Finding], seeds: Iterable[Finding] | None = None
) -> list[Finding]:
    """Every occurrence in ``doc`` of the values of ``seeds`` (default: ``findings``) that
    ``findings`` do not hold yet (see :mod:`.echoes`): same type and hashed_secret as the
    finding echoed, detector "echo", the allowlist as for any finding."""
    tracked = echoes.seeds(findings if seeds is None else seeds)
    if not tracked:
        return []
    values = list(tracked)
    covered = echoes.Covered(findings)
    check_pragma = _PRAGMA_HEAD in doc.text
    text = doc.text
    cursor = _LineCursor()
    found: list[Finding] = []
    for start, end, index in echoes.occurrences(text, values):
        segment = doc.segment_at(start)
        origin, local = segment.origin, start - segment.start
        if end > segment.end or origin.allowed:
            continue
        if check_pragma and Scanner._pragma_allows(segment.text, local):
            continue
        place = (
            origin.cell_index,
            origin.location,
            origin.output_index,
            origin.field,
            origin.pointer,
        )
        if covered.contains(place, local, local + end - start):
            continue  # a finding of its own already (or inside one)
        seed = tracked[values[index]]
        if origin.location == LOCATION_OUTPUT and origin.pointer is None:  # as above
            seen = (origin.cell_index, origin.output_index, seed.type, text[start:end])
            if seen in covered.outputs:
                continue  # one finding per secret (and form) per output
            covered.outputs.add(seen)
        line, column = cursor.position(segment, local)
        value = text[start:end]
        found.append(
            finding_at(
                doc.path,
                origin,
                value,
                local,
                line,
                column,
                seed.type,
                seed.hashed_secret,
                seed.preview,
                echoes.ECHO_DETECTOR,
                seed.confidence,  # an echo is as sure as the finding it echoes
            )
        )
    return found


def finding_at(
    path: str,
    origin: Origin,
    value: str,
    local: int,
    line: int,
    column: int,
    kind: str,
    hashed: str,
    preview: str,
    detector: str,
    confidence: str = "likely",
) -> Finding:
    """A finding of ``value`` at offset ``local`` of the segment ``origin`` describes."""
    return Finding(
        path=path,
        cell_index=origin.cell_index,
        cell_id=origin.cell_id,
        location=origin.location,
        output_index=origin.output_index,
        line=line,
        column=column,
        type=kind,
        hashed_secret=hashed,
        preview=preview,
        detector=detector,
        span=Span(value, local, local + len(value), origin.field, origin.pointer),
        confidence=confidence,
    )


def _stamped(finding: Finding, path: str, cell_index: int | None) -> Finding:
    """A cached cell finding placed in its notebook (its pointer rebased on the root)."""
    span = finding.span
    if cell_index is not None and span is not None and span.pointer is not None:
        pointer = ("cells", cell_index, *span.pointer)
        span = Span(span.value, span.start, span.end, span.field, pointer)
    return dataclasses.replace(finding, path=path, cell_index=cell_index, span=span)


def _cache_blob(cell: dict[str, Any]) -> bytes:
    """The whole cell, binary payloads included: an image is skipped only after it is
    decoded and proven to be one, so a changed payload must be scanned again."""
    try:
        return orjson.dumps(cell, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. integers beyond 64 bits: slower, but still a content key
        return json.dumps(cell, sort_keys=True, default=repr).encode()


class _LineCursor:
    """1-based line/column of increasing offsets in linear time (huge lines stay cheap)."""

    def __init__(self) -> None:
        self.segment: Segment | None = None
        self.offset = 0
        self.line = 1
        self.line_start = 0

    def position(self, segment: Segment, local: int) -> tuple[int, int]:
        if segment is not self.segment or local < self.offset:
            self.segment, self.offset, self.line, self.line_start = segment, 0, 1, 0
        text = segment.text
        newlines = text.count("\n", self.offset, local)
        if newlines:
            self.line += newlines
            self.line_start = text.rfind("\n", self.offset, local) + 1
        self.offset = local
        return self.line, local - self.line_start + 1


def resolve_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one candidate per overlapping group: highest priority, then longest."""
    if len(candidates) < 2:
        return candidates
    candidates.sort(key=lambda c: (c.start, -c.end))
    kept: list[Candidate] = [candidates[0]]
    for cand in candidates[1:]:
        last = kept[-1]
        if cand.start < last.end:
            if (cand.priority, cand.end - cand.start) > (last.priority, last.end - last.start):
                kept[-1] = cand
        else:
            kept.append(cand)
    return kept


def decode_base64(content: Any, path: str) -> bytes:
    try:
        return base64.b64decode(content, validate=False)
    except (binascii.Error, TypeError, ValueError):
        raise ScanError(f"{path or '<model>'}: content is not valid base64") from None
