"""The precision filters, one general class at a time: each negative (a sample, a
placeholder, a value that says it is fake, symbols) next to a positive of the same
shape, generated here, that must still be found. Messages never show a value."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.detectors.checksums import make_token
from jupyter_secrets.scanner.filters import (
    DOCS_SAMPLES,
    is_false_positive,
    is_symbols,
    says_fake,
    vendor_body,
)

from .fakes import ALNUM, HEX, UPPER_DIGITS, URLSAFE, Fakes
from .nbutil import code, notebook

F = Fakes(seed=83)
RNG = random.Random(83)


def rand(chars: str, n: int) -> str:
    # Letters and digits at both ends: a random body never starts or ends in a word.
    body = "".join(RNG.choice(chars) for _ in range(n - 2))
    return RNG.choice(string.ascii_letters) + body + RNG.choice(string.digits)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"filter-tests")


def found(scanner: Scanner, source: str) -> list[str]:
    return [f.detector for f in scanner.scan_notebook(notebook(code(source)))]


# (name, a line holding a published sample, the same line's template for a fake of its shape)
# fmt: off
SAMPLES: list[tuple[str, str, str, Callable[[], str]]] = [
    ("aws docs key id", 'key_id = "AKIAIOSFODNN7EXAMPLE"', 'key_id = "{v}"', F.aws),  # pragma: allowlist secret
    (
        "aws docs secret key",
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',  # pragma: allowlist secret
        'aws_secret_access_key = "{v}"',
        lambda: "aB3/" + rand(ALNUM + "/+", 36),
    ),
    (
        "jwt.io token",
        'token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"',  # pragma: allowlist secret
        'token = "{v}"',
        F.jwt,
    ),
    (
        "jwt.io claims under another signature",
        'token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.Q2xq8sYbO0aV9fL3mN7pR1tU5wX4zE6cB2dG8hJ0kK4"',  # pragma: allowlist secret
        'token = "{v}"',
        F.jwt,
    ),
    (
        "stripe docs secret test key",
        'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"',  # pragma: allowlist secret
        'stripe.api_key = "{v}"',
        lambda: "sk_test_" + rand(ALNUM, 24),
    ),
    (
        "stripe docs publishable key",
        'publishable_key = "pk_test_TYooMQauvdEDq54NiTphI7jx"',  # pragma: allowlist secret
        'stripe_secret = "{v}"',
        lambda: "pk_test_" + rand(ALNUM, 24),
    ),
    (
        "github docs token",
        'token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"',  # pragma: allowlist secret
        'token = "{v}"',
        lambda: make_token("ghp", rand(ALNUM, 30)),
    ),
    (
        "github docs installation token",
        'token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"',  # pragma: allowlist secret
        'token = "{v}"',
        lambda: make_token("ghs", rand(ALNUM, 30)),
    ),
    (
        "slack docs bot token",
        'client = WebClient(token="xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy")',  # pragma: allowlist secret
        'client = WebClient(token="{v}")',
        F.slack,
    ),
    (
        "RFC 6749 access token",
        'access_token = "2YotnFZFEjr1zCsicMWpAA"',  # pragma: allowlist secret
        'access_token = "{v}"',
        lambda: rand(ALNUM, 22),
    ),
    (
        "RFC 6749 client secret",
        'client_secret = "7Fjfp0ZBr1KtDRbnfVdmIw"',  # pragma: allowlist secret
        'client_secret = "{v}"',
        lambda: rand(ALNUM, 22),
    ),
    (
        "RFC 6750 bearer token",
        'access_token = "mF_9.B5f-4.1JqM"',  # pragma: allowlist secret
        'access_token = "{v}"',
        lambda: f"{rand(ALNUM, 4)}.{rand(ALNUM, 3)}-4.{rand(ALNUM, 4)}",
    ),
    (
        "RFC 6749 client credentials in Basic form",
        'auth_token = "czZCaGRSa3F0MzpnWDFmQmF0M2JW"',  # pragma: allowlist secret
        'auth_token = "{v}"',
        lambda: rand(ALNUM, 28),
    ),
    (
        "twilio docs account SID as a secret",
        'twilio_secret = "AC44CE4123947237834573457345347567"',  # pragma: allowlist secret
        'twilio_secret = "{v}"',
        lambda: "AC" + rand(HEX, 32),
    ),
    (
        "firebase docs web API key",
        'firebase_config = {"apiKey": "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO"}',  # pragma: allowlist secret
        'firebase_config = {{"apiKey": "{v}"}}',
        lambda: "AIza" + rand(URLSAFE, 35),
    ),
    (
        "discord docs bot token",
        'DISCORD_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"',  # pragma: allowlist secret
        'DISCORD_TOKEN = "{v}"',
        lambda: "M" + rand(ALNUM, 23) + "." + rand(ALNUM, 6) + "." + rand(ALNUM, 27),
    ),
    (
        "telegram docs bot token",
        'telegram_token = "110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw"',  # pragma: allowlist secret
        'telegram_token = "{v}"',
        lambda: "".join(RNG.choice(string.digits) for _ in range(9)) + ":AA" + rand(ALNUM, 33),
    ),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "sample", "template", "make"), SAMPLES, ids=[s[0] for s in SAMPLES]
)
def test_published_samples_are_not_findings_but_their_shape_is(
    scanner: Scanner, name: str, sample: str, template: str, make: Callable[[], str]
) -> None:
    assert found(scanner, sample) == [], f"{name}: the published sample was reported"
    assert found(scanner, template.format(v=make())), f"{name}: a fake of the same shape was missed"


def test_the_sample_table_is_data_with_sources() -> None:
    from pathlib import Path

    from jupyter_secrets.scanner import filters

    text = Path(filters.__file__).read_text(encoding="utf-8")
    table = text[text.index("DOCS_SAMPLES = frozenset(") : text.index("SAMPLE_BODY_LENGTH =")]
    assert len(DOCS_SAMPLES) >= 25
    assert table.count("#") > len(DOCS_SAMPLES), "every entry carries its pragma, groups a source"


# (a line with a vendor prefix and a placeholder, a fake of the real shape for that line)
# fmt: off
VENDOR_PLACEHOLDERS: list[tuple[str, str, Callable[[], str]]] = [
    ('key_id = "AKIA<your access key>"', 'key_id = "{v}"', F.aws),  # pragma: allowlist secret
    ('key_id = "AKIAXXXXXXXXXXXXXXXX"', 'key_id = "{v}"', F.aws),  # pragma: allowlist secret
    ('openai.api_key = "sk-..."', 'openai.api_key = "{v}"', F.openai),  # pragma: allowlist secret
    ('openai.api_key = "sk-xxxx"', 'openai.api_key = "{v}"', F.openai),  # pragma: allowlist secret
    ('api_key = "sk-proj-YOUR_KEY_HERE"', 'api_key = "{v}"', F.openai),  # pragma: allowlist secret
    ('api_key = "sk-YOUR-API-KEY"', 'api_key = "{v}"', F.openai),  # pragma: allowlist secret
    ('api_key = "sk-ant-api03-<key>"', 'api_key = "{v}"', F.anthropic),  # pragma: allowlist secret
    ('token = "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"', 'token = "{v}"', F.github),  # pragma: allowlist secret
    ('token = "ghp_<token>"', 'token = "{v}"', F.github),  # pragma: allowlist secret
    ('HF_TOKEN = "hf_****"', 'HF_TOKEN = "{v}"', F.huggingface),  # pragma: allowlist secret
    ('HF_TOKEN = "hf_YOUR_TOKEN"', 'HF_TOKEN = "{v}"', F.huggingface),  # pragma: allowlist secret
    ('slack_token = "xoxb-your-token"', 'slack_token = "{v}"', F.slack),  # pragma: allowlist secret
    ('stripe.api_key = "sk_live_{{ stripe_key }}"', 'stripe.api_key = "{v}"', F.stripe),  # pragma: allowlist secret
    ('token = "<token>"', 'token = "{v}"', F.github),  # pragma: allowlist secret
    ('token = "{{ token }}"', 'token = "{v}"', F.github),  # pragma: allowlist secret
    ('token = "glpat-${GITLAB_TOKEN}"', 'token = "{v}"', F.gitlab),  # pragma: allowlist secret
    ('key = "AIza-your-api-key-here"', 'key = "{v}"', F.google_api_key),  # pragma: allowlist secret
    ('token = "npm_!!!!!!!!!!!!"', 'token = "{v}"', F.npm),  # pragma: allowlist secret
]
# fmt: on


@pytest.mark.parametrize(("line", "template", "make"), VENDOR_PLACEHOLDERS)
def test_a_vendor_prefix_with_a_placeholder_is_not_a_finding(
    scanner: Scanner, line: str, template: str, make: Callable[[], str]
) -> None:
    assert found(scanner, line) == [], "a vendor prefix with a placeholder body was reported"
    assert found(scanner, template.format(v=make())), "a real-shaped token was missed"


def test_vendor_body_is_what_follows_the_prefix() -> None:
    assert vendor_body("sk-proj-YOUR_KEY_HERE") == "YOUR_KEY_HERE"  # pragma: allowlist secret
    assert vendor_body("sk_test_abc") == "abc"
    assert vendor_body("AKIA<...>") == "<...>"
    assert vendor_body("hunter22") is None


# (a value that says it is fake, assigned; a real-looking value of the same kind)
# fmt: off
SAYS_FAKE: list[tuple[str, str]] = [
    ('password = "somefakekey"', 'password = "{v}"'),  # pragma: allowlist secret
    ('token = "dummy_token_123"', 'token = "{v}"'),  # pragma: allowlist secret
    ('password = "fake-password"', 'password = "{v}"'),  # pragma: allowlist secret
    ('api_key = "notarealkey99"', 'api_key = "{v}"'),  # pragma: allowlist secret
    ('api_key = "not_a_real_key_1"', 'api_key = "{v}"'),  # pragma: allowlist secret
    ('password = "example"', 'password = "{v}"'),  # pragma: allowlist secret
    ('password = "test1234"', 'password = "{v}"'),  # pragma: allowlist secret
    ('password = "my_test_pw_9"', 'password = "{v}"'),  # pragma: allowlist secret
    ('db_password = "MyTestPass9"', 'db_password = "{v}"'),  # pragma: allowlist secret
    ('password = "sample"', 'password = "{v}"'),  # pragma: allowlist secret
    ('secret = "Sample-Secret-2024"', 'secret = "{v}"'),  # pragma: allowlist secret
    ('uri = "postgres://etl:fakepass99@db.internal/x"', 'uri = "postgres://etl:{v}@db.internal/x"'),  # pragma: allowlist secret
    ('password = "this-is-not-a-secret"', 'password = "{v}"'),  # pragma: allowlist secret
    ('api_key = "NotAValidKey"', 'api_key = "{v}"'),  # pragma: allowlist secret
]
# fmt: on


@pytest.mark.parametrize(("line", "template"), SAYS_FAKE)
def test_values_that_say_they_are_fake_are_not_findings(
    scanner: Scanner, line: str, template: str
) -> None:
    assert found(scanner, line) == [], "a value that says it is fake was reported"
    assert found(scanner, template.format(v=F.password())), "a real-looking password was missed"


@pytest.mark.parametrize(
    "password",
    [
        "Contest#2024",  # "test" inside a word
        "Latest!Pw2024",
        "attestation-9Q",
        "Protester77!",
        "anotherSecret42!",  # "not" inside a word
        "Knotkey#2024",
    ],
)
def test_test_inside_a_word_is_not_a_fake_marker(scanner: Scanner, password: str) -> None:
    assert not says_fake(password)
    assert found(scanner, f'password = "{password}"') == ["password_assignment"]


def test_vendor_tokens_say_fake_only_at_the_edges(scanner: Scanner) -> None:
    body = rand(ALNUM, 20)
    assert found(scanner, f'stripe.api_key = "sk_live_fake{body}"') == []
    assert found(scanner, f'stripe.api_key = "sk_live_{body}Test"') == []
    # "test" in the middle of a random body is chance, not a marker.
    middle = body[:10] + "test" + body[10:]
    assert found(scanner, f'stripe.api_key = "sk_live_{middle}"') == ["stripe"]
    assert not is_false_positive("sk_live_" + middle, generic=False)


@pytest.mark.parametrize(
    "value", ["!@#$%^&*", "--------", "********", "<><><>", "?!?!?!?!", ",.:-¨@*¿?!"]
)
def test_symbol_only_values_are_not_findings(scanner: Scanner, value: str) -> None:
    assert is_symbols(value) and is_false_positive(value, generic=True)
    assert found(scanner, f"password = '{value}'") == []


def test_symbols_with_one_letter_or_digit_are_still_a_password(scanner: Scanner) -> None:
    for value in ("!@#$%^&*a", "-----9----", "A,.:-¨@*¿?!"):  # pragma: allowlist secret
        assert not is_symbols(value)
        assert found(scanner, f"password = '{value}'") == ["password_assignment"]


@pytest.mark.parametrize(
    "value",
    [
        "{{ secrets.db_password }}",
        "${DB_PASSWORD}",
        "${DB_PASSWORD:-changeme}",
        "${env:DB_PASSWORD}",
        "{password}",
        "{cfg.db_password!r}",
        "{first_token_time:.2f}",
        "{rate:.1f}% of {rows[0]}",
        "%(password)s",
        "<password>",
        "<s0><s1>",
    ],
)
def test_well_formed_templates_are_placeholders(scanner: Scanner, value: str) -> None:
    assert found(scanner, f'password = "{value}"') == []


@pytest.mark.parametrize(
    "value",
    [
        "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}",  # pragma: allowlist secret
        "x{{Q7}z${]9",  # pragma: allowlist secret
        "ab{{cd}9!",  # pragma: allowlist secret
    ],
)
def test_template_characters_in_a_random_value_do_not_hide_it(scanner: Scanner, value: str) -> None:
    assert found(scanner, f'password = "{value}"') == ["password_assignment"]


def test_random_tokens_are_not_rejected_by_any_class() -> None:
    """A thousand random bodies behind each vendor prefix pass every class."""
    makers = [F.aws, F.openai, F.huggingface, F.github, F.stripe, F.slack, F.gitlab, F.npm]
    for make in makers:
        for _ in range(1000):
            value = make()
            assert not is_false_positive(value, generic=False), "a random token was dropped"
    for _ in range(2000):
        value = rand(ALNUM + "!#%&*+-.=?@^_~", 14)
        assert not is_false_positive(value, generic=True) or says_fake(value) or "xxxxx" in value
    assert UPPER_DIGITS  # the fakes' alphabets are shared with the other tests


def test_base64_secrets_with_slashes_are_neither_refs_nor_paths() -> None:
    """AWS secret keys are 40 characters of base64, so most hold a "/" (and 1 in 64
    starts with one): such a value parses as a secret ref or a path, yet its parts are
    no names, so no generic class may drop it."""
    alphabet, rng = ALNUM + "+/", random.Random(40)
    values = ["".join(rng.choice(alphabet) for _ in range(40)) for _ in range(5000)]
    tried = [v for v in values if "/" in v and not says_fake(v) and not _RUNS.search(v)]
    dropped = sum(is_false_positive(v, generic=True) for v in tried)
    # Long same-case runs around a slash still read as names, about 1 in 20,000.
    assert dropped <= len(tried) // 1000, f"{dropped} of {len(tried)} base64 secrets dropped"
    for name in ("prod/db/password", "dev/openai/API_KEY", "team/ProjectAlpha2024/key"):
        assert is_false_positive(name, generic=True), f"{name}: a ref, not a secret"
    for path in ("/run/secrets/pw", "~/.aws/credentials", "/data/Model2024v3.pt"):
        assert is_false_positive(path, generic=True), f"{path}: a path, not a secret"


_RUNS = re.compile(r"(.)\1{7,}")
