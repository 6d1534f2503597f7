"""An attacker's inputs to the REST API over real HTTP: every one is a one-line 4xx.

A real ``jupyter server`` subprocess (tests/server/real_server.py) with a real
encrypted-file store. Bodies and URLs are sent as raw bytes, the way a hostile
client would send them; after each, the server must still answer and its log
must hold no traceback (a traceback can quote the request).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.server.real_server import server_dirs, start_server
from tests.support.fakes import fake_aws_key
from tests.support.server import JupyterServer

PASSPHRASE_ENV = "JSX_API_FAULTS_PASSPHRASE"


@dataclass
class Target:
    server: JupyterServer
    store: Path
    audit: Path


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    base = tmp_path_factory.mktemp("api-faults")
    store, audit = base / "store" / "secrets.enc", base / "audit.log"
    config_dir = server_dirs(base).config
    config_dir.mkdir(parents=True)
    config = {
        "SecretsConfig": {
            "default_backend": "file",
            "backend_options": {"file": {"path": str(store), "passphrase_env": PASSPHRASE_ENV}},
            "audit_log": str(audit),
        }
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    server = start_server(base, env={PASSPHRASE_ENV: secrets.token_hex(16)})
    try:
        yield Target(server, store, audit)
    finally:
        server.stop()


def _deep(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _send(target: Target, method: str, path: str, body: bytes | None) -> tuple[int, Any]:
    """One request; asserts the answer is a one-line JSON 4xx and the server stayed sound."""
    server = target.server
    log_before = len(server.log_text())
    status, headers, raw = server.request(method, path, body)
    assert 400 <= status < 500, (method, path[:80], status, raw[:300])
    assert headers.get("Content-Type", "").startswith("application/json"), raw[:200]
    reply = json.loads(raw)
    message = reply["message"]
    assert isinstance(message, str) and message and "\n" not in message, message
    assert not reply.get("traceback")
    new_log = server.log_text()[log_before:]
    assert "Traceback" not in new_log and "Uncaught exception" not in new_log, new_log[-2000:]
    assert server.request("GET", "api/status")[0] == 200, "the server stopped answering"
    return status, reply


_CELL = '{"cell_type": "code", "source": "x", "metadata": {}, "outputs": []}'

SCAN_BODIES: dict[str, bytes] = {
    # Deep nesting: json.loads raises RecursionError past the limit; below it the
    # scanner would recurse instead. Both are refused before anything is scanned.
    "model notebook 10k lists": b'{"model": {"type": "notebook", "content": %s}}'
    % _deep(10_000).encode(),
    "model notebook 10k dicts": b'{"model": {"type": "notebook", "content": %s}}'
    % _deep(10_000, "dict").encode(),
    "model notebook 900 dicts": b'{"model": {"type": "notebook", "content": %s}}'
    % _deep(900, "dict").encode(),
    "model as JSON text, 10k": json.dumps(
        {"model": {"type": "notebook", "content": _deep(10_000)}}
    ).encode(),
    "model as JSON text, 900": json.dumps(
        {"model": {"type": "notebook", "content": '{"cells": ' + _deep(900) + "}"}}
    ).encode(),
    "cell 10k": b'{"cell": %s}' % _deep(10_000, "dict").encode(),
    "cell metadata 900": (
        b'{"cell": {"cell_type": "code", "source": "x", "metadata": %s}}'
        % _deep(900, "dict").encode()
    ),
    "json output 900": (
        b'{"cell": {"cell_type": "code", "source": "x", "outputs": [{"output_type": '
        b'"display_data", "data": {"application/json": %s}}]}}' % _deep(900).encode()
    ),
    "text 10k": b'{"text": %s}' % _deep(10_000).encode(),
    "text 100k": b'{"text": %s}' % _deep(100_000).encode(),
    "bare 100k": _deep(100_000).encode(),
    "path 10k": b'{"text": "x", "path": %s}' % _deep(10_000).encode(),
    # Not JSON, not UTF-8, not an object.
    "latin-1 body": '{"text": "café"}'.encode("latin-1"),
    "utf-16 body": '{"text": "x"}'.encode("utf-16"),
    "binary": bytes(range(256)),
    "truncated": b'{"text": "x',
    "NaN": b'{"text": NaN}',
    "Infinity index": b'{"cell": %s, "cell_index": Infinity}' % _CELL.encode(),
    "1e999 index": b'{"cell": %s, "cell_index": 1e999}' % _CELL.encode(),
    "5000-digit index": b'{"cell": %s, "cell_index": %s}' % (_CELL.encode(), b"9" * 5000),
    "huge index": b'{"cell": %s, "cell_index": 1000000000000}' % _CELL.encode(),
    "negative index": b'{"cell": %s, "cell_index": -5}' % _CELL.encode(),
    "list body": b"[1, 2]",
    "string body": b'"text"',
    "null body": b"null",
    "empty object": b"{}",
    # Wrong types for each field.
    "text number": b'{"text": 5}',
    "text object": b'{"text": {"a": "b"}}',
    "path object": b'{"text": "x", "path": {"a": 1}}',
    "path bool": b'{"text": "x", "path": true}',
    "path 1 MB": b'{"text": "x", "path": "%s"}' % (b"a" * 1_000_000),
    "path control": b'{"text": "x", "path": "a\\u001b[2Jb.py"}',
    "lone surrogate": b'{"text": "\\udc80"}',
    "surrogate key": b'{"text": "x", "\\ud800": 1}',
    "two kinds": b'{"text": "x", "cell": %s}' % _CELL.encode(),
    "index without cell": b'{"text": "x", "cell_index": 0}',
    "cell list": b'{"cell": [1]}',
    "cell no type": b'{"cell": {"source": "x"}}',
    "cell type number": b'{"cell": {"cell_type": 1, "source": "x"}}',
    "cell source dict": b'{"cell": {"cell_type": "code", "source": {"a": 1}}}',
    "cell id number": b'{"cell": {"cell_type": "code", "source": "x", "id": 7}}',
    "cell attachments list": b'{"cell": {"cell_type": "markdown", "source": "", "attachments": []}}',
    "output no type": b'{"cell": {"cell_type": "code", "source": "", "outputs": [{}]}}',
    "output text dict": (
        b'{"cell": {"cell_type": "code", "source": "", "outputs": '
        b'[{"output_type": "stream", "name": "stdout", "text": {"a": 1}}]}}'
    ),
    "output evalue list": (
        b'{"cell": {"cell_type": "code", "source": "", "outputs": '
        b'[{"output_type": "error", "ename": "E", "evalue": [1], "traceback": []}]}}'
    ),
    "model list": b'{"model": [1]}',
    "model type bool": b'{"model": {"type": true, "content": "x"}}',
    "model directory": b'{"model": {"type": "directory", "format": "json", "content": []}}',
    "model no content": b'{"model": {"type": "notebook", "format": "json"}}',
    "notebook content number": b'{"model": {"type": "notebook", "content": 5}}',
    "notebook content list": b'{"model": {"type": "notebook", "content": []}}',
    "notebook bad JSON text": b'{"model": {"type": "notebook", "content": "{x"}}',
    "notebook format base64": b'{"model": {"type": "notebook", "format": "base64", "content": "e30="}}',
    "notebook cells object": b'{"model": {"type": "notebook", "content": {"cells": {}}}}',
    "notebook metadata list": b'{"model": {"type": "notebook", "content": {"cells": [], "metadata": []}}}',
    "file text as object": b'{"model": {"type": "file", "format": "text", "content": {"a": 1}}}',
    "file text as list": b'{"model": {"type": "file", "format": "text", "content": ["a"]}}',
    "file base64 garbage": b'{"model": {"type": "file", "format": "base64", "content": "%%%%"}}',
    "file base64 non-ascii": b'{"model": {"type": "file", "format": "base64", "content": "\\u00e9AAA"}}',
    "file base64 number": b'{"model": {"type": "file", "format": "base64", "content": 12}}',
    "file no format": b'{"model": {"type": "file", "content": "x"}}',
    "file format json": b'{"model": {"type": "file", "format": "json", "content": "x"}}',
    "model path list": b'{"model": {"type": "file", "format": "text", "content": "x", "path": []}}',
}


@pytest.mark.parametrize("name", list(SCAN_BODIES))
def test_no_scan_body_gets_a_5xx(target: Target, name: str) -> None:
    status, reply = _send(target, "POST", "jupyter-secrets/scan", SCAN_BODIES[name])
    assert status in (400, 413), reply


def test_the_scan_api_still_finds_what_it_should(target: Target) -> None:
    # The guards above must not turn away a real notebook: a fake key is still found.
    key = fake_aws_key()
    cell = {"cell_type": "code", "source": [f'k = "{key}"\n'], "metadata": {}, "outputs": []}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for body in (
        {"model": {"type": "notebook", "format": "json", "content": nb}, "path": "a.ipynb"},
        {"model": {"type": "notebook", "content": json.dumps(nb)}, "path": "a.ipynb"},
        {"cell": cell, "cell_index": 0},
    ):
        status, _, raw = target.server.request("POST", "jupyter-secrets/scan", body)
        assert status == 200, raw[:300]
        assert json.loads(raw)["findings"] and key.encode() not in raw


BAD_REF_PATHS = [
    "",  # PUT /jupyter-secrets/secrets/
    "/",
    "%ff",  # not UTF-8
    "dev/%c3%28",
    "dev/a%00b",
    "dev/a%0d%0aSet-Cookie:%20x=1",
    "dev/%e2%80%ae",
    "%2e%2e/%2e%2e/etc/passwd",
    "..%2f..%2fprod%2fdb",
    "dev//x",
    "dev/./x",
    "dev/" + "a" * 10_000,
    "qa/db/password",
    "secret:/dev/x",
    "dev/x@previous",
    "dev/x%23field",
]


@pytest.mark.parametrize("ref", BAD_REF_PATHS)
def test_bad_refs_get_a_one_line_4xx(target: Target, ref: str) -> None:
    before = target.store.read_bytes() if target.store.exists() else None
    _send(
        target,
        "PUT",
        f"jupyter-secrets/secrets/{ref}",
        json.dumps({"value": secrets.token_urlsafe(12)}).encode(),
    )
    assert (target.store.read_bytes() if target.store.exists() else None) == before


PUT_BODIES: dict[str, bytes] = {
    "unknown backend": b'{"value": "%s", "backend": "nope"}',
    "backend with control characters": b'{"value": "%s", "backend": "a\\u001b[2Jb"}',
    "backend 1 MB": b'{"value": "%s", "backend": "' + b"b" * 1_000_000 + b'"}',
    "backend list": b'{"value": "%s", "backend": ["file"]}',
    "read-only backend": b'{"value": "%s", "backend": "env"}',
    "deep backend": b'{"value": "%s", "backend": ' + _deep(10_000).encode() + b"}",
    "value number": b'{"value": 5, "ignored": "%s"}',
    "value lone surrogate": b'{"value": "\\ud800", "ignored": "%s"}',
    "not UTF-8": b'{"value": "\xff%s"}',
    "not JSON": b"value=%s",
    "list": b'["%s"]',
}


@pytest.mark.parametrize("name", list(PUT_BODIES))
def test_bad_put_bodies_get_a_one_line_4xx(target: Target, name: str) -> None:
    value = secrets.token_urlsafe(16)
    status, reply = _send(
        target, "PUT", "jupyter-secrets/secrets/dev/faults/pw", PUT_BODIES[name] % value.encode()
    )
    assert value not in json.dumps(reply)
    if name == "unknown backend":
        assert status == 422 and "file" in reply["message"] and "keyring" in reply["message"]
    assert value not in target.server.log_text()


def test_prod_is_not_writable_over_http(target: Target) -> None:
    server = target.server
    status, _, raw = server.request(
        "PUT", "jupyter-secrets/secrets/dev/faults/base", {"value": secrets.token_urlsafe(16)}
    )
    assert status == 201, raw[:300]
    before = target.store.read_bytes()
    value = secrets.token_urlsafe(16)
    for ref in ("prod/db/password", "prod/faults/pw"):
        status, reply = _send(
            target, "PUT", f"jupyter-secrets/secrets/{ref}", b'{"value": "%s"}' % value.encode()
        )
        assert status == 403 and "writable" in reply["message"], reply
    assert target.store.read_bytes() == before, "a refused write changed the store"
    denied = [
        json.loads(line)
        for line in target.audit.read_text().splitlines()
        if '"denied"' in line and '"prod/' in line
    ]
    assert {event["ref"] for event in denied} >= {"prod/db/password", "prod/faults/pw"}
    assert value not in target.audit.read_text() and value not in server.log_text()
    status, _, raw = server.request("GET", "jupyter-secrets/policy")
    assert json.loads(raw)["writable_scopes"] == ["dev", "stg"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "jupyter-secrets/secrets/dev/x"),
        ("DELETE", "jupyter-secrets/secrets/dev/x"),
        ("PUT", "jupyter-secrets/scan"),
        ("PUT", "jupyter-secrets/secrets"),
        ("GET", "jupyter-secrets/audit?limit=99999999999999999999999"),
        ("GET", "jupyter-secrets/audit?offset=-1"),
        ("GET", "jupyter-secrets/secrets?scope=%00"),
        ("GET", "jupyter-secrets/findings?path=x&id=%ff"),
    ],
)
def test_other_misuse_is_a_one_line_4xx(target: Target, method: str, path: str) -> None:
    _send(target, method, path, b"{}" if method in ("POST", "PUT") else None)
