"""What a candidate value looks like: an interpolation, tokenizer markup, a word, a token.

Detectors that read a value from its context (an assignment, a flag, a column, a
printed line) share these shape checks; the filters in :mod:`..filters` then judge
every candidate again (placeholders, references, hashes).
"""

from __future__ import annotations

import math
import re
from collections import Counter

# An expression spliced into a string, well formed: f"{key}", "{cfg.GetKey()}" (C#,
# PowerShell), {rows[0]!r:>8}, ${VAR}, ${{ secrets.X }}, $(cmd), #{ruby}, <%= erb %>,
# {{ jinja }}. A random password that merely holds "{{" or "${" is still a password.
_INTERPOLATION_RE = re.compile(
    r"(?<!\{)\{[ \t]*[$@]?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\([^(){}]*\)|\[[^\[\]{}]*\])*[ \t]*"
    r"(?:![rsa])?(?::[^{}]*)?\}(?!\})"
    r"|\$\{[A-Za-z_][\w.]*\}|\$\([^()]*\)|\$?\{\{[^{}]*\}\}|#\{[^{}]*\}|<%.*?%>"
)
# Tokenizer markup: <s>, </s>, <s0><s1>, <|endoftext|>, [CLS], [PAD], <pad>, and the
# pieces of BPE/SentencePiece vocabularies (ĠAmsterdam, ▁the, Ċ).
_MARKUP_RE = re.compile(
    r"(?:<\|?/?[\w.\-|]{0,40}\|?>|\[[A-Za-z_]{2,16}\d*\])+|[\u0120\u010a\u2581]\S*"
)
# Ordinary words: "vectorsearch", "Summary", "first-token", "Required!" (and, with a
# number after them, "docs2024").
_WORDS_RE = re.compile(r"[A-Za-z][a-z]*(?:[-_ .][A-Za-z][a-z]*)*[.!?,:;)]*")
_WORDS_NUMBER_RE = re.compile(r"[A-Za-z][a-z]*(?:[-_ .][A-Za-z][a-z]*)*\d{0,4}[.!?,:;)]*")
# CamelCase class names and error labels: EnvironmentCredential, AzureCliCredential:.
_CAMEL_WORD_RE = re.compile(r"(?:(?:[A-Z][a-z]+){2,}|[a-z]+(?:[A-Z][a-z]+)+)\d{0,2}[:.,;)]*")
_ALNUM_RUN_RE = re.compile(r"[A-Za-z0-9]+")


def is_interpolated(value: str) -> bool:
    """An expression spliced in at run time, not a literal: ``{x.Get()}``, ``${X}``..."""
    return _INTERPOLATION_RE.search(value) is not None


def is_markup(value: str) -> bool:
    """A tokenizer's special tokens (``<s>``, ``<s0><s1>``, ``[PAD]``, ``<|eot|>``)."""
    return _MARKUP_RE.fullmatch(value) is not None


def is_words(value: str, number: bool = False) -> bool:
    """One or a few ordinary words (any case, CamelCase too), maybe with punctuation;
    with ``number``, also words followed by up to four digits (``docs2024``)."""
    words = _WORDS_NUMBER_RE if number else _WORDS_RE
    return words.fullmatch(value) is not None or _CAMEL_WORD_RE.fullmatch(value) is not None


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in Counter(value).values())


def looks_random(value: str, min_len: int = 16) -> bool:
    """A token printed or written bare: long, letters and digits, no words or paths.

    ``gpt-4o-mini-2024-07-18`` (short parts), ``/data/models/run1`` (a path),
    ``https://...`` (a URL), ``1234567890123456`` (a number) and
    ``EnvironmentCredential`` (a word) are not.
    """
    if len(value) < min_len or len(value) > 512:
        return False
    if "://" in value or value[0] in "/~." or is_words(value, number=True) or is_markup(value):
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    runs = _ALNUM_RUN_RE.findall(value)
    if not runs or max(len(r) for r in runs) < 12:
        return False
    return entropy(value) >= 3.0
