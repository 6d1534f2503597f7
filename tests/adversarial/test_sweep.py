"""Red team, end to end: a hostile session through a real server and a real kernel, then a
sweep of everything on disk for the values it handled.

The session fetches two secrets (an env value and one from the encrypted file
store, unlocked by a passphrase in the server's environment), runs the attack
cells of the kernel red team (display forms, the environment, /proc, logging
extras, subprocesses), saves the redacted notebook, then pastes each value
(and the passphrase) into every hidden place and glued context the gate red
team knows, under block. Afterwards nothing may hold any of the values in any
form the README promises to catch: HOME, the notebook root with
.ipynb_checkpoints, the runtime and data dirs, IPython history, the server
log, and every file written under /tmp during the session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.kernel.harness import leaked_forms
from tests.kernel.test_kernel_redaction import LEAKY_CELLS
from tests.server.real_server import server_dirs
from tests.support import notebooks as nbf
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env
from tests.support.server import JupyterServer

from .gate_payloads import JSON_PAYLOADS
from .linkserver import running_server, start_kernel

PASSPHRASE_ENV = "JSX_SWEEP_PASSPHRASE"
ATTACK_CELLS = [
    "print(list(pw)); print(tuple(pw))",
    "import pprint; pprint.pprint(list(pw), width=30)",
    f"import os; print(os.environ.get({PASSPHRASE_ENV!r}))",
    "%env",
    "!env",
    "print(open('/proc/self/environ', 'rb').read())",
    "import subprocess; print(subprocess.run(['sh', '-c', 'cat /proc/$PPID/environ'], capture_output=True).stdout)",
    "import jupyter_secrets.kernel_link as link; print(vars(link))",
    "import logging, os\n"
    "h = logging.FileHandler(os.path.expanduser('~/app.log'))\n"
    "h.setFormatter(logging.Formatter('%(message)s %(pw)s'))\n"
    "log = logging.getLogger('etl'); log.addHandler(h)\n"
    "log.warning('auth', extra={'pw': str(pw)}); h.close()",
    "print(f'{pw}.'); print(f'**{filepw}**')",
]
GLUED = ["Use {v}.", "**{v}**", "!mysql -u etl -p{v} db", "pw={v}!", '{{"cfg": "x{v}y"}}']


def set_file_secret(base: Path, env: dict[str, str], ref: str, value: str) -> None:
    command = [
        str(Path(sys.executable).parent / "jupyter-secrets"),
        "set",
        ref,
        "--backend",
        "file",
    ]
    done = subprocess.run(
        command, input=value.encode(), env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-300:]


def files_written_since(start: float, roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        for directory, _dirs, names in os.walk(root, onerror=lambda _: None):
            for name in names:
                path = Path(directory) / name
                try:
                    stat = path.lstat()
                except OSError:
                    continue
                fresh = stat.st_mtime >= start and stat.st_size < 64 * 1024 * 1024
                if fresh and path.is_file() and not path.is_symlink():
                    found.append(path)
    return found


def put(server: JupyterServer, path: str, model: dict[str, Any]) -> int:
    status, _, _ = server.request("PUT", f"api/contents/{path}", model)
    return status


def test_a_hostile_session_leaves_nothing_on_disk(tmp_path: Path) -> None:
    start = time.time() - 1
    base = tmp_path / "sweep"
    value, file_value = fake_secret("Sw", 18), fake_secret("Fs", 18)  # pragma: allowlist secret
    passphrase = fake_secret("Pp", 18)  # pragma: allowlist secret
    config = {
        "SecretsConfig": {
            "routes": {"dev/sweep/env": "env", "": "file"},
            "backend_options": {
                "file": {"path": str(base / "store.enc"), "passphrase_env": PASSPHRASE_ENV}
            },
        }
    }
    dirs = server_dirs(base)
    dirs.config.mkdir(parents=True)
    (dirs.config / "jupyter_secrets_config.json").write_text(json.dumps(config))
    # The CLI as the server's user: the same HOME and config.
    cli_env = isolated_env(dirs.home, {PASSPHRASE_ENV: passphrase})
    set_file_secret(base, cli_env, "dev/sweep/file", file_value)
    server_env = {"SECRET_DEV_SWEEP_ENV": value, PASSPHRASE_ENV: passphrase}
    with running_server(base, env=server_env) as server:
        kernel = start_kernel(server)
        try:
            assert kernel.run("pw = %secret dev/sweep/env").status == "ok"
            assert kernel.run("filepw = %secret dev/sweep/file").status == "ok"
            notebook = nbf.new_notebook()
            for code in [*LEAKY_CELLS, *ATTACK_CELLS]:
                cell = nbf.new_code_cell(code)
                shown = kernel.run(code)
                # The server's own token (kernels inherit JUPYTER_TOKEN) must not show either.
                for secret_value in (value, file_value, passphrase, server.token):
                    assert leaked_forms(shown.stdout + shown.stderr, secret_value) == [], code
                cell.outputs = [
                    nbf.new_output("stream", name="stdout", text=shown.stdout),
                    nbf.new_output("stream", name="stderr", text=shown.stderr),
                ]
                notebook.cells.append(cell)
            kernel.run("get_ipython().history_manager.writeout_cache()")
            model = {"type": "notebook", "format": "json", "content": notebook}
            assert put(server, "etl.ipynb", model) == 201, "the redacted session did not save"
            assert server.request("POST", "api/contents/etl.ipynb/checkpoints")[0] == 201
            for secret_value in (value, file_value, passphrase):
                for name, build in JSON_PAYLOADS.items():
                    leaky = json.loads(build(secret_value))
                    status = put(server, f"{name}.ipynb", {"type": "notebook", "content": leaky})
                    assert status in (400, 422), f"{name} saved a fetched value ({status})"
                for template in GLUED:
                    text = template.format(v=secret_value)
                    model = {"type": "file", "format": "text", "content": text + "\n"}
                    assert put(server, "notes.txt", model) == 422, f"glued {template!r} saved"
        finally:
            kernel.stop()
    saved = (base / "root" / "etl.ipynb").read_text()
    assert "[REDACTED dev/sweep/env]" in saved, "the sweep would prove nothing: no output kept"
    swept = files_written_since(start, [base, Path("/tmp")])
    expected = [base / "server.log", base / "root" / ".ipynb_checkpoints" / "etl-checkpoint.ipynb"]
    assert all(path in swept for path in expected), "the sweep missed the files it must read"
    assert any(path.name == "history.sqlite" for path in swept), "no IPython history written"
    assert any(path.name == "app.log" for path in swept), "the logging attack wrote no file"
    leaks: dict[str, list[str]] = {}
    for path in swept:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for label, secret_value in (("env", value), ("file", file_value), ("pass", passphrase)):
            forms = leaked_forms(data, secret_value)
            if forms:
                leaks[f"{path} ({label})"] = forms
    assert leaks == {}
