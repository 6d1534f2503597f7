"""Find and mask fetched secret values in text, including obvious transforms.

Pure and thread-safe: :meth:`Redactor.add` builds a new immutable matcher
and swaps it in, so :meth:`Redactor.redact` may run on any thread (the
kernel's IOPub thread does) without locks.

What is matched, for each value of at least ``min_length`` characters:

* the value, its reversal, upper and lower case, and its JSON-, HTML-, repr-
  and URL-escaped forms;
* its hex (both cases) and base64 (standard and URL-safe, at every byte
  alignment, so the value is found inside a longer base64 blob such as a
  Basic-auth header); the whole encoded run around it is masked, so no
  partial characters or padding are left next to the marker;
* the value with separators between its characters: runs of any length of
  whitespace, quotes, commas and zero-width characters (``repr``/``pprint``
  of ``list(value)``, wrapped over lines), plus up to four other punctuation
  characters (``-_.:;|/\\+``) per gap;
* any run of at least ``substring_length`` consecutive characters of it.

Ref labels and ``[REDACTED ref]`` markers are never masked (again), even
when a value shares characters with them. :meth:`Redactor.redact_bytes`
handles binary buffers: UTF-8 is redacted as text, anything else is masked
in place with the same length.

Values shorter than ``min_length`` are matched only as whole tokens (not
inside longer words), because masking every occurrence of, say, ``ab``
would make output unreadable. What no redactor can stop is deliberate
exfiltration: a value transformed in a way not listed here (encrypted,
hashed, interleaved, sent over the network) passes through.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import string
import threading
import urllib.parse
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any

import ahocorasick

MARKER = "[REDACTED {ref}]"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Between a value's characters: any run of whitespace, quotes, commas and
# zero-width characters (repr/pprint of list(value) wraps lines), with at most
# _MAX_PUNCTUATION other separators. The two sets are disjoint.
_RUN_SEPARATORS = (
    "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "'\"`," + _ZERO_WIDTH
)
_PUNCTUATION = "-_.:;|/\\+"
_MAX_PUNCTUATION = 4
_BASE64_CHARS = string.ascii_letters + string.digits + "+/-_"
_BASE64_TAIL = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


@dataclass(frozen=True)
class _Entry:
    ref: str
    value: str


@dataclass(frozen=True)
class _Literal:
    entry: int
    length: int
    #: A base64 core: the whole encoded run around it is masked, padding included.
    base64: bool = False


@dataclass(frozen=True)
class _Gram:
    entry: int
    offsets: tuple[int, ...]


class _Matcher:
    """Everything needed to scan text for a fixed set of values."""

    def __init__(
        self,
        entries: list[_Entry],
        min_length: int,
        substring_length: int,
        encodings: bool,
        compiled: dict[str, re.Pattern[str]],
    ):
        self.entries = entries
        self.automaton: Any = None
        #: (pattern, entry index): one pattern per value, compiled once per
        #: Redactor (``compiled``), so adding a value does not recompile the others.
        self.separated: list[tuple[re.Pattern[str], int]] = []
        self.short_tokens: re.Pattern[str] | None = None
        literals: dict[str, _Literal | _Gram] = {}
        short: list[str] = []
        for index, entry in enumerate(entries):
            value = entry.value
            if len(value) < min_length:
                short.append(f"(?P<s{index}>(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9]))")
                continue
            for variant, is_base64 in _variants(value, encodings):
                if len(variant) >= min_length:
                    literals.setdefault(variant, _Literal(index, len(variant), is_base64))
            # Separators at either end are left out: a pattern starting with a
            # character its own gaps accept would rescan every run (quadratic).
            core = value.strip(_RUN_SEPARATORS + _PUNCTUATION)
            if encodings and len(core) >= max(min_length, 2):
                if core not in compiled:
                    compiled[core] = re.compile(_separated(core))
                self.separated.append((compiled[core], index))
            if 0 < substring_length < len(value):
                grams: dict[str, list[int]] = {}
                for start in range(len(value) - substring_length + 1):
                    grams.setdefault(value[start : start + substring_length], []).append(start)
                for gram, offsets in grams.items():
                    if gram not in literals:
                        literals[gram] = _Gram(index, tuple(offsets))
        # Ref labels and markers are never masked (again): a value sharing
        # characters with its ref name must not garble "<secret dev/x/y>".
        shields = {text for e in entries for text in (e.ref, MARKER.format(ref=e.ref)) if text}
        if literals or shields:
            automaton = ahocorasick.Automaton()
            for key in literals.keys() | shields:
                automaton.add_word(key, (key, literals.get(key), key in shields))
            automaton.make_automaton()
            self.automaton = automaton
        if short:
            self.short_tokens = re.compile("|".join(short))

    def spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, entry index) of every match, unmerged."""
        found: list[tuple[int, int, int]] = []
        shields: list[tuple[int, int]] = []
        if self.automaton is not None:
            for end, (key, payload, shield) in self.automaton.iter(text):
                start = end - len(key) + 1
                if shield:
                    shields.append((start, end + 1))
                if isinstance(payload, _Literal):
                    span = _base64_run(text, start, end + 1) if payload.base64 else (start, end + 1)
                    found.append((*span, payload.entry))
                elif payload is not None:
                    found.append(self._extend(text, start, len(key), payload))
        for pattern, index in self.separated:
            found += ((m.start(), m.end(), index) for m in pattern.finditer(text))
        if self.short_tokens is not None:
            for match in self.short_tokens.finditer(text):
                group = match.lastgroup
                if group is not None and match.end() > match.start():
                    found.append((match.start(), match.end(), int(group[1:])))
        return _unshielded(found, shields)

    def _extend(self, text: str, start: int, length: int, gram: _Gram) -> tuple[int, int, int]:
        """Grow a substring match to the longest run of the value around it."""
        value = self.entries[gram.entry].value
        best = (start, start + length)
        for offset in gram.offsets:
            left, right = start, start + length
            v_left, v_right = offset, offset + length
            while left > 0 and v_left > 0 and text[left - 1] == value[v_left - 1]:
                left, v_left = left - 1, v_left - 1
            while right < len(text) and v_right < len(value) and text[right] == value[v_right]:
                right, v_right = right + 1, v_right + 1
            if right - left > best[1] - best[0]:
                best = (left, right)
        return best[0], best[1], gram.entry


class Redactor:
    """Masks every registered value (and its transforms) in text and JSON-like data."""

    def __init__(
        self, min_length: int = 4, substring_length: int = 8, encodings: bool = True
    ) -> None:
        self.min_length = max(1, min_length)
        self.substring_length = substring_length
        self.encodings = encodings
        self._entries: list[_Entry] = []
        self._matcher: _Matcher | None = None
        self._compiled: dict[str, re.Pattern[str]] = {}  # separated patterns, by value
        self._lock = threading.Lock()

    def add(self, ref: str, value: str) -> bool:
        """Register ``value`` under ``ref``. Returns False if it was already known."""
        if not value:
            return False
        with self._lock:
            if any(e.value == value for e in self._entries):
                return False
            entries = [*self._entries, _Entry(ref, value)]
            # Longest first, so a long value wins over a short one inside it.
            entries.sort(key=lambda e: -len(e.value))
            matcher = _Matcher(
                entries, self.min_length, self.substring_length, self.encodings, self._compiled
            )
            self._entries, self._matcher = entries, matcher
        return True

    def is_short(self, value: str) -> bool:
        return len(value) < self.min_length

    @property
    def refs(self) -> list[str]:
        return [e.ref for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Redactor with {len(self._entries)} value(s)>"

    def redact(self, text: str) -> str:
        matcher = self._matcher
        if matcher is None or not text:
            return text
        spans = _merged(matcher.spans(text))
        if not spans:
            return text
        pieces: list[str] = []
        cursor = 0
        for start, end, entry in spans:
            pieces += [text[cursor:start], _marker(matcher, entry)]
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def redact_bytes(self, data: bytes) -> bytes:
        """A redacted copy of a binary buffer (a comm buffer).

        UTF-8 is redacted as text; anything else is masked in place with the
        same length, so binary formats keep their layout.
        """
        matcher = self._matcher
        if matcher is None or not data:
            return data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _mask_binary(matcher, data)
        redacted = self.redact(text)
        return data if redacted == text else redacted.encode("utf-8")

    def redact_data(self, data: Any) -> Any:
        """A copy of JSON-like ``data`` with every string redacted (dict keys too)."""
        if self._matcher is None:
            return data
        return self._redact_data(data)

    def _redact_data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {
                (self.redact(k) if isinstance(k, str) else k): self._redact_data(v)
                for k, v in data.items()
            }
        if isinstance(data, (list, tuple)):
            return type(data)(self._redact_data(v) for v in data)
        return data


def _separated(value: str) -> str:
    """A pattern for ``value`` with separator runs between its characters."""
    parts = [re.escape(value[0])]
    for char in value[1:]:
        parts += [_gap_before(char), re.escape(char)]
    return "".join(parts)


@lru_cache(maxsize=4096)
def _gap_before(char: str) -> str:
    # Neither class holds ``char``: a run ends exactly where the next character
    # of the value can start, so matching never backtracks into a run.
    run = _char_class(_RUN_SEPARATORS.replace(char, ""))
    punctuation = _char_class(_PUNCTUATION.replace(char, ""))
    return f"{run}*(?:{punctuation}{run}*){{0,{_MAX_PUNCTUATION}}}"


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"


def _base64_run(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole base64 run around a core match (its partial edge characters, padding)."""
    while start > 0:
        chunk = text[max(0, start - 256) : start]
        kept = len(chunk.rstrip(_BASE64_CHARS))
        start -= len(chunk) - kept
        if kept:
            break
    tail = _BASE64_TAIL.match(text, end)
    return start, tail.end() if tail else end


def _unshielded(
    found: list[tuple[int, int, int]], shields: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """``found`` without the spans lying wholly inside a ref label or a marker."""
    if not shields or not found:
        return found
    shields.sort()
    starts = [start for start, _ in shields]
    reach = list(accumulate((end for _, end in shields), max))
    kept = []
    for span in found:
        at = bisect_right(starts, span[0]) - 1
        if at < 0 or reach[at] < span[1]:
            kept.append(span)
    return kept


def _merged(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Overlapping spans merged, in order; each keeps its first entry."""
    merged: list[tuple[int, int, int]] = []
    for start, end, entry in sorted(spans):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, entry))
    return merged


def _mask_binary(matcher: _Matcher, data: bytes) -> bytes:
    # surrogateescape keeps one char per undecodable byte, so offsets map back.
    text = data.decode("utf-8", "surrogateescape")
    out = bytearray(data)
    char, byte = 0, 0
    for start, end, _ in _merged(matcher.spans(text)):
        byte += len(text[char:start].encode("utf-8", "surrogateescape"))
        length = len(text[start:end].encode("utf-8", "surrogateescape"))
        out[byte : byte + length] = b"*" * length
        char, byte = end, byte + length
    return bytes(out)


def _marker(matcher: _Matcher, entry: int) -> str:
    return MARKER.format(ref=matcher.entries[entry].ref)


def _variants(value: str, encodings: bool) -> Iterable[tuple[str, bool]]:
    """Forms of ``value`` to find literally, each with whether it is a base64 core."""
    yield value, False
    yield from ((value.replace(ch, ""), False) for ch in _ZERO_WIDTH if ch in value)
    if not encodings:
        return
    raw = value.encode("utf-8")
    plain = [value[::-1], value.upper(), value.lower()]
    plain += [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]
    plain += [repr(value)[1:-1], html.escape(value, quote=True), html.escape(value, quote=False)]
    for quoted in (urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)):
        plain += [quoted, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)]
    hexed = binascii.hexlify(raw).decode("ascii")
    plain += [hexed, hexed.upper()]
    yield from ((form, False) for form in plain)
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        core = encoded[-(-8 * offset // 6) : (8 * (offset + len(raw))) // 6]
        yield core, True
        yield core.replace("+", "-").replace("/", "_"), True
