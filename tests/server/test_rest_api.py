"""POST scan, GET/PUT secrets, GET audit, GET findings: real server, real encrypted-file store."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api, server_config


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
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_code_cell(f'k = "{key}"')]
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
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_markdown_cell(f"old password {value} (moved to the store)")]
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


# -- faults found by an independent attack ---------------------------------------------------


def _deep(depth: int, kind: str) -> str:
    """JSON text nested ``depth`` levels deep (lists or objects)."""
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _one_line_4xx(reply: Any) -> str:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    data = reply.json()
    message = data["message"]
    assert isinstance(message, str) and message and "\n" not in message
    assert not data.get("traceback") and "Traceback" not in reply.body.decode()
    return message


@pytest.mark.parametrize("depth", [200, 900, 10_000])
@pytest.mark.parametrize(
    "template",
    [
        '{"model": {"type": "notebook", "content": %s}}',
        '{"model": {"type": "notebook", "content": {"cells": [{"cell_type": "code", '
        '"source": "x", "metadata": %s}]}}}',
        '{"model": {"type": "file", "format": "text", "content": %s}}',
        '{"cell": {"cell_type": "code", "source": "x", "metadata": %s}}',
        '{"cell": %s}',
        '{"text": %s}',
        '{"text": "x", "path": %s}',
    ],
)
@pytest.mark.parametrize("kind", ["list", "dict"])
async def test_deeply_nested_scan_bodies_are_a_clear_4xx(
    api: Api, template: str, depth: int, kind: str
) -> None:
    reply = await api("POST", "jupyter-secrets/scan", template % _deep(depth, kind))
    message = _one_line_4xx(reply)
    assert reply.status in (400, 413)
    if depth > 100:
        assert "deep" in message


async def test_a_deep_body_is_refused_on_put_too(api: Api) -> None:
    body = f'{{"value": "{secrets.token_urlsafe(12)}", "backend": {_deep(10_000, "list")}}}'
    reply = await api("PUT", "jupyter-secrets/secrets/dev/db/password", body)
    assert reply.status == 400 and "deep" in _one_line_4xx(reply)


_CODE = {"cell_type": "code", "source": "x", "metadata": {}, "outputs": []}


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "\xff\xfe"}',  # not UTF-8
        b"\xef\xbb\xbf\xff",
        '{"text": NaN}',
        {"text": "x", "path": 5},
        {"text": "x", "path": ["a.py"]},
        {"text": "x", "path": "a\x00.py"},
        {"text": "x", "model": {"type": "file", "format": "text", "content": "y"}},
        {"cell": _CODE, "cell_index": 10**12},
        {"cell": _CODE, "cell_index": -1},
        {"cell": _CODE, "cell_index": True},
        {"cell": _CODE, "cell_index": "3"},
        {"cell": _CODE, "cell_index": 1.5},
        {"cell": "print(1)"},
        {"cell": {**_CODE, "cell_type": "python"}},
        {"cell": {**_CODE, "source": 5}},
        {"cell": {**_CODE, "source": ["a", 5]}},
        {"cell": {**_CODE, "metadata": "x"}},
        {"cell": {**_CODE, "outputs": "x"}},
        {"cell": {**_CODE, "outputs": [5]}},
        {"cell": {**_CODE, "outputs": [{"output_type": "stream", "text": 5}]}},
        {"cell": {**_CODE, "outputs": [{"output_type": "display_data", "data": "x"}]}},
        {"cell": {**_CODE, "outputs": [{"output_type": "error", "traceback": "x"}]}},
        {"cell": {**_CODE, "source": "\ud800"}},  # a lone surrogate is not text
        {"model": {"type": 5, "content": "x"}},
        {"model": {"content": "x"}},
        {"model": {"type": "directory", "content": []}},
        {"model": {"type": "file", "format": "text"}},
        {"model": {"type": "file", "format": "json", "content": "x"}},
        {"model": {"type": "file", "format": "text", "content": {"a": 1}}},
        {"model": {"type": "file", "format": "base64", "content": "!!not base64!!"}},
        {"model": {"type": "file", "format": "base64", "content": 5}},
        {"model": {"type": "file", "format": "text", "content": "x", "path": 5}},
        {"model": {"type": "notebook", "content": [1]}},
        {"model": {"type": "notebook", "content": 5}},
        {"model": {"type": "notebook", "content": {"cells": "x"}}},
        {"model": {"type": "notebook", "content": {"cells": [{**_CODE, "source": 5}]}}},
        {"model": {"type": "notebook", "format": "text", "content": {"cells": []}}},
    ],
)
async def test_scan_wrong_shapes_are_400(api: Api, body: Any) -> None:
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode("utf-8")  # lone surrogates stay \\u escapes
    reply = await api("POST", "jupyter-secrets/scan", body)
    assert reply.status == 400, (reply.status, reply.body[:300])
    _one_line_4xx(reply)


@pytest.mark.parametrize("gate_settings", [{"save_policy": "block", "max_scan_bytes": 1000}])
@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 2000},
        {"cell": {**_CODE, "source": "x" * 2000}},
        {"model": {"type": "file", "format": "text", "content": "x" * 2000}},
    ],
)
async def test_scan_over_the_size_limit_is_413(
    api: Api, gate_settings: dict[str, Any], body: Any
) -> None:
    reply = await api("POST", "jupyter-secrets/scan", body)
    assert reply.status == 413 and "max_scan_bytes" in _one_line_4xx(reply)


async def test_scan_edge_values_that_are_valid_still_scan(api: Api) -> None:
    key = fake_aws_key()
    cell = {**_CODE, "source": [f'k = "{key}"\n'], "metadata": {"a": {"b": {"c": [1, [2]]}}}}
    reply = await api("POST", "jupyter-secrets/scan", {"cell": cell, "cell_index": 999_999})
    assert reply.status == 200 and reply.json()["findings"][0]["cell_index"] == 999_999
    emoji = await api("POST", "jupyter-secrets/scan", {"text": "ok \U0001f600", "path": None})
    assert emoji.status == 200 and emoji.json() == {"findings": []}
    b64 = base64.b64encode(f"K={key}\n".encode()).decode()
    wrapped = "\n".join(b64[i : i + 16] for i in range(0, len(b64), 16))
    file_model = {"type": "file", "format": "base64", "content": wrapped, "path": "k.env"}
    assert (await api("POST", "jupyter-secrets/scan", {"model": file_model})).json()["findings"]


async def test_an_unexpected_error_is_a_500_without_content(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from jupyter_secrets.server.state import ServerState

    marker = secrets.token_urlsafe(16)

    def broken(self: Any, user: str) -> Any:
        raise RuntimeError(f"boom {marker}")

    monkeypatch.setattr(ServerState, "manager_for", broken)
    caplog.set_level(logging.DEBUG)
    reply = await api("GET", "jupyter-secrets/secrets")
    assert reply.status == 500
    data = reply.json()
    assert "\n" not in data["message"] and "RuntimeError" in data["message"]
    assert marker not in reply.body.decode() and not data.get("traceback")
    assert marker not in caplog.text, "the exception's text reached the server log"
    assert "Traceback" not in caplog.text


async def test_unknown_backend_is_422_listing_the_backends(api: Api, store_path: Path) -> None:
    body = {"value": secrets.token_urlsafe(16), "backend": "nope"}
    reply = await api("PUT", "jupyter-secrets/secrets/dev/db/password", body)
    assert reply.status == 422, reply.body[:300]
    message = _one_line_4xx(reply)
    assert "'nope'" in message and all(name in message for name in ("env", "file", "keyring"))
    assert body["value"] not in reply.body.decode()
    assert not store_path.exists()


@pytest.mark.parametrize(
    ("ref", "status"),
    [
        ("..", 422),
        ("dev/..", 422),
        ("dev/../prod/x", 422),
        ("%2e%2e/x", 422),  # sent as %252e: the ref itself has '%'
        ("dev/" + "a" * 5000, 422),
        ("dev/a\nb", 422),
        ("dev/a\x00b", 422),
        ("dev/a\x1b[31mb", 422),
        ("dev/\u202ex", 422),
        ("dev/a b", 422),
        ("qa/db/password", 403),
        ("dev", 422),
        ("dev/x@2", 422),
        ("dev/x#field", 422),
    ],
)
async def test_bad_refs_are_a_one_line_4xx(
    api: Api, ref: str, status: int, store_path: Path
) -> None:
    reply = await api("PUT", f"jupyter-secrets/secrets/{ref}", {"value": secrets.token_urlsafe(12)})
    assert reply.status == status, reply.body[:300]
    message = _one_line_4xx(reply)
    assert not any(c in message for c in "\x00\x1b\u202e"), "control characters echoed raw"
    assert not store_path.exists()


async def test_a_percent_in_a_ref_is_shown_once(api: Api) -> None:
    # Sent as dev/x%25y; tornado < 6.5 would have shown '%%' for an unformatted '%'.
    reply = await api("PUT", "jupyter-secrets/secrets/dev/x%y", {"value": "x" * 12})
    assert reply.status == 422 and "'dev/x%y'" in _one_line_4xx(reply)


async def _audit_events(api: Api) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = (
        await api("GET", "jupyter-secrets/audit", params={"limit": "100"})
    ).json()["events"]
    return events


async def test_put_outside_writable_scopes_is_403_audited_and_writes_nothing(
    api: Api, store_path: Path, tmp_path: Path
) -> None:
    dev_value, prod_value = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    assert (
        await api("PUT", "jupyter-secrets/secrets/dev/db/pw", {"value": dev_value})
    ).status == 201
    before = store_path.read_bytes()
    listed_before = (await api("GET", "jupyter-secrets/secrets")).json()

    reply = await api("PUT", "jupyter-secrets/secrets/prod/db/pw", {"value": prod_value})
    assert reply.status == 403, reply.body[:300]
    message = _one_line_4xx(reply)
    assert "dev, stg" in message and "writable_scopes" in message
    assert prod_value not in reply.body.decode()
    assert store_path.read_bytes() == before, "the store changed on a refused write"
    assert (await api("GET", "jupyter-secrets/secrets")).json() == listed_before

    [denied] = [e for e in await _audit_events(api) if e["outcome"] == "denied"]
    assert denied["ref"] == "prod/db/pw" and denied["action"] == "write"
    assert denied["source"] == "rest-api" and denied["user"]
    audit_text = (tmp_path / "audit.log").read_text()
    assert prod_value not in audit_text and dev_value not in audit_text

    # The refused value is not a "known value" either: it never reached a store.
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_markdown_cell(f"note {prod_value}")]
    saved = await api(
        "PUT", "api/contents/p.ipynb", {"type": "notebook", "format": "json", "content": nb}
    )
    assert saved.status == 201

    assert (
        await api("PUT", "jupyter-secrets/secrets/stg/db/pw", {"value": dev_value})
    ).status == 201
    policy = (await api("GET", "jupyter-secrets/policy")).json()
    assert policy["writable_scopes"] == ["dev", "stg"]


@pytest.mark.parametrize(
    "gate_settings", [{"save_policy": "block", "writable_scopes": ["dev", "stg", "prod"]}]
)
async def test_writable_scopes_is_configurable(api: Api, gate_settings: dict[str, Any]) -> None:
    value = secrets.token_urlsafe(16)
    assert (await api("PUT", "jupyter-secrets/secrets/prod/db/pw", {"value": value})).status == 201
    policy = (await api("GET", "jupyter-secrets/policy", params={"path": "a.ipynb"})).json()
    assert policy["writable_scopes"] == ["dev", "stg", "prod"]


@pytest.mark.parametrize("gate_settings", [{"save_policy": "block", "writable_scopes": []}])
async def test_no_writable_scope_refuses_every_put(api: Api, gate_settings: dict[str, Any]) -> None:
    reply = await api("PUT", "jupyter-secrets/secrets/dev/db/pw", {"value": "x" * 12})
    assert reply.status == 403 and "jupyter-secrets set dev/db/pw" in _one_line_4xx(reply)
