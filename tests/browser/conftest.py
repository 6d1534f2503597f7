"""Fixtures for browser tests: a real `jupyter lab` process and headless Chromium.

Reuse from any test under tests/browser/:
- `lab_server`: package-wide JupyterLab on 127.0.0.1 (random port, token, isolated
  HOME/config/data/runtime dirs; the labextension is found in the venv's share/jupyter).
- `chromium`: session-wide headless /usr/bin/chromium (never a downloaded browser).
- `secrets_server_present`: True once jupyter_secrets/server is a real package.
- `console`: records console errors and page errors of `lab_page`.
- `lab_page`: a fresh browser page with JupyterLab fully loaded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.jupyter_env import JupyterDirs
from tests.support.server import JupyterServer, start_jupyter
from tests.support.strict import require

CHROMIUM_PATH = os.environ.get("JUPYTER_SECRETS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 90.0
LAB_LOAD_TIMEOUT_MS = 60_000
# Plugins whose network calls or popups only add noise to a test run.
DISABLED_LAB_PLUGINS = {
    "@jupyterlab/apputils-extension:announcements": True,
}


def server_extension_present() -> bool:
    """True once `jupyter_secrets/server/` is a real package (not an empty namespace dir)."""
    try:
        spec = importlib.util.find_spec("jupyter_secrets.server")
    except ImportError:
        return False
    return spec is not None and spec.origin is not None


def start_lab_server(
    base: Path,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    app: str = "jupyterlab",
    python: str = sys.executable,
) -> JupyterServer:
    """``python -m jupyterlab`` (or ``notebook``, Notebook 7) under ``base`` (home/,
    notebooks/, jupyter-lab.log), ready; ``env`` reaches the server and its kernels."""
    home = base / "home"
    labconfig = JupyterDirs(home).config / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": DISABLED_LAB_PLUGINS})
    )
    return start_jupyter(
        app,
        home=home,
        root=base / "notebooks",
        log_path=base / "jupyter-lab.log",
        args=[
            *(
                [
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                    # Exposes window.jupyterapp so tests can run commands directly.
                    "--LabApp.expose_app_in_browser=True",
                ]
                if app == "jupyterlab"
                else ["--JupyterNotebookApp.expose_app_in_browser=True"]
            ),
            *(extra_args or []),
        ],
        env=env,
        ready_timeout=SERVER_START_TIMEOUT_S,
        python=python,
    )


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    server = start_lab_server(tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    require(
        Path(CHROMIUM_PATH).exists() or shutil.which(CHROMIUM_PATH) is not None,
        f"Chromium not found at {CHROMIUM_PATH}: apt-get install -y chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen by one page."""

    errors: list[str] = field(default_factory=list)

    def mentioning(self, *needles: str) -> list[str]:
        return [e for e in self.errors if any(n.lower() in e.lower() for n in needles)]


@pytest.fixture(scope="session")
def secrets_server_present() -> bool:
    """Whether tests must see the real server extension answer (see server_extension_present)."""
    return server_extension_present()


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def lab_page(chromium: Any, lab_server: JupyterServer, console: ConsoleLog) -> Iterator[Any]:
    """A new page with JupyterLab loaded (splash gone, shell visible)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LAB_LOAD_TIMEOUT_MS)

    def on_console(message: Any) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            console.errors.append(f"{message.text} [{location}]")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))
    try:
        page.goto(lab_server.url("lab", with_token=True))
        page.locator("#jupyterlab-splash").wait_for(state="detached")
        page.locator(".jp-LabShell").wait_for(state="visible")
        yield page
    finally:
        context.close()
