"""The fix dialog in real JupyterLab: each fix changes the notebook, the file on disk
is read back, and a value moved to the store is read back from the store and used.

A real `jupyter lab` with a real kernel, headless Debian Chromium, and the real
Secret Service (gnome-keyring on a private D-Bus) as the store. Notebooks holding
a leak are written straight to disk, as a file from git would arrive. Fake values
are generated per run and never printed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
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
    assert_present,
    is_dirty,
    open_page,
    start_store_server,
    store_cli,
    write_notebook,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
FIX_DIALOG = ".jp-Dialog:has(.jp-SecretsFix)"
EMPTY = "No secrets left in this notebook"


def code_cell(source: str, cell_id: str, outputs: list[Any] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "source": source,
        "metadata": {},
        "outputs": outputs or [],
        "execution_count": 1 if outputs else None,
    }


def stdout(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def fake_password() -> str:
    return "Wx" + secrets.token_urlsafe(14).replace("-", "q").replace("_", "Z")


@pytest.fixture(scope="module")
def fix_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    require(server_extension_present(), "jupyter_secrets.server is not installed")
    server = start_store_server(tmp_path_factory.mktemp("lab-fix"))
    try:
        yield server
    finally:
        server.stop()


def stored_value(server: JupyterServer, ref: str) -> str:
    """The store's value for ``ref``, read with the CLI as its user would."""
    return store_cli(server, "get", "--reveal", ref).rstrip("\n")


def open_fixes(page: Any, cell_index: int = 0) -> Any:
    marker = page.locator(".jp-Notebook .jp-Cell").nth(cell_index).locator(".jp-SecretsMarker")
    marker.click()
    dialog = page.locator(FIX_DIALOG)
    dialog.wait_for(state="visible")
    return dialog


def cell_sources(page: Any) -> list[str]:
    sources: list[str] = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells"
        ".map(c => c.getSource())"
    )
    return sources


def save(page: Any) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def run_cell(page: Any, index: int) -> None:
    page.locator(".jp-Notebook .jp-Cell .cm-content").nth(index).click()
    page.keyboard.press("Shift+Enter")


def console_of(page: Any) -> ConsoleLog:
    log = ConsoleLog()
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"pageerror: {e}"))
    return log


def test_move_to_store_rewrites_the_cell_and_the_rerun_works(
    chromium: Any, fix_server: JupyterServer
) -> None:
    password = fake_password()
    path = write_notebook(
        fix_server,
        "move.ipynb",
        [
            code_cell(f'warehouse_password = "{password}"', "a"),
            code_cell(
                "import hashlib\nprint(hashlib.sha256(warehouse_password.encode()).hexdigest())",
                "b",
            ),
        ],
    )
    page = open_page(chromium, fix_server, "move.ipynb")
    console = console_of(page)
    try:
        dialog = open_fixes(page)
        body = dialog.inner_text()
        assert_absent(password, body, "the fix dialog")
        ref_input = dialog.locator(".jp-SecretsFix-ref").first
        ref = ref_input.input_value()
        assert ref == "dev/warehouse/password", f"suggested ref {ref!r}"
        page.screenshot(path=str(SCREENSHOTS / "fix-dialog.png"))
        dialog.locator("[data-jp-secrets-fix=move]").first.click()
        dialog.get_by_text(EMPTY).wait_for()
        assert "Stored as dev/warehouse/password" in dialog.inner_text()
        dialog.get_by_role("button", name="Close").click()
        sources = cell_sources(page)
        assert sources[0] == "warehouse_password = %secret dev/warehouse/password", sources[0]
        assert stored_value(fix_server, ref) == password or pytest.fail(
            "the store holds another value", pytrace=False
        )
        save(page)
        on_disk = path.read_text()
        assert_absent(password, on_disk, "the saved notebook")
        assert "%secret dev/warehouse/password" in on_disk
        # The rewritten cell runs and yields the same value (compared by its hash).
        run_cell(page, 0)
        run_cell(page, 1)
        expected = hashlib.sha256(password.encode()).hexdigest()
        output = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output")
        output.wait_for()
        page.wait_for_function(
            "h => document.querySelectorAll('.jp-Notebook .jp-Cell')[1].innerText.includes(h)",
            arg=expected,
        )
        assert not console.errors, f"console errors: {console.errors}"
    finally:
        page.context.close()


def test_fix_all_moves_literals_clears_echoes_and_saves(
    chromium: Any, fix_server: JupyterServer
) -> None:
    key, second = fake_aws_key(), fake_aws_key()
    path = write_notebook(
        fix_server,
        "fixall.ipynb",
        [
            # Two secrets in one cell: fixing the first shifts the second's offsets.
            code_cell(
                f'import boto3\ns3 = boto3.client("s3", aws_access_key_id="{key}", '
                f'backup_key_id="{second}")',
                "a",
            ),
            code_cell("print(s3._key)", "b", [stdout(f"using {key}\n")]),
        ],
    )
    page = open_page(chromium, fix_server, "fixall.ipynb")
    console = console_of(page)
    try:
        page.locator(".jp-SecretsOutput-flagged").wait_for()
        dialog = open_fixes(page)
        dialog.get_by_role("button", name="Fix all and save").click()
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
        on_disk = path.read_text()
        assert_absent(key, on_disk, "the notebook saved by fix all")
        assert_absent(second, on_disk, "the notebook saved by fix all (second key)")
        nb = json.loads(on_disk)
        source = "".join(nb["cells"][0]["source"])
        assert source.startswith("from jupyter_secrets import secret\n"), "import not added"
        assert 'aws_access_key_id=secret("dev/aws/' in source, "the kwarg was not rewritten"
        assert 'backup_key_id=secret("dev/' in source, "the second kwarg was not rewritten"
        assert source.count("from jupyter_secrets import secret") == 1, "import added twice"
        assert nb["cells"][1]["outputs"] == [], "the echo in the output was not cleared"
        assert page.locator(FIX_DIALOG).count() == 0, "a dialog is still open"
        assert not console.errors, f"console errors: {console.errors}"
    finally:
        page.context.close()


def test_clear_redact_and_allow_each_change_what_is_saved(
    chromium: Any, fix_server: JupyterServer
) -> None:
    keys = [fake_aws_key() for _ in range(3)]
    path = write_notebook(
        fix_server,
        "each.ipynb",
        [
            code_cell("show()", "out", [stdout(f"{keys[0]}\n")]),
            code_cell(f'redact_me = "{keys[1]}"', "red"),
            code_cell(f'allowed = "{keys[2]}"', "allow"),
        ],
    )
    page = open_page(chromium, fix_server, "each.ipynb")
    try:
        dialog = open_fixes(page, 0)
        items = dialog.locator(".jp-SecretsFix-item")
        items.nth(2).wait_for()
        assert items.count() == 3, f"{items.count()} rows for 3 findings"
        dialog.locator("[data-jp-secrets-fix=clear]").first.click()
        page.wait_for_function(
            "s => document.querySelectorAll(s).length === 2",
            arg=f"{FIX_DIALOG} .jp-SecretsFix-item",
        )
        dialog.locator("[data-jp-secrets-fix=redact]").first.click()
        page.wait_for_function(
            "s => document.querySelectorAll(s).length === 1",
            arg=f"{FIX_DIALOG} .jp-SecretsFix-item",
        )
        allow = dialog.locator("[data-jp-secrets-fix=allow]").first
        allow.click()  # the first click asks what allowing means
        assert "Keep it in the file" in allow.inner_text(), "allow did not ask to confirm"
        allow.click()
        dialog.get_by_text(EMPTY).wait_for()
        dialog.get_by_role("button", name="Close").click()
        save(page)
        nb = json.loads(path.read_text())
        assert nb["cells"][0]["outputs"] == [], "clear output left the output"
        redacted = "".join(nb["cells"][1]["source"])
        assert_absent(keys[1], redacted, "the redacted cell")
        assert redacted == 'redact_me = "[REDACTED]"', "redact did not keep the rest of the line"
        kept = "".join(nb["cells"][2]["source"])
        assert_present(keys[2], kept, "the allowed cell")
        assert "pragma: allowlist secret" in kept, "allow added no pragma"
        assert not is_dirty(page)
    finally:
        page.context.close()


def test_autosave_opens_no_dialog_and_save_as_is_gated(
    chromium: Any, fix_server: JupyterServer
) -> None:
    key = fake_aws_key()
    path = write_notebook(fix_server, "auto.ipynb", [code_cell("x = 1", "a")])
    before = path.read_bytes()
    page = open_page(chromium, fix_server, "auto.ipynb")
    try:
        page.locator(".jp-Notebook .jp-Cell .cm-content").first.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(f'k = "{key}"')
        # As autosave calls it: the context's save, no command, no click.
        outcome = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.context.save()"
            ".then(() => 'saved', e => e.name)"
        )
        assert outcome == "ModalCancelError", f"autosave ended with {outcome!r}"
        toast = page.locator(".jp-Notification-Toast-error", has_text="not saved")
        toast.wait_for(state="visible")
        assert page.locator(".jp-Dialog").count() == 0, "autosave opened a dialog"
        assert path.read_bytes() == before, "the refused autosave changed the file"

        # Save As to a new name goes through the gate too, and offers the fixes.
        page.evaluate("() => { window.jupyterapp.commands.execute('docmanager:save-as'); }")
        ask = page.locator(".jp-Dialog", has_text="Save File As")
        ask.wait_for()
        name = ask.locator("input")
        name.fill("auto-copy.ipynb")
        ask.locator("button.jp-mod-accept").click()
        page.locator(FIX_DIALOG).wait_for()
        assert not (fix_server.root / "auto-copy.ipynb").exists(), "save-as wrote the copy"
    finally:
        page.context.close()


def test_the_dialog_works_from_the_keyboard(chromium: Any, fix_server: JupyterServer) -> None:
    key = fake_aws_key()
    path = write_notebook(fix_server, "keys.ipynb", [code_cell(f'k = "{key}"', "a")])
    page = open_page(chromium, fix_server, "keys.ipynb")
    try:
        page.locator(".jp-Notebook .jp-Cell .jp-SecretsMarker").wait_for()
        page.evaluate("() => window.jupyterapp.commands.execute('jupyter-secrets:show-fixes')")
        dialog = page.locator(FIX_DIALOG)
        dialog.wait_for()
        # Focus starts on the first fix; every control is labelled for screen readers.
        page.wait_for_function("() => document.activeElement?.dataset?.jpSecretsFix === 'move'")
        ref_input = dialog.locator(".jp-SecretsFix-ref")
        assert (ref_input.get_attribute("aria-label") or "").startswith("Secret ref for")
        page.keyboard.press("Tab")  # to Redact
        focused = page.evaluate("() => document.activeElement.dataset.jpSecretsFix")
        assert focused == "redact", f"Tab went to {focused!r}, not Redact"
        page.keyboard.press("Enter")
        dialog.get_by_text(EMPTY).wait_for()
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        save(page)
        assert_absent(key, path.read_text(), "the notebook fixed from the keyboard")
    finally:
        page.context.close()
