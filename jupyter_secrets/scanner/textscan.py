"""Loops over keyword hits that detectors run tens of thousands of times per folder.

Each function here is written twice: in Python (``python_*``, the reference, used
where the compiled module is not built) and in ``native/`` (Rust, over the str's own
code units, so offsets stay the str's); the public name is bound to one of them once,
at import. A property test holds the two to the same answers. Both answer
questions that need no Unicode semantics: every character they look for is ASCII.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

from .native import MODULE

NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
NAME_START = frozenset(string.ascii_letters + "_")


def python_names_around(
    text: str, keywords: Sequence[tuple[int, Sequence[int]]], max_name: int
) -> list[tuple[int, int]]:
    """For each hit of each ``(keyword length, hits)``, in order, the name that holds it:
    the run of NAME_CHARS around it (at most ``max_name`` characters back, and on until
    the run is ``max_name`` long), starting at its first NAME_START character. A name
    is given once, at its first hit."""
    size = len(text)
    done: set[int] = set()
    found: list[tuple[int, int]] = []
    for length, hits in keywords:
        for pos in hits:
            start = pos
            while start > 0 and pos - start < max_name and text[start - 1] in NAME_CHARS:
                start -= 1
            while start < pos and text[start] not in NAME_START:
                start += 1
            if start in done:
                continue
            done.add(start)
            end = pos + length
            while end < size and end - start < max_name and text[end] in NAME_CHARS:
                end += 1
            found.append((start, end))
    return found


def python_near_any(
    text: str,
    hits: Sequence[int],
    before: Sequence[tuple[bytes, int]],
    after: Sequence[tuple[bytes, int]],
) -> list[int]:
    """The hits with one of the (non-empty) ASCII literals ``before`` wholly inside the
    ``reach`` characters before them, or one of ``after`` wholly inside the ``reach``
    characters from them on, each given as ``(literal, reach)``."""
    wanted_before = [(literal.decode("ascii"), reach) for literal, reach in before if literal]
    wanted_after = [(literal.decode("ascii"), reach) for literal, reach in after if literal]
    return [
        pos
        for pos in hits
        if any(text.find(lit, max(0, pos - reach), pos) != -1 for lit, reach in wanted_before)
        or any(text.find(lit, pos, pos + reach) != -1 for lit, reach in wanted_after)
    ]


def python_words_that_may_name(
    text: str,
    hits: Sequence[int],
    setting_words: Sequence[bytes],
    reach: int,
    max_word: int,
    env_before: bytes,
) -> list[int]:
    """The hits whose word (the run of NAME_CHARS around the hit, at most ``max_word``
    characters each way) starts with "-" (a flag), or is followed by "=" with one of
    ``env_before``, or nothing, before it (``NAME=``), or has one of the ASCII
    ``setting_words`` wholly inside the ``reach`` characters before it."""
    words = [w.decode("ascii") for w in setting_words if w]
    before = env_before.decode("ascii")
    size = len(text)
    kept = []
    for pos in hits:
        if pos >= size:
            continue
        start = pos
        while start > 0 and pos - start < max_word and text[start - 1] in NAME_CHARS:
            start -= 1
        end = pos
        while end < size and end - pos < max_word and text[end] in NAME_CHARS:
            end += 1
        if (
            text[start] == "-"
            or (text[end : end + 1] == "=" and (start == 0 or text[start - 1] in before))
            or any(text.find(w, max(0, start - reach), start) != -1 for w in words)
        ):
            kept.append(pos)
    return kept


NamesAround = Callable[[str, Sequence[tuple[int, Sequence[int]]], int], list[tuple[int, int]]]
NearAny = Callable[
    [str, Sequence[int], Sequence[tuple[bytes, int]], Sequence[tuple[bytes, int]]], list[int]
]
WordsThatMayName = Callable[[str, Sequence[int], Sequence[bytes], int, int, bytes], list[int]]

names_around: NamesAround = MODULE.names_around if MODULE is not None else python_names_around
near_any: NearAny = MODULE.near_any if MODULE is not None else python_near_any
words_that_may_name: WordsThatMayName = (
    MODULE.words_that_may_name if MODULE is not None else python_words_that_may_name
)
