"""The README's quick start as a new user runs it: `scripts/demo.sh` in a fresh HOME.

The install steps are reused (bootstrap skips what is installed), the rest is real:
the script, its printed instructions, the CLI as those instructions say to run it,
the printed URL in headless Chromium, and the demo notebook's first run.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.netutil import free_port
from tests.support.jupyter_env import isolated_env
from tests.support.process import launch, stop_process, wait_until

from .conftest import LAB_LOAD_TIMEOUT_MS

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser

START_BUDGET_S = 300.0  # a loaded CI machine may rebuild nothing but still start slowly
URL_RE = re.compile(r"http://127\.0\.0\.1:\d+/\S*token=\w+")


class Demo:
    def __init__(self, base: Path) -> None:
        self.dir = base / "demo"
        self.home = base / "home"
        self.log = base / "demo.log"
        self.env = isolated_env(self.home, {"DEMO_DIR": str(self.dir)})
        self.port = free_port()
        self.process = launch(
            ["bash", "scripts/demo.sh", "--no-browser", f"--port={self.port}"],
            env=self.env,
            cwd=REPO_ROOT,
            log_path=self.log,
            new_session=True,  # stop() ends the script and the server it started
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_url(self) -> str:
        found = wait_until(
            lambda: URL_RE.search(self.text()),
            START_BUDGET_S,
            "demo.sh to print its URL",
            process=self.process,
            detail=lambda: f":\n{self.text()[-3000:]}",
            interval=0.5,
        )
        assert found is not None  # wait_until returns a truthy result: a match
        return found.group(0)

    def shell(self, command: str) -> subprocess.CompletedProcess[str]:
        """A command as the banner says to run it: in a new shell, after `source demo.env`."""
        script = f"source {shlex.quote(str(self.dir / 'demo.env'))} && {command}"
        clean = {k: v for k, v in self.env.items() if k != "DEMO_DIR"}
        clean["PATH"] = "/usr/bin:/bin"  # nothing of ours on PATH until demo.env adds it
        return subprocess.run(
            ["bash", "-c", script],
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def stop(self) -> None:
        stop_process(self.process, timeout=30, group=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = Demo(tmp_path_factory.mktemp("quickstart"))
    try:
        yield running
    finally:
        running.stop()


def test_the_demo_says_what_it_did_and_what_to_try_next(demo: Demo) -> None:
    demo.wait_for_url()
    banner = demo.text()
    for line in (
        "an encrypted file for this demo only",
        '"demo-only-passphrase"',
        "dev/demo/api_token",
        "source ",
        "jupyter-secrets list dev",
        "jupyter-secrets set dev/warehouse/password",
        "jupyter-secrets scan ",
        "jupyter-secrets doctor",
    ):
        assert line in banner, f"the demo's banner does not say {line!r}"
    assert "[REDACTED" not in URL_RE.search(banner).group(0)  # type: ignore[union-attr]


def test_the_printed_next_steps_work_in_a_new_shell(demo: Demo) -> None:
    demo.wait_for_url()
    listed = demo.shell("jupyter-secrets list dev")
    assert listed.returncode == 0, listed.stderr
    assert "dev/demo/api_token" in listed.stdout
    scanned = demo.shell(f"jupyter-secrets scan {shlex.quote(str(demo.dir))}")
    assert scanned.returncode == 0, f"the demo notebook has findings: {scanned.stdout}"
    # Choosing your own passphrase later leaves the demo's store working, and vice versa.
    own = demo.shell("JUPYTER_SECRETS_PASSPHRASE=mine-not-the-demos jupyter-secrets list dev")
    assert own.returncode == 0 and "dev/demo/api_token" in own.stdout, own.stderr


def test_the_printed_url_opens_the_notebook_unmodified(demo: Demo, chromium: Any) -> None:
    url = demo.wait_for_url()
    assert "/lab/tree/Welcome.ipynb" in url
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LAB_LOAD_TIMEOUT_MS)
    try:
        page.goto(url)
        tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text="Welcome.ipynb")
        tab.wait_for(state="visible")
        # The kernel is up and has told the page its name and language.
        page.locator(
            ".jp-NotebookPanel .jp-KernelStatus, .jp-NotebookPanel .jp-Toolbar-kernelName"
        ).first.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-NotebookPanel-toolbar *')]"
            ".some(e => /Python/.test(e.textContent) && e.children.length === 0)"
        )
        page.locator(
            ".jp-NotebookPanel-toolbar [data-status='idle'], .jp-Notebook-ExecutionIndicator[data-status='idle']"
        ).first.wait_for(state="attached")
        classes = tab.get_attribute("class") or ""
        assert "jp-mod-dirty" not in classes, "the demo notebook shows as modified on open"
    finally:
        context.close()
