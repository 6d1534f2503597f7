"""Detectors that try their pattern only at their keyword's hits must find what the
pattern finds when tried everywhere in the keyword's lines (the plain way, kept here
as the reference), on text built from the pieces their patterns are made of."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import native
from jupyter_secrets.scanner.detectors.credentials import UriCredentials
from jupyter_secrets.scanner.detectors.tokens import TwilioKey
from jupyter_secrets.scanner.document import Document, Origin
from jupyter_secrets.scanner.finding import LOCATION_SOURCE
from jupyter_secrets.scanner.prefilter import KeywordIndex

ORIGIN = Origin(LOCATION_SOURCE, "code", ("source",))


def _doc(texts: list[str], keywords: tuple[str, ...], case_sensitive: bool) -> Document:
    doc = Document.build("t", [(ORIGIN, t) for t in texts])
    KeywordIndex((k, case_sensitive) for k in keywords).fill(doc)
    return doc


def _plain(doc: Document, pattern: re.Pattern[str], group: str | int, keywords: tuple[str, ...],
           case_sensitive: bool) -> Iterator[tuple[int, int]]:  # fmt: skip
    for start, end in doc.windows(keywords, case_sensitive):
        for match in pattern.finditer(doc.text, start, end):
            if match.group(group) is not None and match.start(group) < match.end(group):
                yield match.span(group)


URI_PIECES = st.sampled_from(
    ["://", "postgres", "mongodb+srv", "a", "9", "-", ".", "+", "user", ":", "p@ss", "@",
     "host.example", "/", " ", "\n", "x" * 31, "y" * 33, "?", "#", "%", "'", '"', "[", "]"]
)  # fmt: skip


NOISE = st.lists(URI_PIECES, max_size=6).map("".join)
SCHEMES = st.sampled_from(["postgres", "mongodb+srv", "a", "9db", "x" * 30, "y" * 31, "s3"])
URIS = st.tuples(NOISE, SCHEMES, st.sampled_from(["", "user", "u.v"]), NOISE,
                 st.sampled_from(["pw", "p?w", "p@w"]), st.sampled_from(["host", "h.example", ""]),
                 NOISE).map(lambda p: f"{p[0]}{p[1]}://{p[2]}:{p[3]}{p[4]}@{p[5]}{p[6]}")  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.lists(st.lists(URIS | URI_PIECES, max_size=8).map("".join), min_size=1, max_size=3))
@example(["a://u:p@hostb://u:q@h"])
@example(["mongodb+srv://etl:pw@h"])
def test_uri_credentials_at_hits_equals_everywhere(texts: list[str]) -> None:
    detector = UriCredentials()
    doc = _doc(texts, detector.keywords, False)
    found = [(c.start, c.end) for c in detector.find(doc)]
    assert found == list(_plain(doc, detector.pattern, "secret", detector.keywords, False))


HEX = "0123456789abcdef"
TWILIO_PIECES = st.sampled_from(
    ["SK", "sk", "twilio", "Twilio", "TWILIO", "_auth_token", "token", "secret", " = ", ": ",
     "'", '"', "x", "A", "\n", HEX * 2, HEX.upper() * 2, "|", "**", "`"]
)  # fmt: skip
_COMBINED = re.compile(TwilioKey.key_pattern.pattern.replace(
    "SK[0-9a-fA-F]{32}", "(?P<secret>SK[0-9a-fA-F]{32})") + "|" + TwilioKey.token_pattern.pattern
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(TWILIO_PIECES, max_size=30).map("".join), min_size=1, max_size=3))
def test_twilio_two_patterns_equal_the_one_they_were(texts: list[str]) -> None:
    """Every match of the former single pattern (over the same keyword lines) is found."""
    detector = TwilioKey()
    doc = _doc(texts, detector.keywords, True)
    found = {(c.start, c.end) for c in detector.find(doc)}
    before = set()
    for start, end in doc.windows(detector.keywords, True):
        for match in _COMBINED.finditer(doc.text, start, end):
            before.add(match.span("secret" if match.group("secret") else "token"))
    assert before <= found


@settings(max_examples=1500, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(
            [
                "set",
                "config",
                "modify",
                "dataset",
                "reset",
                "--set",
                "-g",
                "--global",
                " ",
                "\n",
                "\t",
                "x",
                "origin",
                "user.password",
                "aws",
                "configure",
                "a:b/c",
                "npm",
                "remote",
                "myremote",
                "-",
                "_",
                ".",
                "\u00e9",
                "set_",
                "Xset",
            ]
        ),
        max_size=14,
    ),
    cut=st.integers(min_value=0, max_value=40),
    short=st.integers(min_value=0, max_value=10),
)
def test_setting_before_is_the_regex_searched(parts: list[str], cut: int, short: int) -> None:
    """The anchored tries at each literal find what a search of the whole window finds."""
    from jupyter_secrets.scanner.detectors import cli

    text = "".join(parts)
    start = min(cut, len(text))
    end = max(start, len(text) - short)
    expected = cli._SETTING_BEFORE.search(text, start, end) is not None
    assert cli._setting_before(text, start, end) == expected


def test_setting_before_reads_both_answers() -> None:
    from jupyter_secrets.scanner.detectors import cli

    for text, expected in [
        ("!git config --global user.password", True),
        ("aws configure set aws_secret_access_key", True),
        ("dvc remote modify myremote password", True),
        ("the dataset password", False),
        ("offset = token", False),
    ]:
        assert cli._setting_before(text, 0, len(text)) is expected, text
        assert (cli._SETTING_BEFORE.search(text, 0, len(text)) is not None) is expected


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "'",
                '"',
                "'''",
                '"""',
                "#",
                "\n",
                "!",
                "%",
                "%%",
                " ",
                "\t",
                "\\",
                "=",
                "x",
                "r",
                "b",
                "f",
                "rb",
                "Fr",
                "_",
                "a1",
                "ls -l",
                "pw",
                "\u00e9",
            ]
        ),
        max_size=30,
    )
)
def test_code_tokens_are_the_unguarded_patterns_tokens(parts: list[str]) -> None:
    """The lookahead in front of the code tokenizer only turns away positions where no
    branch could start: same tokens, same groups, as the pattern without it."""
    from jupyter_secrets.scanner.detectors import context

    text = "".join(parts)
    plain = re.compile(context._CODE_PATTERN, context._CODE_FLAGS)

    def tokens(pattern: re.Pattern[str]) -> list[tuple[object, ...]]:
        return [(m.lastgroup, m.span(), m.groupdict()) for m in pattern.finditer(text)]

    assert tokens(context._CODE_TOKEN) == tokens(plain)


_CODE_PARTS = st.lists(
    st.sampled_from(
        ['"', "'", '"""', "'''", "\\", "\n", "#", "!", "%", "%%", " ", "\t", "=", "x", "r",
         "b", "f", "t", "rb", "Fr", "bR", "rrr", "_", "a1", "ls -l", "x = !", "é", "\u20ac",
         "\U0001f600", "a\u00e9 = !ls", "\r", "\\\n"]
    ),
    max_size=30,
)  # fmt: skip


@pytest.mark.skipif(native.MODULE is None, reason="the compiled module is not built here")
@settings(max_examples=2000, deadline=None)
@given(_CODE_PARTS)
def test_compiled_code_tokens_are_the_regex_tokens(parts: list[str]) -> None:
    """native/src/code.rs reads a code segment as _CODE_TOKEN does: every string literal
    (its body and prefix), comment and shell line, or hands the segment back."""
    from jupyter_secrets.scanner.detectors import context

    text = "".join(parts)
    tokens = native.MODULE.code_tokens(text, 7)
    reference = context._python_tokens(text, 7)
    if tokens is None:  # handed back: only a line's \\w* beyond ASCII may do that
        assert any(ord(c) > 127 for c in text)
        return
    assert tuple(tokens) == reference
