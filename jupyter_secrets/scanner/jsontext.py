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

import orjson

_STRING_RE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        shown = key if len(key) <= 40 and key.isprintable() else key[:12] + "..."
        super().__init__(f"duplicate key {shown!r}")
        self.key = key


def loads_checked(data: str | bytes) -> Any:
    """Parse JSON; DuplicateKeyError on a repeated key, ValueError when not JSON.

    orjson parses first (fast); a second pass with a pairs hook runs only
    when the text could hold a duplicate, which orjson cannot tell us, so
    it always runs for objects. It costs about one ``json.loads``.
    """
    value = orjson.loads(data)
    if isinstance(value, (dict, list)):
        json.loads(data, object_pairs_hook=_no_duplicates)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


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
