"""loads_checked against the standard library: the same value, the same repeated keys.

A repeated key is how a notebook hides text from a parser (it keeps the last one
while the file keeps both), so the check must agree with a reference that sees
every pair, for keys written with any escape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner.jsontext import DuplicateKeyError, loads_checked

KEYS = st.sampled_from(["a", "b", "cells", "é", 'q"t', "x\\y", "\n", "😀"])
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=8)


def _written(key: str, escape_all: bool) -> str:
    """A key as JSON text: plainly, or every character as a \\u escape."""
    if not escape_all:
        return json.dumps(key, ensure_ascii=False)
    units = key.encode("utf-16-be")
    return (
        '"' + "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)) + '"'
    )


@st.composite
def documents(draw: st.DrawFn, depth: int = 3) -> str:
    """JSON text whose objects are written from pair lists, so keys may repeat."""
    if depth == 0 or draw(st.booleans()):
        return json.dumps(draw(SCALARS), ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        items = draw(st.lists(documents(depth - 1), max_size=3))
        return "[" + ",".join(items) + "]"
    pairs = draw(st.lists(st.tuples(KEYS, st.booleans(), documents(depth - 1)), max_size=4))
    return "{" + ",".join(f"{_written(k, e)}: {v}" for k, e, v in pairs) + "}"


def _reference(text: str) -> tuple[Any, str | None]:
    """The standard library's value, and the first repeated key it sees (inner first)."""
    repeated: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen and not repeated:
                repeated.append(key)
            seen.add(key)
        return dict(pairs)

    value = json.loads(text, object_pairs_hook=pairs_hook)
    return value, (repeated[0] if repeated else None)


@settings(max_examples=400, deadline=None)
@given(documents())
def test_agrees_with_the_standard_library(text: str) -> None:
    expected, repeated = _reference(text)
    for data in (text, text.encode("utf-8")):
        if repeated is None:
            assert loads_checked(data) == expected
        else:
            with pytest.raises(DuplicateKeyError):
                loads_checked(data)


@pytest.mark.parametrize("key", ["a", 'q"t', "x\\y", "é", "\n"])
def test_names_the_repeated_key(key: str) -> None:
    text = "{" + f"{_written(key, False)}: 1, {_written(key, True)}: 2" + "}"
    with pytest.raises(DuplicateKeyError) as caught:
        loads_checked(text)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "text",
    ["[NaN]", "[Infinity]", '{"a": 1} x', "[1,]", '["\\ud800"]', '\ufeff{"a": 1}', '{"a":"\x01"}'],
)
def test_refuses_what_json_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        loads_checked(text)


def test_refuses_a_lone_surrogate_in_a_str() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        loads_checked('{"a": "\ud800"}')
