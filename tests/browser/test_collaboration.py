"""A refused save explained under real-time collaboration (jupyter-collaboration).

With collaboration the browser sends no PUT: the server saves its shared copy of
the document, the gate refuses that save on the server, and nothing tells the
browser. The plugin asks for the gate's newest report after each save and
explains a refusal as it does any other. A real `jupyter lab` from the
environment bootstrap makes for it (`.venv-rtc`, jupyter-collaboration 5 with
this checkout's jupyter-secrets), and headless Debian Chromium.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer
from tests.support.strict import require

from .conftest import LAB_LOAD_TIMEOUT_MS, ConsoleLog, server_extension_present, start_lab_server
from .pages import UI_TIMEOUT_MS, assert_absent, write_notebook

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
# bootstrap.sh makes it beside the main environment: $VENV-rtc.
RTC_PYTHON = Path(f"{sys.prefix}-rtc") / "bin" / "python"


@pytest.fixture(scope="module")
def rtc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    require(RTC_PYTHON.exists(), "no collaboration environment: run scripts/bootstrap.sh")
    share = Path(sys.prefix) / "share" / "jupyter"  # where this checkout's labextension is
    server = start_lab_server(
        tmp_path_factory.mktemp("lab-rtc"),
        ["--ServerApp.jpserver_extensions=jupyter_secrets=True"],
        env={"JUPYTER_PATH": str(share)},
        python=str(RTC_PYTHON),
    )
    try:
        yield server
    finally:
        server.stop()


def test_a_refused_collaborative_save_is_explained(
    chromium: Any, rtc_server: JupyterServer
) -> None:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "a",
        "source": "x = 1",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }
    path = write_notebook(rtc_server, "rtc.ipynb", [cell])
    before = path.read_bytes()
    key = fake_aws_key()
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(LAB_LOAD_TIMEOUT_MS)
    console = ConsoleLog()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    try:
        page.goto(rtc_server.url("lab/tree/rtc.ipynb", with_token=True))
        editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first
        editor.wait_for()
        collaborative = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.context.model.collaborative"
        )
        assert collaborative, "the notebook did not open in collaborative mode"
        page.set_default_timeout(UI_TIMEOUT_MS)
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(f'k = "{key}"')
        page.locator(".jp-Notebook .jp-Cell .jp-SecretsMarker").wait_for()
        page.keyboard.press("Control+s")
        dialog = page.locator(".jp-Dialog", has_text="Save blocked: secrets found")
        dialog.wait_for()
        body = dialog.inner_text()
        assert "rtc.ipynb was not saved" in body and "AWS Access Key" in body
        assert_absent(key, body, "the dialog under collaboration")
        page.screenshot(path=str(REPO / "docs" / "images" / "collaboration-refused.png"))
        assert path.read_bytes() == before, "the refused collaborative save changed the file"
        dialog.get_by_role("button", name="Close").click()
        assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty"), (
            "the refused notebook is not marked unsaved"
        )
        assert not console.errors, f"console errors: {console.errors}"
    finally:
        page.context.close()
