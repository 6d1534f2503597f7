"""Contexts the labeled corpus found missed: markdown, HTML/LaTeX outputs, SQL, logs.

Each case plants a fake generated here and checks the detector and the exact span;
the look-alike cases next to them must stay clean. Messages never show a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jupyter_secrets.scanner import Finding, Scanner

from .fakes import Fakes, aws_secret_key, dotted_password, hex_token
from .nbutil import code, display, markdown, notebook, result, stream

F = Fakes(seed=31)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"test-key")


def _only(findings: list[Finding], detector: str, secret: str) -> None:
    assert [f.detector for f in findings] == [detector], (
        f"expected one {detector} finding, got {[f.detector for f in findings]}"
    )
    assert findings[0].span is not None and findings[0].span.value == secret, (
        "the finding does not cover exactly the planted value"
    )


Build = Callable[[str], dict[str, Any]]

NOTEBOOK_CASES: list[tuple[str, str, Build, Callable[[Fakes], str]]] = [
    (
        "markdown output, bold name, backticked dotted password",
        "password_assignment",
        lambda v: notebook(code("x", [display({"text/markdown": f"**smtp_password**: `{v}`"})])),
        dotted_password,
    ),
    (
        "HTML <pre> with a dotted password",
        "password_assignment",
        lambda v: notebook(code("x", [display({"text/html": f"<pre>db_password={v}</pre>"})])),
        dotted_password,
    ),
    (
        "LaTeX \\verb with a dotted password",
        "password_assignment",
        lambda v: notebook(code("x", [result({"text/latex": f"\\verb|db_password={v}|"})])),
        dotted_password,
    ),
    (
        "markdown table row in a markdown cell",
        "password_assignment",
        lambda v: notebook(markdown(f"| key | value |\n|---|---|\n| PASSWORD | `{v}` |\n")),
        lambda f: f.password(),
    ),
    (
        "bare AWS secret key after a bold name in markdown output",
        "aws",
        lambda v: notebook(
            code("x", [display({"text/markdown": f"**aws_secret_access_key**: `{v}`"})])
        ),
        aws_secret_key,
    ),
    (
        "bare AWS secret key in a stderr log line",
        "aws",
        lambda v: notebook(
            code(
                "x",
                [
                    stream(
                        f"2024-05-01 12:00:03,114 DEBUG [client] AWS_SECRET_ACCESS_KEY={v}\n",
                        "stderr",
                    )
                ],
            )
        ),
        aws_secret_key,
    ),
    (
        "AWS secret key in a markdown table",
        "aws",
        lambda v: notebook(markdown(f"| aws_secret_access_key | `{v}` |\n")),
        aws_secret_key,
    ),
    (
        "Twilio auth token assigned into os.environ",
        "twilio",
        lambda v: notebook(code(f'os.environ["TWILIO_AUTH_TOKEN"] = "{v}"')),
        hex_token,
    ),
    (
        "Twilio auth token in markdown output",
        "twilio",
        lambda v: notebook(
            code("x", [display({"text/markdown": f"**twilio_auth_token**: `{v}`"})])
        ),
        hex_token,
    ),
    (
        "password in JSON written inside a string literal",
        "password_assignment",
        lambda v: notebook(code(f'payload = "{{\\"pwd\\": \\"{v}\\"}}"')),
        lambda f: f.password(),
    ),
    (
        "AWS secret key in JSON written inside a string literal",
        "aws",
        lambda v: notebook(code(f'payload = "{{\\"aws_secret_access_key\\": \\"{v}\\"}}"')),
        aws_secret_key,
    ),
]


@pytest.mark.parametrize(
    ("what", "detector", "build", "make"), NOTEBOOK_CASES, ids=[c[0] for c in NOTEBOOK_CASES]
)
def test_secret_found_in_notebook_context(
    scanner: Scanner, what: str, detector: str, build: Build, make: Callable[[Fakes], str]
) -> None:
    secret = make(F)
    _only(scanner.scan_notebook(build(secret), "x.ipynb"), detector, secret)


TEXT_CASES: list[tuple[str, str, str]] = [
    ("CREATE USER etl WITH PASSWORD '{p}';", "init.sql", "password_assignment"),
    ("ALTER ROLE etl WITH LOGIN PASSWORD '{p}';", "init.sql", "password_assignment"),
    ("ALTER USER etl IDENTIFIED BY '{p}';", "init.sql", "password_assignment"),
    (
        "CREATE USER 'etl'@'%' IDENTIFIED WITH mysql_native_password BY '{p}';",
        "init.sql",
        "password_assignment",
    ),
    ("ALTER USER scott IDENTIFIED BY {p};", "oracle.sql", "password_assignment"),
    ("cur.execute(\"CREATE USER etl PASSWORD '{p}'\")", "x.py", "password_assignment"),
    ("```\nexport MYSQL_PASSWORD={p}\n```", "README.md", "password_assignment"),
    ("**db_password**: `{p}`", "notes.md", "password_assignment"),
    ("2024-05-01 12:00:09 INFO db_password={p}", "run.txt", "password_assignment"),
    ('password = "{p}"', "x.py", "password_assignment"),
    ("DATABASE_URL='postgresql://etl:{p}?@db.internal/sales'", ".env", "uri_credentials"),
]


@pytest.mark.parametrize(("template", "path", "detector"), TEXT_CASES)
def test_secret_found_in_plain_file(
    scanner: Scanner, template: str, path: str, detector: str
) -> None:
    password = dotted_password(F)
    findings = scanner.scan_text(template.format(p=password), path)
    expected = password + "?" if "{p}?" in template else password
    _only(findings, detector, expected)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "ALTER USER etl IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9';",
            "x.sql",
        ),
        ("CREATE USER etl WITH PASSWORD '${DB_PASSWORD}';", "x.sql"),
        ("ALTER USER etl IDENTIFIED BY :new_password;", "x.sql"),
        ("Reset the password 'Summer2024' policy for users", "x.md"),
        ("| password | required |\n| token_type | bearer |", "x.md"),
        ("| Name | Password |\n|------|----------|", "x.md"),
        ("DB_PASSWORD='SecretStr('**********')'", ".env"),
        ("2024-05-01 INFO password=settings.DB_PASSWORD", "run.txt"),
        ("**password**: `config.db_password`", "x.md"),
        ("see IPython.core.magics for the pwd=IPython.core.magics.osm:OSMagics", "x.md"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "creds.ini"),
        ('os.environ["TWILIO_AUTH_TOKEN"] = os.environ["SRC_TOKEN"]', "x.py"),
    ],
)
def test_lookalikes_in_new_contexts_are_not_flagged(scanner: Scanner, text: str, path: str) -> None:
    assert scanner.scan_text(text, path) == [], f"false positive in {path}"


def test_aws_secret_key_needs_mixed_characters(scanner: Scanner) -> None:
    # 40 characters of one case are a hash or an id, not a secret access key.
    assert scanner.scan_text("aws_secret_access_key: " + "a" * 20 + "b" * 20, "x.md") == []
    hashlike = "0123456789abcdef" * 2 + "01234567"
    assert scanner.scan_text(f"AWS_SECRET_KEY={hashlike}", "run.txt") == []


def test_markdown_table_value_needs_a_table_row(scanner: Scanner) -> None:
    nb = notebook(code("x", [display({"text/latex": "\\verb|password| is \\verb|x|"})]))
    assert scanner.scan_notebook(nb) == []
