"""POST scan, GET/PUT secrets, GET audit, GET findings: real server, real encrypted-file store."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import nbformat
import pytest
from traitlets.config import Config

from .conftest import Api, fake_aws_key, server_config


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_hex(16))
    return tmp_path / "store" / "secrets.enc"


@pytest.fixture
def jp_server_config(gate_settings: dict[str, Any], store_path: Path, tmp_path: Path) -> Config:
    return server_config(
        gate_settings,
        SecretsConfig={
            "default_backend": "file",
            "backend_options": {"file": {"path": str(store_path)}},
            "audit_log": str(tmp_path / "audit.log"),
        },
    )


async def test_scan_model_cell_and_text(api: Api) -> None:
    key = fake_aws_key()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f'k = "{key}"')]
    by_model = await api(
        "POST",
        "jupyter-secrets/scan",
        {"model": {"type": "notebook", "content": nb}, "path": "a.ipynb"},
    )
    assert by_model.status == 200 and by_model.json()["findings"][0]["cell_index"] == 0
    by_cell = await api(
        "POST", "jupyter-secrets/scan", {"cell": dict(nb.cells[0]), "cell_index": 3}
    )
    assert by_cell.json()["findings"][0]["cell_index"] == 3
    by_text = await api("POST", "jupyter-secrets/scan", {"text": f"KEY={key}\n", "path": "x.env"})
    finding = by_text.json()["findings"][0]
    assert finding["line"] == 1 and finding["cell_index"] is None
    for reply in (by_model, by_cell, by_text):
        assert key not in reply.body.decode(), "scan echoed the key"
    clean = await api("POST", "jupyter-secrets/scan", {"text": "hello", "path": "x.py"})
    assert clean.json() == {"findings": []}


@pytest.mark.parametrize(
    "body", [{"nothing": 1}, "[1, 2]", "{broken", {"model": {"type": "notebook", "content": "{x"}}]
)
async def test_scan_bad_input_is_400(api: Api, body: Any) -> None:
    reply = await api("POST", "jupyter-secrets/scan", body)
    assert reply.status == 400 and "\n" not in reply.json()["message"]


async def test_store_list_and_audit(api: Api, store_path: Path) -> None:
    value = "s3cr3t-" + secrets.token_hex(8)
    stored = await api("PUT", "jupyter-secrets/secrets/dev/db/password", {"value": value})
    assert stored.status == 201, stored.body[:300]
    assert value not in stored.body.decode(), "PUT echoed the value"
    assert stored.json()["ref"] == "dev/db/password"
    assert store_path.exists() and value.encode() not in store_path.read_bytes()

    listed = await api("GET", "jupyter-secrets/secrets")
    assert listed.status == 200 and value not in listed.body.decode()
    [entry] = [s for s in listed.json()["secrets"] if s["ref"] == "dev/db/password"]
    assert entry["backend"] == "file"

    audit = await api("GET", "jupyter-secrets/audit", params={"limit": "10"})
    events = audit.json()["events"]
    assert events and events[0]["ref"] == "dev/db/password" and events[0]["outcome"] == "stored"
    assert value not in audit.body.decode()
    paged = await api("GET", "jupyter-secrets/audit", params={"limit": "1", "offset": "5"})
    assert paged.json()["events"] == []

    # The stored literal is now a known value: a notebook still holding it is caught.
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"old password {value} (moved to the store)")]
    saved = await api(
        "PUT", "api/contents/n.ipynb", {"type": "notebook", "format": "json", "content": nb}
    )
    assert saved.status == 422


@pytest.mark.parametrize(
    ("ref", "body", "status"),
    [
        ("ops/db/password", {"value": "x" * 12}, 403),  # scope not allowed
        ("dev/db/password@2", {"value": "x" * 12}, 422),  # versions are not writable
        ("dev/db/password", {"value": ""}, 422),
        ("dev/db/password", {}, 422),
        ("dev/db/password", {"value": "x" * 12, "backend": "env"}, 422),  # read-only
    ],
)
async def test_store_refusals_are_one_line(api: Api, ref: str, body: Any, status: int) -> None:
    reply = await api("PUT", f"jupyter-secrets/secrets/{ref}", body)
    assert reply.status == status, reply.body[:300]
    message = reply.json()["message"]
    assert message and "\n" not in message


async def test_audit_paging_is_validated(api: Api) -> None:
    assert (await api("GET", "jupyter-secrets/audit", params={"limit": "0"})).status == 400
    assert (await api("GET", "jupyter-secrets/audit", params={"offset": "x"})).status == 400


async def test_findings_endpoint_reports_the_last_save(api: Api) -> None:
    assert (await api("GET", "jupyter-secrets/findings", params={"path": "f.py"})).status == 404
    await api(
        "PUT",
        "api/contents/f.py",
        {"type": "file", "format": "text", "content": f"K='{fake_aws_key()}'\n"},
    )
    report = (await api("GET", "jupyter-secrets/findings", params={"path": "f.py"})).json()
    assert report["action"] == "blocked" and report["findings"][0]["line"] == 1
