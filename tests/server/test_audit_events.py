"""The "events" audit sink in a real `jupyter server` subprocess on 127.0.0.1: the extension
registers the schema on the server's own event logger, so the handlers the admin configured
there (``c.EventLogger.handlers``) get every audit event, and never a value."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from jupyter_secrets.audit_events import SCHEMA_ID, SCHEMA_VERSION
from tests.kernel.harness import leaked_forms
from tests.support.fakes import fake_github_token, fake_secret
from tests.support.process import wait_until
from tests.support.server import JupyterServer

from .payloads import as_model, code_cell
from .real_server import server_dirs, start_server

SERVER_CONFIG = """\
import logging

c.EventLogger.handlers = [logging.FileHandler({events!r})]
c.SecretsConfig.audit_sinks = ["file", "events"]
c.SecretsConfig.audit_log = {audit!r}
c.SecretsConfig.default_backend = "file"
c.SecretsConfig.backend_options = {{"file": {{"path": {store!r}}}}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    base = tmp_path_factory.mktemp("events-server")
    config_dir = server_dirs(base).config
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.py").write_text(
        SERVER_CONFIG.format(
            events=str(base / "events.log"),
            audit=str(base / "audit.log"),
            store=str(base / "store" / "secrets.enc"),
        )
    )
    passphrase = secrets.token_hex(16)
    running = start_server(base, env={"JUPYTER_SECRETS_PASSPHRASE": passphrase})
    yield running
    running.stop()


def events_of(server: JupyterServer) -> list[dict[str, Any]]:
    """The audit events in the handler's file (the server's own events go there too)."""
    path = server.root.parent / "events.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [e for e in map(json.loads, lines) if e.get("__schema__") == SCHEMA_ID]


def wait_for_event(server: JupyterServer, **fields: Any) -> dict[str, Any]:
    def matching() -> list[dict[str, Any]]:
        return [e for e in events_of(server) if all(e.get(k) == v for k, v in fields.items())]

    [event] = wait_until(matching, 30, f"an event with {sorted(fields)}", detail=server.log_tail)
    assert event["__schema_version__"] == SCHEMA_VERSION
    return event


def test_a_rest_write_and_a_refused_save_each_emit_one_event(server: JupyterServer) -> None:
    value = fake_secret("Ev")  # pragma: allowlist secret
    status, _, body = server.request(
        "PUT", "jupyter-secrets/secrets/dev/db/password", {"value": value}
    )
    assert status == 201, body[:300]
    written = wait_for_event(server, action="write", ref="dev/db/password")
    assert (written["outcome"], written["backend"]) == ("stored", "file")

    token = fake_github_token()  # pragma: allowlist secret
    status, _, _ = server.request(
        "PUT", "api/contents/leak.ipynb", as_model("leak.ipynb", code_cell(token), "json")
    )
    assert status == 422
    refused = wait_for_event(server, action="save-blocked", notebook="leak.ipynb")
    assert (refused["outcome"], refused["source"]) == ("denied", "save-gate")

    text = (server.root.parent / "events.log").read_text()
    for planted in (value, token):
        assert not leaked_forms(text, planted), "a planted value reached the events"
    assert [e["action"] for e in events_of(server)] == ["write", "save-blocked"]
