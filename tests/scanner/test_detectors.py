"""Every detector: a positive (generated fake) and negatives (look-alikes)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jupyter_secrets.scanner import Finding, Scanner
from jupyter_secrets.scanner.registry import BUILTIN, load_detectors

from .fakes import Fakes, detector_cases

FAKES = Fakes(seed=1)
CASES = detector_cases(FAKES)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"test-key")


def _detectors(findings: list[Finding]) -> list[str]:
    return [f.detector for f in findings]


@pytest.mark.parametrize(
    ("name", "template", "make"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_detector_finds_its_format_in_code(
    scanner: Scanner, name: str, template: str, make: Callable[[], str]
) -> None:
    secret = make()
    findings = scanner.scan_text(template.format(s=secret), "cell.py")
    assert _detectors(findings) == [name], (
        f"expected one {name} finding, got {_detectors(findings)}"
    )
    span = findings[0].span
    assert span is not None and span.value == secret, "span does not cover exactly the secret"


@pytest.mark.parametrize(
    ("name", "template", "make"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_detector_finds_its_format_in_notebook_json_string(
    scanner: Scanner, name: str, template: str, make: Callable[[], str]
) -> None:
    import orjson

    secret = make()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "c1",
                "metadata": {},
                "outputs": [],
                "source": template.format(s=secret).splitlines(keepends=True),
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    # Through JSON text: quotes and newlines are escaped on disk, unescaped by the parser.
    findings = scanner.scan_notebook(orjson.dumps(nb), "x.ipynb")
    assert _detectors(findings) == [name]
    assert findings[0].cell_id == "c1" and findings[0].location == "source"


def test_every_builtin_detector_has_a_case_or_a_dedicated_test() -> None:
    covered = {c[0] for c in CASES} | {
        "gcp_service_account",
        "azure_connection_string",
        "uri_credentials",
        "connection_string_password",
        "password_assignment",
        "azure_storage_key",
        "mailchimp",
        "square",
        "discord",
        "telegram",
        "ibm_cloud_iam",
        "cloudant",
        # tests/scanner/test_recall_contexts.py
        "cli_credentials",
        "login_credentials",
        "twilio_auth_token",
        "npm_legacy",
        "jfrog",
        "printed_credential",
    }
    assert set(BUILTIN) <= covered, f"untested detectors: {set(BUILTIN) - covered}"


def test_checksum_is_verified_for_github_and_npm(scanner: Scanner) -> None:
    good = FAKES.github()
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert _detectors(scanner.scan_text(f'tok = "{good}"')) == ["github"]
    assert scanner.scan_text(f'tok = "{bad}"') == [], "a token with a wrong checksum was flagged"
    npm_bad = FAKES.npm()[:-2] + "00"
    assert scanner.scan_text(f'print("{npm_bad}")\n') == []


@pytest.mark.parametrize(
    "text",
    [
        "from huggingface_hub import hf_hub_download",
        "hf_downloadfromhubwithcachedresultstodisk = 1",
        "sk-learn and risk-adjusted returns",
        "AKIAIOSFODNN7EXAMPLE",  # pragma: allowlist secret
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "dapi" + "0" * 32,
        "task = 'SKIP'",
        "see https://hooks.slack.com/ for docs",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\n" + "A" * 64 + "\n-----END CERTIFICATE-----",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",  # pragma: allowlist secret
        "id = 'c0a8e1f2-9b3d-4c5e-8f7a-1b2c3d4e5f60'",
    ],
)
def test_lookalikes_are_not_flagged(scanner: Scanner, text: str) -> None:
    assert scanner.scan_text(text, "x.py") == []


def test_base64_blob_never_yields_a_token(scanner: Scanner) -> None:
    # A vendor prefix inside a base64 run is noise: boundaries must reject it.
    blob = "iVBORw0KGgo" + "Qm9va3M" * 50 + "AIza" + "B" * 35 + "Qm9va3M" * 50
    assert scanner.scan_text(f"<img src='data:image/png;base64,{blob}'>", "x.html") == []


def test_gcp_service_account_json(scanner: Scanner) -> None:
    sa = FAKES.gcp_service_account()
    findings = scanner.scan_text(sa, "sa.json")
    assert _detectors(findings) == ["gcp_service_account"]
    assert findings[0].type == "GCP Service Account Key"


def test_gcp_service_account_as_escaped_json_text(scanner: Scanner) -> None:
    import json

    one_line = json.dumps(json.loads(FAKES.gcp_service_account()))  # \n escapes inside the key
    assert _detectors(scanner.scan_text(one_line, "sa.json")) == ["gcp_service_account"]


def test_azure_connection_string(scanner: Scanner) -> None:
    key = FAKES.azure_key()
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key};EndpointSuffix=core.windows.net"
    findings = scanner.scan_text(f'conn = "{conn}"')
    assert _detectors(findings) == ["azure_connection_string"]
    assert findings[0].span is not None and findings[0].span.value == key
    sb = f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey={key[:44]}"
    assert _detectors(scanner.scan_text(sb)) == ["azure_connection_string"]


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql://analyst:{p}@db.internal:5432/warehouse",
        "mysql+pymysql://root:{p}@127.0.0.1/app",
        "mongodb+srv://svc:{p}@cluster0.abcd.mongodb.net/?retryWrites=true",
        "redis://default:{p}@cache:6379/0",
        "mssql+pyodbc://sa:{p}@sqlserver/db?driver=ODBC+Driver+18",
        "snowflake://etl:{p}@acme-xy12345/analytics/public",
        "clickhouse://default:{p}@ch.local:8123/default",
        "https://user:{p}@private.example.com/repo.git",
        "pip install --index-url https://bob:{p}@pypi.corp.example/simple pkg",
        "git clone https://oauth2:{p}@gitlab.com/group/project.git",
        "amqp://guest:{p}@rabbit:5672/",
    ],
)
def test_uri_credentials_every_scheme(scanner: Scanner, uri: str) -> None:
    password = FAKES.password()
    findings = scanner.scan_text(uri.format(p=password), "notes.md")
    assert _detectors(findings) == ["uri_credentials"]
    assert findings[0].span is not None and findings[0].span.value == password


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql://user:password@localhost/db",
        "postgresql://user:${DB_PASSWORD}@localhost/db",
        "postgresql://user:<password>@localhost/db",
        "postgresql://user:****@localhost/db",
        "postgresql://user:{password}@localhost/db",
        "postgresql://user@localhost/db",
        "https://example.com/a:b@c",
    ],
)
def test_uri_placeholders_are_not_flagged(scanner: Scanner, uri: str) -> None:
    assert scanner.scan_text(uri, "notes.md") == []


@pytest.mark.parametrize(
    "template",
    [
        "jdbc:sqlserver://db:1433;databaseName=x;user=sa;password={p};encrypt=true",
        "jdbc:snowflake://acme.snowflakecomputing.com/?user=etl&password={p}&warehouse=wh",
        "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:x;UID=sa;PWD={p};",
        "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:x;UID=sa;PWD={{{p}}};",
        "Server=myServer;Database=db;User Id=u;Password={p};",
    ],
)
def test_connection_string_passwords(scanner: Scanner, template: str) -> None:
    password = FAKES.password()
    findings = scanner.scan_text(template.format(p=password), "conn.txt")
    assert _detectors(findings) == ["connection_string_password"]
    assert findings[0].span is not None and findings[0].span.value == password


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('password = "{p}"', "x.py"),
        ("db_password = '{p}'", "x.py"),
        ('conf = {{"password": "{p}"}}', "x.py"),
        ('engine = connect(user="u", password="{p}")', "x.py"),
        ('os.environ["DB_PASSWORD"] = "{p}"', "x.py"),
        ('self.apiSecret: str = "{p}"', "x.py"),
        ("PASSWORD={p}", ".env"),
        ("export PGPASSWORD={p}", "run.sh"),
        ("%env DB_PASSWORD={p}", "x.py"),
        ("  password: {p}", "config.yaml"),
        ("password = {p}", "settings.ini"),
        ('"client_secret": "{p}"', "creds.json"),
    ],
)
def test_password_assignments(scanner: Scanner, template: str, path: str) -> None:
    password = FAKES.password()
    findings = scanner.scan_text(template.format(p=password), path)
    assert _detectors(findings) == ["password_assignment"], _detectors(findings)
    assert findings[0].span is not None and findings[0].span.value == password


@pytest.mark.parametrize(
    "template",
    [
        "<pre>password={p}</pre>",
        "**passwd**: `{p}`",
        "\\verb|pwd={p}|",
        "<td>db_password: {p}</td>",
    ],
)
def test_inline_assignments_in_outputs(scanner: Scanner, template: str) -> None:
    from .nbutil import code, display, notebook

    password = F_INLINE.password()
    nb = notebook(code("x", [display({"text/html": template.format(p=password)})]))
    findings = scanner.scan_notebook(nb)
    assert _detectors(findings) == ["password_assignment"]
    assert findings[0].span is not None and findings[0].span.value == password


@pytest.mark.parametrize("text", ["<pre>password: incorrect</pre>", "<pre>password=sk-...</pre>"])
def test_inline_prose_is_not_flagged(scanner: Scanner, text: str) -> None:
    from .nbutil import code, display, notebook

    assert scanner.scan_notebook(notebook(code("x", [display({"text/html": text})]))) == []


F_INLINE = Fakes(seed=9)


def test_weak_password_hunter2_style(scanner: Scanner) -> None:
    assert _detectors(scanner.scan_text('password = "Tr0ub4dor&3"')) == [
        "password_assignment"
    ]  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("password = get_password()", "x.py"),
        ("password = os.environ['DB_PASSWORD']", "x.py"),
        ('password = os.getenv("DB_PASSWORD")', "x.py"),
        ("password = getpass.getpass()", "x.py"),
        ('password = keyring.get_password("svc", "me")', "x.py"),
        ('token = dbutils.secrets.get(scope="s", key="k")', "x.py"),
        ("token = userdata.get('HF_TOKEN')", "x.py"),
        ('password = secret("prod/db/password")', "x.py"),
        ('password = "secret://prod/db/password"', "x.py"),
        ('password = "prod/db/password"', "x.py"),
        ("%secret prod/db/password", "x.py"),
        ('password = "<your password here>"', "x.py"),
        ('api_key = "YOUR_API_KEY_HERE"', "x.py"),
        ('password = "${DB_PASSWORD}"', "x.py"),
        ("password: {{ secrets.DB_PASSWORD }}", "ci.yaml"),
        ('password = "xxxxxxxx"', "x.py"),
        ('password = "********"', "x.py"),
        ("password = '[REDACTED]'", "x.py"),
        ("SecretStr('**********')", "x.py"),
        ('password_hash = "5f4dcc3b5aa765d61d8327deb882cf99"', "x.py"),
        ('token_type = "bearer"', "x.py"),
        ('max_tokens = "12345678"', "x.py"),
        ('secret_name = "prod-db-creds"', "x.py"),
        ('api_key = "OPENAI_API_KEY"', "x.py"),
        ('password_file = "/etc/app/pw.txt"', "x.py"),
        ("password = other_variable", "x.py"),
        ('if password == "abcdefgh":', "x.py"),
        ('print("password:", "is required")', "x.py"),
        ('author = "Jane Doe 123"', "x.py"),
        ('session_token = "c0a8e1f2-9b3d-4c5e-8f7a-1b2c3d4e5f60"', "x.py"),
        ("password: ${DB_PASS}", "config.yaml"),
        ("PASSWORD=", ".env"),
        ('"input_token": "NextToken",', "x.py"),
        ("SECRET_KEY = 'AWSSecretKey'", "x.py"),
        ('"pwd": "IPython.core.magics.osm:OSMagics",', "x.py"),
        ('ACL_CREDENTIALS = "Access-Control-Allow-Credentials"', "x.py"),
        ('cparams["password"] = "some_password"', "x.py"),
        ('name="Microsoft.VC%(maj)d%(min)d.CRT" password="%(pw)s"', "x.py"),
        ('PASSWORD = "postgresql://etl:<password>@db.internal:5432/sales"', "x.py"),
        ("<code>postgresql://etl:&lt;password&gt;@db.internal/sales</code>", "x.html"),
    ],
)
def test_non_secrets_are_not_flagged(scanner: Scanner, text: str, path: str) -> None:
    assert scanner.scan_text(text, path) == [], f"false positive on {text!r}"


def test_detectors_can_be_selected_and_unknown_names_fail() -> None:
    from jupyter_secrets.scanner import ScanError

    only = Scanner(detectors=["github"], hash_key=b"k")
    assert [d.name for d in only.detectors] == ["github"]
    assert only.scan_text(f'x = "{FAKES.google_api_key()}"') == []
    with pytest.raises(ScanError, match="unknown detector 'nope'"):
        load_detectors(["nope"])
