"""The same plugin in Notebook 7 (`jupyter notebook`): live markers and the fix dialog.

A real `python -m notebook` on 127.0.0.1 and headless Debian Chromium; Notebook 7
runs JupyterLab plugins, so the one plugin must work in both. A notebook holding a
fake key is written to disk, as a file from git arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer
from tests.support.strict import require

from .conftest import LAB_LOAD_TIMEOUT_MS, ConsoleLog, server_extension_present, start_lab_server
from .pages import UI_TIMEOUT_MS, assert_absent, write_notebook

pytestmark = pytest.mark.browser


def is_notebook7_own_error(error: str) -> bool:
    """Notebook 7.6 itself throws this while loading settings, with or without this
    plugin (checked with the plugin disabled): its stack is all in notebook_core."""
    return "reading 'schema'" in error and "/static/notebook/notebook_core" in error


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    pytest.importorskip(
        "notebook", reason="Notebook 7 is a test dependency: pip install -e .[test]"
    )
    server = start_lab_server(tmp_path_factory.mktemp("nb7"), app="notebook")
    try:
        yield server
    finally:
        server.stop()


def test_markers_and_fixes_in_notebook_7(chromium: Any, notebook_server: JupyterServer) -> None:
    key = fake_aws_key()
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "a",
        "source": f'key = "{key}"',
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }
    path = write_notebook(notebook_server, "nb7.ipynb", [cell])
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(LAB_LOAD_TIMEOUT_MS)
    console = ConsoleLog()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e} {e.stack}"))
    try:
        page.goto(notebook_server.url("notebooks/nb7.ipynb", with_token=True))
        marker = page.locator(".jp-Notebook .jp-Cell .jp-SecretsMarker").first
        marker.wait_for(state="visible")
        page.set_default_timeout(UI_TIMEOUT_MS)
        assert "AWS Access Key" in (marker.get_attribute("title") or "")
        assert page.locator(".jp-SecretsMark").first.inner_text() == key, "underline is off"
        marker.click()
        dialog = page.locator(".jp-Dialog:has(.jp-SecretsFix)")
        dialog.wait_for()
        assert_absent(key, dialog.inner_text(), "the fix dialog in Notebook 7")
        dialog.locator("[data-jp-secrets-fix=redact]").first.click()
        dialog.get_by_text("No secrets left in this notebook").wait_for()
        dialog.get_by_role("button", name="Close").click()
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        on_disk = path.read_text()
        assert_absent(key, on_disk, "the notebook Notebook 7 saved")
        assert "[REDACTED]" in on_disk
        ours = [e for e in console.errors if not is_notebook7_own_error(e)]
        assert not ours, f"console errors: {ours}"
    finally:
        context.close()
