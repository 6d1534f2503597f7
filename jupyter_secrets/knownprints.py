"""Keyed fingerprints of secret values, computed by a kernel for its server (no value leaves).

Three kinds, as strings (see :mod:`jupyter_secrets.scanner.known_values` for how each is matched and what
it leaks):

* ``jsfp2:<anchor>:<bytes>:<hmac>``, a *sketch* of one text form of a value
  (the value, its JSON-escaped and URL-quoted forms): the first
  min(length, 12) UTF-8 bytes of the form, each mapped by a keyed table to one
  of 4 symbols (``0``-``3``), the byte length and the HMAC-SHA256 of the whole
  form. Matched as a substring anywhere in the text.
* ``jsbin1:<chars>:<hmac>``, a binary encoding (base64, hex) of a value, at
  least 12 characters long: matched as a whole base64/hex token only, because
  a sketch of an encoding would reveal more bits of the value's first bytes.
* ``jsfp1:<chars>:<hmac>``, the original whole-token fingerprint of any
  form; still accepted and matched as before.

Every HMAC and the symbol table are keyed by the server's in-memory key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote, quote_plus

SKETCH_PREFIX = "jsfp2"
BINARY_PREFIX = "jsbin1"
TOKEN_PREFIX = "jsfp1"  # noqa: S105 (a format name, not a password)
#: Values shorter than this (in characters) are never registered.
MIN_LENGTH = 4
#: Forms shorter than this (in UTF-8 bytes) match only at word boundaries.
SHORT_LENGTH = 8
#: Bytes of a form that its sketch covers: at most 2 bits each, 24 bits in all.
ANCHOR_BYTES = 12
SYMBOLS = 4
#: Shortest binary token matched: shorter ones are too common to look for cheaply.
BINARY_MIN_LENGTH = 12
MAX_FORM_BYTES = 1 << 16
ENCODING = ("utf-8", "surrogatepass")

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_ANCHOR = re.compile(r"[0-3]{1,12}")


class Print(NamedTuple):
    """One parsed fingerprint. ``length`` is in bytes for sketches, characters otherwise."""

    kind: str
    length: int
    digest: bytes
    anchor: str = ""


def text_forms(value: str) -> list[str]:
    """The value and its escaped forms that text shows as they are (distinct, in order)."""
    forms = [value]
    for make in _ESCAPES:
        try:
            form = make(value)
        except UnicodeError:  # a lone surrogate cannot be URL-quoted
            continue
        if form not in forms:
            forms.append(form)
    return forms


def _json_ascii(value: str) -> str:
    return json.dumps(value)[1:-1]


def _json_unicode(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _url(value: str) -> str:
    return quote(value, safe="")


def _url_plus(value: str) -> str:
    return quote_plus(value, safe="")


_ESCAPES: tuple[Callable[[str], str], ...] = (_json_ascii, _json_unicode, _url, _url_plus)


def binary_forms(value: str) -> list[str]:
    """Base64 (standard, unpadded, URL-safe) and hex forms of the value's UTF-8 bytes."""
    raw = value.encode(*ENCODING)
    b64 = base64.b64encode(raw).decode()
    hexed = binascii.hexlify(raw).decode()
    forms: list[str] = []
    for form in (
        b64,
        b64.rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        hexed,
        hexed.upper(),
    ):
        if form not in forms:
            forms.append(form)
    return forms


@functools.lru_cache(maxsize=8)
def symbol_table(key: bytes) -> bytes:
    """A ``bytes.translate`` table: every byte to one of 4 symbols, 64 bytes each, keyed."""
    order = sorted(
        range(256), key=lambda b: hmac.digest(key, b"jsfp2-table" + bytes([b]), "sha256")
    )
    table = bytearray(256)
    for rank, byte in enumerate(order):
        table[byte] = ord("0") + rank % SYMBOLS
    return bytes(table)


def digest(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, hashlib.sha256)


def sketch(form: str, key: bytes) -> str:
    data = form.encode(*ENCODING)
    anchor = data[:ANCHOR_BYTES].translate(symbol_table(key)).decode("ascii")
    return f"{SKETCH_PREFIX}:{anchor}:{len(data)}:{digest(key, data).hex()}"


def binary_print(form: str, key: bytes) -> str:
    return f"{BINARY_PREFIX}:{len(form)}:{digest(key, form.encode()).hex()}"


def token_print(form: str, key: bytes) -> str:
    return f"{TOKEN_PREFIX}:{len(form)}:{digest(key, form.encode(*ENCODING)).hex()}"


def link_fingerprints(value: str, key: bytes) -> list[str]:
    """What a kernel sends for one value: sketches of its text forms, binary tokens."""
    if not isinstance(value, str) or len(value) < MIN_LENGTH:
        return []
    prints = [sketch(form, key) for form in text_forms(value)]
    prints += [binary_print(f, key) for f in binary_forms(value) if len(f) >= BINARY_MIN_LENGTH]
    return list(dict.fromkeys(prints))


def fingerprints(value: str, key: bytes) -> list[str]:
    """Whole-token fingerprints (``jsfp1``) of a value and its encoded forms (the old kind)."""
    if not isinstance(value, str) or len(value) < MIN_LENGTH:
        return []
    forms = {value, *binary_forms(value), _url(value), _url_plus(value)}
    return sorted(token_print(f, key) for f in forms if len(f) >= MIN_LENGTH)


def parse(fp: str) -> Print:
    """A fingerprint string checked and parsed; ValueError (value-free) when malformed."""
    parts = fp.split(":") if isinstance(fp, str) else []
    kind = parts[0] if parts else ""
    if kind == SKETCH_PREFIX and len(parts) == 4:
        anchor, length, hexed = parts[1], _length(parts[2]), parts[3]
        if (
            _ANCHOR.fullmatch(anchor)
            and MIN_LENGTH <= length <= MAX_FORM_BYTES
            and len(anchor) == min(length, ANCHOR_BYTES)
            and _HEX_DIGEST.fullmatch(hexed)
        ):
            return Print(kind, length, bytes.fromhex(hexed), anchor)
    elif kind in (BINARY_PREFIX, TOKEN_PREFIX) and len(parts) == 3:
        length, hexed = _length(parts[1]), parts[2]
        shortest = BINARY_MIN_LENGTH if kind == BINARY_PREFIX else 1
        if shortest <= length <= MAX_FORM_BYTES and _HEX_DIGEST.fullmatch(hexed):
            return Print(kind, length, bytes.fromhex(hexed))
    raise ValueError(
        "a fingerprint is jsfp2:<anchor>:<bytes>:<hmac>, jsbin1:<length>:<hmac> "
        "or jsfp1:<length>:<hmac> (lengths of at least "
        f"{MIN_LENGTH}, {BINARY_MIN_LENGTH} and 1)"
    )


def _length(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 6 else -1
