"""The compiled hit loops (native/src/text.rs) answer as their Python references do.

The texts mix the characters the loops look for with characters of every width
(a str is stored one, two or four bytes per character, and the compiled loops read
those units), and hits are any offsets of the text, its ends included.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import native, textscan

NATIVE = native.MODULE
needs_native = pytest.mark.skipif(NATIVE is None, reason="the compiled module is not built here")

CHARS = st.sampled_from([*"aZ_9.-=- \n\t\"'setconfigmodify", "é", "\u20ac", "\U0001f600", "\x00"])
TEXTS = st.text(CHARS, max_size=80)


@st.composite
def _text_and_hits(draw: st.DrawFn) -> tuple[str, list[int]]:
    text = draw(TEXTS)
    hits = draw(st.lists(st.integers(0, len(text)), max_size=12))
    return text, sorted(hits)


@needs_native
@settings(max_examples=400, deadline=None)
@given(data=_text_and_hits(), lengths=st.lists(st.integers(0, 6), min_size=1, max_size=3),
       max_name=st.integers(1, 30))  # fmt: skip
def test_names_around_compiled_is_the_reference(
    data: tuple[str, list[int]], lengths: list[int], max_name: int
) -> None:
    text, hits = data
    # A keyword's hits end inside the text: cut each to what fits its length.
    keywords = [(n, [h for h in hits if h + n <= len(text)]) for n in lengths]
    assert NATIVE.names_around(text, keywords, max_name) == textscan.python_names_around(
        text, keywords, max_name
    )


LITERALS = st.lists(
    st.tuples(
        st.sampled_from([b"-", b"=", b"set", b"config", b"modify", b"e-"]), st.integers(0, 50)
    ),
    max_size=4,
)


@needs_native
@settings(max_examples=400, deadline=None)
@given(data=_text_and_hits(), before=LITERALS, after=LITERALS)
def test_near_any_compiled_is_the_reference(
    data: tuple[str, list[int]], before: list[tuple[bytes, int]], after: list[tuple[bytes, int]]
) -> None:
    text, hits = data
    assert NATIVE.near_any(text, hits, before, after) == textscan.python_near_any(
        text, hits, before, after
    )


def test_near_any_reads_whole_literals_inside_the_reach() -> None:
    text = "aws configure set token"
    pos = text.index("token")
    assert textscan.python_near_any(text, [pos], [(b"set", 4)], []) == [pos]  # "set " before it
    assert textscan.python_near_any(text, [pos], [(b"set", 3)], []) == []  # "et ": cut by reach
    assert textscan.near_any(text, [pos], [(b"set", 3)], []) == []
    assert textscan.near_any(text, [0], [], [(b"con", 8)]) == [0]
    assert textscan.near_any(text, [0], [], [(b"con", 6)]) == []


def test_names_around_widens_to_the_whole_name_once() -> None:
    text = "x = MY_API_TOKEN; my.token-2 = 1"
    first = text.index("TOKEN")
    second = text.index("token")
    spans = textscan.names_around(text, [(5, [first, second]), (3, [text.index("API")])], 80)
    assert [text[s:e] for s, e in spans] == ["MY_API_TOKEN", "my.token-2"]


@needs_native
@settings(max_examples=400, deadline=None)
@given(
    data=_text_and_hits(),
    words=st.lists(st.sampled_from([b"set", b"config", b"modify", b"-"]), max_size=3),
    reach=st.integers(0, 30),
    max_word=st.integers(1, 20),
    env_before=st.sampled_from([b"", b" \t\n\"'", b"!([,;&|`"]),
)
def test_words_that_may_name_compiled_is_the_reference(
    data: tuple[str, list[int]], words: list[bytes], reach: int, max_word: int, env_before: bytes
) -> None:
    text, hits = data
    assert NATIVE.words_that_may_name(
        text, hits, words, reach, max_word, env_before
    ) == textscan.python_words_that_may_name(text, hits, words, reach, max_word, env_before)


NAMED_PARTS = st.sampled_from(
    ["token", "key", "pass", "secret", "pwd", "credentials", "-", "--", "=", " ", "\n", "_",
     "api", "set", "config", "modify", "aws configure set ", "export ", "é", "\U0001f600", "x",
     "tokenizer", "max_tokens", '"', "(", "!"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(NAMED_PARTS, max_size=16))
def test_the_cli_prefilter_keeps_every_hit_its_checks_would_keep(parts: list[str]) -> None:
    """cli_credentials looks at a named hit only when the cheap check and _named_here
    both hold; its compiled prefilter (near_any, then words_that_may_name) must keep
    every such hit, or a command-line credential goes unread."""
    from jupyter_secrets.scanner.detectors import cli

    text = "".join(parts)
    for keyword in sorted(cli._NAME_KEYWORDS):
        hits = [i for i in range(len(text)) if text.lower().startswith(keyword, i)]
        wanted = [
            pos
            for pos in hits
            if (
                text.rfind("-", max(0, pos - 40), pos) != -1
                or text.find("=", pos, pos + 40) != -1
                or cli._setting_before(text, max(0, pos - cli._SETTING_REACH), pos)
            )
            and cli._named_here(text, pos)
        ]
        kept = textscan.near_any(text, hits, cli._NAMED_BEFORE, cli._NAMED_AFTER)
        kept = textscan.words_that_may_name(
            text, kept, cli._SETTING_WORDS_ASCII, cli._SETTING_REACH, cli._MAX_WORD,
            cli._ENV_BEFORE_ASCII,
        )  # fmt: skip
        assert set(wanted) <= set(kept), f"{keyword!r}: a named hit was dropped"
