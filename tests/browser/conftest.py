"""Fixtures for browser tests: a real `jupyter lab` process and headless Chromium.

Reuse from any test under tests/browser/:
- `lab_server`: session-wide JupyterLab on 127.0.0.1 (random port, token, isolated
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
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.netutil import free_port

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


def strict_tests() -> bool:
    return os.environ.get("JUPYTER_SECRETS_STRICT_TESTS") == "1"


def require(condition: bool, reason: str) -> None:
    """Skip when a prerequisite is missing, but fail loudly in strict (CI) mode."""
    if condition:
        return
    if strict_tests():
        pytest.fail(f"{reason} (JUPYTER_SECRETS_STRICT_TESTS=1)", pytrace=False)
    pytest.skip(reason)


def server_extension_present() -> bool:
    """True once `jupyter_secrets/server/` is a real package (not an empty namespace dir)."""
    try:
        spec = importlib.util.find_spec("jupyter_secrets.server")
    except ImportError:
        return False
    return spec is not None and spec.origin is not None


@dataclass
class LabServer:
    """A running `jupyter lab` subprocess."""

    port: int
    token: str
    root_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str = "", *, with_token: bool = False) -> str:
        url = self.base_url + path.lstrip("/")
        if with_token:
            url += ("&" if "?" in url else "?") + f"token={self.token}"
        return url

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def api_get(self, path: str) -> tuple[int, Any]:
        """GET a JSON endpoint with the token; returns (status, decoded body or None)."""
        # Always http://127.0.0.1:<port>/..., never a user-supplied scheme.
        request = urllib.request.Request(  # noqa: S310
            self.url(path), headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None


def _isolated_env(base: Path) -> dict[str, str]:
    """Point HOME and per-user Jupyter dirs at `base`; sys.prefix paths stay visible."""
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "IPYTHONDIR": base / "ipython",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    env.update({key: str(path) for key, path in dirs.items()})
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir()
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": DISABLED_LAB_PLUGINS})
    )
    return env


def _wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with {server.process.returncode} before it was ready; "
                f"log:\n{server.log_text()[-4000:]}"
            )
        try:
            status, _ = server.api_get("api/status")
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.25)
    raise RuntimeError(
        f"jupyter lab not ready after {SERVER_START_TIMEOUT_S:.0f}s; "
        f"log:\n{server.log_text()[-4000:]}"
    )


def start_lab_server(base: Path, extra_args: list[str] | None = None) -> LabServer:
    """Start `python -m jupyterlab` under `base` and wait for /api/status."""
    root_dir = base / "notebooks"
    root_dir.mkdir(parents=True, exist_ok=True)
    env = _isolated_env(base)
    # The token goes through the environment so it does not show in `ps`.
    token = secrets.token_hex(24)
    env["JUPYTER_TOKEN"] = token
    port = free_port()
    log_path = base / "jupyter-lab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Exposes window.jupyterapp so tests can run commands directly.
        "--LabApp.expose_app_in_browser=True",
        *(extra_args or []),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=root_dir, stdout=log, stderr=subprocess.STDOUT
        )
    server = LabServer(port, token, root_dir, log_path, process)
    try:
        _wait_until_ready(server)
    except BaseException:
        stop_lab_server(server)
        raise
    return server


def stop_lab_server(server: LabServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_lab_server(tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        stop_lab_server(server)


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
def lab_page(chromium: Any, lab_server: LabServer, console: ConsoleLog) -> Iterator[Any]:
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
