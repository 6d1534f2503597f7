"""Skip a clean part of a notebook without walking it leaf by leaf.

A notebook's own metadata (widget state above all) is a few percent of its
bytes and about a third of a scan's time: tens of thousands of short leaves,
each a piece of text. :class:`CoarseCheck` reads such a part as one JSON text
(``orjson.dumps``, C speed) and clears it when that text proves the leaf walk
would find nothing there:

* no keyword of any detector (a fine piece's keyword lies in a key, a label or
  a value, each of which the JSON text holds verbatim, since no keyword holds a
  character JSON escapes or a quote of the ``"key": "value"`` form), and no
  part of an underscored keyword (a label ``Service Account`` is shown as
  ``Service_Account``);
* no match of a keyword-less detector's ``shapes``;
* nothing :func:`.binary.classify` would decode into more text: a string of 256
  or more characters that starts like base64, a ``data:`` URI or a binary
  mimetype's name;
* no character whose lowercase is ASCII (KELVIN SIGN, I WITH DOT ABOVE).

That is enough because a detector's candidates lie in a segment holding one
of its keywords or shapes (``Detector.segment_local``), so with none of them a
part holds no candidate. Nor does it hold context a candidate elsewhere needs:
detectors read their own segment (pairs, JFrog, calls), a cell's source for its
outputs, or, for a service-account key, a ``"type": "service_account"`` marker,
which holds a keyword. What a skipped part may hold is an echo of a value found
elsewhere, so once a scan finds anything the engine looks for echoes in the
whole notebook. A property test holds the two ways to the same findings.

Hyperscan does the check (SIMD, one pass); without it, or with a detector that
is not segment-local, nothing is skipped.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from typing import Any

import orjson

from .binary import BINARY_MIMES, MIN_BASE64
from .detectors import Detector
from .prefilter import compile_database, literal_expression

hyperscan: Any
try:
    import hyperscan
except ImportError:  # no wheel here: every part is walked
    hyperscan = None

ENV_DISABLE = "JUPYTER_SECRETS_NO_COARSE"
_BUILTIN_PREFIX = "jupyter_secrets.scanner.detectors"
#: Characters a keyword must not hold for its JSON text to hold it verbatim.
_ESCAPED = frozenset('"\\') | frozenset(chr(c) for c in range(0x20))
#: What classify() decodes: a string of MIN_BASE64 characters or more (counted as
#: JSON text, which is never shorter) that starts with 16 of base64's alphabet. The
#: first pattern counts to the next quote; a string holding an escaped quote (where
#: that count stops early) is taken by the second, which is merely cautious.
_B64_HEAD = rb'"[A-Za-z0-9+/_\-]{16}'
_BASE64_STRINGS = (
    _B64_HEAD + rb'[^"]{' + str(MIN_BASE64 - 16).encode() + rb"}",
    _B64_HEAD + rb'[^"]*\\"',
)
#: KELVIN SIGN and LATIN CAPITAL I WITH DOT ABOVE in UTF-8: their lowercase is ASCII.
_FOLDING = (b"\xe2\x84\xaa", b"\xc4\xb0")


def is_segment_local(detector: Detector) -> bool:
    """Built-in detectors are (their tests hold them to it); others say so themselves."""
    return detector.segment_local or type(detector).__module__.startswith(_BUILTIN_PREFIX)


class CoarseCheck:
    """Whether a JSON value's text clears it of every detector (see the module doc)."""

    def __init__(self, literals: Iterable[str], shapes: Iterable[bytes]) -> None:
        assert hyperscan is not None
        words = sorted({w.lower() for w in literals if w})
        expressions = [literal_expression(w) for w in words] + list(_FOLDING)
        flags = [hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH] * len(words)
        flags += [hyperscan.HS_FLAG_SINGLEMATCH] * len(_FOLDING)
        for shape in [*shapes, *_BASE64_STRINGS]:
            expressions.append(shape)
            flags.append(hyperscan.HS_FLAG_SINGLEMATCH)
        self._database = compile_database(expressions, flags)
        self._local = threading.local()

    @classmethod
    def build(cls, detectors: list[Detector]) -> CoarseCheck | None:
        """The check for these detectors; None when one of them makes skipping unsafe."""
        if hyperscan is None or os.environ.get(ENV_DISABLE):
            return None
        literals: list[str] = ["data:", *BINARY_MIMES]
        shapes: list[bytes] = []
        for detector in detectors:
            if not is_segment_local(detector):
                return None
            if not detector.keywords and not detector.shapes:
                return None  # it may match anywhere: nothing can be proven clean
            for keyword in detector.keywords:
                if not keyword.isascii() or _ESCAPED.intersection(keyword) or keyword in '": "':
                    return None
                literals.append(keyword)
                if "_" in keyword:  # a label's words joined by "_" can spell it
                    literals.append(max(keyword.split("_"), key=len))
            if not detector.keywords:  # with keywords, a candidate's segment holds one
                shapes.extend(shape.encode("ascii") for shape in detector.shapes)
        return cls(literals, shapes)

    def weigh(self, value: Any) -> int:
        """0 when ``value`` is clear, else the length of its JSON text (or -1 when it
        has none): how much a finer look below it could save."""
        try:
            text = orjson.dumps(value)
        except TypeError:  # an integer beyond 64 bits, a key that is no string
            return -1
        return self.weigh_text(text)

    def weigh_text(self, text: bytes) -> int:
        """``weigh`` of the value whose ``orjson.dumps`` is ``text`` (the compiled parse
        writes that text itself, where it can: see native/src/json.rs)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        hit: list[bool] = []

        def on_match(*_: Any) -> bool:
            hit.append(True)
            return True  # the first one decides: stop

        with contextlib.suppress(hyperscan.ScanTerminated):  # raised when on_match stops it
            self._database.scan(text, match_event_handler=on_match, scratch=scratch)
        return len(text) if hit else 0
