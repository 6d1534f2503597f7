"""JSON text as the scanner reads it: duplicate keys are caught, broken JSON still read.

A JSON parser keeps the *last* of two equal keys, so ``{"cells": [<secret>],
"cells": []}`` parses clean while the file on disk still holds the secret.
:func:`loads_checked` refuses such input. :func:`string_literals` reads
every string literal of any JSON-like text (truncated, merged, invalid),
unescaped, for a scan that does not depend on the text parsing at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jiter

_STRING_RE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
#: jiter's message for a repeated key (see _shown_key).
_DUPLICATE_RE = re.compile(r'Detected duplicate key "((?:[^"\\]|\\.)*)" at line')


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        shown = key if len(key) <= 40 and key.isprintable() else key[:12] + "..."
        super().__init__(f"duplicate key {shown!r}")
        self.key = key


def loads_checked(data: str | bytes) -> Any:
    """Parse JSON; DuplicateKeyError on a repeated key, ValueError when not JSON.

    jiter compares keys as decoded (``"a"`` and ``"\\u0061"`` clash) while it
    parses, at about orjson's speed; a second pass with a pairs hook cost
    as much again as the parse. NaN and Infinity are refused, as JSON does.
    Only keys are interned (``cache_mode="keys"``): a notebook's strings are
    mostly distinct lines, which a cache of them would hash for nothing (8%
    of the parse on real notebooks).
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no JSON text can hold it raw
            raise ValueError("not valid UTF-8") from None
    try:
        return jiter.from_json(
            data, catch_duplicate_keys=True, allow_inf_nan=False, cache_mode="keys"
        )
    except ValueError as exc:
        duplicate = _DUPLICATE_RE.match(str(exc))
        if duplicate is not None:
            raise DuplicateKeyError(_shown_key(duplicate.group(1))) from None
        raise


def _shown_key(debug: str) -> str:
    """The key of jiter's message, which shows it escaped as Rust's Debug does."""
    try:
        return str(json.loads(f'"{debug}"'))
    except ValueError:  # \u{1b} and the like: Rust's escapes, not JSON's
        return debug


def string_literals(text: str) -> Iterator[str]:
    """JSON string literals of ``text`` whose escapes hide what they say, unescaped.

    Only ``\\uXXXX`` and ``\\/`` hide text from a reader of the raw JSON (the
    detectors already read ``\\n`` and ``\\"`` in raw JSON), so only literals
    with those are decoded: the others would be found twice.
    """
    if "\\u" not in text and "\\/" not in text:
        return
    for match in _STRING_RE.finditer(text):
        body = match.group(1)
        if "\\u" not in body and "\\/" not in body:
            continue
        try:
            yield json.loads(f'"{body}"')
        except ValueError:
            yield body
