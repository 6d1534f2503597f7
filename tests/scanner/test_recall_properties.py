"""Property tests of two recall classes: configuration text inside code and credentials
on command lines.

Random values of a credential's shape, in random surrounding syntax and carriers, are
always found, exactly; the same syntax with names that are no credential's is never
flagged. Values are generated here (fake, never stored) and never shown: a failing
example names its template and carrier, and hypothesis's own report shows the value
only after shrinking, in this process's output.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner

from .carriers import CARRIERS

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCANNER = Scanner(hash_key=b"property-key")

# Consonants, digits and a few symbols: no vowel, so no word ("test", "fake", "sample")
# and no file extension a filter would read as a path; no 'x' runs (placeholders).
_BODY = "bcdfghjklmnpqrstvwzBCDFGHJKLMNPQRSTVWZ23456789-_+!"


@st.composite
def secret_values(draw: st.DrawFn) -> str:
    """A credential: an upper-case letter, a digit, a lower-case letter (so it is no
    word or identifier), then 7 to 36 random characters, ending alphanumeric."""
    head = draw(st.sampled_from("BCDFGHJKLMNPQRSTVWZ"))
    head += draw(st.sampled_from("23456789")) + draw(st.sampled_from("bcdfghjkmnpqrstvwz"))
    body = draw(st.text(alphabet=_BODY, min_size=7, max_size=36))
    tail = draw(st.sampled_from("bcdfghjkmnpqrstvwz23456789"))
    value = head + body + tail
    assume(all(value[i : i + 4] != value[i] * 4 for i in range(len(value))))  # no filler runs
    return value


def _found(nb: dict[str, Any], value: str) -> list[str]:
    return [
        f.detector for f in SCANNER.scan_notebook(nb, "p.ipynb") if f.span and f.span.value == value
    ]


def _flagged(nb: dict[str, Any]) -> list[str]:
    return [f.detector for f in SCANNER.scan_notebook(nb, "p.ipynb")]


# --- configuration text -------------------------------------------------------------

CREDENTIAL_NAMES = [
    "password", "db_password", "DB_PASSWORD", "api_key", "API_KEY", "secret_key",
    "client_secret", "auth_token", "HF_TOKEN", "smtp_password", "passwd", "PGPASSWORD",
    "ACCESS_TOKEN", "apiKey", "dbPassword", "webhook_secret",
]  # fmt: skip
PLAIN_NAMES = [
    "host", "user", "port", "timeout", "region", "model", "name", "path", "mode",
    "username", "key_id", "max_tokens", "token_type", "password_file", "secret_name",
    "retries", "bucket", "schema",
]  # fmt: skip
CONFIG_LINES = {
    "yaml": "{indent}{name}: {v}",
    "yaml-quoted": "{indent}{name}: '{v}'",
    "ini": "{name} = {v}",
    "ini-tight": "{name}={v}",
    "env": "{NAME}={v}",
    "env-export": "export {NAME}={v}",
    "toml": '{name} = "{v}"',
}
FILLER = ["host: db.internal", "port = 5432", "[database]", "# settings", "user: etl", "timeout: 30", "region=eu-west-1", ""]  # fmt: skip
# How configuration text reaches a notebook: inside Python string literals, a fenced
# block, a raw cell, an output.
CONFIG_WRAPPERS = {
    "safe_load": ("code", 'cfg = yaml.safe_load("""\n{text}\n""")'),
    "read_string": ("code", "parser.read_string('''\n{text}\n''')"),
    "constant": ("code", 'CONFIG = """\n{text}\n"""\nload(CONFIG)'),
    "raw-string": ("code", 'cfg = yaml.safe_load(r"""{text}""")'),
    "one-line": ("code", 'parser.read_string("{escaped}")'),
    "markdown": ("markdown", "```\n{text}\n```"),
    "raw": ("raw", "{text}"),
    "stdout": ("stdout", "{text}\n"),
}


@st.composite
def config_texts(draw: st.DrawFn, names: list[str]) -> tuple[str, str, dict[str, Any]]:
    value = draw(secret_values())
    name = draw(st.sampled_from(names))
    syntax = draw(st.sampled_from(sorted(CONFIG_LINES)))
    indent = draw(st.sampled_from(["", "  ", "    "])) if syntax.startswith("yaml") else ""
    line = CONFIG_LINES[syntax].format(indent=indent, name=name, NAME=name.upper(), v=value)
    before = draw(st.lists(st.sampled_from(FILLER), max_size=3))
    after = draw(st.lists(st.sampled_from(FILLER), max_size=3))
    text = "\n".join([*before, line, *after])
    wrapper = draw(st.sampled_from(sorted(CONFIG_WRAPPERS)))
    carrier, template = CONFIG_WRAPPERS[wrapper]
    source = template.replace("{text}", text).replace("{escaped}", text.replace("\n", "\\n"))
    if wrapper == "one-line" and "'" in line:
        source = source.replace("'", "")  # keep the one-line literal well formed
        line = line.replace("'", "")
    return value, f"{syntax} via {wrapper}", CARRIERS[carrier](source)


@PROPERTY
@given(config_texts(CREDENTIAL_NAMES))
def test_credentials_in_config_text_are_always_found(case: tuple[str, str, dict[str, Any]]) -> None:
    value, where, nb = case
    assert _found(nb, value), f"a credential in {where} was missed"


@PROPERTY
@given(config_texts(PLAIN_NAMES))
def test_config_values_of_other_names_are_never_flagged(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    _, where, nb = case
    assert _flagged(nb) == [], f"a plain config value in {where} was flagged"


# --- command lines --------------------------------------------------------------------

CREDENTIAL_FLAGS = ["password", "db-password", "api-key", "token", "hf-token", "auth-token", "secret", "client-secret", "access_token", "apikey"]  # fmt: skip
PLAIN_FLAGS = ["retries", "model", "output", "name", "region", "user", "epochs", "tokenizer", "max-tokens", "key-file", "password-file", "token-limit"]  # fmt: skip
PROGRAMS = ["etl-sync", "python train.py", "uploader", "./deploy.sh", "hf upload org/model", "backup-tool"]  # fmt: skip
OTHER_ARGS = ["-v", "--retries 3", "--out out.csv", "-h db.internal", "--dry-run", "data/"]
CLI_FORMS = {
    "flag-space": "{prog} {before}--{flag} {v} {after}",
    "flag-equals": "{prog} {before}--{flag}={v} {after}",
    "flag-quoted": "{prog} {before}--{flag} '{v}' {after}",
    "flag-dquoted": '{prog} {before}--{flag}="{v}" {after}',
    "mysql-glued": "mysql -u etl {before}-p{v} analytics",
    "mysql-quoted": "mysqldump -u etl -p'{v}' {before}sales",
    "sshpass": "sshpass -p {v} ssh {before}etl@bastion",
    "curl-user": "curl {before}-u etl:{v} https://api.example.com {after}",
    "env-prefix": "{ENV}={v} {prog} {after}",
}
PLAIN_FORMS = {
    "flag-space": "{prog} {before}--{flag} {v} {after}",
    "flag-equals": "{prog} {before}--{flag}={v} {after}",
    "port": "python -m http.server -p {v} {after}",
    "env-prefix": "{ENV}={v} {prog} {after}",
}
ENV_NAMES = ["PGPASSWORD", "MYSQL_PWD", "API_TOKEN", "HF_TOKEN", "DB_PASSWORD"]
PLAIN_ENV = ["PGHOST", "REGION", "MODEL_NAME", "OUTPUT_DIR", "RUN_ID"]


def _carriers(command: str) -> dict[str, tuple[str, str]]:
    words = command.split()
    argv = ", ".join(f'"{w}"' for w in words)
    return {
        "bang": ("code", f"!{command}"),
        "bash-cell": ("code", f"%%bash\nset -euo pipefail\n{command}\necho done"),
        "shell-string": ("code", f'subprocess.run("{command}", shell=True, check=True)'),
        "argv": ("code", f"subprocess.run([{argv}], check=True)"),
        "markdown": ("markdown", f"```bash\n{command}\n```"),
        "echoed": ("stdout", f"+ {command}\nok"),
    }


@st.composite
def command_lines(draw: st.DrawFn, plain: bool) -> tuple[str, str, dict[str, Any]]:
    value = draw(secret_values())
    forms = PLAIN_FORMS if plain else CLI_FORMS
    form = draw(st.sampled_from(sorted(forms)))
    command = (
        forms[form]
        .format(
            prog=draw(st.sampled_from(PROGRAMS)),
            flag=draw(st.sampled_from(PLAIN_FLAGS if plain else CREDENTIAL_FLAGS)),
            ENV=draw(st.sampled_from(PLAIN_ENV if plain else ENV_NAMES)),
            before="".join(
                a + " " for a in draw(st.lists(st.sampled_from(OTHER_ARGS), max_size=2))
            ),
            after=" ".join(draw(st.lists(st.sampled_from(OTHER_ARGS), max_size=2))),
            v=value,
        )
        .strip()
    )
    carriers = _carriers(command)
    if "'" in command or '"' in command:
        carriers = {k: v for k, v in carriers.items() if k not in ("shell-string", "argv")}
    name = draw(st.sampled_from(sorted(carriers)))
    carrier, source = carriers[name]
    return value, f"{form} in {name}", CARRIERS[carrier](source)


@PROPERTY
@given(command_lines(plain=False))
def test_credentials_on_command_lines_are_always_found(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    value, where, nb = case
    assert _found(nb, value), f"a credential on a command line ({where}) was missed"


@PROPERTY
@given(command_lines(plain=True))
def test_other_command_line_values_are_never_flagged(case: tuple[str, str, dict[str, Any]]) -> None:
    _, where, nb = case
    assert _flagged(nb) == [], f"a plain command-line value ({where}) was flagged"
