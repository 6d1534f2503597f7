"""What the user sees when the save gate blocks, strips or warns, in real JupyterLab.

Real `jupyter lab` processes on 127.0.0.1 (one per policy) and headless Debian
Chromium. The fake AWS key is generated per run and never printed: every
check on it goes through `assert_absent` / `assert_present`, whose failure
messages name the place, not the value.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_secrets.scanner.finding import mask
from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer
from tests.support.strict import require

from .conftest import ConsoleLog, server_extension_present, start_lab_server
from .pages import (
    CELL_EDITOR,
    assert_absent,
    assert_present,
    editor_text,
    is_dirty,
    open_page,
    put_notebook,
    replace_cell_text,
    wait_saved,
)

pytestmark = pytest.mark.browser

REF_LINE = "key = %secret dev/aws/key"
BLOCKED_TITLE = "Save blocked: secrets found"
GENERIC_ERROR = "File Save Error"


@pytest.fixture(scope="module")
def strip_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A second server whose default policy is strip; warn-*.ipynb files only warn."""
    server = start_lab_server(
        tmp_path_factory.mktemp("lab-strip"),
        [
            "--JupyterSecrets.save_policy=strip",
            "--JupyterSecrets.path_policies=warn-*.ipynb=warn",
        ],
    )
    try:
        yield server
    finally:
        server.stop()


def no_generic_error(page: Any) -> None:
    # JupyterLab shows its generic dialog right after the failed save; give it time to.
    page.wait_for_timeout(1000)
    generic = page.locator(".jp-Dialog", has_text=GENERIC_ERROR)
    assert generic.count() == 0, "JupyterLab's generic save error dialog was shown"


def test_block_keeps_work_and_disk_then_saves_the_ref(
    chromium: Any, lab_server: JupyterServer
) -> None:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    started = time.monotonic()
    path = put_notebook(lab_server, "blocked.ipynb")
    before = path.read_bytes()
    key = fake_aws_key()
    page = open_page(chromium, lab_server, "blocked.ipynb")
    try:
        replace_cell_text(page, f'key = "{key}"')
        assert is_dirty(page), "typing did not mark the notebook dirty"
        page.keyboard.press("Control+s")

        dialog = page.locator(".jp-Dialog", has_text=BLOCKED_TITLE)
        dialog.wait_for(state="visible")
        body = dialog.inner_text()
        assert "AWS Access Key" in body, "the dialog does not name the finding's type"
        assert "cell 1" in body, "the dialog does not name the cell"
        assert "source, line 1" in body, "the dialog does not say where in the cell"
        assert mask(key) in body, "the dialog does not show the masked preview"
        assert_absent(key, body, "the blocked-save dialog")
        assert "%secret" in body, "the dialog gives no guidance"
        assert "blocked.ipynb was not saved" in body, "the dialog does not say nothing was saved"
        no_generic_error(page)
        assert page.locator(".jp-Dialog").count() == 1, "more than one dialog is open"

        # (b) disk untouched, (c) the work is still in the browser and still unsaved.
        assert path.read_bytes() == before, "the blocked save changed the file on disk"
        # Close, not "Fix all and save": the user decides later.
        dialog.locator("button.jp-mod-reject").click()
        dialog.wait_for(state="detached")
        assert_present(key, editor_text(page), "the editor after the blocked save")
        assert is_dirty(page), "the notebook is no longer marked dirty after a blocked save"
        assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() >= 1, "tab not marked dirty"
        status_bar = page.locator("#jp-main-statusbar")
        assert "Saving failed" in status_bar.inner_text(), "the status bar does not say it failed"

        # A second Ctrl+S with the same finding still answers with the dialog.
        page.keyboard.press("Control+s")
        dialog.wait_for(state="visible")
        # Close, not "Fix all and save": the user decides later.
        dialog.locator("button.jp-mod-reject").click()
        dialog.wait_for(state="detached")
        assert path.read_bytes() == before, "the second blocked save changed the file"

        # An autosave of findings already shown does not pop a modal over the user's
        # typing: it updates one error notification (the context's save, as autosave calls it).
        outcome = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.context.save()"
            ".then(() => 'saved', e => e.name)"
        )
        assert outcome == "ModalCancelError", f"autosave ended with {outcome!r}"
        toast = page.locator(".jp-Notification-Toast-error", has_text="still not saved")
        toast.wait_for(state="visible")
        assert_absent(key, toast.inner_text(), "the autosave notification")
        no_generic_error(page)
        assert page.locator(".jp-Dialog").count() == 0, "autosave opened a modal again"
        assert path.read_bytes() == before, "the blocked autosave changed the file"

        # (d) the user moves the key out: the save goes through with the ref only.
        replace_cell_text(page, REF_LINE)
        page.keyboard.press("Control+s")
        wait_saved(page)
        saved = path.read_text()
        assert REF_LINE in json.loads(saved)["cells"][0]["source"], "the ref was not saved"
        assert_absent(key, saved, "the saved notebook")
        assert page.locator(".jp-Dialog").count() == 0, "a dialog appeared on a clean save"
        toast.wait_for(state="detached")
    finally:
        page.context.close()
    print(f"block scenario: {time.monotonic() - started:.1f}s")


def test_close_and_save_of_a_blocked_notebook_stays_open_quietly(
    chromium: Any, lab_server: JupyterServer
) -> None:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    path = put_notebook(lab_server, "close-me.ipynb")
    before = path.read_bytes()
    key = fake_aws_key()
    page = open_page(chromium, lab_server, "close-me.ipynb")
    console = ConsoleLog()
    page.on(
        "console",
        lambda message: console.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))
    findings_urls: list[str] = []
    page.on(
        "request",
        lambda request: (
            findings_urls.append(request.url)
            if "/jupyter-secrets/findings" in request.url
            else None
        ),
    )
    try:
        replace_cell_text(page, f'key = "{key}"')
        page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").first.click()
        # JupyterLab's "Save changes before closing?" dialog: choose Save.
        ask = page.locator(".jp-Dialog", has_text="close-me.ipynb")
        ask.wait_for(state="visible")
        ask.get_by_role("button", name="Save", exact=True).click()

        dialog = page.locator(".jp-Dialog", has_text=BLOCKED_TITLE)
        dialog.wait_for(state="visible")
        assert "AWS Access Key" in dialog.inner_text(), "the dialog does not name the finding"
        # Close, not "Fix all and save": the user decides later.
        dialog.locator("button.jp-mod-reject").click()
        dialog.wait_for(state="detached")
        no_generic_error(page)

        # The refused save keeps the notebook open with the work in it, unsaved.
        tab = page.locator(".lm-TabBar-tab", has_text="close-me.ipynb")
        assert tab.count() == 1, "the blocked notebook was closed"
        assert is_dirty(page), "the blocked notebook is no longer dirty"
        assert_present(key, editor_text(page), "the editor after a blocked close-and-save")
        assert path.read_bytes() == before, "the blocked close-and-save changed the file"
        # The findings were fetched by the report id the server sent, not by path alone.
        assert findings_urls, "the save guard never fetched the findings"
        assert all("id=" in url for url in findings_urls), "findings fetched without id="
        noisy = [
            error.replace(key, "<fake key>")
            for error in console.mentioning("Cancel", "unhandled", "Uncaught", "in promise")
        ]
        assert not noisy, f"the blocked close-and-save logged errors: {noisy}"
    finally:
        page.context.close()


def test_strip_tells_the_user_and_reloads_from_disk(
    chromium: Any, strip_server: JupyterServer
) -> None:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    path = put_notebook(strip_server, "stripped.ipynb")
    key = fake_aws_key()
    page = open_page(chromium, strip_server, "stripped.ipynb")
    try:
        replace_cell_text(page, f'key = "{key}"')
        page.keyboard.press("Control+s")

        toast = page.locator(".jp-Notification-Toast-warning", has_text="redacted")
        toast.wait_for(state="visible")
        message = toast.inner_text()
        assert "stripped.ipynb" in message and "AWS Access Key" in message, (
            "the notification does not say which file and what was redacted"
        )
        assert "editor now shows the saved file" in message, "the notification hides the reload"
        assert_absent(key, message, "the strip notification")

        on_disk = path.read_text()
        assert_absent(key, on_disk, "the stripped notebook on disk")
        assert "[REDACTED]" in on_disk, "the file on disk carries no redaction marker"
        # The editor is brought in line with disk: the key is gone there too.
        page.wait_for_function(
            "sel => document.querySelector(sel).textContent.includes('[REDACTED]')",
            arg=CELL_EDITOR,
        )
        assert_absent(key, editor_text(page), "the editor after the stripped save")
        no_generic_error(page)
        assert not is_dirty(page), "the reloaded notebook is marked dirty"
        assert page.locator(".jp-Dialog").count() == 0, "a modal dialog interrupted the user"

        # Details on demand: the action opens the findings without the value.
        toast.get_by_role("button", name="Details").click()
        details = page.locator(".jp-Dialog", has_text="Secrets redacted")
        details.wait_for(state="visible")
        assert "cell 1" in details.inner_text(), "details do not name the cell"
        assert mask(key) in details.inner_text(), "details do not show the masked preview"
        details.locator("button.jp-mod-accept").click()
    finally:
        page.context.close()


def test_warn_saves_and_notifies_without_blocking(
    chromium: Any, strip_server: JupyterServer
) -> None:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    path = put_notebook(strip_server, "warn-me.ipynb")
    key = fake_aws_key()
    page = open_page(chromium, strip_server, "warn-me.ipynb")
    try:
        replace_cell_text(page, f'key = "{key}"')
        page.keyboard.press("Control+s")
        toast = page.locator(".jp-Notification-Toast-warning", has_text="warn-me.ipynb")
        toast.wait_for(state="visible")
        message = toast.inner_text()
        assert "was saved but contains" in message, "the warning does not say the save happened"
        assert_absent(key, message, "the warn notification")
        wait_saved(page)
        # warn keeps the file as typed: the editor and disk agree, no modal, no reload.
        assert_present(key, path.read_text(), "the warned notebook on disk")
        assert_present(key, editor_text(page), "the editor after a warned save")
        assert page.locator(".jp-Dialog").count() == 0, "a modal dialog interrupted the user"
    finally:
        page.context.close()
