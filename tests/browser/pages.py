"""Helpers for browser tests: a notebook made over REST, a page with it open, its cells.

Fake values never reach a failure message: ``assert_absent``/``assert_present``
name the place, not the value.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.jupyter_env import JupyterDirs, isolated_env
from tests.support.server import JupyterServer

from .conftest import LAB_LOAD_TIMEOUT_MS

CELL_EDITOR = ".jp-NotebookPanel .jp-Cell .cm-content"
PASSPHRASE_VAR = "JUPYTER_SECRETS_PASSPHRASE"
UI_TIMEOUT_MS = 20_000


def assert_absent(value: str, text: str, place: str) -> None:
    if value in text:
        pytest.fail(f"the fake key leaked into {place}", pytrace=False)


def assert_present(value: str, text: str, place: str) -> None:
    if value not in text:
        pytest.fail(f"expected the fake key in {place}, it is not there", pytrace=False)


def put_notebook(
    server: JupyterServer, path: str, cells: list[dict[str, Any]] | None = None
) -> Path:
    """Create a notebook over REST (no Untitled rename dialog): ``cells``, or one empty cell."""
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": cells
        or [
            {
                "cell_type": "code",
                "id": "first-cell",
                "source": "",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            }
        ],
    }
    body = json.dumps({"type": "notebook", "format": "json", "content": notebook}).encode()
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1:<port>/
        server.url(f"api/contents/{path}"),
        data=body,
        method="PUT",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status in (200, 201), f"PUT {path} answered {response.status}"
    return server.root / path


def open_page(chromium: Any, server: JupyterServer, path: str) -> Any:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LAB_LOAD_TIMEOUT_MS)
    # A workspace of its own, so JupyterLab does not reopen an earlier test's notebook.
    workspace = secrets.token_hex(4)
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{path}", with_token=True))
    page.locator("#jupyterlab-splash").wait_for(state="detached")
    page.locator(CELL_EDITOR).first.wait_for(state="visible")
    # The plugin has installed its save guard once the status shows the policy.
    page.wait_for_function(
        "() => { const el = document.querySelector('[data-jp-secrets-status]');"
        " return el && /^Secrets: [a-z]/.test(el.textContent); }"
    )
    # Wait for the kernel: its first info reply updates the notebook metadata
    # (and marks it dirty), which must not land in the middle of a check.
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'"
    )
    # Loading is slow on a busy machine; a save and its dialog are not.
    page.set_default_timeout(UI_TIMEOUT_MS)
    return page


def replace_cell_text(page: Any, text: str) -> None:
    editor = page.locator(CELL_EDITOR).first
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def editor_text(page: Any) -> str:
    text: str = page.locator(CELL_EDITOR).first.inner_text()
    return text


def is_dirty(page: Any) -> bool:
    dirty: bool = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    return dirty


def wait_saved(page: Any) -> None:
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def write_notebook(server: JupyterServer, path: str, cells: list[dict[str, Any]]) -> Path:
    """A notebook written straight to disk, past the gate: the state a leak is found in
    (a file from git, a colleague, an older tool), which the plugin must help fix."""
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": cells,
    }
    target = server.root / path
    target.write_text(json.dumps(notebook, indent=1))
    return target


#: Passphrase of each store server's encrypted file, by port (made per server, never shown).
_PASSPHRASES: dict[int, str] = {}
CLI = str(Path(sys.executable).with_name("jupyter-secrets"))


def start_store_server(base: Path, app: str = "jupyterlab") -> JupyterServer:
    """A server whose secret store is an encrypted file of its own, under its HOME.

    The session's Secret Service is shared by every test of a run, so a value a
    browser test stores there would show in other tests' listings; a file store
    per server keeps each module's secrets to itself. The server, its kernels and
    ``store_cli`` read the same config file and passphrase.
    """
    from .conftest import start_lab_server

    passphrase = secrets.token_hex(16)
    config = JupyterDirs(base / "home").config
    config.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_secrets_config.json").write_text(
        json.dumps({"SecretsConfig": {"default_backend": "file"}})
    )
    server = start_lab_server(base, env={PASSPHRASE_VAR: passphrase}, app=app)
    _PASSPHRASES[server.port] = passphrase
    return server


def store_cli(server: JupyterServer, *args: str, value: str | None = None) -> str:
    """``jupyter-secrets ARGS`` against ``server``'s store; its stdout. Never echoes output."""
    env = isolated_env(server.home, {PASSPHRASE_VAR: _PASSPHRASES[server.port]})
    done = subprocess.run(
        [CLI, *args], input=value, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"jupyter-secrets {args[0]} failed (exit {done.returncode})"
    return done.stdout
