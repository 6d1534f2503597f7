import base64
import html
import json
import secrets
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.redaction import Redactor


def fake_secret() -> str:
    return "Pw" + secrets.token_urlsafe(14)


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
    return fake_secret()


@pytest.fixture
def redactor(value: str) -> Redactor:
    r = Redactor()
    r.add("dev/db/password", value)
    return r


TRANSFORMS = {
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
    a, b = fake_secret(), fake_secret()
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
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=4, max_size=40),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_value_never_survives_in_any_context(value: str, before: str, after: str) -> None:
    r = Redactor()
    r.add("dev/p", value)
    assert value not in r.redact(before + value + after)
