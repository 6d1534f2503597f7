"""The one-pass keyword prefilter and the cell cache key: same results as the slow path."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Finding, Scanner
from jupyter_secrets.scanner.detectors import Candidate
from jupyter_secrets.scanner.document import KIND_TEXT, Document, Origin
from jupyter_secrets.scanner.prefilter import KeywordIndex

from .fakes import Fakes
from .nbutil import code, display, stream

KEYWORDS = [("pass", False), ("sk-", False), ("sk-ant-", False), ("key", False), ("SK", True),
            ("Twilio", True), ("TWILIO", True), ("aws", False)]  # fmt: skip
PIECES = ["pass", "PASS", "sk-", "SK", "sk-ant-", "Sk", "twilio", "Twilio", "TWILIO", "key",
          "KEY", "aws", "x", " ", "\n", "é", "İ", "ǅ"]  # fmt: skip


def _doc(text: str) -> Document:
    return Document.build("", [(Origin("source", KIND_TEXT, ("text",)), text)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_index_finds_exactly_what_str_find_finds(parts: list[str]) -> None:
    text = "".join(parts)
    indexed, plain = _doc(text), _doc(text)
    KeywordIndex(KEYWORDS).fill(indexed)
    present = set(indexed.present_keywords())
    for keyword, case_sensitive in KEYWORDS:
        assert indexed.hits(keyword, case_sensitive) == plain.hits(keyword, case_sensitive), (
            f"hits of {keyword!r} differ"
        )
    assert present & set(KEYWORDS) == {key for key in KEYWORDS if plain.hits(*key)}


ENGINE_PIECES = [*PIECES, "\u212a", "K", "?", "\U0001f600", "\u4e2d", "\xff", "\x00", "ß", "sg."]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ENGINE_PIECES), max_size=60))
def test_both_engines_record_the_same_hits(parts: list[str]) -> None:
    """Hyperscan over Latin-1 bytes and Aho-Corasick over the lowercased str: one answer,
    whatever characters (wider than Latin-1, folding to ASCII, NUL) sit around."""
    text = "".join(parts)
    keywords = [*KEYWORDS, ("sg.", False), ("://", False)]
    simd, automaton = _doc(text), _doc(text)
    fast = KeywordIndex(keywords)
    assert fast.engine == "hyperscan", "the hyperscan wheel is a dependency on this platform"
    fast.fill(simd)
    slow = KeywordIndex(keywords)
    slow._simd = None
    slow.fill(automaton)
    for keyword in keywords:
        assert simd.hits(*keyword) == automaton.hits(*keyword), f"hits of {keyword!r} differ"
    assert set(simd.present_keywords()) == set(automaton.present_keywords())


def test_a_flood_of_hits_goes_to_the_automaton_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jupyter_secrets.scanner import prefilter

    monkeypatch.setattr(prefilter, "_MAX_CALLBACKS", 3)
    text = "pass key SK aws " * 20
    index = KeywordIndex(KEYWORDS)
    assert index._simd is not None and index._simd.find(text.encode()) is None, "no fallback"
    flooded, plain = _doc(text), _doc(text)
    index.fill(flooded)
    for keyword, case_sensitive in KEYWORDS:
        assert flooded.hits(keyword, case_sensitive) == plain.hits(keyword, case_sensitive)


_TEXT_CHARS = st.one_of(
    st.characters(max_codepoint=0x17F),  # Latin-1, and the folding LONG S, DOTLESS I, I WITH DOT
    st.sampled_from("\u212a\u0130\u017f\u0131\u0100\uffff\U0001f600\ud800"),
    st.characters(),
)


@settings(max_examples=500, deadline=None)
@given(st.text(_TEXT_CHARS, max_size=60))
def test_latin1_compiled_is_the_python_encoding(text: str) -> None:
    """What Hyperscan reads: the compiled copy gives Python's encoding, ``?`` for each
    character beyond Latin-1 (a lone surrogate too), and None where a character folds to
    ASCII; whatever the str's width."""
    from jupyter_secrets.scanner import native, prefilter

    folds = any(c in text for c in prefilter._FOLDS_TO_ASCII)
    expected = None if folds else text.encode("latin-1", "replace")
    if native.MODULE is not None:
        assert native.MODULE.latin1(text) == expected
    assert prefilter.latin1(text) == expected


def test_engine_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_SECRETS_PREFILTER", "ahocorasick")
    assert KeywordIndex(KEYWORDS).engine == "ahocorasick"
    monkeypatch.delenv("JUPYTER_SECRETS_PREFILTER")
    assert KeywordIndex(KEYWORDS).engine == "hyperscan"


def test_keywords_outside_the_index_still_use_find() -> None:
    doc = _doc("identified by x; pass")
    KeywordIndex([("pass", False)]).fill(doc)
    assert doc.hits("identified") == [0] and doc.hits("pass") == [17]


def test_detectors_without_keyword_hits_are_skipped_but_results_unchanged() -> None:
    f = Fakes(seed=5)
    text = f"token = '{f.github()}'\nplain words only\nkey_id = '{f.aws()}'\n"
    scanner = Scanner(hash_key=b"k")
    ran: list[str] = []
    for detector in scanner.detectors:

        def spy(
            doc: Document,
            _o: Callable[[Document], Iterator[Candidate]] = detector.find,
            _n: str = detector.name,
        ) -> Iterator[Candidate]:
            ran.append(_n)
            return _o(doc)

        detector.find = spy  # type: ignore[method-assign]  # a spy on this instance
    findings = scanner.scan_text(text, "x.py")
    assert sorted(f.detector for f in findings) == ["aws", "github"]
    assert "slack_webhook" not in ran and "github" in ran and "aws" in ran


def test_cell_cache_key_covers_image_payloads_too() -> None:
    f = Fakes(seed=6)
    scanner = Scanner(hash_key=b"k")
    calls: list[Document] = []
    original = scanner.scan_document

    def spy(doc: Document) -> list[Finding]:
        calls.append(doc)
        return original(doc)

    scanner.scan_document = spy  # type: ignore[method-assign]  # a spy on this instance

    def cell(png: bytes, text: str) -> dict[str, object]:
        image = {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}
        return code("plot()", [stream(text), display(image)], cell_id="p")

    secret = f.openai()
    first = scanner.scan_cell(cell(b"one" * 1000, f"key {secret}\n"), 0)
    same = scanner.scan_cell(cell(b"one" * 1000, f"key {secret}\n"), 0)
    assert len(calls) == 1, "an unchanged cell was scanned again"
    assert [x.hashed_secret for x in same] == [x.hashed_secret for x in first]
    # An image is skipped only once decoded and proven one: a new payload is rescanned.
    again = scanner.scan_cell(cell(b"two" * 1000, f"key {secret}\n"), 0)
    assert len(calls) == 2 and [x.hashed_secret for x in again] == [x.hashed_secret for x in first]
    assert scanner.scan_cell(cell(b"two" * 1000, "clean\n"), 0) == [] and len(calls) == 3
    tagged = cell(b"two" * 1000, f"key {secret}\n")
    tagged["metadata"] = {"tags": ["allow-secret"]}
    assert scanner.scan_cell(tagged, 0) == [] and len(calls) == 4, "tags must be in the key"


_GATE_SCANNER = Scanner(hash_key=b"k")
_GATE_WORDS = sorted({k for d in _GATE_SCANNER.detectors for k in d.keywords} | {"SK", "AC"})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*_GATE_WORDS, " ", "\n", "x", "\u017f"]), max_size=12),
    st.booleans(),
)
def test_gates_open_the_detectors_the_per_detector_test_would(
    words: list[str], shapes_known: bool
) -> None:
    """The engine picks the detectors to run from the keywords present; it must pick
    exactly those that asking each detector in turn picked (keywords, then shapes where
    the prefilter looked for them), in the same order."""
    doc = _doc(" ".join(words))
    _GATE_SCANNER._keywords.fill(doc)
    if not shapes_known:
        doc.shaped = None
    present = doc.present_keywords()
    expected = []
    for detector, keys in _GATE_SCANNER._detector_keys:
        if doc.shaped is not None and detector.shapes:
            if detector.name not in doc.shaped:
                continue
        elif keys and keys.isdisjoint(present):
            continue
        expected.append(detector.name)
    assert [d.name for d in _GATE_SCANNER._gates.open(doc)] == expected
