"""Known secret values: report any occurrence, even where no heuristic would.

Two ways in, both memory only (nothing here is ever written anywhere):

* ``add(value)`` keeps the value and its encoded forms (base64, URL-safe
  base64, hex, URL-encoded) in process memory and finds them anywhere in
  the text with one compiled alternation. Exact and fast; the plaintext
  lives in this object for its lifetime.
* ``add_fingerprint(fp)`` keeps only a keyed fingerprint
  (``jsfp1:<length>:<HMAC-SHA256 hex>``) of a value or of one encoded form,
  as computed by :func:`fingerprints` with the same key, so a kernel can
  tell the server what to look for without ever sending the value.
  Trade-off: a fingerprint can only be checked against candidate tokens,
  so it matches whole tokens (text split on whitespace and quotes, and again
  on ``:/@=;,&?()[]{}<>|``); a value glued inside a longer token is missed.
  Only tokens whose length equals a known length are hashed, which keeps it
  cheap.

Values shorter than :data:`MIN_LENGTH` are ignored (too many accidental
matches); values shorter than 8 only match as whole words.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

from .detectors import Candidate
from .document import Document

KNOWN_TYPE = "Known secret value"
KNOWN_DETECTOR = "known_values"
KNOWN_PRIORITY = 1000  # an exact known value beats every heuristic
MIN_LENGTH = 4
SHORT_LENGTH = 8
FINGERPRINT_PREFIX = "jsfp1"

_FINE_TOKEN_RE = re.compile(r"[^\s\"'`,;:/@=()\[\]{}<>\\|&?]{4,}")
_COARSE_TOKEN_RE = re.compile(r"[^\s\"'`<>]{4,}")


def encoded_forms(value: str) -> set[str]:
    """The value and the encodings it is commonly leaked in."""
    raw = value.encode("utf-8", "surrogatepass")
    b64 = base64.b64encode(raw).decode()
    forms = {
        value,
        b64,
        b64.rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        binascii.hexlify(raw).decode(),
        binascii.hexlify(raw).decode().upper(),
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    return {f for f in forms if len(f) >= MIN_LENGTH}


def fingerprint(form: str, key: bytes) -> str:
    digest = hmac.new(key, form.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return f"{FINGERPRINT_PREFIX}:{len(form)}:{digest}"


def fingerprints(value: str, key: bytes) -> list[str]:
    """Fingerprints of a value and its encoded forms, for :meth:`KnownValues.add_fingerprint`."""
    if len(value) < MIN_LENGTH:
        return []
    return sorted(fingerprint(form, key) for form in encoded_forms(value))


class KnownValues:
    """A set of secret values (or fingerprints) to find. ``repr`` shows counts only.

    ``key`` is the HMAC key fingerprints were computed with (shared with the
    kernels that send them); a random one is generated when not given.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(32)
        self._forms: dict[str, str] = {}
        self._fingerprints: dict[str, str] = {}
        self._lengths: set[int] = set()
        self._regex: re.Pattern[str] | None = None
        self._values = 0
        #: Bumped on every change, so caches keyed on it stay correct.
        self.version = 0

    def add(self, value: str, label: str = "") -> None:
        if not isinstance(value, str) or len(value) < MIN_LENGTH:
            return
        for form in encoded_forms(value):
            self._forms.setdefault(form, label)
        self._values += 1
        self._regex = None
        self.version += 1

    def add_fingerprint(self, fp: str, label: str = "") -> None:
        """Add one ``jsfp1:<len>:<hex>`` fingerprint; ValueError when malformed."""
        parts = fp.split(":")
        if len(parts) != 3 or parts[0] != FINGERPRINT_PREFIX or not parts[1].isdigit():
            raise ValueError("a fingerprint looks like 'jsfp1:<length>:<hex digest>'")
        self._fingerprints[fp] = label
        self._lengths.add(int(parts[1]))
        self.version += 1

    def __len__(self) -> int:
        return self._values + len(self._fingerprints)

    def __bool__(self) -> bool:
        return bool(self._forms or self._fingerprints)

    def __repr__(self) -> str:
        return f"<KnownValues values={self._values} fingerprints={len(self._fingerprints)}>"

    def __reduce__(self) -> Any:
        raise TypeError("KnownValues holds secrets and cannot be pickled")

    def label_of(self, matched: str) -> str:
        if matched in self._forms:
            return self._forms[matched]
        return self._fingerprints.get(fingerprint(matched, self.key), "")

    def find(self, doc: Document) -> Iterator[Candidate]:
        if self._forms:
            for match in self._compiled().finditer(doc.text):
                yield Candidate(
                    match.start(), match.end(), KNOWN_TYPE, KNOWN_DETECTOR, KNOWN_PRIORITY
                )
        if self._fingerprints:
            yield from self._find_fingerprints(doc)

    def _compiled(self) -> re.Pattern[str]:
        if self._regex is None:
            forms = sorted(self._forms, key=len, reverse=True)
            long_forms = "|".join(re.escape(f) for f in forms if len(f) >= SHORT_LENGTH)
            short_forms = "|".join(re.escape(f) for f in forms if len(f) < SHORT_LENGTH)
            parts = []
            if long_forms:
                parts.append(f"(?:{long_forms})")
            if short_forms:
                parts.append(f"(?<![A-Za-z0-9_])(?:{short_forms})(?![A-Za-z0-9_])")
            self._regex = re.compile("|".join(parts))
        return self._regex

    def _find_fingerprints(self, doc: Document) -> Iterator[Candidate]:
        seen: set[tuple[int, int]] = set()
        lengths, key, known = self._lengths, self.key, self._fingerprints
        for token_re in (_FINE_TOKEN_RE, _COARSE_TOKEN_RE):
            for match in token_re.finditer(doc.text):
                start, end = match.span()
                if (
                    end - start in lengths
                    and (start, end) not in seen
                    and fingerprint(match.group(), key) in known
                ):
                    seen.add((start, end))
                    yield Candidate(start, end, KNOWN_TYPE, KNOWN_DETECTOR, KNOWN_PRIORITY)
