"""JupyterLab loads the jupyter-secrets frontend plugin in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

STATUS = "[data-jp-secrets-status]"
MISSING = "Secrets: server extension missing"
POLICY_TEXT = re.compile(r"^Secrets: [a-z][a-z-]*$")


def settled_status(page: Any) -> str:
    """Wait until the plugin has replaced its placeholder with an answer."""
    page.wait_for_function(
        "sel => { const el = document.querySelector(sel);"
        " return el && el.getAttribute('data-jp-secrets-status').startsWith('Secrets: ')"
        " && !el.textContent.endsWith('…'); }",
        arg=STATUS,
    )
    text: str = page.locator(STATUS).inner_text().strip()
    return text


def check_status_text(text: str, server_present: bool) -> None:
    assert text.startswith("Secrets:"), f"unexpected status text {text!r}"
    if server_present:
        # Once jupyter_secrets/server exists, the REST call must work end to end.
        assert text != MISSING, "server extension did not answer GET /jupyter-secrets/policy"
        assert POLICY_TEXT.match(text), f"status does not name a policy: {text!r}"
    else:
        assert text == MISSING or POLICY_TEXT.match(text), f"unexpected status {text!r}"


def unexpected_errors(console: Any, server_present: bool) -> list[str]:
    errors: list[str] = console.mentioning("jupyter-secrets", "jupyter_secrets")
    if not server_present:
        # Without the server side the policy request 404s; that is the "missing" state.
        errors = [e for e in errors if "/jupyter-secrets/policy" not in e]
    return errors


def test_plugin_activates_and_shows_policy(
    lab_page: Any, lab_server: Any, console: Any, secrets_server_present: bool
) -> None:
    text = settled_status(lab_page)
    check_status_text(text, secrets_server_present)
    assert lab_page.locator(STATUS).get_attribute("data-jp-secrets-status") == text
    errors = unexpected_errors(console, secrets_server_present)
    assert not errors, f"console errors from jupyter-secrets: {errors}"
    # The server log is the other place a broken extension shows up.
    bad_lines = [
        line
        for line in lab_server.log_text().splitlines()
        if "jupyter_secrets" in line and (line.startswith("[E") or "failed" in line)
    ]
    assert not bad_lines, f"server log reports jupyter_secrets problems: {bad_lines}"


def test_palette_command_shows_policy_dialog(
    lab_page: Any, console: Any, secrets_server_present: bool
) -> None:
    """Through the palette as a user would, waiting on what the page shows, not on time:
    under load the palette's list re-renders as it filters, so every check retries."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    status = settled_status(lab_page)
    palette_input = lab_page.locator(".lm-CommandPalette-input")
    item = lab_page.locator(".lm-CommandPalette-item", has_text="Show Secrets Policy")
    header = lab_page.locator(".lm-CommandPalette-header", has_text="Secrets")
    dialog = lab_page.locator(".jp-Dialog")
    # On a loaded machine a key press can land before the shell has focus, the palette
    # can close or re-render under the click (the item detached, one clean-clone run),
    # and the dialog waits on the server's policy: the whole open-fill-click sequence is
    # retried until the dialog shows (a click that a re-render swallowed opens none;
    # another clean-clone run), never a fixed wait.
    for attempt in range(3):
        try:
            lab_page.keyboard.press("Control+Shift+C")
            palette_input.wait_for(state="visible", timeout=10_000)
            palette_input.fill("Show Secrets Policy")
            expect(item).to_have_count(1, timeout=20_000)
            expect(header).to_have_count(1, timeout=20_000)  # in the Secrets category
            item.click(timeout=15_000)
            expect(dialog).to_be_visible(timeout=20_000)
            break
        except (PlaywrightTimeout, AssertionError):
            if attempt == 2:
                raise
            lab_page.keyboard.press("Escape")
            expect(dialog).to_have_count(0, timeout=10_000)  # a late dialog is closed first
    body = dialog.locator(".jp-Dialog-body")
    expect(body.locator("p").first).to_have_text(status)
    if secrets_server_present:  # the dialog says what the policy does and what set it
        expect(body).to_contain_text("When a save holds a secret,")
        expect(body).to_contain_text("Set by ")
    dialog.locator("button.jp-mod-accept").click()
    expect(dialog).to_have_count(0)
    errors = unexpected_errors(console, secrets_server_present)
    assert not errors, f"console errors from jupyter-secrets: {errors}"
