"""Confidence levels: what each level is given for, end to end through the scanner.

Every secret here is a fake generated at test time; messages never show a value.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from jupyter_secrets.scanner import KnownValues, Scanner
from jupyter_secrets.scanner.confidence import (
    LEVELS,
    LIKELY,
    POSSIBLE,
    VERIFIED,
    Confidence,
    at_least,
    check_level,
    grade,
    is_local_host,
    pem_parses,
    rank,
)
from jupyter_secrets.scanner.detectors import Candidate, Detector
from jupyter_secrets.scanner.document import Document
from jupyter_secrets.scanner.finding import FINDING_FIELDS

from .fakes import ALNUM, Fakes
from .nbutil import code, notebook, stream

F = Fakes(seed=97)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"confidence-tests")


def levels(scanner: Scanner, text: str, path: str = "cell.py") -> list[tuple[str, str]]:
    return [(f.detector, f.confidence) for f in scanner.scan_text(text, path)]


def only_level(scanner: Scanner, text: str, path: str = "cell.py") -> str:
    found = scanner.scan_text(text, path)
    assert len(found) == 1, f"expected one finding, got {[f.detector for f in found]}"
    return found[0].confidence


# -- the vocabulary ----------------------------------------------------------------


def test_levels_are_ordered_strings() -> None:
    assert LEVELS == ("possible", "likely", "verified")
    assert [rank(level) for level in LEVELS] == [0, 1, 2]
    assert (
        at_least(VERIFIED, LIKELY) and at_least(LIKELY, LIKELY) and not at_least(POSSIBLE, LIKELY)
    )
    # The members are str: mypy's strict equality does not see a str enum equal its value.
    assert Confidence.LIKELY == "likely" and str(Confidence.VERIFIED) == "verified"  # type: ignore[comparison-overlap]
    assert f"{Confidence.POSSIBLE}" == "possible"
    with pytest.raises(ValueError, match="use one of possible, likely, verified"):
        rank("certain")
    with pytest.raises(ValueError, match="--min-confidence"):
        check_level("high", "--min-confidence")


def test_findings_carry_confidence_after_type(scanner: Scanner) -> None:
    [finding] = scanner.scan_text(f'key_id = "{F.aws()}"', "cell.py")
    fields = list(finding.to_dict())
    assert fields == list(FINDING_FIELDS)
    assert fields.index("confidence") == fields.index("type") + 1
    assert finding.to_dict()["confidence"] == "likely"


# -- verified: a checksum or the structure proves it --------------------------------


def test_checksummed_tokens_are_verified(scanner: Scanner) -> None:
    assert only_level(scanner, f'gh = Github("{F.github()}")') == VERIFIED
    assert only_level(scanner, f"//registry.npmjs.org/:_authToken={F.npm()}", ".npmrc") == VERIFIED
    # Fine-grained GitHub tokens carry no public checksum: a vendor shape, likely.
    assert only_level(scanner, f'gh = Github("{F.github_pat()}")') == LIKELY


def test_a_jwt_with_a_json_header_is_verified(scanner: Scanner) -> None:
    assert only_level(scanner, f"headers = {{'Authorization': 'Bearer {F.jwt()}'}}") == VERIFIED


def _pem(kind: str, der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----"


def _real_keys() -> Iterator[tuple[str, str]]:
    """Keys generated now with cryptography, in each serialization a notebook may hold."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    formats = serialization.PrivateFormat
    plain = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    yield "rsa pkcs1", rsa_key.private_bytes(pem, formats.TraditionalOpenSSL, plain).decode()
    yield "rsa pkcs8", rsa_key.private_bytes(pem, formats.PKCS8, plain).decode()
    encrypted = serialization.BestAvailableEncryption(b"fake-passphrase-for-tests")
    yield "rsa pkcs8 encrypted", rsa_key.private_bytes(pem, formats.PKCS8, encrypted).decode()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    yield "ec sec1", ec_key.private_bytes(pem, formats.TraditionalOpenSSL, plain).decode()
    ed_key = ed25519.Ed25519PrivateKey.generate()
    yield "ed25519 openssh", ed_key.private_bytes(pem, formats.OpenSSH, plain).decode()


@pytest.mark.parametrize(("name", "key"), list(_real_keys()), ids=lambda v: str(v)[:20])
def test_a_pem_block_that_parses_is_verified(scanner: Scanner, name: str, key: str) -> None:
    assert pem_parses(key), name
    assert only_level(scanner, f'KEY = """{key}"""') == VERIFIED, name
    # The same key inside a JSON string (its newlines escaped) parses too.
    escaped = json.dumps({"private_key": key})
    assert only_level(scanner, escaped, "key.json") == VERIFIED, name


def test_a_pem_block_of_random_bytes_is_likely(scanner: Scanner) -> None:
    key = F.private_key()  # base64 of random bytes: the shape, no DER inside
    assert not pem_parses(key)
    assert only_level(scanner, f'KEY = """{key}"""') == LIKELY
    # One DER SEQUENCE whose length does not match what follows is not a key either.
    assert not pem_parses(_pem("PRIVATE KEY", b"\x30\x82\x01\x00\x02\x01\x00" + b"\x00" * 40))


def test_a_gcp_service_account_file_is_verified(scanner: Scanner) -> None:
    found = scanner.scan_text(F.gcp_service_account(), "sa.json")
    assert [(f.detector, f.confidence) for f in found] == [("gcp_service_account", VERIFIED)]


def test_known_values_are_verified() -> None:
    known = KnownValues()
    value = "Zq7" + "".join(F.rng.choice(ALNUM) for _ in range(9))
    known.add(value)
    found = Scanner(known=known, hash_key=b"k").scan_text(f"the value was {value}.", "notes.md")
    assert [(f.detector, f.confidence) for f in found] == [("known_values", VERIFIED)]


# -- likely: a vendor shape, or a credential name with a strong value ----------------


@pytest.mark.parametrize(
    "line",
    [
        'key_id = "{aws}"',
        'client = OpenAI(api_key="{openai}")',
        "stripe.api_key = '{stripe}'",
        'db_password = "{password}"',
        'url = "postgresql://analyst:{password}@wh.internal:5432/sales"',
        'url = "postgresql://analyst:{password}@localhost:5432/sales"',
    ],
)
def test_vendor_shapes_and_strong_values_are_likely(scanner: Scanner, line: str) -> None:
    text = line.format(aws=F.aws(), openai=F.openai(), stripe=F.stripe(), password=F.password())
    assert only_level(scanner, text) == LIKELY


# -- possible: weak evidence -------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'password = "Zx9#kq"',  # short
        'db_password = "Welcome123!"',  # a word and digits
        'password = "hunter22"',
        'password = "postgres"',  # a default, no host against it
        'url = "postgresql://postgres:postgres@localhost:5432/db"',
        'url = "amqp://guest:guest@rabbitmq:5672/"',  # a compose service name
        'url = "s3://minioadmin:minioadmin@127.0.0.1:9000/bucket"',
        'url = "mysql://etl_user:etl_user@host.docker.internal/db"',  # same user and password
        'url = "mysql://root:minio123@[::1]:3306/db"',
        'conn = "Server=localhost;Uid=etl_user;Pwd=etl_user;"',
        'url = "https://jdoe:{password}@api.example.com/v1"',  # documentation's own host
        'url = "postgresql://scott:tiger@localhost/test"',  # SQLAlchemy's documented pair
    ],
)
def test_weak_evidence_is_possible(scanner: Scanner, line: str) -> None:
    found = scanner.scan_text(line.format(password=F.password()), "cell.py")
    assert found, "a weak credential must still be found, as possible"
    assert {f.confidence for f in found} == {POSSIBLE}


@pytest.mark.parametrize(
    "line",
    [
        # The same user and password on a host that is not the developer's own: likely.
        'conn = "Server=sql.prod.acme.io;Uid=etl_user;Pwd=etl_user;"',
        'url = "mysql://etl_user:etl_user@db.prod.acme.io/db"',
    ],
)
def test_defaults_on_real_hosts_stay_likely(scanner: Scanner, line: str) -> None:
    assert {f.confidence for f in scanner.scan_text(line, "cell.py")} == {LIKELY}


def test_local_hosts() -> None:
    for host in ("localhost", "127.0.0.1", "127.1.2.3", "[::1]", "db", "api.localhost"):
        assert is_local_host(host), host
    for host in ("db.prod.acme.io", "10.0.0.5", "warehouse.internal"):
        assert not is_local_host(host), host


def test_vendor_formats_are_never_lowered_on_weak_evidence() -> None:
    value = "AKIA" + "Q" * 3 + "2" * 3 + "ABCDEFGHIJ"
    text = f"postgres://postgres:postgres@localhost/ {value}"
    start = text.index(value)
    level = grade(LIKELY, value, text, start, start + len(value), generic=False, detector="aws")
    assert level == LIKELY


# -- echoes inherit; detectors may declare their own --------------------------------


def test_an_echo_is_as_sure_as_its_seed(scanner: Scanner) -> None:
    weak, strong = "Welcome123!", F.password()
    nb = notebook(
        code(f'db_password = "{weak}"\n', [stream(f"connecting with {weak}\n")]),
        code(f'api_password = "{strong}"\n', [stream(f"using {strong}\n")]),
    )
    found = scanner.scan_notebook(nb)
    by_detector = sorted((f.detector, f.location, f.confidence) for f in found)
    assert by_detector == [
        ("echo", "output", LIKELY),
        ("echo", "output", POSSIBLE),
        ("password_assignment", "source", LIKELY),
        ("password_assignment", "source", POSSIBLE),
    ]


class _Declared(Detector):
    name = "declared"
    finding_type = "Declared"
    keywords = ("zzsecret",)
    confidence = POSSIBLE

    def find(self, doc: Document) -> Iterator[Candidate]:
        for start, end in doc.windows(self.keywords):
            pos = doc.text.find("zzsecret=", start, end)
            if pos != -1:
                value_start = pos + len("zzsecret=")
                yield self.candidate(value_start, value_start + 20)
                yield self.candidate(value_start, value_start + 20, confidence=VERIFIED)


def test_a_detector_declares_its_level_and_may_set_one_per_candidate() -> None:
    detector = _Declared()
    doc = Document.build("", [])
    assert detector.candidate(0, 1).confidence == POSSIBLE
    assert detector.candidate(0, 1, confidence=VERIFIED).confidence == VERIFIED
    assert Detector.confidence == LIKELY, "the default level of a detector"
    assert doc is not None
    with pytest.raises(ValueError, match="unknown confidence"):
        grade("sure", "x" * 20, "x" * 20, 0, 20, generic=False, detector="declared")
