"""Contexts the labeled corpus found missed: markdown, HTML/LaTeX outputs, SQL, logs.

Each case plants a fake generated here and checks the detector and the exact span;
the look-alike cases next to them must stay clean. Messages never show a value.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import pytest

from jupyter_secrets.scanner import Finding, Scanner

from .carriers import CARRIERS
from .fakes import URLSAFE, Fakes, aws_secret_key, discord_token, dotted_password, hex_token
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


# --- carriers --------------------------------------------------------------------------
# Each recall class below is a context; it runs through every carrier it can occur in
# (tests/scanner/carriers.py): code, markdown and raw cells, stream stdout,
# execute_result text/plain and text/html, display_data text/markdown, error traceback.


def _found_once(scanner: Scanner, nb: dict[str, Any], detector: str, secret: str) -> None:
    findings = scanner.scan_notebook(nb, "x.ipynb")
    _only(findings, detector, secret)


def _clean(scanner: Scanner, nb: dict[str, Any]) -> None:
    findings = scanner.scan_notebook(nb, "x.ipynb")
    assert findings == [], f"false positive: {[(f.detector, f.type) for f in findings]}"


# --- 1. configuration text inside Python string literals --------------------------------

CONFIG_IN_CODE = [
    'cfg = yaml.safe_load("""\ndb:\n  host: db.internal\n  password: {v}\n""")',
    'parser.read_string("""\n[db]\nuser = etl\npassword = {v}\n""")',
    'env_text = """\nDB_USER=etl\nDB_PASSWORD={v}\n"""\nload_dotenv(stream=io.StringIO(env_text))',
    'settings = tomllib.loads("""\n[database]\npassword = "{v}"\n""")',
    "cfg = yaml.safe_load('''\nsmtp:\n  smtp_password: {v}\n''')",
    'cfg = yaml.safe_load(r"""db:\n  password: {v}""")',
    'parser.read_string("[db]\\npassword = {v}\\nuser = etl")',
    'yaml.safe_load("password: {v}")',
    'conf = """\n  - name: warehouse\n    password: {v}  # rotated monthly\n"""',
]
CONFIG_IN_TEXT = {
    "markdown": "```yaml\ndb:\n  password: {v}\n```",
    "raw": "[db]\nuser = etl\npassword = {v}\n",
    "stdout": "[db]\nuser = etl\npassword = {v}\n",
    "text/plain": "'[db]\\nuser = etl\\npassword = {v}\\nport = 5432'",
    "text/html": "<pre>db:\n  password: {v}\n</pre>",
    "text/markdown": "```ini\n[db]\npassword = {v}\n```",
    "traceback": 'ScannerError: mapping values are not allowed here\n  in "<unicode string>", line 3\n    password: {v}',
}


@pytest.mark.parametrize("template", CONFIG_IN_CODE)
def test_config_text_in_a_string_literal_is_read_as_config(scanner: Scanner, template: str) -> None:
    password = F.password()
    nb = CARRIERS["code"](template.replace("{v}", password))
    _found_once(scanner, nb, "password_assignment", password)


@pytest.mark.parametrize("carrier", sorted(CONFIG_IN_TEXT))
def test_config_text_in_every_text_carrier(scanner: Scanner, carrier: str) -> None:
    password = dotted_password(F)
    nb = CARRIERS[carrier](CONFIG_IN_TEXT[carrier].replace("{v}", password))
    _found_once(scanner, nb, "password_assignment", password)


@pytest.mark.parametrize(
    "source",
    [
        # Docstrings and messages: prose inside strings is not a config line.
        '"""Connect.\n\nArgs:\n    password: the password to use\n    token: str\n"""',
        'raise ValueError("password: expected a string, got None")',
        'print("token: " + token)',
        'logging.info("password=%s", pw)',
        'print(f"password={password}")',
        'print(f"api_key: {settings.api_key}")',
        "def connect(password: str = None, token: Optional[str] = None): ...",
        "password = other_variable",
        '"""\nDB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=<your key>\n"""',
        # Python code outside string literals is not config.
        "if True:\n    password: str\n    db_password = settings.DB_PASSWORD",
    ],
)
def test_python_strings_that_are_not_config(scanner: Scanner, source: str) -> None:
    _clean(scanner, CARRIERS["code"](source))


# --- 9. SQL passwords: a quoted value is a literal, even in snake_case ------------------


@pytest.mark.parametrize(
    "template",
    [
        "cur.execute(\"ALTER ROLE etl WITH PASSWORD '{v}'\")",
        "cur.execute(\"CREATE USER etl WITH LOGIN PASSWORD '{v}'\")",
        "engine.execute(\"ALTER USER app IDENTIFIED BY '{v}'\")",
        'sql = """\nCREATE USER reporting\n  WITH PASSWORD \'{v}\';\n"""',
    ],
)
@pytest.mark.parametrize("carrier", ["code", "markdown", "stdout"])
def test_sql_password_in_snake_case(scanner: Scanner, template: str, carrier: str) -> None:
    words = ["".join(F.rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(5)) for _ in range(3)]
    value = "_".join(words)  # summer_breeze_river: no digit, no capital, still a password
    text = template.replace("{v}", value)
    if carrier != "code":
        text = text.split('"', 1)[1].rsplit('"', 1)[0] if "execute" in text else text
    _found_once(scanner, CARRIERS[carrier](text), "password_assignment", value)


@pytest.mark.parametrize("carrier", ["markdown", "stdout", "text/html", "raw"])
@pytest.mark.parametrize(
    "prose",
    [
        "Interestingly, the outliers (`-1`) identified by HDBSCAN are all island nations.",
        "There were a total of 7495 pregnancies identified by either set of records.",
        "The suspect was identified by witnesses at the scene.",
        "Clusters identified by KMeans_v2 differ from those identified by DBSCAN.",
    ],
)
def test_identified_by_in_prose_is_not_sql(scanner: Scanner, carrier: str, prose: str) -> None:
    _clean(scanner, CARRIERS[carrier](prose))


def test_identified_by_bare_value_in_a_sql_statement(scanner: Scanner) -> None:
    password = dotted_password(F)
    for text in (
        f"ALTER USER scott IDENTIFIED BY {password};",
        f"CREATE USER scott\n  IDENTIFIED BY {password}\n  DEFAULT TABLESPACE users;",
        f"GRANT CONNECT TO scott IDENTIFIED BY {password};",
    ):
        _only(scanner.scan_text(text, "oracle.sql"), "password_assignment", password)


# --- item 3: precision classes that live in detectors ----------------------------------


def _random_token(n: int = 40) -> str:
    return "aB3" + F.rand(string.ascii_letters + string.digits, n - 3)


@pytest.mark.parametrize(
    ("carrier", "template"),
    [
        # .NET assembly identities: the public key token is public.
        ("stdout", "Loaded 'System.Data, Version=4.0.0.0, Culture=neutral, PublicKeyToken={h}'"),
        ("traceback", "FileNotFoundException: Could not load 'Foo, PublicKeyToken={h}'"),
        ("code", 'asm = "Foo, Version=1.0.0.0, Culture=neutral, PublicKeyToken={h}"'),
        # Error prose from credential chains.
        (
            "traceback",
            "ClientAuthenticationError: DefaultAzureCredential failed to retrieve a token.\n"
            "Attempted credentials:\n\tEnvironmentCredential: EnvironmentCredential "
            "authentication unavailable.\n\tManagedIdentityCredential: unavailable",
        ),
        ("stdout", "credentials: AzureCliCredential: Please run 'az login' to set up an account"),
        # Interpolated expressions as values.
        ("code", 'cmd = "api_key=\\"{azureOpenAIKey.GetClearTextPassword()}\\""'),
        ("code", '$env:API_KEY="{$cred.GetNetworkCredential().Password}"'),
        ("markdown", "```yaml\napi_key: ${{ secrets.OPENAI_API_KEY }}\n```"),
        ("code", '!curl -H "X-Api-Key: $(cat /run/secrets/api_key)" https://x.io'),
        ("code", 'headers = {"token": f"{session.token()}"}'),
        # Ordinary words as token-named URL query parameters.
        ("markdown", "[Sign up](https://app.example.com/?onboarding_token=vectorsearch&utm=docs)"),
        ("code", 'url = "https://app.example.com/signup?invite_token=welcome&ref=nav"'),
        ("text/html", '<a href="/start?access_token=Introduction">start</a>'),
    ],
)
def test_detector_side_precision_classes(scanner: Scanner, carrier: str, template: str) -> None:
    text = template.replace("{h}", hex_token(F, 16))
    _clean(scanner, CARRIERS[carrier](text))


@pytest.mark.parametrize(
    ("carrier", "template"),
    [
        # Pagination cursors are random, and not credentials.
        ("text/plain", '{{\n  "models": [],\n  "nextPageToken": "{v}"\n}}'),
        ("stdout", "next_token={v}"),
        ("code", 'resp = client.list(page_token="{v}")'),
        ("code", 'params = {{"continuationToken": "{v}", "cursor": "{v}"}}'),
        ("markdown", "| nextPageToken |\n|---|\n| `{v}` |"),
        # Tokenizer tokens.
        ("code", 'instance_token = "<s0><s1>"\nprompt = f"a {{instance_token}} icon"'),
        ("code", 'tok = AutoTokenizer.from_pretrained(m, bos_token="<s>", pad_token="[PAD]")'),
        ("code", 'tokenizer.add_special_tokens({{"pad_token": "<pad>", "eos_token": "</s>"}})'),
        ("code", 'placeholder_token = "<cat-toy>"\ninitializer_token = "toy"'),
        ("stdout", "validation prompt: a <s0><s1> icon, in the style of <s0><s1>"),
        (
            "code",
            'special_tokens = {{"mask_token": "[MASK]", "sep_token": "[SEP]", "unk_token": "{v}"}}',
        ),
    ],
)
def test_cursors_and_tokenizer_tokens_are_not_credentials(
    scanner: Scanner, carrier: str, template: str
) -> None:
    _clean(scanner, CARRIERS[carrier](template.format(v=_random_token(52))))


# --- 6. comparisons and lookup defaults -------------------------------------------------

BOUND_BY_CODE = [
    'if api_key == "{v}":\n    allow()',
    'if token != "{v}":\n    raise PermissionError()',
    'if ("{v}" == password) {{ ok(); }}',
    'assert "{v}" == settings.secret_token',
    'key = os.environ.get("API_KEY", "{v}")',
    't = os.getenv("TOKEN", "{v}")',
    'os.environ.setdefault("DB_PASSWORD", "{v}")',
    'pw = config.get("password", "{v}")',
    "secret = kwargs.pop('client_secret', default='{v}')",
    'token = getattr(settings, "hf_token", "{v}")',
    'pw = os.environ.get("DB_PASSWORD") or "{v}"',
    'const key = process.env.get("API_KEY") || "{v}";',
]
# Where code is shown: a markdown or raw cell, a traceback's source lines, printed source.
CODE_CARRIERS = {
    "code": "{s}",
    "markdown": "```python\n{s}\n```",
    "raw": "{s}",
    "traceback": "---> 12 {s}",
    "stdout": "{s}",
    "text/markdown": "```python\n{s}\n```",
}


@pytest.mark.parametrize("template", BOUND_BY_CODE)
@pytest.mark.parametrize("carrier", sorted(CODE_CARRIERS))
def test_comparisons_and_defaults_bind_a_value(
    scanner: Scanner, template: str, carrier: str
) -> None:
    value = _random_token(24)
    source = template.format(v=value)
    nb = CARRIERS[carrier](CODE_CARRIERS[carrier].replace("{s}", source))
    _found_once(scanner, nb, "password_assignment", value)


@pytest.mark.parametrize(
    "source",
    [
        'if token == "undefined":',
        'if password == "abcdefgh":',
        'if api_key == "":',
        'if token_type == "Bearer12":',
        'key = os.environ.get("API_KEY", "")',
        'key = os.environ.get("API_KEY", None)',
        'key = os.environ.get("API_KEY", "OPENAI_API_KEY")',
        'key = os.environ.get("HOST", "db.internal.example")',
        'mode = config.get("password_policy", "Strict2024")',
        'if next_token == "{v}":',
        'os.environ.setdefault("DB_PASSWORD", "${DB_PASSWORD}")',
        'name = d.get("token", "<unk>")',
        'pw = os.environ.get("DB_PASSWORD") or ""',
        'key = os.environ.get("API_KEY") or input("API key: ")',
        'key = os.environ.get("API_KEY") or "<your key>"',
    ],
)
def test_comparisons_and_defaults_that_bind_no_secret(scanner: Scanner, source: str) -> None:
    _clean(scanner, CARRIERS["code"](source.replace("{v}", _random_token(24))))


# --- 4. prose and table columns ---------------------------------------------------------

PROSE = {
    "markdown": [
        "The staging password is `{v}`.",
        "API key: {v}",
        "**Access token** - `{v}`",
        "> **Note:** set `DB_PASSWORD` to `{v}` before running the next cell.",
    ],
    "raw": ["the token is: {v}", "Password is {v}"],
    "stdout": ["Your API key is: {v}", "the token is: {v}\nexpires in 3600 s"],
    "text/plain": ["'Generated API key: {v}'"],
    "text/html": ["<p>Your API key is <code>{v}</code></p>", "<li>password: <b>{v}</b></li>"],
    "text/markdown": ["The bot token is `{v}`", "client secret — `{v}`"],
    "traceback": ["AuthError: the access token is {v} (expired)"],
}
PROSE_CASES = [(carrier, t) for carrier, templates in PROSE.items() for t in templates]


@pytest.mark.parametrize(("carrier", "template"), PROSE_CASES)
def test_credentials_stated_in_prose(scanner: Scanner, carrier: str, template: str) -> None:
    value = _random_token(28)
    _found_once(
        scanner, CARRIERS[carrier](template.replace("{v}", value)), "password_assignment", value
    )


def test_a_weak_password_stated_in_prose(scanner: Scanner) -> None:
    password = dotted_password(F)
    nb = CARRIERS["markdown"](f"Log in with the password `{password}` and change it.")
    _found_once(scanner, nb, "password_assignment", password)


TABLES = {
    "markdown": "| user | password |\n|---|---|\n| etl | {v} |\n| bi | {w} |\n",
    "raw": "| host | API Key |\n|:--|:--|\n| prod | `{v}` |\n| dev | `{w}` |",
    "stdout": "|    | name   | access_token   |\n|---:|:-------|:---------------|\n|  0 | a      | {v}   |\n|  1 | b      | {w}   |\n",
    "text/markdown": "| service | token |\n| --- | --- |\n| ci | **{v}** |\n| cd | **{w}** |",
    "text/html": (
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n'
        "      <th></th>\n      <th>user</th>\n      <th>password</th>\n    </tr>\n  </thead>\n"
        "  <tbody>\n    <tr>\n      <th>0</th>\n      <td>etl</td>\n      <td>{v}</td>\n    </tr>\n"
        "    <tr>\n      <th>1</th>\n      <td>bi</td>\n      <td><code>{w}</code></td>\n"
        "    </tr>\n  </tbody>\n</table>"
    ),
}


@pytest.mark.parametrize("carrier", sorted(TABLES))
def test_table_column_named_by_its_header(scanner: Scanner, carrier: str) -> None:
    first, second = _random_token(20), _random_token(24)
    nb = CARRIERS[carrier](TABLES[carrier].replace("{v}", first).replace("{w}", second))
    findings = scanner.scan_notebook(nb, "x.ipynb")
    assert sorted(f.span.value for f in findings if f.span) == sorted([first, second]), (
        f"expected both column values, got {[f.detector for f in findings]}"
    )
    assert {f.detector for f in findings} == {"password_assignment"}


def test_html_table_in_a_markdown_cell(scanner: Scanner) -> None:
    value = _random_token(20)
    html = TABLES["text/html"].replace("{v}", value).replace("<code>{w}</code>", "")
    _found_once(scanner, CARRIERS["markdown"](html), "password_assignment", value)


@pytest.mark.parametrize(
    ("carrier", "text"),
    [
        ("markdown", "The password is incorrect. Try again."),
        ("markdown", "API key: required"),
        ("markdown", "Either pass `inplace=True` to modify it, or pass `axis=1`."),
        ("markdown", "We pass `vertexai=True` along with the project."),
        ("markdown", "The first token is `Hello` and the next token is `World`."),
        ("stdout", "token `\u0120Amsterdam` has the highest probability"),
        ("stdout", "The token is: <|endoftext|>"),
        ("markdown", "The access token is obtained by calling `get_token()`."),
        ("markdown", "The API key is `OPENAI_API_KEY` in the environment."),
        ("markdown", "Reset the password 'Summer2024' policy for users"),
        ("markdown", "Set `API_KEY` to your own key, `max_tokens` to `4096`."),
        ("markdown", "Set `use_auth_token` to `True` and `DB_PASSWORD` to `<your password>`."),
        ("markdown", "Tokenize with `bert-base-uncased` so each token is `lowercase`."),
        ("text/html", "<p>The password is <code>hidden</code></p>"),
        (
            "markdown",
            "| user | api_key |\n|---|---|\n| a | KEY-00001 |\n| b | KEY-00002 |\n| c | KEY-00003 |",
        ),
        (
            "markdown",
            "| Name | Password |\n|------|----------|\n| admin | ******** |\n| bob | `<set me>` |",
        ),
        (
            "text/html",
            "<table><tr><th>token</th><th>count</th></tr><tr><td>the</td><td>12</td></tr></table>",
        ),
        ("markdown", "| token | id |\n|---|---|\n| `\u2581the` | 262 |\n| `<s>` | 1 |"),
        (
            "markdown",
            "| Parameter | Description |\n|---|---|\n| `api_key` | Your API key, see Settings |",
        ),
    ],
)
def test_prose_and_tables_that_state_no_credential(
    scanner: Scanner, carrier: str, text: str
) -> None:
    _clean(scanner, CARRIERS[carrier](text))


# --- 2. credentials on command lines ----------------------------------------------------

CLI_IN_CODE = [
    "!mysql -u root -p{v} -h db.internal analytics",
    "!mysql -u root -p'{v}' warehouse",
    '!mysqldump -u root \\\n    -p"{v}" sales > dump.sql',
    "!hf upload --token {v} org/model ./out",
    "!aws configure set aws_secret_access_key {v}",
    "!npm config set //registry.npmjs.org/:_authToken {v}",
    "!git config --global user.password {v}",
    "!dvc remote modify storage password {v}",
    "%%bash\nset -e\nexport PATH=/opt/bin:$PATH\nllm-cli --api-key={v} --model x",
    "%%sh\nwget --user=etl --password={v} https://files.example.com/x.csv",
    "!curl -s -u admin:{v} https://api.example.com/v1/jobs",
    "!sshpass -p '{v}' ssh etl@bastion.example.com",
    "!PGPASSWORD={v} psql -h db.internal -U etl -c 'select 1'",
    'subprocess.run(["mysql", "-u", "root", "-p{v}", "analytics"], check=True)',
    'subprocess.run(\n    ["backup-tool", "--password", "{v}", "--target", "s3://b"],\n)',
    'subprocess.run("backup-tool --password {v} --target s3://b", shell=True)',
    'os.system(f"docker login -u ci -p {v} registry.example.com")',
    'subprocess.check_call(["bash", "-c", "mysql -u root -p{v} analytics < q.sql"])',
    "!redis-cli -h cache.internal -a {v} ping",
    "!smbclient //files/share -U etl%{v} -c 'ls'",
    "!zip -P {v} export.zip data.csv",
    "!7z a -p{v} export.7z data/",
    "!openssl enc -aes-256-cbc -pass pass:{v} -in data.csv -out data.enc",
    "!keytool -importkeystore -srckeystore a.p12 -srcstorepass {v} -destkeystore b.jks",
    "!docker run -e API_TOKEN={v} -p 8080:8080 ghcr.io/org/app",
    "!helm install db bitnami/postgresql --set auth.password={v}",
    "!twine upload -u __token__ -p {v} dist/*",
]
CLI_IN_TEXT = {
    "markdown": "```bash\nmysql -h db.internal -u etl -p{v} analytics\n```",
    "raw": "sshpass -p {v} ssh etl@bastion.example.com",
    "stdout": "+ docker login -u ci -p {v} registry.example.com\nLogin Succeeded",
    "text/plain": "'curl -u admin:{v} https://api.example.com/v1/jobs'",
    "text/html": "<pre>$ PGPASSWORD={v} psql -h db.internal -U etl</pre>",
    "text/markdown": "Run `backup-tool --password {v} --target s3://b` nightly.",
    "traceback": (
        "CalledProcessError: Command '['mysql', '-u', 'root', '-p{v}', 'analytics']' "
        "returned non-zero exit status 1."
    ),
}


# Where a line is an assignment too (PGPASSWORD=v psql, --password=v), the assignment
# names the finding; the command-line detector alone must find every case all the same.
CLI_DETECTORS = {"cli_credentials", "password_assignment"}


@pytest.fixture(scope="module")
def cli_only() -> Scanner:
    return Scanner(hash_key=b"test-key", detectors=["cli_credentials"])


def _found_on_command_line(
    scanner: Scanner, cli_only: Scanner, nb: dict[str, Any], value: str
) -> None:
    findings = scanner.scan_notebook(nb, "x.ipynb")
    assert len(findings) == 1 and findings[0].detector in CLI_DETECTORS, (
        f"expected one command-line finding, got {[f.detector for f in findings]}"
    )
    assert findings[0].span is not None and findings[0].span.value == value
    _only(cli_only.scan_notebook(nb, "x.ipynb"), "cli_credentials", value)


@pytest.mark.parametrize("template", CLI_IN_CODE)
def test_command_line_credentials_in_code_cells(
    scanner: Scanner, cli_only: Scanner, template: str
) -> None:
    value = _random_token(18)
    _found_on_command_line(
        scanner, cli_only, CARRIERS["code"](template.replace("{v}", value)), value
    )


def test_a_continued_command_on_the_last_line_of_the_text(scanner: Scanner) -> None:
    """The continued line ends the text (no newline after it, no metadata behind it)."""
    value = _random_token(18)
    findings = scanner.scan_text(f'mysqldump -u root \\\n    -p"{value}" sales', "dump.sh")
    assert [f.span.value for f in findings if f.span] == [value]


@pytest.mark.parametrize("carrier", sorted(CLI_IN_TEXT))
def test_command_line_credentials_in_text_carriers(
    scanner: Scanner, cli_only: Scanner, carrier: str
) -> None:
    value = _random_token(18)
    nb = CARRIERS[carrier](CLI_IN_TEXT[carrier].replace("{v}", value))
    _found_on_command_line(scanner, cli_only, nb, value)


@pytest.mark.parametrize(
    "source",
    [
        "!mysql -u root -p analytics",  # -p alone: mysql prompts
        "!aws configure set region us-east-1 && git config --global user.name Ana",
        "!poetry config virtualenvs.in-project true; conda config --set ssl_verify false",
        "!aws configure set aws_secret_access_key $AWS_SECRET_ACCESS_KEY",
        "!psql -U etl -p 5432 -h db.internal",  # psql's -p is the port
        "!mkdir -p /data/run && pip install -r requirements.txt --pre",
        "!tool --password-file /run/secrets/pw --token-limit 4096",
        "!cat pw.txt | docker login --password-stdin -u ci registry.example.com",
        '!hf upload --token $HF_TOKEN org/model ./out --api-key "${API_KEY}"',
        "!tool --api-key=<your key>",
        '!curl -u admin https://api.example.com && curl -u "$USER:$PASS" https://x.io',
        'subprocess.run(["mysql", "-u", "root", "-p" + pw, "analytics"])',
        'subprocess.run(["backup-tool", "--password", password, "--target", target])',
        "!docker build --secret id=HF_TOKEN,src=token.txt -t app .",
        "%env OPENAI_API_KEY=<YOUR OPENAI KEY>",
        "!python train.py --max_tokens 512 --num-keys 3 --tokenizer bert-base-uncased",
        "!git clone --depth 1 https://github.com/org/repo && cd repo && make",
        '!echo "Use the --password option to set it, or pass --token with your token"',
        "!sshpass -p $SSHPASS ssh etl@bastion",
        'cmd = ["sshpass", "-p", os.environ["SSHPASS"], "ssh", host]',
    ],
)
def test_command_lines_without_credentials(scanner: Scanner, source: str) -> None:
    _clean(scanner, CARRIERS["code"](source))


@pytest.mark.parametrize(
    ("carrier", "text"),
    [
        (
            "stdout",
            "Requirement already satisfied: regex>=2022.1.18 (from tiktoken>=0.3.0) (2022.10.31)",
        ),
        ("markdown", "Pass `--token` with your token, or set `--api-key` in the config."),
        ("markdown", "```bash\nmysql -u root -p\n```"),
        (
            "traceback",
            "CalledProcessError: Command '['mysql', '-u', 'root', '-p', 'db']' returned 1.",
        ),
    ],
)
def test_command_line_text_without_credentials(scanner: Scanner, carrier: str, text: str) -> None:
    _clean(scanner, CARRIERS[carrier](text))


# --- 3. login and connect calls ---------------------------------------------------------

LOGIN_CALLS = [
    (
        'server = smtplib.SMTP("smtp.example.com", 587)\nserver.login(user, "{v}")',
        "login_credentials",
    ),
    ('smtplib.SMTP_SSL("smtp.example.com").login("me@example.com", "{v}")', "login_credentials"),
    ('ftp = ftplib.FTP("ftp.example.com")\nftp.login("etl", "{v}")', "login_credentials"),
    ('ftp = FTP("ftp.example.com", "etl", "{v}")', "login_credentials"),
    ('imap = imaplib.IMAP4_SSL("imap.example.com")\nimap.login(EMAIL, "{v}")', "login_credentials"),
    (
        'pop = poplib.POP3_SSL("pop.example.com")\npop.user("me")\npop.pass_("{v}")',
        "login_credentials",
    ),
    ('requests.get(url, auth=HTTPBasicAuth("etl", "{v}"))', "login_credentials"),
    ("requests.get(url, auth=requests.auth.HTTPDigestAuth(user, '{v}'))", "login_credentials"),
    ('r = requests.post(url, json=body, auth=("etl", "{v}"))', "login_credentials"),
    ('es = Elasticsearch(hosts, basic_auth=("elastic", "{v}"))', "login_credentials"),
    ('session.auth = ("etl", "{v}")', "login_credentials"),
    ('aiohttp.ClientSession(auth=aiohttp.BasicAuth("etl", "{v}"))', "login_credentials"),
    ('conn = pymysql.connect("db.internal", "etl", "{v}", "sales")', "login_credentials"),
    ('conn = cx_Oracle.connect("scott", "{v}", "db.internal/orcl")', "login_credentials"),
    ('auth = PlainTextAuthProvider("cassandra", "{v}")', "login_credentials"),
    ('wandb.login(key="{v}")', "login_credentials"),
    # Keyword arguments and DSNs name their values: the assignment rule reads them.
    ('client.connect("bastion", username="etl", password="{v}")', "password_assignment"),
    (
        'psycopg2.connect("dbname=sales user=etl password={v} host=db.internal")',
        "password_assignment",
    ),
    ('mysql.connector.connect(host="db", user="etl", password="{v}")', "password_assignment"),
    ('pymongo.MongoClient("db.internal", username="etl", password="{v}")', "password_assignment"),
    (
        'snowflake.connector.connect(user="etl", password="{v}", account="acme")',
        "password_assignment",
    ),
]


@pytest.mark.parametrize(("template", "detector"), LOGIN_CALLS)
@pytest.mark.parametrize("carrier", sorted(CODE_CARRIERS))
def test_login_and_connect_calls(
    scanner: Scanner, template: str, detector: str, carrier: str
) -> None:
    value = _random_token(20)
    source = template.replace("{v}", value)
    if carrier == "traceback":
        source = source.splitlines()[-1]  # a traceback shows the failing line
    nb = CARRIERS[carrier](CODE_CARRIERS[carrier].replace("{s}", source))
    _found_once(scanner, nb, detector, value)


def test_a_login_taking_a_key_alone(scanner: Scanner) -> None:
    key = _random_token(40)  # (a 40-hex key is read as a hash by the generic filters)
    _found_once(scanner, CARRIERS["code"](f'wandb.login("{key}")'), "login_credentials", key)


@pytest.mark.parametrize(
    "source",
    [
        "server.login(user, password)",
        'server.login(user, os.environ["SMTP_PASSWORD"])',
        'server.login(user, getpass.getpass("Password: "))',
        'server.login("me@example.com", f"{prefix}{suffix}")',
        'server.login(user, "")',
        'login("admin")',
        "notebook_login()",
        'huggingface_hub.login(token=os.environ["HF_TOKEN"])',
        'ftp = FTP("ftp.example.com")',
        'FTP("ftp.example.com", "anonymous", "anonymous@")',
        "requests.get(url, auth=(user, pw))",
        'auth=("etl", "<password>")',
        'conn = sqlite3.connect("sales.db")',
        'conn = pymysql.connect(host="db", user="etl", password=os.environ["PW"])',
        'session.auth = ("etl", None)',
        'app.login_manager.login("page")',
    ],
)
def test_calls_that_pass_no_literal_credential(scanner: Scanner, source: str) -> None:
    _clean(scanner, CARRIERS["code"](source))


# --- 5. paired credentials: one half names the other -----------------------------------


def _aws_pair() -> tuple[str, str]:
    return F.aws(), aws_secret_key(F)


def _twilio_pair() -> tuple[str, str]:
    return "AC" + hex_token(F, 32), hex_token(F, 32)


PAIRS = {
    "code": 'session = boto3.Session("{id}", "{secret}")',
    "code-lines": 'KEY_ID = "{id}"\nKEY = "{secret}"\nclient = make(KEY_ID, KEY)',
    "stdout": "{id}\n{secret}\n",
    "text/plain": "('{id}', '{secret}')",
    "markdown": "| id | value |\n|---|---|\n| `{id}` | `{secret}` |",
    "text/markdown": "Created `{id}` / `{secret}`",
    "raw": "{id} {secret}",
    "traceback": "ClientError: InvalidClientTokenId for ('{id}', '{secret}')",
}


@pytest.mark.parametrize("where", sorted(PAIRS))
@pytest.mark.parametrize(
    ("make", "detectors"),
    [(_aws_pair, {"aws"}), (_twilio_pair, {"twilio_auth_token"})],
    ids=["aws", "twilio"],
)
def test_paired_credentials_without_a_keyword(
    scanner: Scanner, where: str, make: Callable[[], tuple[str, str]], detectors: set[str]
) -> None:
    ident, secret = make()
    carrier = where.split("-", maxsplit=1)[0]
    nb = CARRIERS[carrier](PAIRS[where].format(id=ident, secret=secret))
    found = {f.span.value: f.detector for f in scanner.scan_notebook(nb) if f.span}
    assert found.get(secret) in detectors, (
        f"the paired secret was not found: {sorted(found.values())}"
    )
    if detectors == {"twilio_auth_token"}:
        assert ident not in found, "an account SID is an identifier, not a secret"


@pytest.mark.parametrize(
    "text",
    [
        # A 40-character base64 run with no key id near it is nothing in particular.
        'blob = "{secret}"',
        # A key id with a hash, a path or a word next to it.
        'pair = ("{id}", "{hash}")',
        "{id}\n\n\n\n\n{secret}",  # too far apart
    ],
)
def test_unpaired_halves_stay_clean(scanner: Scanner, text: str) -> None:
    ident, secret = _aws_pair()
    source = text.format(id=ident, secret=secret, hash=hex_token(F, 40))
    findings = [f for f in scanner.scan_notebook(CARRIERS["code"](source)) if f.span]
    assert secret not in {f.span.value for f in findings if f.span}


def test_twilio_sid_with_a_hash_that_is_not_hex_token(scanner: Scanner) -> None:
    sid = "AC" + hex_token(F, 32)
    nb = CARRIERS["stdout"](f"{sid}\nchecksum: {'0' * 32}\n")
    _clean(scanner, nb)


# --- 7. families and variants -----------------------------------------------------------


@pytest.mark.parametrize("prefix", ["A3T", "ABIA", "ACCA", "ASIA", "AKIA"])
@pytest.mark.parametrize("carrier", ["code", "stdout", "markdown"])
def test_every_aws_key_id_prefix(scanner: Scanner, prefix: str, carrier: str) -> None:
    key_id = prefix + F.rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 20 - len(prefix))
    text = f'key_id = "{key_id}"' if carrier == "code" else f"Access key: {key_id}"
    findings = scanner.scan_notebook(CARRIERS[carrier](text))
    assert [f.detector for f in findings] == ["aws"]
    assert findings[0].span is not None and findings[0].span.value == key_id


def _telegram_token() -> str:
    return f"{F.rng.randrange(10**7, 10**10)}:AA{F.rand(URLSAFE, 33)}"


@pytest.mark.parametrize(
    ("make", "detector"),
    [(lambda: discord_token(F), "discord"), (_telegram_token, "telegram")],
    ids=["discord", "telegram"],
)
@pytest.mark.parametrize(
    ("carrier", "template"),
    [
        ("code", 'bot.run("{v}")'),
        ("stdout", "{v}\n"),
        ("text/plain", "'{v}'"),
        ("markdown", "`{v}`"),
        ("traceback", "LoginFailure: Improper token has been passed: {v}"),
    ],
)
def test_bot_tokens_without_a_keyword(
    scanner: Scanner, make: Callable[[], str], detector: str, carrier: str, template: str
) -> None:
    token = make()
    _found_once(scanner, CARRIERS[carrier](template.replace("{v}", token)), detector, token)


@pytest.mark.parametrize(
    "text",
    [
        # Three dot-separated parts whose first is no base64 of a number.
        f"model.{F.rand(URLSAFE, 6)}.{F.rand(URLSAFE, 30)}",
        f"TWlzc2luZ0lkZW50aWZpZXJz.abcdef.{F.rand(URLSAFE, 30)}",
        # A time or a ratio is no bot id.
        "12:30:AA" + F.rand(URLSAFE, 33),
        "id 123456789:AB" + F.rand(URLSAFE, 33),
    ],
)
def test_bot_token_lookalikes(scanner: Scanner, text: str) -> None:
    _clean(scanner, CARRIERS["stdout"](text))


GITLAB_TOKENS = {
    "runner": lambda: "glrt-" + F.rand(URLSAFE, 20),
    "agent": lambda: "glagent-" + F.rand(URLSAFE, 50),
    "incoming mail": lambda: "glimt-" + F.rand(URLSAFE, 25),
    "feed": lambda: "glft-" + F.rand(URLSAFE, 20),
    "deploy": lambda: "gldt-" + F.rand(URLSAFE, 20),
    "trigger": lambda: "glptt-" + F.rand(URLSAFE, 40),
    "feature flags": lambda: "glffct-" + F.rand(URLSAFE, 20),
    "oauth application": lambda: "gloas-" + F.rand(URLSAFE, 64),
    "runner registration": lambda: "GR1348941" + F.rand(URLSAFE, 20),
    "routable personal": lambda: (
        "glpat-" + F.rand(URLSAFE, 27) + ".01." + F.rand("abcdefghij0123456789", 8)
    ),
}


@pytest.mark.parametrize("family", sorted(GITLAB_TOKENS))
@pytest.mark.parametrize("carrier", ["code", "stdout", "markdown"])
def test_every_gitlab_token_family(scanner: Scanner, family: str, carrier: str) -> None:
    token = GITLAB_TOKENS[family]()
    text = f'gl = Gitlab(url, private_token="{token}")' if carrier == "code" else f"token {token}"
    _found_once(scanner, CARRIERS[carrier](text), "gitlab", token)


@pytest.mark.parametrize(
    "token",
    [
        "glptt-" + "a1B2" * 11,  # 44: a trigger token is 40
        "gloas-" + "a1B2" * 15,  # 60: an application secret is 64
        "glimt-" + "a1B2" * 8,  # 32: an incoming-mail token is 25
        "glagent-" + "a1B2" * 5,  # 20: an agent token is 50 or more
    ],
)
def test_gitlab_tokens_of_the_wrong_length(scanner: Scanner, token: str) -> None:
    _clean(scanner, CARRIERS["code"](f'value = "{token}"'))


def _uuid() -> str:
    h = hex_token(F, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


@pytest.mark.parametrize(
    ("carrier", "template"),
    [
        ("code", "%%writefile .npmrc\n//registry.npmjs.org/:_authToken={v}\n"),
        ("code", 'Path(".npmrc").write_text("//npm.pkg.github.com/:_authToken={v}\\n")'),
        ("stdout", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={v}\n"),
        ("markdown", "```ini\n//registry.example.com/npm/:_authToken = {v}\n```"),
        ("raw", '//registry.npmjs.org/:_authToken="{v}"'),
    ],
)
def test_npm_legacy_uuid_tokens_in_npmrc_text(
    scanner: Scanner, carrier: str, template: str
) -> None:
    token = _uuid()
    _found_once(scanner, CARRIERS[carrier](template.replace("{v}", token)), "npm_legacy", token)


def test_a_uuid_is_still_an_id_elsewhere(scanner: Scanner) -> None:
    _clean(scanner, CARRIERS["code"](f'run_id = "{_uuid()}"\nsession_token = "{_uuid()}"'))


def _jfrog_key() -> str:
    return "AKCp" + F.rand(string.ascii_letters + string.digits, 69)


def _jfrog_reference() -> str:
    return "cmVmdGtu" + F.rand(string.ascii_letters + string.digits, 56)


@pytest.mark.parametrize("make", [_jfrog_key, _jfrog_reference], ids=["api-key", "reference"])
@pytest.mark.parametrize(
    ("carrier", "template"),
    [
        ("code", 'headers = {{"X-JFrog-Art-Api": "{v}"}}'),
        ("code", 'ARTIFACTORY_URL = "https://acme.jfrog.io"\nAUTH = "{v}"'),
        ("stdout", "Using Artifactory credentials {v}"),
        ("markdown", "JFrog token: `{v}`"),
    ],
)
def test_jfrog_tokens_near_their_keywords(
    scanner: Scanner, make: Callable[[], str], carrier: str, template: str
) -> None:
    token = make()
    _found_once(scanner, CARRIERS[carrier](template.format(v=token)), "jfrog", token)


def test_jfrog_shape_without_a_jfrog_keyword(scanner: Scanner) -> None:
    _clean(scanner, CARRIERS["stdout"](f"payload {_jfrog_key()}"))


def _truncated_pem(escaped: bool = False) -> tuple[str, str]:
    """A PEM block cut after a few lines (no END line), and the part a finding covers."""
    lines = F.private_key().split("\n")[:6]
    block = "\\n".join(lines) if escaped else "\n".join(lines)
    return block, block


@pytest.mark.parametrize(
    ("carrier", "escaped", "template"),
    [
        ("stdout", False, "{v}\n...\n[output truncated: 4 KB]"),
        ("text/plain", True, "'{v}...'"),
        ("traceback", False, "ValueError: Could not deserialize key data:\n{v}"),
        ("code", True, 'KEY = "{v}"  # the rest is in the vault'),
        ("markdown", False, "```\n{v}\n```"),
    ],
)
def test_pem_private_key_without_end_line(
    scanner: Scanner, carrier: str, escaped: bool, template: str
) -> None:
    block, covered = _truncated_pem(escaped)
    _found_once(scanner, CARRIERS[carrier](template.replace("{v}", block)), "private_key", covered)


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN PRIVATE KEY-----\nyabba dabba doo",  # pragma: allowlist secret
        "-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n",  # pragma: allowlist secret
        "-----BEGIN PRIVATE KEY-----\n" + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" * 2,  # one line
    ],
)
def test_pem_headers_without_key_material(scanner: Scanner, text: str) -> None:
    _clean(scanner, CARRIERS["stdout"](text))


# --- 8. credentials printed bare --------------------------------------------------------

PRINTING_SOURCES = [
    "developer_api_key = client.users.db.create(user_id='dev')\nprint(developer_api_key)",
    'print(f"{token}")',
    'print(os.environ["OPENAI_API_KEY"])',
    "key = userdata.get('HF_TOKEN')\nprint(userdata.get('HF_TOKEN'))",
    'display(creds["client_secret"])',
    "logger.info(session.access_token)",
    "secret_key = make_key()\nsecret_key",  # a bare last line: the result shows it
]
PRINTED_OUTPUTS = {
    "stdout": lambda v: stream(v + "\n"),
    "text/plain": lambda v: result({"text/plain": repr(v)}),
    "text/html": lambda v: display({"text/html": f"<pre>{v}</pre>", "text/plain": "<HTML>"}),
    "text/markdown": lambda v: display({"text/markdown": f"`{v}`", "text/plain": "<Markdown>"}),
}


@pytest.mark.parametrize("source", PRINTING_SOURCES)
@pytest.mark.parametrize("carrier", sorted(PRINTED_OUTPUTS))
def test_a_printed_credential_is_found_in_the_output(
    scanner: Scanner, source: str, carrier: str
) -> None:
    value = _random_token(40)
    nb = notebook(code(source, [PRINTED_OUTPUTS[carrier](value)]))
    findings = scanner.scan_notebook(nb, "x.ipynb")
    _only(findings, "printed_credential", value)
    assert findings[0].location == "output" and findings[0].confidence == "possible"


def test_a_printed_credential_in_a_single_cell_scan(scanner: Scanner) -> None:
    value = _random_token(40)
    cell = code("print(api_key)", [stream(value + "\n")])
    _only(scanner.scan_cell(cell), "printed_credential", value)


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("print(model_name)", "{v}"),  # the source shows no credential
        ("print(api_key)\nprint('done')", "gpt-4o-mini-2024-07-18"),
        ("print(api_key)", "/data/models/checkpoint-12345678"),
        ("print(api_key)", "https://api.example.com/v1/keys/1234567890"),
        ("print(api_key)", "12345678901234567890"),
        ("print(len(api_key))", "51"),
        ("print(api_key[:4] + '...')", "sk-a..."),
        ("print(api_key)", "None"),
        ("print(api_key)", "EnvironmentCredentialUnavailable"),
        ("print(tokenizer)", "{v}"),
        ("print(max_tokens)", "{v}"),
        ("api_key\nrun(model)", "{v}"),  # a bare expression that is not the last line
        ("%%bash\necho $API_KEY", "{v}"),  # a cell magic's source is not Python
    ],
)
def test_printed_lines_that_are_no_credential(scanner: Scanner, source: str, printed: str) -> None:
    nb = notebook(code(source, [stream(printed.replace("{v}", _random_token(40)) + "\n")]))
    assert [f for f in scanner.scan_notebook(nb) if f.detector == "printed_credential"] == []


def test_a_printed_credential_shows_only_in_its_own_cell(scanner: Scanner) -> None:
    value = _random_token(40)
    nb = notebook(code("print(api_key)"), code("run()", [stream(value + "\n")]))
    _clean(scanner, nb)
