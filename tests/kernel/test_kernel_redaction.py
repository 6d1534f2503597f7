"""Acceptance for issue 2: a real kernel fetches secrets and nothing that leaves it carries them."""

from __future__ import annotations

import hashlib
import http.server
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

from .conftest import write_secrets_config
from .harness import Kernel, leaked_forms

LEAKY_CELLS = [
    "print(pw)",
    "import base64; print(base64.b64encode(pw.encode()).decode())",
    "print(pw.encode().hex())",
    "import urllib.parse; print(urllib.parse.quote(pw, safe=''))",
    "print(pw[::-1])",
    "print('-'.join(pw)); print(' '.join(pw)); print(list(pw))",
    "print('\\u200b'.join(pw))",
    "print(pw[:12])",
    "import sys; sys.stderr.write('err ' + pw + '\\n')",
    "f'postgresql://etl:{pw}@localhost/db'",
    "pw",
    "str(pw)",
    "from IPython.display import display, HTML, Markdown; display(HTML(f'<b>{pw}</b>')); display(Markdown(pw))",
    "import pandas as pd; pd.DataFrame({'user': ['etl'], 'password': [str(pw)]})",
    "import logging; logging.basicConfig(force=True); logging.getLogger('app').warning('connecting with %s', pw)",
    "import warnings; warnings.warn('token ' + pw)",
    "raise ValueError(f'bad password {pw}')",
    "raise KeyError(pw)",
    "import subprocess; subprocess.run(['echo', str(pw)])",
    "import os; os.write(1, (pw + '\\n').encode())",
]


class BearerServer:
    """A local HTTP server that answers 200 only to the right bearer token."""

    def __init__(self, token: str) -> None:
        expected = f"Bearer {token}"

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                ok = self.headers.get("Authorization") == expected
                self.send_response(200 if ok else 401)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"denied")

            def log_message(self, *args: object) -> None:
                pass  # the request line is harmless, but keep test output quiet

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def bearer(env_value: str) -> Iterator[BearerServer]:
    server = BearerServer(env_value)
    yield server
    server.close()


def test_extension_autoloads_and_value_is_usable(kernel: Kernel, bearer: BearerServer) -> None:
    kernel.ok("pw = %secret dev/env/token")
    assert (
        kernel.ok("print(type(pw).__name__, isinstance(pw, str))").stdout.strip()
        == "SecretStr True"
    )
    status = kernel.ok(
        "import urllib.request\n"
        f"req = urllib.request.Request({bearer.url!r}, headers={{'Authorization': f'Bearer {{pw}}'}})\n"
        "print(urllib.request.urlopen(req).status)"
    )
    assert status.stdout.strip() == "200"
    url_check = kernel.ok(
        "from sqlalchemy.engine import make_url\n"
        "u = make_url(f'postgresql://etl:{pw}@localhost:5432/db')\n"
        "print(u.password == pw, u.username, u.host, u.port, u.database)"
    )
    assert url_check.stdout.strip() == "True etl localhost 5432 db"
    same = kernel.ok("from jupyter_secrets import secret; print(secret('dev/env/token') == pw)")
    assert same.stdout.strip() == "True"


def test_no_output_channel_carries_the_value(kernel: Kernel, env_value: str) -> None:
    kernel.ok("pw = %secret dev/env/token")
    for code in LEAKY_CELLS:
        execution = kernel.run(code)
        assert execution.iopub, code
        assert leaked_forms(execution.everything(), env_value) == [], f"leak from cell: {code}"
        shown = execution.everything()
        masked = "[REDACTED dev/env/token]" in shown or "<secret dev/env/token>" in shown
        assert masked, f"no masked value shown for cell: {code}"
    error = kernel.all[LEAKY_CELLS.index("raise ValueError(f'bad password {pw}')") + 1]
    assert error.reply["status"] == "error"
    assert error.reply["evalue"] == "bad password [REDACTED dev/env/token]"
    kernel.ok("pw")
    shown = kernel.ok("print(repr(pw), repr(_))").stdout
    assert leaked_forms(shown, env_value) == []
    assert "<secret dev/env/token>" in shown
    assert "[REDACTED result" in shown


def test_out_cache_and_history_hold_no_value(kernel: Kernel, env_value: str, home: Path) -> None:
    kernel.ok("pw = %secret dev/env/token")
    kernel.ok("pw")
    kernel.ok("f'prefix-{pw}-suffix'")
    kernel.ok("import pandas as pd; pd.DataFrame({'password': [str(pw)]})")
    check = kernel.ok(
        "vals = [repr(v) for v in Out.values()] + [repr(_), repr(__), repr(___)]\n"
        "print(any(str(pw) in v for v in vals), len(Out))"
    )
    assert check.stdout.split() == ["False", "3"]
    kernel.ok("get_ipython().history_manager.writeout_cache()")
    kernel.shutdown()
    history = home / ".ipython/profile_default/history.sqlite"
    assert history.exists(), "history database not written"
    with sqlite3.connect(history) as db:
        rows = db.execute("SELECT source_raw, source FROM history").fetchall()
        rows += db.execute("SELECT output, '' FROM output_history").fetchall()
    dump = repr(rows)
    assert "%secret dev/env/token" in dump  # the ref is kept; it is not a value
    assert any("[REDACTED" in str(r[0]) for r in rows), "db_log_output stored no redacted output"
    assert leaked_forms(dump, env_value) == []
    assert leaked_forms(history.read_bytes(), env_value) == []


def test_env_magic_sets_environment_without_output(kernel: Kernel, env_value: str) -> None:
    execution = kernel.ok("%secret dev/env/token --env DB_PASSWORD")
    assert execution.results == []
    check = kernel.ok(
        "import os; print(os.environ['DB_PASSWORD'] == str(secret_value))".replace(
            "secret_value", "__import__('jupyter_secrets').secret('dev/env/token')"
        )
    )
    assert check.stdout.strip() == "True"
    listing = kernel.ok("%secrets").stdout
    assert "dev/env/token" in listing
    assert leaked_forms(listing, env_value) == []


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "%secret prod db",
            "UsageError: usage: %secret REF [--env VAR] [--refresh], e.g. pw = %secret dev/db/password",
        ),
        (
            "%secret password",
            "UsageError: invalid secret ref 'password': it needs a scope and a name separated by '/'; "
            "a valid ref looks like 'prod/db/password', 'secret://prod/db/password@previous' or "
            "'prod/db#password'",
        ),
        (
            "%secret qa/db/password",
            "UsageError: scope 'qa' of 'qa/db/password' is not allowed here; use one of dev, stg, prod "
            "or add it to SecretsConfig.allowed_scopes",
        ),
        ("%secret dev/env/missing", "SECRET_DEV_ENV_MISSING"),
        ("%secret dev/env/token#password", "is not a JSON object, so it has no field 'password'"),
    ],
)
def test_errors_are_one_line_and_actionable(kernel: Kernel, code: str, message: str) -> None:
    execution = kernel.run(code)
    assert execution.reply["status"] == "error"
    shown = execution.stderr + "".join("\n".join(e["traceback"]) for e in execution.errors)
    assert message in shown
    assert len([line for line in shown.strip().splitlines() if line.strip()]) == 1, (
        "expected one line"
    )
    assert "Traceback" not in shown


def test_python_api_error_is_one_line_without_frames(kernel: Kernel) -> None:
    execution = kernel.run("from jupyter_secrets import secret\nsecret('dev/env/nope')")
    assert execution.reply["status"] == "error"
    assert execution.reply["ename"] == "SecretNotFoundError"
    traceback = execution.errors[0]["traceback"]
    assert len(traceback) == 1 and traceback[0].startswith(
        "SecretNotFoundError: secret 'dev/env/nope'"
    )


@pytest.mark.keyring_service
def test_keyring_backend_in_a_real_kernel(home: Path, secret_service: None) -> None:
    value = fake_secret("Kr", 18)
    keyring.set_password("jupyter-secrets", "dev/kr/api_token", value)
    try:
        write_secrets_config(home, {"dev/kr/": "keyring", "": "env"})
        kernel = Kernel(home, isolated_env(home, {}))
        kernel.planted.append(value)
        try:
            kernel.ok("tok = %secret dev/kr/api_token")
            digest = hashlib.sha256(value.encode()).hexdigest()
            same = kernel.ok(
                f"import hashlib; print(hashlib.sha256(tok.encode()).hexdigest() == {digest!r})"
            )
            assert same.stdout.strip() == "True"
            bearer = BearerServer(value)
            try:
                status = kernel.ok(
                    "import urllib.request\n"
                    f"req = urllib.request.Request({bearer.url!r}, headers={{'Authorization': f'Bearer {{tok}}'}})\n"
                    "print(urllib.request.urlopen(req).status)"
                )
            finally:
                bearer.close()
            assert status.stdout.strip() == "200"
            out = kernel.ok("print(tok); tok").everything()
            assert leaked_forms(out, value) == []
            assert "[REDACTED dev/kr/api_token]" in out
        finally:
            kernel.shutdown()
    finally:
        keyring.delete_password("jupyter-secrets", "dev/kr/api_token")


def test_dead_backends_give_one_line_fixes(home: Path) -> None:
    write_secrets_config(home, {"dev/f/": "file", "dev/k/": "keyring", "": "env"})
    env = isolated_env(home, {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    store = home / ".local/share/jupyter/jupyter_secrets/secrets.enc"
    kernel = Kernel(home, env)
    try:
        expected = {
            "%secret dev/k/x": "UsageError: keyring backend keyring.backends.fail.Keyring cannot "
            "store secrets safely here; use the 'file' backend or set PYTHON_KEYRING_BACKEND "
            "to an OS keyring",
            "%secret dev/f/x": f"UsageError: secret 'dev/f/x' not found in backend 'file'; no "
            f"encrypted store at {store} yet; store it with: jupyter-secrets set dev/f/x "
            "--backend file",
        }
        for code, message in expected.items():
            execution = kernel.run(code)
            assert execution.reply["status"] == "error"
            assert execution.stderr == message + "\n"
    finally:
        kernel.shutdown()
