"""Where sketch anchors occur in a text, at C speed (see :mod:`.known_values`).

The text's UTF-8 bytes are mapped by the keyed table to 4 symbols with
``bytes.translate``. Few anchors: ``bytes.find`` for each. Otherwise one
Aho-Corasick automaton per anchor length class:

* anchors of 8 symbols or more are searched two symbols per character (a
  16-letter text half as long, which pyahocorasick walks faster); each anchor
  is registered for both alignments, and the one or two symbols a pair
  pattern leaves out are checked on the hit;
* shorter anchors (values of 4 to 7 bytes) are searched one symbol per
  character, where every symbol is part of the pattern.

Every position reported has all symbols of its anchor in place; the caller
confirms it by HMAC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

import ahocorasick

T = TypeVar("T")
#: Up to this many anchors, bytes.find beats building and running an automaton.
FEW_ANCHORS = 4
#: Anchors at least this long are searched two symbols per character.
PAIRED_LENGTH = 8

#: (alignment, [(offset, symbol byte) to check], payload)
_Target = tuple[int, tuple[tuple[int, int], ...], T]


class AnchorSearch(Generic[T]):
    """Finds ``(start, payload)`` for every anchor occurrence; immutable once built."""

    def __init__(self, anchors: Mapping[str, T], table: bytes) -> None:
        self._table = table
        self._high = bytes((b - ord("0")) << 2 for b in table)
        self._low = bytes(b - ord("0") for b in table)
        self._few: list[tuple[bytes, T]] | None = None
        self._single: ahocorasick.Automaton | None = None
        self._paired: ahocorasick.Automaton | None = None
        if len(anchors) <= FEW_ANCHORS:
            self._few = [(a.encode("ascii"), payload) for a, payload in anchors.items()]
            return
        short = {a: p for a, p in anchors.items() if len(a) < PAIRED_LENGTH}
        paired = {a: p for a, p in anchors.items() if len(a) >= PAIRED_LENGTH}
        if short:
            self._single = ahocorasick.Automaton()
            for anchor, payload in short.items():
                self._single.add_word(anchor, (len(anchor) - 1, payload))
            self._single.make_automaton()
        if paired:
            self._paired = _paired_automaton(paired)

    def __bool__(self) -> bool:
        return bool(self._few or self._single is not None or self._paired is not None)

    def find(self, data: bytes) -> Iterator[tuple[int, T]]:
        symbols = data.translate(self._table)
        if self._few is not None:
            for anchor, payload in self._few:
                at = symbols.find(anchor)
                while at >= 0:
                    yield at, payload
                    at = symbols.find(anchor, at + 1)
            return
        if self._single is not None:
            for last, (back, payload) in self._single.iter(symbols.decode("ascii")):
                yield last - back, payload
        if self._paired is not None:
            size = len(symbols)
            for last, (back, targets) in self._paired.iter(self._pairs(data)):
                pair_start = 2 * (last - back)
                for align, checks, payload in targets:
                    start = pair_start - align
                    if start >= 0 and all(
                        start + o < size and symbols[start + o] == s for o, s in checks
                    ):
                        yield start, payload

    def _pairs(self, data: bytes) -> str:
        """Symbol pairs (2j, 2j+1) as one character each, 0-15."""
        size = len(data) // 2
        if not size:
            return ""
        high = int.from_bytes(data[0 : 2 * size : 2].translate(self._high), "big")
        low = int.from_bytes(data[1 : 2 * size : 2].translate(self._low), "big")
        return (high | low).to_bytes(size, "big").decode("latin-1")


def _paired_automaton(anchors: Mapping[str, T]) -> ahocorasick.Automaton:
    patterns: dict[str, list[_Target[T]]] = {}
    for anchor, payload in anchors.items():
        symbols = [int(s) for s in anchor]
        last = len(symbols) - 1
        for align in (0, 1):
            # align 0: the anchor starts a pair; align 1: it starts one symbol before one.
            body = symbols[align:]
            pattern = "".join(chr(a * 4 + b) for a, b in zip(body[::2], body[1::2], strict=False))
            checks = [(0, symbols[0])] if align else []
            if len(body) % 2:
                checks.append((last, symbols[last]))
            targets = patterns.setdefault(pattern, [])
            targets.append((align, tuple((o, ord("0") + s) for o, s in checks), payload))
    automaton = ahocorasick.Automaton()
    for pattern, targets in patterns.items():
        automaton.add_word(pattern, (len(pattern) - 1, tuple(targets)))
    automaton.make_automaton()
    return automaton
