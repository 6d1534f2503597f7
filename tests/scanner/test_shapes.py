"""Detectors gated by their shapes run only where a shape is, and find the same.

A detector that declares ``shapes`` (a Twilio SID, a Discord token's tail, a
Mailchimp key's ``-us`` end) is skipped on a document the keyword pass found
none of them in. If a shape were narrower than what its detector matches, a
secret would go unreported, so: every candidate of a shaped detector lies in a
segment a shape matches; a gated scanner finds exactly what an ungated one
finds on text built from shapes, near misses and planted fakes; the gate really
skips; and without Hyperscan nothing is gated.
"""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner, engine, prefilter
from jupyter_secrets.scanner.content import notebook_pieces
from jupyter_secrets.scanner.detectors import Candidate, Detector
from jupyter_secrets.scanner.document import Document
from jupyter_secrets.scanner.registry import load_detectors

from .carriers import CARRIERS
from .fakes import URLSAFE, Fakes, aws_secret_key, discord_token, hex_token

F = Fakes(seed=4242)
GATED = Scanner(hash_key=b"k")
UNGATED = Scanner(hash_key=b"k", shape_gate=False)
SHAPED = {d.name: d for d in load_detectors() if d.shapes}


def _mailchimp() -> str:
    return F.rand(string.ascii_lowercase + string.digits, 32) + f"-us{F.rng.randrange(1, 21)}"


def _twilio_pair() -> str:
    return f"AC{hex_token(F, 32)}\n{hex_token(F, 32)}"


#: The shaped detectors' own secrets, each as text that holds one.
PLANTS: dict[str, Callable[[], str]] = {
    "mailchimp": lambda: f'mc = MailChimp(mc_api="{_mailchimp()}")',
    "discord": lambda: f'bot.run("{discord_token(F)}")',
    "twilio_auth_token": _twilio_pair,
    "twilio": lambda: (
        f'client = Client("SK{hex_token(F, 32)}", s)\nTWILIO_AUTH_TOKEN = "{hex_token(F, 32)}"'
    ),
    "aws": lambda: F.rng.choice(
        [
            f'aws_access_key_id = "{F.aws()}"\naws_secret_access_key = "{aws_secret_key(F)}"',
            f"{F.aws()}\n{aws_secret_key(F)}",  # a bare pair: the id names the secret
            f"{F.aws()}",  # at the very start of the text, alone
            f"key=\u00e9{F.aws()}.",  # Latin-1 before it, punctuation after
            f"AWS_SECRET_ACCESS_KEY={aws_secret_key(F)}",  # a .env line, unquoted
            f"**aws_secret_key**: `{aws_secret_key(F)}`",
            f"my_aws_login_token = '{aws_secret_key(F)}'",  # the plugin's own form
        ]
    ),
    "uri_credentials": lambda: F.rng.choice(
        [
            f'create_engine("postgresql://admin:{F.password()}@db.example.com:5432/x")',  # pragma: allowlist secret
            f"mongodb+srv://etl:{F.password()}@cluster0.abcde.mongodb.net/?retryWrites=true",  # pragma: allowlist secret
            f"redis://:{F.password()}@cache:6379/0",  # pragma: allowlist secret
            f"postgresql://j\u00fcrgen\u20ac:{F.password()}@db.example.com/x",  # pragma: allowlist secret (beyond Latin-1)
            f"!pip install git+https://ci:{F.password()}@git.corp.example/lib.git",  # pragma: allowlist secret
        ]
    ),
    "connection_string_password": lambda: F.rng.choice(
        [
            f'"Server=tcp:x.database.windows.net;User ID=u;Password={F.password()};"',  # pragma: allowlist secret
            f"jdbc:sqlserver://h:1433;user=u;password={F.password()};encrypt=true",  # pragma: allowlist secret
            f"https://api.example.com/login?user=u&pwd={F.password()}",  # pragma: allowlist secret
            f"Driver={{ODBC}};Uid=u; PWD = {{{F.password()}}};",  # pragma: allowlist secret
        ]
    ),
    "ibm_cloud_iam": lambda: F.rng.choice(
        [
            f'ibm_cloud_iam_api_key = "{F.rand(URLSAFE, 44)}"',
            f"IBM_PASSWORD: {F.rand(URLSAFE, 44)}",
            f"ibm iam token => '{F.rand(URLSAFE, 44)}'",
            f'{{"ibm_apikey": "{F.rand(URLSAFE, 44)}"}}',
        ]
    ),
}


def test_the_plants_cover_every_shaped_detector() -> None:
    assert set(PLANTS) == set(SHAPED), "a shaped detector has no planted secret here"


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@pytest.mark.parametrize("name", sorted(PLANTS))
def test_every_candidate_lies_in_a_segment_a_shape_matches(name: str, carrier: str) -> None:
    nb = CARRIERS[carrier](PLANTS[name]())
    doc = Document.build("t.ipynb", notebook_pieces(nb))
    candidates = list(SHAPED[name].find(doc))
    assert candidates, f"{name} found nothing in a {carrier} (the plant is not a secret to it)"
    shapes = [re.compile(shape) for shape in SHAPED[name].shapes]
    for cand in candidates:
        segment = doc.segment_at(cand.start).text
        assert any(shape.search(segment) for shape in shapes), (
            f"a {name} candidate in a {carrier} lies where none of its shapes is"
        )
    assert [f.detector for f in GATED.scan_notebook(nb, "t.ipynb")] == [
        f.detector for f in UNGATED.scan_notebook(nb, "t.ipynb")
    ]


def _near_misses() -> list[str]:
    return [
        "AC" + hex_token(F, 31),  # one short
        "AC" + hex_token(F, 32).upper(),  # upper-case hex is no SID
        hex_token(F, 32),
        F.rand(string.ascii_lowercase, 32) + "-us",  # no data centre
        "en-us",
        "-us1",
        "." + F.rand(URLSAFE, 6) + "." + F.rand(URLSAFE, 26),  # a tail one short
        base64.urlsafe_b64encode(b"not digits at all!").decode().rstrip("=")
        + "."
        + F.rand(URLSAFE, 6)
        + "."
        + F.rand(URLSAFE, 30),
        "mailchimp",
        "discord",
        "twilio",
        "TwIlIo_token = ",
        "SK" + hex_token(F, 31),
        "AKIA" + F.rand(string.ascii_uppercase + string.digits, 15),
        # A key id glued into a longer run (base64 of silence reads "ACCAAAAA..."):
        "x" + F.aws(),
        "+" + F.aws(),
        "/ACCA" + "A" * 16,
        F.aws() + "Q",
        "ACCA" + "A" * 40,
        "\u20ac" + F.aws(),  # beyond Latin-1 before it: Hyperscan reads "?"
        F.aws() + "e",  # lower case after it: the id ends there
        F.rand(string.ascii_letters + string.digits, 39),
        F.rand(URLSAFE, 43),
        "aws_secret_access_key = ",
        "ibm_api_key = ",
        "aws_key = ",
        "AWS token: '",
        F.rand(string.ascii_letters + string.digits + "/+", 40),  # a hash's look, no name
        "ibm cloud key ",
        F.rand(URLSAFE, 44),
        "postgresql://localhost:5432/db",  # a port, no password
        "https://user@example.com/",
        "http://a:b c@d",
        "; password",
        "?pwd",
        "&\u2003Password = ",  # a Unicode space: Python's \s, not Hyperscan's
        "\u017f",  # LONG S: Python's case-insensitive "s", which Hyperscan does not fold
        "\u212a",
    ]


PARTS = st.sampled_from(_near_misses()) | st.sampled_from(
    [
        " ",
        "\n",
        "=",
        '"',
        "'",
        ".",
        "token: ",
        "key = ",
        "AC",
        "-us",
        "aws",
        "ibm",
        "pa\u017f\u017f",
    ]
)
PLANTED = st.sampled_from(sorted(PLANTS)).map(lambda name: PLANTS[name]())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(PARTS | PLANTED, max_size=14),
    carrier=st.sampled_from(sorted(CARRIERS)),
)
def test_gated_scanning_finds_what_ungated_scanning_finds(parts: list[str], carrier: str) -> None:
    nb = CARRIERS[carrier]("".join(parts))

    def found(scanner: Scanner) -> list[tuple[Any, ...]]:
        return [
            (f.detector, f.location, f.line, f.column, f.hashed_secret)
            for f in scanner.scan_notebook(nb, "t.ipynb")
        ]

    assert found(GATED) == found(UNGATED)


class _Spy(Detector):
    """A shaped detector that records the documents it is asked to read."""

    name = "spy"
    finding_type = "Spy"
    keywords = ("spy",)
    shapes = (r"SPY[0-9]{4}",)
    segment_local = True

    def __init__(self) -> None:
        self.reads: list[str] = []

    def find(self, doc: Document) -> Iterator[Candidate]:
        self.reads.append(doc.text)
        for match in re.finditer(r"SPY[0-9]{4}", doc.text):
            yield self.candidate(*match.span())


def _spied(monkeypatch: pytest.MonkeyPatch, **options: Any) -> tuple[Scanner, _Spy]:
    spy = _Spy()
    monkeypatch.setattr(engine, "load_detectors", lambda _names=None: [spy])
    return Scanner(hash_key=b"k", **options), spy


def test_a_document_with_the_keyword_but_no_shape_is_not_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanner, spy = _spied(monkeypatch)
    assert scanner.scan_text("spy = 'SPY12'\n") == []
    assert spy.reads == [], "the detector read a document holding none of its shapes"
    found = scanner.scan_text("spy = 'SPY1234'\n")
    assert [f.detector for f in found] == ["spy"] and len(spy.reads) == 1


def test_without_hyperscan_nothing_is_gated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefilter.ENV_ENGINE, "ahocorasick")
    scanner, spy = _spied(monkeypatch)
    scanner.scan_text("spy = 'SPY12'\n")
    assert len(spy.reads) == 1, "shapes cannot be known without Hyperscan: the detector must run"


def test_shape_gate_off_reads_every_document_with_the_keyword(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanner, spy = _spied(monkeypatch, shape_gate=False)
    scanner.scan_text("spy = 'SPY12'\n")
    assert len(spy.reads) == 1


def test_the_folding_characters_are_all_there_are() -> None:
    """Every character Python's re (case-insensitive) or str.lower() takes for an ASCII
    letter or digit: a document holding one is not left to Hyperscan's ASCII folding."""
    import sys

    ascii_alnum = re.compile("[A-Za-z0-9]", re.IGNORECASE)
    folding = [
        chr(cp)
        for cp in range(128, sys.maxunicode + 1)
        if not 0xD800 <= cp <= 0xDFFF
        and (ascii_alnum.fullmatch(chr(cp)) or ascii_alnum.fullmatch(chr(cp).lower()))
    ]
    assert sorted(folding) == sorted(prefilter._FOLDS_TO_ASCII)


def test_keywords_only_shaped_detectors_have_are_not_indexed_where_shapes_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Their shapes gate them, so their keywords cost no prefilter hits (every link has
    "://"): absent from the index, found with str.find when the detector runs."""
    scanner, spy = _spied(monkeypatch)
    doc = Document.build("t.py", [(_text_origin(), "spy")])
    scanner._keywords.fill(doc)
    assert ("spy", False) not in doc.present_keywords()
    assert doc.hits("spy") == [0], "an unindexed keyword is still found when asked for"
    assert scanner.scan_text("spy spy spy\n") == [] and spy.reads == []
    found = scanner.scan_text("token = 'SPY1234'  # spy\n")
    assert [f.detector for f in found] == ["spy"] and len(spy.reads) == 1


def test_without_shapes_every_keyword_is_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefilter.ENV_ENGINE, "ahocorasick")
    scanner, _ = _spied(monkeypatch)
    doc = Document.build("t.py", [(_text_origin(), "a spy")])
    scanner._keywords.fill(doc)
    assert doc.hits("spy") == [2] and ("spy", False) in doc.present_keywords()


def _text_origin() -> Any:
    from jupyter_secrets.scanner.document import KIND_TEXT, Origin
    from jupyter_secrets.scanner.finding import LOCATION_SOURCE

    return Origin(LOCATION_SOURCE, KIND_TEXT, ("text",))
