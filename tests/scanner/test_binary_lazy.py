"""classify() decodes only the headers of a PNG or JPEG, and must say what a full
decode says: the same verdict and the same texts, for valid, corrupted and
hostile images in every base64 spelling (URL-safe, line breaks, padding or not,
a stray character)."""

from __future__ import annotations

import base64
import binascii
import struct
import sys
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import binary, native
from jupyter_secrets.scanner.binary import TEXT, Verdict, classify


def _reference(value: str, mime: str | None) -> Verdict:
    """classify() as it was: decode everything strictly, then look."""
    claims_binary = mime is not None and mime in binary.BINARY_MIMES
    candidate = value.startswith("data:") and ";base64," in value[:100]
    if not (claims_binary or candidate or len(value) >= binary.MIN_BASE64):
        return TEXT
    payload = value.split(",", 1)[1] if candidate else value
    if binary._B64_HEAD.match(payload) is None:
        return TEXT
    try:
        data = payload.encode("ascii")
    except UnicodeEncodeError:
        return TEXT
    data = data.replace(b"\n", b"").replace(b"\r", b"").translate(binary._URLSAFE)
    data += b"=" * (-len(data) % 4)
    try:
        if sys.version_info >= (3, 11):
            raw = binascii.a2b_base64(data, strict_mode=True)
        else:  # 3.10 has no strict_mode; scanner/binary.py falls back the same way
            raw = base64.b64decode(data, validate=True)
    except binascii.Error:
        return TEXT
    kind = binary._sniff(raw)
    embedded = binary._embedded_text(raw, kind) if kind is not None else None
    if embedded is not None:
        return Verdict(True, tuple(embedded))
    decoded = binary._as_text(raw)
    if decoded is not None:
        return Verdict(False, (decoded,))
    return Verdict(True, tuple(binary._runs(raw)))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


TEXTS = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=0, max_size=40)


@st.composite
def pngs(draw: st.DrawFn) -> bytes:
    chunks = [_chunk(b"IHDR", draw(st.binary(min_size=13, max_size=13)))]
    for _ in range(draw(st.integers(0, 3))):
        which = draw(st.sampled_from([b"tEXt", b"zTXt", b"iTXt", b"IDAT", b"gAMA"]))
        if which == b"tEXt":
            body = b"Comment\x00" + draw(TEXTS).encode()
        elif which == b"zTXt":
            body = b"Comment\x00\x00" + zlib.compress(draw(TEXTS).encode())
        elif which == b"iTXt":
            body = b"XML\x00\x00\x00\x00\x00" + draw(TEXTS).encode()
        else:
            body = draw(st.binary(max_size=600))
        chunks.append(_chunk(which, body))
    chunks.append(_chunk(b"IEND", b""))
    tail = draw(st.sampled_from([b"", b"token=" + draw(TEXTS).encode() + b"!" * 12]))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + tail


@st.composite
def jpegs(draw: st.DrawFn) -> bytes:
    segments = b""
    for _ in range(draw(st.integers(0, 3))):
        marker = draw(st.sampled_from([0xFE, 0xE0, 0xE1, 0xDB]))
        body = draw(TEXTS).encode() + draw(st.binary(max_size=80))
        segments += bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
    return b"\xff\xd8" + segments + b"\xff\xda" + draw(st.binary(max_size=600))


@st.composite
def damaged(draw: st.DrawFn, image: bytes) -> bytes:
    how = draw(st.sampled_from(["none", "truncate", "flip", "append"]))
    if how == "truncate" and len(image) > 9:
        return image[: draw(st.integers(8, len(image) - 1))]
    if how == "flip" and len(image) > 9:
        at = draw(st.integers(8, len(image) - 1))
        return image[:at] + bytes([image[at] ^ 0xFF]) + image[at + 1 :]
    if how == "append":
        return image + draw(st.binary(max_size=40))
    return image


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str | None]:
    image = draw(st.one_of(pngs(), jpegs(), st.binary(min_size=12, max_size=400)))
    image = draw(damaged(image))
    text = base64.b64encode(image).decode()
    if draw(st.booleans()):
        text = base64.urlsafe_b64encode(image).decode()
    if draw(st.booleans()):
        text = text.rstrip("=")
    if draw(st.booleans()):
        text = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    spoil = draw(st.sampled_from(["none", "char", "padding", "extra"]))
    if spoil == "char" and len(text) > 40:
        at = draw(st.integers(20, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(["*", " ", "=", "é"])) + text[at:]
    elif spoil == "padding":
        text += "="
    elif spoil == "extra":
        text += draw(st.sampled_from(["A", "AB", "ABC"]))
    mime = draw(st.sampled_from([None, "image/png", "image/jpeg", "text/plain"]))
    if draw(st.booleans()):
        text = "data:image/png;base64," + text
    return text, mime


@settings(max_examples=600, deadline=None)
@given(spellings())
def test_classify_says_what_a_full_decode_says(case: tuple[str, str | None]) -> None:
    value, mime = case
    assert classify(value, mime) == _reference(value, mime)


def test_the_image_data_is_not_decoded(monkeypatch: object) -> None:
    """The point of it: a 3 MB PNG costs a few small decodes, not one of 3 MB."""
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    image = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", bytes(13))
        + _chunk(b"tEXt", b"Comment\x00hello")
        + _chunk(b"IDAT", bytes(3_000_000))
        + _chunk(b"IEND", b"")
    )
    decoded: list[int] = []
    real = binascii.a2b_base64

    def counting(data: bytes, **kwargs: bool) -> bytes:
        decoded.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(binascii, "a2b_base64", counting)
    verdict = classify(base64.b64encode(image).decode(), "image/png")
    assert verdict == Verdict(True, ("Comment: hello",))
    assert decoded and max(decoded) < 100, decoded


_B64_PARTS = st.sampled_from(
    ["QUJD", "ab", "A", "+/", "-_", "=", "==", "\n", "\r\n", " ", "é", "\u20ac", "*", "0000",
     "AAAAAAAAAAAAAAAA", "iVBORw0KGgo", "AAAA" * 8, "QUJDRA==\n"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_B64_PARTS, max_size=24))
def test_the_compiled_base64_pass_reads_what_the_python_steps_read(parts: list[str]) -> None:
    """Plain base64 is checked in one compiled pass over the str; anything else goes
    through _prepared. Either way the same payloads are refused, and the accepted
    ones hold the same bytes (padding anywhere, both alphabets, line breaks, characters
    beyond ASCII)."""
    if native.MODULE is None:
        pytest.skip("the compiled module is not built here")
    payload = "".join(parts)

    def read(view: binary._Base64View | None) -> tuple[int, bytes] | None:
        return None if view is None else (len(view), view.whole())

    compiled = read(binary._strict_base64(payload))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(binary, "MODULE", None)
        reference = read(binary._strict_base64(payload))
    assert compiled == reference
