import base64
import html
import json
import pprint
import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.redaction import Redactor
from tests.support.fakes import fake_secret


def leaks(text: str, value: str) -> list[str]:
    """Which forms of value appear in text (names only, never the value)."""
    forms = {
        "plain": value,
        "reversed": value[::-1],
        "upper": value.upper(),
        "lower": value.lower(),
        "base64": base64.b64encode(value.encode()).decode(),
        "hex": value.encode().hex(),
        "prefix8": value[:8],
        "suffix8": value[-8:],
    }
    return [name for name, form in forms.items() if form in text]


@pytest.fixture
def value() -> str:
    return fake_secret("Pw", 14)  # pragma: allowlist secret


@pytest.fixture
def redactor(value: str) -> Redactor:
    r = Redactor()
    r.add("dev/db/password", value)
    return r


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "plain": lambda v: f"the password is {v}!",
    "repeated": lambda v: f"{v}{v} and {v}",
    "reversed": lambda v: v[::-1],
    "upper": str.upper,
    "lower": str.lower,
    "base64": lambda v: base64.b64encode(v.encode()).decode(),
    "urlsafe_base64": lambda v: base64.urlsafe_b64encode(v.encode()).decode(),
    "basic_auth_header": lambda v: "Basic " + base64.b64encode(f"etl:{v}".encode()).decode(),
    "base64_offset_2": lambda v: base64.b64encode(b"ab" + v.encode() + b"tail").decode(),
    "hex": lambda v: v.encode().hex(),
    "HEX": lambda v: v.encode().hex().upper(),
    "url": lambda v: urllib.parse.quote(v + "&/ =", safe=""),
    "url_in_dsn": lambda v: f"postgresql://etl:{urllib.parse.quote_plus(v)}@db:5432/x",
    "html_escaped": lambda v: html.escape("<td>" + v + "&x</td>"),
    "json": lambda v: json.dumps({"password": v}),
    "space_separated": " ".join,
    "dash_separated": "-".join,
    "list_repr": lambda v: str(list(v)),
    "zero_width": "\u200b".join,
    "slice": lambda v: "start " + v[3:13] + " end",
    "truncated": lambda v: v[:10] + "...",
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transforms_are_redacted(name: str, value: str, redactor: Redactor) -> None:
    out = redactor.redact(TRANSFORMS[name](value))
    assert "[REDACTED dev/db/password]" in out
    assert leaks(out, value) == [], f"{name}: a form of the value survived redaction"


def test_surrounding_text_kept(value: str, redactor: Redactor) -> None:
    assert redactor.redact(f"user=etl password={value} host=db") == (
        "user=etl password=[REDACTED dev/db/password] host=db"
    )


def test_unrelated_text_untouched(redactor: Redactor) -> None:
    text = "SELECT * FROM orders WHERE id = 42; -- nothing secret here\n" * 50
    assert redactor.redact(text) == text


def test_short_value_only_as_whole_token() -> None:
    r = Redactor(min_length=4)
    r.add("dev/pin", "a1b")
    assert r.is_short("a1b")
    assert r.redact("pin a1b, not xa1by") == "pin [REDACTED dev/pin], not xa1by"


def test_substring_matching_can_be_disabled(value: str) -> None:
    r = Redactor(substring_length=0)
    r.add("dev/x", value)
    assert r.redact(value[:10]) == value[:10]
    assert "REDACTED" in r.redact(value)


def test_encodings_can_be_disabled(value: str) -> None:
    r = Redactor(encodings=False, substring_length=0)
    r.add("dev/x", value)
    encoded = value.encode().hex()
    assert r.redact(encoded) == encoded


def test_several_values_and_overlaps() -> None:
    a, b = fake_secret("Pw", 14), fake_secret("Pw", 14)
    r = Redactor()
    r.add("dev/a", a)
    r.add("dev/b", b)
    assert r.add("dev/a-again", a) is False
    out = r.redact(f"{a}{b} | {b}")
    assert leaks(out, a) == [] and leaks(out, b) == []
    assert out.count("[REDACTED") >= 2
    assert sorted(r.refs) == ["dev/a", "dev/b"]


def test_redact_data_recurses_and_copies(value: str, redactor: Redactor) -> None:
    data = {"text/plain": [f"x {value}"], "meta": {"k": (value, 3)}, value: 1}
    out = redactor.redact_data(data)
    assert leaks(json.dumps(out, default=str), value) == []
    assert data["text/plain"] == [f"x {value}"]  # the input is not mutated


def test_repr_shows_no_value(value: str, redactor: Redactor) -> None:
    assert leaks(repr(redactor), value) == []


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=4, max_size=40),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_value_never_survives_in_any_context(value: str, before: str, after: str) -> None:
    r = Redactor()
    r.add("dev/p", value)
    assert value not in r.redact(before + value + after)


# -- separators of any length, labels and markers, base64 runs, buffers -------

# Quotes, commas and whitespace may run to any length between characters
# (repr/pprint of a list); other punctuation is bounded.
RUN_SEPARATORS = " \t\n\r\u00a0\u3000'\"`,\u200b\ufeff"
BOUNDED_SEPARATORS = "-_.:;|/\\+"
SEPARATOR_CHARS = set(RUN_SEPARATORS + BOUNDED_SEPARATORS + "\u200c\u200d\u2060") | {
    ch for ch in map(chr, range(0x3001)) if ch.isspace()
}


def runs_left(text: str, value: str, run: int = 8) -> list[int]:
    """Offsets of the value's runs (``run`` characters, or all of a shorter value)
    still in ``text`` once separators are dropped from both (never the run itself)."""
    bare_text = "".join(ch for ch in text if ch not in SEPARATOR_CHARS)
    bare_value = "".join(ch for ch in value if ch not in SEPARATOR_CHARS)
    size = min(run, len(bare_value))
    return [
        start
        for start in range(len(bare_value) - size + 1)
        if bare_value[start : start + size] in bare_text
    ]


printable = st.characters(blacklist_categories=["Cs"]).filter(str.isprintable)


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=4, max_size=30),
    gaps=st.lists(st.text(alphabet=RUN_SEPARATORS, max_size=12), min_size=30, max_size=30),
)
def test_value_joined_by_any_quote_comma_whitespace_runs(value: str, gaps: list[str]) -> None:
    r = Redactor()
    r.add("dev/p", value)
    joined = value[0] + "".join(gap + ch for gap, ch in zip(gaps, value[1:], strict=False))
    out = r.redact(joined)
    if len([ch for ch in value if ch not in SEPARATOR_CHARS]) >= 4:
        assert runs_left(out, value) == []


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"]).filter(
            lambda ch: ch not in SEPARATOR_CHARS
        ),
        min_size=4,
        max_size=30,
    ),
    gaps=st.lists(
        st.tuples(
            st.text(alphabet=RUN_SEPARATORS, max_size=6),
            st.text(alphabet=BOUNDED_SEPARATORS, max_size=4),
            st.text(alphabet=RUN_SEPARATORS, max_size=6),
        ).map("".join),
        min_size=30,
        max_size=30,
    ),
)
def test_value_joined_by_mixed_separator_runs(value: str, gaps: list[str]) -> None:
    r = Redactor()
    r.add("dev/p", value)
    joined = value[0] + "".join(gap + ch for gap, ch in zip(gaps, value[1:], strict=False))
    assert runs_left(r.redact(joined), value) == []


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(alphabet=printable, min_size=4, max_size=60),
    form=st.sampled_from(["list", "tuple", "set", "pformat list", "pformat tuple", "pformat set"]),
    width=st.integers(min_value=10, max_value=80),
)
def test_repr_and_pprint_of_the_characters(value: str, form: str, width: int) -> None:
    r = Redactor()
    r.add("dev/p", value)
    kind = {"list": list, "tuple": tuple, "set": set}[form.rsplit(maxsplit=1)[-1]]
    chars = kind(value)
    text = pprint.pformat(chars, width=width) if form.startswith("pformat") else repr(chars)
    out = r.redact(text)
    if form.endswith("set"):
        return  # unordered: no run of the value to find; it must just not break
    if len([ch for ch in value if ch not in SEPARATOR_CHARS]) >= 4:
        assert runs_left(out, value) == [], form


def test_separator_runs_do_not_backtrack_catastrophically() -> None:
    r = Redactor()
    r.add("dev/p", "a'b'c'd'e'f'g'h'i'j'k")  # pragma: allowlist secret
    text = "a" + "'" * 20000 + "x"
    started = time.perf_counter()
    assert r.redact(text) == text
    r.add("dev/q", "x-y-z-w-v-u-t-s")  # pragma: allowlist secret
    text = ("x" + " -" * 3000 + "y") * 5
    r.redact(text)
    # Values starting or ending with separators, against long separator runs.
    for edge in (" ", "  ", "'", ", ", "-"):
        r.add("dev/" + str(len(r)), edge + secrets.token_urlsafe(12) + edge)
    for run in (" " * 50000, "'" * 50000, ", " * 25000, "- " * 25000):
        assert r.redact(run) == run
    assert time.perf_counter() - started < 3.0


def test_ref_label_is_never_redacted() -> None:
    # The value shares more than 8 characters with its own ref name.
    value = fake_secret("warehouse", 12)  # pragma: allowlist secret
    r = Redactor()
    r.add("dev/warehouse/password", value)
    assert r.redact("<secret dev/warehouse/password>") == "<secret dev/warehouse/password>"
    assert r.redact(f"{value} <secret dev/warehouse/password>") == (
        "[REDACTED dev/warehouse/password] <secret dev/warehouse/password>"
    )


def test_marker_is_never_redacted_again() -> None:
    value = fake_secret("REDACTED", 12)  # pragma: allowlist secret
    other = "dev/db/" + secrets.token_urlsafe(12)
    r = Redactor()
    r.add("dev/a", value)
    r.add("dev/b", other)
    once = r.redact(f"a={value} b={other} c={value[::-1]}")
    assert once == "a=[REDACTED dev/a] b=[REDACTED dev/b] c=[REDACTED dev/a]"
    assert r.redact(once) == once


@pytest.mark.parametrize("prefix", ["", "a", "ab", "etl:"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_run_is_masked_whole(value: str, prefix: str, encode: Any) -> None:
    r = Redactor()
    r.add("dev/x", value)
    for suffix in ("", "z", "zz", "zzz"):
        encoded = encode((prefix + value + suffix).encode()).decode()
        assert r.redact(f"b'{encoded}'") == "b'[REDACTED dev/x]'"
        assert r.redact(f"token={encoded} next") == "token=[REDACTED dev/x] next"
        assert r.redact(f"Authorization: Basic {encoded}\n") == (
            "Authorization: Basic [REDACTED dev/x]\n"
        )


def test_redact_bytes(value: str, redactor: Redactor) -> None:
    raw = value.encode()
    assert redactor.redact_bytes(b"pw=" + raw) == b"pw=[REDACTED dev/db/password]"
    assert redactor.redact_bytes(b"nothing here") == b"nothing here"
    binary = b"\xff\x00" + raw + b"\x80" + raw[:10] + b"\xfe"
    masked = redactor.redact_bytes(binary)
    assert len(masked) == len(binary)
    assert masked == b"\xff\x00" + b"*" * len(raw) + b"\x80" + b"*" * 10 + b"\xfe"


def test_redact_bytes_non_ascii_value_in_binary() -> None:
    value = "pässwörd-" + secrets.token_urlsafe(8)
    r = Redactor()
    r.add("dev/u", value)
    raw = value.encode()
    binary = b"\xff" + raw + b"\xff"
    assert r.redact_bytes(binary) == b"\xff" + b"*" * len(raw) + b"\xff"
