"""The compiled PNG proof (native/src/image.rs) says what ``binary.classify`` says.

The compiled walk proves an ``image/png`` payload binary without making it a
Python str. Wherever it answers, its verdict must be Python's: binary, with the
texts of the image's tEXt chunks. So: PNGs built chunk by chunk (text chunks
of every kind, lengths that lie, chunk names that are no letters, bytes after
IEND, truncation, a broken signature), spelled in base64 every way a notebook
may hold it (padded or not, in lines, with CRLF, URL-safe, as a data: URI, with
a stray "=" or character).
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import binary, content, native

from .fakes import Fakes

NATIVE = native.MODULE
needs_native = pytest.mark.skipif(NATIVE is None, reason="the compiled walk is not built here")
F = Fakes(seed=12)
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes, lie: int = 0) -> bytes:
    crc = zlib.crc32(kind + data).to_bytes(4, "big")
    return struct.pack(">I", max(0, len(data) + lie)) + kind + data + crc


TEXT_DATA = st.builds(
    lambda key, text: key + b"\x00" + text,
    st.binary(min_size=1, max_size=12),
    st.binary(max_size=40) | st.just(f"token={F.github()}".encode()),
)
KINDS = st.sampled_from([b"IHDR", b"IDAT", b"pHYs", b"sBIT", b"tEXt", b"tEXt", b"tEXt", b"zTXt",
                         b"iTXt", b"IEND", b"ab1d", b"aBcD", b"\x00\x00\x00\x00"])  # fmt: skip
CHUNKS = st.lists(
    st.tuples(KINDS, st.binary(max_size=60) | TEXT_DATA, st.sampled_from([0] * 24 + [-3, 1, 500])),
    max_size=6,
)


@st.composite
def pngs(draw: Any) -> bytes:
    """Half of them well formed (what the compiled proof answers), half broken somehow."""
    chunks = draw(CHUNKS)
    if draw(st.booleans()):
        good = [(kind, data) for kind, data, _ in chunks if kind not in (b"zTXt", b"iTXt")]
        good.append((b"tEXt", draw(TEXT_DATA)))
        body = b"".join(_chunk(kind, data) for kind, data in good if kind != b"IEND")
        return SIGNATURE + _chunk(b"IHDR", b"\x00" * 13) + body + _chunk(b"IEND", b"")
    head = draw(st.sampled_from([SIGNATURE] * 6 + [b"\x89PNG\r\n\x1a\x00", b"GIF89a\x00\x00"]))
    body = b"".join(_chunk(kind, data, lie) for kind, data, lie in chunks)
    if draw(st.integers(0, 4)):
        body += _chunk(b"IEND", b"")
    body += draw(st.sampled_from([b""] * 10 + [b"\x00", b"trailing text after the end"]))
    raw = head + _chunk(b"IHDR", b"\x00" * 13) + body
    cut = draw(st.integers(1, 6) | st.integers(0, 40))
    return bytes(raw[: len(raw) - cut] if draw(st.integers(0, 2)) == 0 else raw)


def _wrap(text: str, width: int, newline: str) -> str:
    return newline.join(text[i : i + width] for i in range(0, len(text), width))


SPELLINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda b: b,
    "trailing-newline": lambda b: b + "\n",
    "unpadded": lambda b: b.rstrip("="),
    "lines": lambda b: _wrap(b, 76, "\n") + "\n",
    "crlf-lines": lambda b: _wrap(b, 64, "\r\n"),
    "short-first-line": lambda b: b[:10] + "\n" + b[10:],
    "url-safe": lambda b: b.replace("+", "-").replace("/", "_"),
    "data-uri": lambda b: "data:image/png;base64," + b,
    "stray-equals": lambda b: b[:40] + "=" + b[40:],
    "stray-character": lambda b: b[:50] + "!" + b[50:],
    "extra-padding": lambda b: b + "==",
    "three-equals": lambda b: b.rstrip("=") + "===",
    "cut-one": lambda b: b.rstrip("=")[:-1],
}


def _python_verdict(payload: str) -> binary.Verdict:
    return binary.classify(payload, "image/png")


@needs_native
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=pngs(), spelling=st.sampled_from(sorted(SPELLINGS)))
def test_a_compiled_answer_is_pythons(raw: bytes, spelling: str) -> None:
    payload = SPELLINGS[spelling](base64.b64encode(raw).decode())
    texts = NATIVE.png_texts_of(payload)
    if texts is not None:
        assert _python_verdict(payload) == binary.Verdict(True, tuple(texts))
    ANSWERED.append(texts is not None and bool(texts))


ANSWERED: list[bool] = []


@needs_native
def test_the_property_test_was_answered_with_texts_often() -> None:
    """Runs after it (file order): a generator whose images were never proven here, or
    never with a text chunk, would test nothing."""
    if not ANSWERED:
        pytest.skip("run with test_a_compiled_answer_is_pythons")
    assert sum(ANSWERED) >= 0.1 * len(ANSWERED), f"{sum(ANSWERED)} of {len(ANSWERED)}"


def _clean_png(*texts: bytes) -> bytes:
    chunks = [_chunk(b"IHDR", b"\x00" * 13), _chunk(b"pHYs", b"\x00" * 9)]
    chunks += [_chunk(b"tEXt", t) for t in texts]
    chunks += [_chunk(b"IDAT", bytes(range(256)) * 4), _chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


@needs_native
@pytest.mark.parametrize(
    "spelling", ["plain", "trailing-newline", "unpadded", "lines", "crlf-lines"]
)
def test_the_usual_images_are_answered(spelling: str) -> None:
    """Matplotlib's PNGs (a Software tEXt chunk) in the spellings nbformat writers use
    are proven here, not handed to Python: that is what saves the copy."""
    secret = f"token={F.github()}".encode()
    payload = SPELLINGS[spelling](
        base64.b64encode(_clean_png(b"Software\x00Matplotlib", b"Comment\x00" + secret)).decode()
    )
    texts = NATIVE.png_texts_of(payload)
    assert texts is not None
    assert texts == ["Software: Matplotlib", "Comment: " + secret.decode()]
    assert _python_verdict(payload) == binary.Verdict(True, tuple(texts))


@needs_native
@pytest.mark.parametrize(
    "spelling", ["url-safe", "data-uri", "stray-equals", "stray-character", "extra-padding"]
)
def test_other_spellings_go_to_python(spelling: str) -> None:
    payload = SPELLINGS[spelling](base64.b64encode(_clean_png(b"a\x00b")).decode())
    assert NATIVE.png_texts_of(payload) is None


@needs_native
@pytest.mark.parametrize(
    "raw",
    [
        _clean_png() + b"appended: token=abcdefghijklmnop",
        _clean_png()[:-20],
        SIGNATURE + _chunk(b"IHDR", b"\x00" * 13) + _chunk(b"zTXt", b"k\x00\x00x"),
    ],
    ids=["after-iend", "truncated", "ztxt"],
)
def test_what_python_reads_itself(raw: bytes) -> None:
    assert NATIVE.png_texts_of(base64.b64encode(raw).decode()) is None


@needs_native
@given(raw=pngs(), spelling=st.sampled_from(sorted(SPELLINGS)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_compiled_walk_of_an_image_output(raw: bytes, spelling: str) -> None:
    """A cell with the image as output: the compiled walk's pieces are the Python walk's."""
    payload = SPELLINGS[spelling](base64.b64encode(raw).decode())
    cell = {
        "cell_type": "code",
        "source": "plot()",
        "outputs": [{"output_type": "display_data", "data": {"image/png": payload}}],
    }
    compiled: list[Any] = []
    NATIVE.cell(cell, 3, compiled)
    python: list[Any] = []
    content._cell(cell, 3, python)
    assert compiled == python
