"""Fail-closed, bad input, and 50 concurrent saves."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api
from .payloads import as_model, clean, code_cell


class RaisingScanner:
    """Stands in for a scanner with a bug: no real scanner fails on demand."""

    def scan_model(self, model: dict[str, Any]) -> list[Any]:
        raise RuntimeError("boom near " + str(model.get("content"))[:40])

    def scan_cell(self, cell: dict[str, Any], *args: Any) -> list[Any]:
        raise RuntimeError("boom near " + str(cell)[:40])

    def scan_pieces(self, pieces: Any, *args: Any) -> list[Any]:
        raise RuntimeError("boom near the notebook's metadata")


class SlowScanner:
    """Stands in for a scan that runs away (a pathological input)."""

    def scan_model(self, model: dict[str, Any]) -> list[Any]:
        time.sleep(3)
        return []

    def scan_cell(self, cell: dict[str, Any], *args: Any) -> list[Any]:
        time.sleep(3)
        return []

    def scan_pieces(self, pieces: Any, *args: Any) -> list[Any]:
        time.sleep(3)
        return []


def use_scanner(serverapp: Any, scanner: Any) -> None:
    serverapp.web_app.settings["jupyter_secrets"]._scanner = scanner


async def save_clean_first(api: Api, root: Path, name: str) -> bytes:
    first = await api("PUT", f"api/contents/{name}", as_model(name, clean(name), "json"))
    assert first.status < 300
    return (root / name).read_bytes()


@pytest.mark.parametrize(
    ("scanner", "status"),
    [(RaisingScanner(), 500), (SlowScanner(), 503)],
    ids=["raises", "timeout"],
)
@pytest.mark.parametrize("gate_settings", [{"scan_timeout_seconds": 0.5}])
async def test_scan_failure_refuses_the_save(
    api: Api, jp_serverapp: Any, jp_root_dir: Path, scanner: Any, status: int, gate_settings: Any
) -> None:
    before = await save_clean_first(api, jp_root_dir, "a.ipynb")
    use_scanner(jp_serverapp, scanner)
    reply = await api(
        "PUT", "api/contents/a.ipynb", as_model("a.ipynb", code_cell("x = 1"), "json")
    )
    assert reply.status == status
    message = reply.json()["message"]
    assert message.startswith("Save refused") and "\n" not in message
    assert "boom" not in message, "the scanner's exception text (maybe content) reached the client"
    assert reply.headers.get("X-Jupyter-Secrets-Action") == "refused"
    assert (jp_root_dir / "a.ipynb").read_bytes() == before


@pytest.mark.parametrize("gate_settings", [{"fail_closed": False, "scan_timeout_seconds": 0.5}])
async def test_fail_open_saves_and_logs(
    api: Api, jp_serverapp: Any, jp_root_dir: Path, caplog: Any, gate_settings: Any
) -> None:
    use_scanner(jp_serverapp, RaisingScanner())
    data = code_cell("x = 1")
    with caplog.at_level(logging.WARNING):
        reply = await api("PUT", "api/contents/b.ipynb", as_model("b.ipynb", data, "json"))
    assert reply.status == 201
    assert reply.headers.get("X-Jupyter-Secrets-Action") == "unscanned"
    assert "WITHOUT a secrets check" in caplog.text
    assert "aws_key" in "".join(
        json.loads((jp_root_dir / "b.ipynb").read_bytes())["cells"][1]["source"]
    )


@pytest.mark.parametrize(
    ("model", "status"),
    [
        ({"type": "notebook", "format": "json", "content": "{not json"}, 400),
        ({"type": "notebook", "format": "json", "content": {"cells": "oops", "nbformat": 4}}, 400),
        ({"type": "notebook", "format": "json", "content": {"nbformat": 3, "worksheets": []}}, 400),
        ({"type": "file", "format": "base64", "content": "%%%not base64%%%"}, 400),
    ],
    ids=["malformed-json", "invalid-nbformat", "nbformat-3", "bad-base64"],
)
async def test_bad_notebook_input_is_a_clear_4xx(
    api: Api, jp_root_dir: Path, model: dict[str, Any], status: int
) -> None:
    before = await save_clean_first(api, jp_root_dir, "c.ipynb")
    reply = await api("PUT", "api/contents/c.ipynb", model)
    assert reply.status == status, reply.body[:300]
    assert "\n" not in reply.json()["message"]
    assert (jp_root_dir / "c.ipynb").read_bytes() == before, "the previous file was lost"


async def test_malformed_request_body_keeps_the_file(api: Api, jp_root_dir: Path) -> None:
    before = await save_clean_first(api, jp_root_dir, "d.ipynb")
    reply = await api("PUT", "api/contents/d.ipynb", '{"type": "notebook", "content": {')
    assert reply.status == 400
    assert (jp_root_dir / "d.ipynb").read_bytes() == before


async def test_non_utf8_text_is_still_scanned(api: Api, jp_root_dir: Path) -> None:
    before = await save_clean_first(api, jp_root_dir, "notes.txt")
    key = fake_aws_key()
    latin1 = "café notes\nkey=".encode("latin-1") + key.encode()
    model = {"type": "file", "format": "base64", "content": base64.b64encode(latin1).decode()}
    reply = await api("PUT", "api/contents/notes.txt", model)
    assert reply.status == 422, reply.body[:300]
    assert (jp_root_dir / "notes.txt").read_bytes() == before
    harmless = {
        "type": "file",
        "format": "base64",
        "content": base64.b64encode(b"caf\xe9").decode(),
    }
    assert (await api("PUT", "api/contents/notes.txt", harmless)).status == 200
    assert (jp_root_dir / "notes.txt").read_bytes() == b"caf\xe9"


@pytest.mark.parametrize("gate_settings", [{"save_policy": "strip"}])
async def test_non_utf8_text_is_stripped_in_its_own_encoding(
    api: Api, jp_root_dir: Path, gate_settings: Any
) -> None:
    key = fake_aws_key()
    latin1 = "café\nkey=".encode("latin-1") + key.encode() + b"\n"
    model = {"type": "file", "format": "base64", "content": base64.b64encode(latin1).decode()}
    reply = await api("PUT", "api/contents/old.txt", model)
    assert reply.status == 201
    on_disk = (jp_root_dir / "old.txt").read_bytes()
    assert key.encode() not in on_disk and on_disk.startswith("café".encode("latin-1"))


async def test_fifty_concurrent_saves_get_their_own_outcome(api: Api, jp_root_dir: Path) -> None:
    keys = {i: fake_aws_key() for i in range(0, 50, 2)}

    def notebook(i: int) -> dict[str, Any]:
        nb = nbf.new_notebook()
        source = f'marker = "nb-{i}"\n' + (f'key = "{keys[i]}"\n' if i in keys else "")
        nb.cells = [nbf.new_code_cell(source)]
        return {"type": "notebook", "format": "json", "content": nb}

    replies = await asyncio.gather(
        *(api("PUT", f"api/contents/load-{i}.ipynb", notebook(i)) for i in range(50))
    )
    for i, reply in enumerate(replies):
        path = jp_root_dir / f"load-{i}.ipynb"
        if i in keys:
            assert reply.status == 422, f"leaking notebook {i} answered {reply.status}"
            assert not path.exists(), f"leaking notebook {i} reached disk"
            assert reply.json()["jupyter_secrets"]["path"] == f"load-{i}.ipynb"
        else:
            assert reply.status == 201, f"clean notebook {i} answered {reply.status}"
            source = "".join(json.loads(path.read_bytes())["cells"][0]["source"])
            assert source == f'marker = "nb-{i}"\n', f"notebook {i} holds another save's content"
            assert reply.headers.get("X-Jupyter-Secrets-Action") == "clean"
