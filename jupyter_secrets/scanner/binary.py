"""Prove a string is binary before skipping it: decode it as what it claims to be.

The scanner never skips text because of the *name* of the key that holds it
(``image``, ``_data``, ``image/png``): a hostile or careless notebook can put
any text under any key. A string is skipped only when it base64-decodes to
bytes that really are the binary format its mimetype (or its magic number)
says. Even then the text such formats carry (PNG text chunks, JPEG
comments and EXIF/XMP segments) is pulled out and scanned. Base64 that
decodes to text is scanned as that text. Strict base64 that decodes to
opaque bytes (a Plotly typed array, a widget buffer) is read the way
``strings`` would show it: every printable run of 12 or more bytes is
scanned, and the base64 characters themselves are not (they spell a secret
only if someone crafted the bytes to, which is deliberate exfiltration).
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import sys
import zlib
from typing import NamedTuple, overload

from .native import MODULE

#: Mimetypes whose payload is base64 of a binary format.
BINARY_MIMES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/jpg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/tiff",
        "image/x-icon",
        "image/vnd.microsoft.icon",
        "application/pdf",
        "application/octet-stream",
    }
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"%PDF-", "pdf"),
    (b"\x00\x00\x01\x00", "ico"),
)
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: Base64 starts with at least 16 characters of its alphabet (prose does not).
_B64_HEAD = re.compile(r"[A-Za-z0-9+/_-]{16}")
_PRINTABLE_FLAGS = bytes(1 if 0x20 <= b <= 0x7E or b == 0x09 else 0 for b in range(256))
_RUN = b"\x01" * 12
#: Base64 shorter than this is scanned as the text it is (keys are that long).
MIN_BASE64 = 256


class Verdict(NamedTuple):
    """``binary``: proven binary, do not scan the string itself; ``texts``: what to scan instead."""

    binary: bool
    texts: tuple[str, ...] = ()


TEXT = Verdict(False)


def classify(value: str, mime: str | None = None) -> Verdict:
    """What to scan of ``value``, a string found under ``mime`` (or under no mimetype)."""
    claims_binary = mime is not None and mime in BINARY_MIMES
    candidate = value.startswith("data:") and ";base64," in value[:100]
    if not (claims_binary or candidate or len(value) >= MIN_BASE64):
        return TEXT
    payload = value.split(",", 1)[1] if candidate else value
    view = _strict_base64(payload)
    if view is None:
        return TEXT
    kind = _sniff(view[:16])
    embedded = _embedded_text(view, kind) if kind is not None else None
    if embedded is not None:
        return Verdict(True, tuple(embedded))
    raw = view.whole()
    decoded = _as_text(raw)
    if decoded is not None:
        return Verdict(False, (decoded,))
    return Verdict(True, tuple(_runs(raw)))


def _strict_base64(payload: str) -> _Base64View | None:
    """The bytes of strict base64 (line breaks and the URL-safe alphabet allowed), else
    None; decoded only where they are read.

    A glance at the head first turns prose away cheaply. All but the last group is
    checked against the alphabet: for plain base64 (most images: one line, and nbformat's
    line break at the end) in one compiled pass over the str itself, which binascii then
    reads as it is (ASCII); else by the steps of :func:`_prepared`. The last group and
    its padding are decoded strictly, which is what decides about padding.
    """
    plain = MODULE.base64_head(payload) if MODULE is not None else (-1, -1)
    if plain is None:
        return None
    aligned, end = plain
    data: str | bytes
    if aligned >= 0:
        data = payload
        tail: str | bytes = payload[aligned:end] + "=" * (-end % 4)
    else:
        prepared = _prepared(payload)
        if prepared is None:
            return None
        data, aligned = prepared
        tail = data[aligned:]
    try:
        if sys.version_info >= (3, 11):
            last = binascii.a2b_base64(tail, strict_mode=True)
        else:
            last = base64.b64decode(tail, validate=True)  # 3.10: no strict_mode
    except (binascii.Error, ValueError):
        return None
    return _Base64View(data, aligned, last)


def _prepared(payload: str) -> tuple[bytes, int] | None:
    """``payload`` as ASCII base64 in the standard alphabet without line breaks, padded
    to whole groups, and the length of its groups before the last one; None unless it
    starts like base64, is ASCII, and those groups hold only the alphabet (no "=")."""
    if _B64_HEAD.match(payload) is None:
        return None
    try:
        data = payload.encode("ascii")
    except UnicodeEncodeError:
        return None
    if b"\n" in data or b"\r" in data:
        data = data.replace(b"\n", b"").replace(b"\r", b"")
    if b"-" in data or b"_" in data:
        data = data.translate(_URLSAFE)
    data += b"=" * (-len(data) % 4)
    body = len(data.rstrip(b"="))
    aligned = max(0, (body - 1) // 4 * 4)  # every group before the last one
    if data[:aligned].translate(None, _ALPHABET):
        return None  # a character outside the alphabet, or "=" inside
    return data, aligned


class _Base64View:
    """The bytes of the aligned, padding-free base64 groups of ``data`` before ``aligned``
    followed by ``last``, decoded only where they are read (slices and single bytes, as
    ``bytes`` gives)."""

    def __init__(self, data: str | bytes, aligned: int, last: bytes) -> None:
        self._head = data  # its groups before ``aligned``
        self._aligned = aligned
        self._head_length = aligned // 4 * 3
        self._last = last
        self._length = self._head_length + len(last)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> bytes: ...
    def __getitem__(self, index: int | slice) -> int | bytes:
        if isinstance(index, int):
            if index < 0:
                index += self._length
            if not 0 <= index < self._length:
                raise IndexError("index out of range")
            return self[index : index + 1][0]
        start, stop, step = index.indices(self._length)
        if step != 1:
            return self.whole()[index]
        if stop <= start:
            return b""
        out = b""
        if start < self._head_length:
            first, end = start // 3, min(stop, self._head_length)
            chunk = binascii.a2b_base64(self._head[first * 4 : -(-end // 3) * 4])
            out = chunk[start - first * 3 : end - first * 3]
        if stop > self._head_length:
            out += self._last[max(0, start - self._head_length) : stop - self._head_length]
        return out

    def whole(self) -> bytes:
        return binascii.a2b_base64(self._head[: self._aligned]) + self._last


def _sniff(raw: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    return None


def _as_text(raw: bytes) -> str | None:
    if b"\x00" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for ch in text[:4096] if ch.isprintable() or ch in "\r\n\t")
    return text if printable >= 0.95 * min(len(text), 4096) else None


def _runs(raw: bytes) -> list[str]:
    """Printable runs of 12+ bytes, found in C: a translate to 0/1 flags, then ``find``
    (a regex over megabytes of random bytes would cost a second per save)."""
    flags = raw.translate(_PRINTABLE_FLAGS)
    runs: list[str] = []
    start = flags.find(_RUN)
    while start != -1:
        end = flags.find(b"\x00", start)
        end = len(flags) if end == -1 else end
        runs.append(raw[start:end].decode("ascii"))
        start = flags.find(_RUN, end)
    return runs


def _embedded_text(raw: bytes | _Base64View, kind: str) -> list[str] | None:
    """The text a binary format carries, or None when ``raw`` does not parse as ``kind``.

    The PNG and JPEG walks read chunk and segment headers only, so from a base64 view
    the image data itself, most of the string, is validated but never decoded."""
    if kind == "png":
        return _png_text(raw)
    if kind == "jpeg":
        return _jpeg_text(raw)
    # Formats walked by magic only (GIF, BMP, TIFF, ICO, WebP, PDF): scan every printable
    # run, so text appended to a real header is still read.
    return _runs(raw if isinstance(raw, bytes) else raw.whole())


def _png_text(raw: bytes | _Base64View) -> list[str] | None:
    """tEXt, zTXt and iTXt chunks (where metadata, and so secrets, can hide);
    None when the chunks do not parse: then it is not proven to be a PNG."""
    texts: list[str] = []
    pos = 8
    while True:
        if pos + 12 > len(raw):
            return None  # ran out before IEND
        header = raw[pos : pos + 8]  # one read: from a base64 view each is a decode
        (length,) = struct.unpack(">I", header[:4])
        kind = header[4:]
        if pos + 12 + length > len(raw) or not kind.isalpha():
            return None
        data_start = pos + 8
        pos += 12 + length
        if kind == b"IEND":
            break
        if kind in (b"tEXt", b"zTXt", b"iTXt"):  # the image data is never read
            data = raw[data_start : data_start + length]
        if kind == b"tEXt":
            texts.append(data.replace(b"\x00", b": ").decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = data.partition(b"\x00")
            texts.append(key.decode("latin-1") + ": " + _inflate(rest[1:]))
        elif kind == b"iTXt":
            texts.append(_itxt(data))
    if pos < len(raw):  # bytes after IEND are no part of the image
        texts.extend(_runs(raw[pos:]))
    return texts


def _itxt(data: bytes) -> str:
    key, _, rest = data.partition(b"\x00")
    compressed = rest[:1] == b"\x01"
    parts = rest[2:].split(b"\x00", 2)
    body = parts[2] if len(parts) == 3 else rest
    text = _inflate(body) if compressed else body.decode("utf-8", "replace")
    return key.decode("latin-1") + ": " + text


def _inflate(data: bytes) -> str:
    try:
        decompressor = zlib.decompressobj()
        return decompressor.decompress(data, 1 << 20).decode("utf-8", "replace")
    except zlib.error:
        return data.decode("latin-1")


def _jpeg_text(raw: bytes | _Base64View) -> list[str] | None:
    """COM and APPn segments before the image data (comments, EXIF, XMP); None when
    the segments do not lead to the image data."""
    texts: list[str] = []
    pos = 2
    while True:
        if pos + 4 > len(raw) or raw[pos] != 0xFF:
            return None
        marker = raw[pos + 1]
        if marker == 0xDA:  # start of scan: compressed image data follows
            break
        (length,) = struct.unpack(">H", raw[pos + 2 : pos + 4])
        if length < 2:
            return None
        segment = raw[pos + 4 : pos + 2 + length]
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            texts.extend(_runs(segment))
        pos += 2 + length
    return texts
