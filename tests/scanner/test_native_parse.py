"""The compiled parse-and-walk (``_native.notebook``, native/src/json.rs) gives exactly
what parsing with jiter and walking gives, or declines.

``content.notebook_pieces_from_json(data, weigh)`` must equal
``content.notebook_pieces_skipping(loads_checked(data), weigh)`` whenever it
answers, and must decline (None) whenever ``loads_checked`` refuses the text: a
document it accepted that jiter refuses would be scanned as a notebook where the
Python path scans raw text. So: notebooks serialized many ways (escapes of every
kind, surrogate pairs, odd whitespace, number literals JSON allows and Python
prints its own way), then broken byte by byte; duplicate keys, spelled alike or
escaped; nesting at the depth where the parse starts to decline; and the
project's generated corpus and every carrier. The engine's findings on bytes (the
compiled way) and on the parsed dict (the Python way) are held equal too.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner, content
from jupyter_secrets.scanner.jsontext import loads_checked
from tests.corpus.generate import generate

from .carriers import CARRIERS
from .fakes import Fakes
from .test_native_walk import MIMES, NATIVE, TEXTS, needs_native

F = Fakes(seed=31)
SCANNER = Scanner(hash_key=b"parse")
assert SCANNER._coarse is not None, "the coarse check needs Hyperscan, which the tests have"
WEIGH = SCANNER._coarse.weigh
WEIGH_TEXT = SCANNER._coarse.weigh_text
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _python(data: bytes) -> Any:
    try:
        return content.notebook_pieces_skipping(loads_checked(data), WEIGH)
    except ValueError:
        return ValueError


def _compiled(data: bytes, weigh_text: Any = WEIGH_TEXT) -> Any:
    return content.notebook_pieces_from_json(data, WEIGH, weigh_text)


def _agree(data: bytes, *, must_answer: bool = False) -> None:
    """The compiled way, as the engine calls it (top-level parts weighed from the text
    it writes) and without that, against jiter and the Python walk."""
    expected = _python(data)
    for got in (_compiled(data), _compiled(data, None)):
        if expected is ValueError:
            assert got is None, "the compiled parse accepted text that jiter refuses"
            continue
        if must_answer:
            assert got is not None, "the compiled parse declined strict JSON"
        if got is not None:
            assert got == expected
    _compact_is_orjsons(data)


def _compact_is_orjsons(data: bytes) -> None:
    """Where the compiled parse writes a top-level entry's JSON text itself, it is
    ``orjson.dumps({key: value})`` to the byte: what the coarse check weighs."""
    entries = NATIVE.compact_entries(data)
    if entries is None:
        return
    nb = loads_checked(data)
    for key, text in entries:
        if text is not None:
            assert text == orjson.dumps({key: nb[key]})


# -- values and their serializations ----------------------------------------

#: Strings with what JSON escapes, characters beyond the BMP, and some JSON syntax.
STRINGS = TEXTS.filter(lambda t: "\udcff" not in t) | st.text(
    st.sampled_from(list('ab"\\/\n\t\r\x00\x1f\x7f é€\u2028😀{}[],:')), max_size=12
)
KEYS = st.sampled_from(["source", "outputs", "text", "data", "metadata", "name", "value",
                        "label", "cell_type", "output_type", "traceback", "tags"]) | STRINGS  # fmt: skip
#: Literals JSON allows whose Python value prints differently (1E5 is 100000.0).
NUMBERS = st.sampled_from(
    ["0", "-0", "-0.0", "1E5", "1e+2", "1.000", "2.5e-3", "1e400", "-1e400", "1e-400", "1e16",
     "123456789012345678901234567890", "-9223372036854775809", "9223372036854775807",
     "0.1", "5e-324", "1.7976931348623157e308", "12345678901234567890.5"]
) | st.integers().map(str) | st.floats(allow_nan=False, allow_infinity=False).map(repr)  # fmt: skip


class Literal(str):
    """A number written as it stands (no quotes)."""


def _json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none() | st.booleans() | NUMBERS.map(Literal) | STRINGS,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4)
        ),
        max_leaves=14,
    )


VALUES = _json_values()


def _outputs() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"output_type": st.sampled_from(["stream", "display_data", "execute_result", "error"])},
        optional={"name": st.sampled_from(["stdout", "stderr"]), "text": VALUES,
                  "data": st.dictionaries(MIMES, VALUES, max_size=3), "metadata": VALUES,
                  "traceback": st.lists(STRINGS, max_size=3) | VALUES, "ename": VALUES},
    )  # fmt: skip


CELLS = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw"]) | VALUES,
     "source": st.lists(STRINGS, max_size=4) | VALUES},
    optional={"id": STRINGS, "metadata": st.fixed_dictionaries({}, optional={"tags": VALUES}),
              "outputs": st.lists(_outputs(), max_size=3) | VALUES,
              "execution_count": VALUES, "attachments": VALUES},
)  # fmt: skip
NOTEBOOKS = st.fixed_dictionaries(
    {"cells": st.lists(CELLS, max_size=4) | VALUES},
    optional={"metadata": VALUES, "nbformat": VALUES, "nbformat_minor": VALUES, "extra": VALUES},
)


def _dumps(value: Any, rng: random.Random) -> str:
    """JSON text of ``value``, spelled as a random writer might: any escapes allowed,
    any whitespace between tokens."""

    def space() -> str:
        return rng.choice(["", "", " ", "\n", "\t ", "\r\n  "])

    def string(text: str) -> str:
        out = []
        for ch in text:
            code = ord(ch)
            if ch in '"\\' or code < 0x20 or rng.random() < 0.15:
                short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/"}
                if ch in short and rng.random() < 0.5:
                    out.append(short[ch])
                elif code > 0xFFFF:  # a surrogate pair
                    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF)
                    out.append(f"\\u{high:04x}\\u{low:04X}")
                else:
                    out.append(f"\\u{code:04x}" if rng.random() < 0.5 else f"\\u{code:04X}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def write(item: Any) -> str:
        if isinstance(item, Literal):
            return str(item)
        if item is None or isinstance(item, bool):
            return json.dumps(item)
        if isinstance(item, str):
            return string(item)
        if isinstance(item, list):
            return "[" + ",".join(space() + write(v) + space() for v in item) + "]"
        return (
            "{"
            + ",".join(
                space() + string(k) + space() + ":" + space() + write(v) for k, v in item.items()
            )
            + "}"
        )

    return space() + write(value) + space()


@needs_native
@PROPERTY
@given(nb=NOTEBOOKS, seed=st.integers(0, 2**32))
def test_any_spelling_of_a_notebook(nb: dict[str, Any], seed: int) -> None:
    _agree(_dumps(nb, random.Random(seed)).encode("utf-8"), must_answer=True)


@needs_native
@PROPERTY
@given(metadata=VALUES, widgets=VALUES, seed=st.integers(0, 2**32))
def test_top_level_parts_the_compiled_parse_weighs(metadata: Any, widgets: Any, seed: int) -> None:
    """Metadata, widget state and unknown keys at the top level: skipped or kept as the
    Python walk does, whether the compiled parse wrote their text or Python dumped it."""
    nb = {"cells": [], "metadata": {"widgets": widgets, "other": metadata}, "extra": [metadata]}
    _agree(_dumps(nb, random.Random(seed)).encode("utf-8"), must_answer=True)


#: Edits that break JSON where a parser must notice: quotes, escapes, brackets,
#: control characters, bytes that are no UTF-8, surrogates alone, number syntax.
_EDIT_TEXTS = ['"', "\\", ",", "]", "}", "{", "[", ":", "\x01", "\x1f", "\\u", "\\ud800", "\\udc00",
               "\\ud83d\\u0041", "\\x", "-", "0", "01", ".", "e", "E+", "NaN", "Infinity", "tru",
               "\x00"]  # fmt: skip
EDITS = st.sampled_from([t.encode() for t in _EDIT_TEXTS]) | st.sampled_from(
    [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf"]
)


@needs_native
@PROPERTY
@given(nb=NOTEBOOKS, seed=st.integers(0, 2**32), edits=st.lists(st.tuples(st.floats(0, 1), EDITS, st.integers(0, 3)), min_size=1, max_size=3))  # fmt: skip
def test_broken_text_is_declined_where_jiter_refuses_it(
    nb: dict[str, Any], seed: int, edits: list[tuple[float, bytes, int]]
) -> None:
    data = _dumps(nb, random.Random(seed)).encode("utf-8")
    for where, insert, removed in edits:
        at = int(where * len(data))
        data = data[:at] + insert + data[at + removed :]
    _agree(data)


@needs_native
@pytest.mark.parametrize(
    "text",
    [
        '{"cells": [], "cells": []}',
        '{"cells": [], "c\\u0065lls": [{"source": "x"}]}',
        '{"cells": [{"source": "a", "source": "b"}]}',
        '{"cells": [{"outputs": [{"data": {"text/plain": "x", "text\\/plain": "y"}}]}]}',
        '{"metadata": {' + ", ".join(f'"k{i}": {i}' for i in range(40)) + ', "k7": 0}}',
    ],
    ids=["top", "escaped", "cell", "escaped-slash", "large-object"],
)
def test_a_repeated_key_is_declined(text: str) -> None:
    assert _python(text.encode()) is ValueError
    assert _compiled(text.encode()) is None


@needs_native
@pytest.mark.parametrize("depth", [1, 100, 148, 149, 150, 151, 199, 200, 201, 260])
def test_deep_nesting(depth: int) -> None:
    """Declined from some depth on (jiter refuses about 200 levels), and never raised."""
    leaf = '"password: hunter2xyz"'  # pragma: allowlist secret
    for inner in ("[" * depth + leaf + "]" * depth, "[" * depth + "]" * depth):
        data = ('{"cells": [{"cell_type": "code", "source": "x", "metadata": {"a": '
                + inner + "}}]}").encode()  # fmt: skip
        _agree(data, must_answer=depth < 140)


@needs_native
@settings(max_examples=300, deadline=None)
@given(literal=NUMBERS, key=st.sampled_from(["x", "value"]))
def test_numbers_print_as_python_prints_them(literal: str, key: str) -> None:
    """A JSON output's numbers are shown as Python's str() of the parsed value."""
    data = (
        '{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": '
        '"execute_result", "data": {"application/json": {"' + key + '": [' + literal + "]}},"
        ' "metadata": {"n": ' + literal + "}}]}]}"
    ).encode()
    _agree(data, must_answer=True)


def _notebook_bytes(nb: dict[str, Any]) -> bytes:
    return json.dumps(nb, indent=1, ensure_ascii=False).encode("utf-8")


@needs_native
@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_every_carrier(carrier: str) -> None:
    data = _notebook_bytes(CARRIERS[carrier](f'token = "{F.github()}"\n'))
    _agree(data, must_answer=True)


@needs_native
def test_the_generated_corpus(tmp_path: Path) -> None:
    corpus = generate(tmp_path, seed=8, notebooks=60, files=0)
    paths = corpus.paths(kind="notebook")
    assert len(paths) == 60
    for path in paths:
        data = path.read_bytes()
        _agree(data)
        nb = loads_checked(data)
        # The engine's findings: bytes go the compiled way, a dict the Python way.
        by_bytes = [(f.type, f.place, f.hashed_secret) for f in SCANNER.scan_notebook(data, "n")]
        by_dict = [(f.type, f.place, f.hashed_secret) for f in SCANNER.scan_notebook(nb, "n")]
        assert by_bytes == by_dict, path.name


@needs_native
def test_declined_text_is_still_scanned() -> None:
    """A notebook the compiled parse declines (here: a lone surrogate escape, which jiter
    refuses too) is scanned as raw text, as before: the secret in it is found."""
    secret = F.github()
    data = ('{"cells": [{"cell_type": "code", "source": "token = \\"' + secret
            + '\\"  # \\udc00"}]}').encode()  # fmt: skip
    assert _compiled(data) is None
    assert any(f.type for f in SCANNER.scan_notebook(data, "n.ipynb"))
