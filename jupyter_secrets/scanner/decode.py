"""Turn a file's bytes into the text a person would see in it, whatever its encoding.

A NUL byte does not make a file binary: Windows tools and PowerShell write
UTF-16 (with or without a BOM), and one stray NUL must not switch scanning
off. So: a BOM decides; else NULs at every other byte mean UTF-16; else
UTF-8; else Latin-1 (every byte maps). NULs left after decoding are removed,
so ``A\\x00K\\x00I\\x00A`` in a file that is not UTF-16 still reads ``AKIA``.

:attr:`Decoded.encode` gives the bytes back for a redacted text (``strip``);
it is None when the decoding cannot be reversed (NULs were removed).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF = 8192


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bytes = b""
    #: NUL characters were removed: the text cannot be encoded back exactly.
    lossy: bool = False

    def encode(self, text: str) -> bytes | None:
        if self.lossy:
            return None
        return self.bom + text.encode(self.encoding, "surrogatepass")


def decode_bytes(data: bytes) -> Decoded:
    """The text of ``data``; never raises."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _finish(data[len(bom) :], encoding, bom)
    head = data[:_SNIFF]
    if b"\x00" in head:
        utf16 = _utf16_order(head)
        if utf16 is not None:
            return _finish(data, utf16, b"")
    try:
        return _clean(data.decode("utf-8"), "utf-8", b"")
    except UnicodeDecodeError:
        return _clean(data.decode("latin-1"), "latin-1", b"")


def _finish(body: bytes, encoding: str, bom: bytes) -> Decoded:
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        # A broken or mislabelled file: read what can be read, never give up.
        return _clean(body.decode(encoding, "replace"), encoding, bom, force_lossy=True)
    return _clean(text, encoding, bom)


def _clean(text: str, encoding: str, bom: bytes, force_lossy: bool = False) -> Decoded:
    if "\x00" in text:
        return Decoded(text.replace("\x00", ""), encoding, bom, lossy=True)
    return Decoded(text, encoding, bom, lossy=force_lossy)


def _utf16_order(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NULs sit mostly at odd or even offsets."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    odd = head[1::2].count(0)
    even = head[0::2].count(0)
    if odd >= 0.4 * pairs and even <= 0.1 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.1 * pairs:
        return "utf-16-be"
    return None
