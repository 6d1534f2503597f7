"""The Secrets panel in real JupyterLab: lists refs (never values), inserts a ref, stores one.

A real `jupyter lab`, headless Debian Chromium, and an encrypted file store of the
server's own. Values are generated per run and never printed; the page's whole HTML is
checked for them after every step that touched one.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import JupyterServer
from tests.support.strict import require

from .conftest import ConsoleLog, server_extension_present
from .pages import assert_absent, open_page, put_notebook, start_store_server, store_cli

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
PANEL = "#jp-secrets-panel"
CLI = str(Path(sys.executable).with_name("jupyter-secrets"))


@pytest.fixture(scope="module")
def panel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    server = start_store_server(tmp_path_factory.mktemp("lab-panel"))
    try:
        yield server
    finally:
        server.stop()


def show_panel(page: Any) -> Any:
    page.locator(f'.jp-SideBar [data-id="{PANEL[1:]}"]').click()
    panel = page.locator(PANEL)
    panel.wait_for(state="visible")
    return panel


def test_the_panel_lists_inserts_and_stores_without_showing_values(
    chromium: Any, panel_server: JupyterServer
) -> None:
    seeded_ref = f"dev/panel/seeded_{secrets.token_hex(3)}"
    seeded = secrets.token_urlsafe(18)
    store_cli(panel_server, "set", seeded_ref, value=seeded)
    put_notebook(panel_server, "panel.ipynb")
    page = open_page(chromium, panel_server, "panel.ipynb")
    console = ConsoleLog()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    try:
        panel = show_panel(page)
        item = panel.locator(f'[data-jp-secrets-ref="{seeded_ref}"]')
        item.wait_for()
        assert "file" in panel.inner_text(), "the panel does not name the backend"
        assert_absent(seeded, page.content(), "the page with the panel open")

        # The filter hides what does not match and keeps what does.
        panel.locator(".jp-SecretsPanel-filter").fill("no-such-ref")
        item.wait_for(state="detached")
        panel.locator(".jp-SecretsPanel-filter").fill("panel seeded")
        item.wait_for()

        # Click: the ref goes in at the cursor of the active cell, as a magic on an empty line.
        page.locator(".jp-Notebook .jp-Cell .cm-content").first.click()
        page.keyboard.type("pw = ")
        item.click()
        page.wait_for_function(
            "r => window.jupyterapp.shell.currentWidget.content.activeCell"
            ".model.sharedModel.getSource() === 'pw = %secret ' + r",
            arg=seeded_ref,
        )

        # Run it: the notebook's kernel now holds the value, and the panel marks the ref.
        assert panel.locator("[data-jp-secrets-fetched]").count() == 0, "marked before a fetch"
        page.keyboard.press("Shift+Enter")
        page.locator(f'[data-jp-secrets-ref="{seeded_ref}"]').locator("xpath=..").and_(
            page.locator("[data-jp-secrets-fetched]")
        ).wait_for()
        page.screenshot(path=str(SCREENSHOTS / "secrets-panel.png"))
        assert_absent(seeded, page.content(), "the page after the kernel fetched the value")

        # New secret: stored in the store, listed, and gone from the page and the field.
        new_ref = f"dev/panel/new_{secrets.token_hex(3)}"
        new_value = secrets.token_urlsafe(18)
        panel.get_by_label("Ref of the new secret").fill(new_ref)
        panel.get_by_label("Value of the new secret").fill(new_value)
        panel.get_by_role("button", name="New secret").click()
        panel.locator(".jp-SecretsPanel-status").filter(has_text=f"Stored {new_ref}").wait_for()
        panel.locator(".jp-SecretsPanel-filter").fill("")
        panel.locator(f'[data-jp-secrets-ref="{new_ref}"]').wait_for()
        assert panel.get_by_label("Value of the new secret").input_value() == ""
        if store_cli(panel_server, "get", "--reveal", new_ref).rstrip("\n") != new_value:
            pytest.fail("the store does not hold the value typed in the panel", pytrace=False)
        assert_absent(new_value, page.content(), "the page after storing a secret")

        # A scope the server does not let clients write: a one-line reason, nothing stored.
        panel.get_by_label("Ref of the new secret").fill("prod/panel/denied")
        panel.get_by_label("Value of the new secret").fill(secrets.token_urlsafe(12))
        panel.get_by_role("button", name="New secret").click()
        status = panel.locator(".jp-SecretsPanel-status")
        status.filter(has_text="writable").wait_for()
        assert panel.get_by_label("Value of the new secret").input_value() == ""
        assert not console.errors or all("403" in e for e in console.errors), console.errors
    finally:
        page.context.close()
