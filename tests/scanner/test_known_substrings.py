"""Known values found as substrings from keyed fingerprints alone (what a kernel sends):
at any boundary, with spaces, quotes and unicode, and short values only where they stand
apart. The server side holds only the fingerprints (and the key), never the value."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jupyter_secrets.knownprints import link_fingerprints, text_forms
from jupyter_secrets.scanner import KnownValues, Scanner
from jupyter_secrets.scanner.document import Document, Origin
from jupyter_secrets.scanner.known_values import FEW_ANCHORS

KEY = secrets.token_bytes(32)
# No example database: generated values are never written to disk.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
WORD = set(string.ascii_letters + string.digits + "_")


def doc_of(text: str) -> Document:
    return Document.build("", [(Origin("source", "text", ("text",)), text)])


def from_kernel(*values: str, key: bytes = KEY) -> KnownValues:
    """A server-side KnownValues holding only what a kernel would send for ``values``."""
    known = KnownValues(key=key)
    for value in values:
        for fp in link_fingerprints(value, key):
            known.add_fingerprint(fp, "dev/x")
    return known


def spans(known: KnownValues, text: str) -> set[tuple[int, int]]:
    return {(c.start, c.end) for c in known.find(doc_of(text))}


def decoys(count: int) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "!#%"
    return ["".join(secrets.choice(alphabet) for _ in range(20)) for _ in range(count)]


def random_value(size: int = 14) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(size))


CONTEXTS = [
    "{v}.",
    "**{v}**",
    "!mysql -u etl -p{v} db",
    "pw={v}!",
    "x{v}y",
    "`{v}`;",
    '{{"k": "mode=fast;{v}.tail-42"}}',
    "Ω{v}ß",
]


@pytest.mark.parametrize("template", CONTEXTS)
@pytest.mark.parametrize("extra", [0, FEW_ANCHORS + 1], ids=["find", "automaton"])
def test_long_value_found_touching_any_text(template: str, extra: int) -> None:
    value = random_value()
    known = from_kernel(value, *decoys(extra))
    text = "line one\n" + template.format(v=value) + "\nline three"
    start = text.index(value)
    assert (start, start + len(value)) in spans(known, text), f"missed in {template!r}"


def test_spaces_quotes_and_json_escaped_form() -> None:
    value = f'correct horse "{random_value(6)}" it\'s'
    known = from_kernel(value)
    assert spans(known, f"pass: {value}\n") == {(6, 6 + len(value))}
    dumped = json.dumps({"pw": value})
    escaped = json.dumps(value)[1:-1]
    start = dumped.index(escaped)
    assert (start, start + len(escaped)) in spans(known, dumped), "JSON-escaped form missed"
    url = "https://h/?p=" + quote(value, safe="")
    assert spans(known, url), "URL-quoted form missed"


def test_unicode_offsets_are_str_offsets() -> None:
    value = "pässwörd-" + random_value(6) + "-Ω"
    known = from_kernel(value)
    text = "ünïcödé before → " + value + " ← after ✓"
    [(start, end)] = spans(known, text)
    assert text[start:end] == value, "byte offsets were not mapped back to str offsets"
    ascii_json = json.dumps({"v": value})  # \u00e4 escapes
    assert spans(known, ascii_json), "ASCII-escaped JSON form missed"


def test_short_values_match_only_apart_from_words() -> None:
    value = random_value(3) + "7x"  # 5 characters, word characters at both ends
    known = from_kernel(value)
    for apart in (f"{value}", f"pw={value};", f"({value})", f"-p {value}.", f"'{value}'"):
        assert spans(known, apart), f"short value missed in {apart.replace(value, 'V')!r}"
    for glued in (f"a{value}", f"{value}b", f"_{value}", f"{value}9", f"é{value}"):
        assert not spans(known, glued), f"short value matched in {glued.replace(value, 'V')!r}"


def test_short_value_with_punctuation_edges() -> None:
    value = "!" + random_value(4) + "#"
    known = from_kernel(value)
    # Its own edges are not word characters: it may touch letters.
    assert spans(known, f"abc{value}def")


def test_values_under_four_characters_are_not_registered() -> None:
    assert link_fingerprints("abc", KEY) == []
    assert not from_kernel("abc")


def test_binary_forms_match_as_whole_tokens() -> None:
    value = random_value(12)
    known = from_kernel(value)
    raw = value.encode()
    for form in (base64.b64encode(raw).decode(), raw.hex(), raw.hex().upper()):
        text = f'header: "Basic {form}" and key={form}'
        assert len(spans(known, text)) == 2, "a base64 or hex form was missed"
    # A run of base64 characters that merely contains the form is not a match (a sketch of
    # the encoding, which would find it, would reveal more of the value).
    assert not spans(known, "AA" + raw.hex() + "AA")


def test_server_side_holds_no_value_and_no_unsalted_hash() -> None:
    value = f'pw "{random_value(10)}" ü'
    prints = link_fingerprints(value, KEY)
    blob = json.dumps(prints)
    forbidden = [value, *text_forms(value)]
    for form in list(forbidden):
        data = form.encode()
        forbidden += [hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest()]  # noqa: S324
    assert not [f for f in forbidden if f in blob], "a fingerprint carries the value or a hash"
    known = KnownValues()
    known.add(value, "dev/x")
    assert not _holds(known.__dict__, value), "add() kept the plaintext"
    assert spans(known, f"x{value}y"), "add() does not find the value as a substring"
    assert value not in repr(known)


def test_sketch_reveals_at_most_two_bits_per_byte() -> None:
    # 64 byte values share each of the 4 symbols: an anchor symbol leaves 64 candidates.
    from jupyter_secrets.knownprints import symbol_table

    table = symbol_table(KEY)
    assert sorted(table.count(s) for s in b"0123") == [64, 64, 64, 64]
    sketches = [p for p in link_fingerprints(random_value(30), KEY) if p.startswith("jsfp2:")]
    assert all(len(p.split(":")[1]) <= 12 for p in sketches)


def test_scanner_reports_known_substring() -> None:
    value = random_value()
    scanner = Scanner(known=from_kernel(value), hash_key=b"k")
    [finding] = scanner.scan_text(f"the password is {value}.")
    assert finding.type == "Known secret value"


def _holds(obj: Any, value: str, depth: int = 0) -> bool:
    if isinstance(obj, str):
        return value in obj
    if isinstance(obj, bytes):
        return value.encode() in obj
    if depth > 4:
        return False
    if isinstance(obj, dict):
        return any(
            _holds(k, value, depth + 1) or _holds(v, value, depth + 1) for k, v in obj.items()
        )
    if isinstance(obj, (list, tuple, set, frozenset)):
        return any(_holds(v, value, depth + 1) for v in obj)
    return False


# -- properties -------------------------------------------------------------

characters = st.characters(blacklist_categories=("Cs", "Cc"))
values = st.text(characters | st.sampled_from(" \"'\\"), min_size=8, max_size=40)
surroundings = st.text(characters | st.sampled_from(" \n\"'=.:*-\\"), max_size=120)


@PROPERTY
@given(value=values, before=surroundings, after=surroundings, crowded=st.booleans())
def test_property_value_found_wherever_embedded(
    value: str, before: str, after: str, crowded: bool
) -> None:
    known = from_kernel(value, *(decoys(FEW_ANCHORS + 1) if crowded else []))
    text = before + value + after
    assert (len(before), len(before) + len(value)) in spans(known, text)


@PROPERTY
@given(value=values, text=surroundings, crowded=st.booleans())
def test_property_nothing_found_without_the_value(value: str, text: str, crowded: bool) -> None:
    assume(all(form not in text for form in text_forms(value)))
    known = from_kernel(value, *(decoys(FEW_ANCHORS + 1) if crowded else []))
    assert not spans(known, text)


short_values = st.text(
    st.sampled_from(string.ascii_letters + string.digits), min_size=4, max_size=7
)
non_word = st.text(st.sampled_from(" .,;:!?()[]{}'\"=-+*/\n"), min_size=1, max_size=3)
word = st.text(st.sampled_from(string.ascii_letters + string.digits + "_"), min_size=1, max_size=3)


@PROPERTY
@given(value=short_values, before=non_word, after=non_word, crowded=st.booleans())
def test_property_short_value_found_apart(
    value: str, before: str, after: str, crowded: bool
) -> None:
    known = from_kernel(value, *(decoys(FEW_ANCHORS + 1) if crowded else []))
    text = "x" + before + value + after + "y"
    start = 1 + len(before)
    assert (start, start + len(value)) in spans(known, text)


@PROPERTY
@given(value=short_values, glue=word, left=st.booleans(), crowded=st.booleans())
def test_property_short_value_not_found_inside_words(
    value: str, glue: str, left: bool, crowded: bool
) -> None:
    text = glue + value if left else value + glue
    assume(
        not any(
            text[i : i + len(value)] == value and _apart(text, i, value) for i in range(len(text))
        )
    )
    known = from_kernel(value, *(decoys(FEW_ANCHORS + 1) if crowded else []))
    assert not spans(known, text)


def _apart(text: str, start: int, value: str) -> bool:
    end = start + len(value)
    before = start == 0 or not (text[start - 1] in WORD and text[start] in WORD)
    after = end == len(text) or not (text[end - 1] in WORD and text[end] in WORD)
    return before and after
