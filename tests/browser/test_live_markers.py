"""Live findings in real JupyterLab: markers appear as a secret is typed, printed or pasted.

A real `jupyter lab` on 127.0.0.1 with a real kernel, headless Debian Chromium,
an encrypted file store of the server's own. Fake values
are generated per run and never printed; checks on them go through
``assert_absent`` / ``assert_present``, whose messages name places, not values.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer
from tests.support.strict import require

from .conftest import ConsoleLog, server_extension_present
from .pages import (
    assert_absent,
    open_page,
    put_notebook,
    start_store_server,
    store_cli,
    write_notebook,
)

pytestmark = pytest.mark.browser

MARKER = ".jp-SecretsMarker"
MARK = ".jp-SecretsMark"
FLAGGED_OUTPUT = ".jp-SecretsOutput-flagged"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


def code_cell(source: str, cell_id: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "source": source,
        "metadata": {},
        "outputs": [],
        "execution_count": None,
    }


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    server = start_store_server(tmp_path_factory.mktemp("lab-live"))
    try:
        yield server
    finally:
        server.stop()


def type_in_cell(page: Any, index: int, text: str) -> None:
    editor = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").nth(index)
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def run_cell(page: Any, index: int) -> None:
    page.locator(".jp-NotebookPanel .jp-Cell .cm-content").nth(index).click()
    page.keyboard.press("Shift+Enter")


def marker_of(page: Any, index: int) -> Any:
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index).locator(MARKER)


def status_text(page: Any) -> str:
    text: str = page.locator("[data-jp-secrets-status]").inner_text()
    return text


def test_a_typed_key_is_marked_and_underlined_then_cleared(
    chromium: Any, live_server: JupyterServer
) -> None:
    put_notebook(live_server, "live.ipynb")
    key = fake_aws_key()
    page = open_page(chromium, live_server, "live.ipynb")
    console = ConsoleLog()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    try:
        cell_box = (
            "() => { const r = document.querySelector('.jp-Notebook .jp-Cell')"
            ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }"
        )
        before = page.evaluate(cell_box)
        type_in_cell(page, 0, f'key = "{key}"')
        typed = time.monotonic()
        marker = marker_of(page, 0)
        marker.wait_for(state="visible")
        # The marker sits over the prompt area: the cell does not move or grow.
        assert page.evaluate(cell_box) == before, "the marker shifted the cell's layout"
        latency = time.monotonic() - typed
        title = marker.get_attribute("title") or ""
        assert "AWS Access Key" in title, "the marker's tooltip does not name the type"
        assert_absent(key, title, "the marker's tooltip")
        # The value itself is underlined, exactly: the mark covers the key's characters.
        mark = page.locator(MARK).first
        mark.wait_for(state="visible")
        assert mark.inner_text() == key, "the underline does not cover exactly the value"
        assert "1 finding" in status_text(page), "the status bar does not count the finding"
        assert_absent(key, page.locator("#jp-main-statusbar").inner_text(), "the status bar")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "live-marker.png"))
        # The dark theme: the marker and underline use theme variables, so they stay visible.
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Dark'})"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        # JupyterLab's theme splash must be gone before the next change: two overlapping
        # splashes make JupyterLab itself throw (removeChild in its splash code).
        page.locator("#jupyterlab-splash").wait_for(state="detached")
        marker.wait_for(state="visible")
        colors = page.evaluate(
            "sel => { const m = getComputedStyle(document.querySelector(sel));"
            " return [m.backgroundColor, m.color]; }",
            MARKER,
        )
        assert colors[0] != colors[1], "the marker's text and background are the same color"
        page.screenshot(path=str(SCREENSHOTS / "live-marker-dark.png"))
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Light'})"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
        page.locator("#jupyterlab-splash").wait_for(state="detached")

        # Editing the value away removes the marker (no stale markers).
        type_in_cell(page, 0, "key = %secret dev/aws/key")
        marker.wait_for(state="detached")
        assert page.locator(MARK).count() == 0, "an underline outlived its value"
        page.wait_for_function(
            "() => document.querySelector('[data-jp-secrets-status]')"
            ".textContent.includes('no findings')"
        )
        assert not console.errors, f"console errors: {console.errors}"
    finally:
        page.context.close()
    print(f"marker after typing: {latency * 1000:.0f} ms (debounce 400 ms included)")


def test_a_printed_key_marks_its_output(chromium: Any, live_server: JupyterServer) -> None:
    # The source builds the key from parts, so only the output holds it whole.
    key = fake_aws_key()
    head, tail = key[:6], key[6:]
    put_notebook(live_server, "printed.ipynb", [code_cell(f"print({head!r} + {tail!r})", "p")])
    page = open_page(chromium, live_server, "printed.ipynb")
    try:
        run_cell(page, 0)
        flagged = page.locator(FLAGGED_OUTPUT).first
        flagged.wait_for(state="visible")
        tip = flagged.get_attribute("data-jp-secrets-output") or ""
        assert "AWS Access Key" in tip, "the output flag does not name the type"
        assert_absent(key, tip, "the output flag's tooltip")
        marker_of(page, 0).wait_for(state="visible")
        page.screenshot(path=str(SCREENSHOTS / "live-output-marker.png"))
    finally:
        page.context.close()


def test_a_fetched_password_pasted_elsewhere_is_marked(
    chromium: Any, live_server: JupyterServer
) -> None:
    # A short password no detector would flag: only the kernel link makes it known.
    ref = f"dev/live/pw_{secrets.token_hex(3)}"
    password = "pw" + secrets.token_hex(4)
    store_cli(live_server, "set", ref, value=password)
    put_notebook(
        live_server,
        "known.ipynb",
        [code_cell(f"db_pw = %secret {ref}", "fetch"), code_cell("", "paste")],
    )
    page = open_page(chromium, live_server, "known.ipynb")
    try:
        run_cell(page, 0)
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext"
            ".kernelDisplayStatus === 'idle' && document.querySelector("
            "'.jp-Cell .jp-InputPrompt').textContent.includes('1')"
        )
        type_in_cell(page, 1, f'conn = connect("{password}")')
        marker = marker_of(page, 1)
        marker.wait_for(state="visible")
        assert_absent(password, marker.get_attribute("title") or "", "the marker's tooltip")
        assert marker_of(page, 0).count() == 0, "the %secret line itself was marked"
    finally:
        page.context.close()


def test_the_status_bar_jumps_to_the_next_finding(
    chromium: Any, live_server: JupyterServer
) -> None:
    keys = [fake_aws_key(), fake_aws_key()]
    write_notebook(
        live_server,
        "jump.ipynb",
        [
            code_cell(f'a = "{keys[0]}"', "a"),
            code_cell("x = 1", "b"),
            code_cell(f'c = "{keys[1]}"', "c"),
        ],
    )
    page = open_page(chromium, live_server, "jump.ipynb")
    try:
        page.wait_for_function(
            "() => document.querySelector('[data-jp-secrets-status]')"
            ".getAttribute('data-jp-secrets-count') === '2'"
        )
        assert "2 findings" in status_text(page)
        active = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"
        status = page.locator("[data-jp-secrets-status]")
        # From the top: the first key, then the second, then round to the first again.
        for expected in (0, 2, 0):
            status.click()
            page.wait_for_function(f"({active})() === {expected}")
    finally:
        page.context.close()


def test_a_key_in_a_gated_file_is_underlined_in_the_file_editor(
    chromium: Any, live_server: JupyterServer
) -> None:
    key = fake_aws_key()
    (live_server.root / "settings.yaml").write_text(f"aws:\n  access_key_id: {key}\n")
    page = live_server_page(chromium, live_server, "settings.yaml")
    try:
        mark = page.locator(".jp-FileEditor .jp-SecretsMark").first
        mark.wait_for()
        assert mark.inner_text() == key, "the underline does not cover exactly the value"
        assert_absent(key, mark.get_attribute("title") or "", "the underline's tooltip")
        page.wait_for_function(
            "() => document.querySelector('[data-jp-secrets-status]')"
            ".getAttribute('data-jp-secrets-count') === '1'"
        )
    finally:
        page.context.close()


def live_server_page(chromium: Any, server: JupyterServer, path: str) -> Any:
    """A page with ``path`` open in JupyterLab's file editor (no kernel to wait for)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url(f"lab/workspaces/{secrets.token_hex(4)}/tree/{path}", with_token=True))
    page.locator(".jp-FileEditor .cm-content").wait_for()
    page.set_default_timeout(20_000)
    return page
