"""The gate property of test_gate_property.py over real HTTP: a ``jupyter server``
subprocess on 127.0.0.1 with a token, the same planted notebooks and encodings,
each save path as the REST call a client would make. Fewer cases than the
in-process half (each is a few HTTP round trips); the disk is checked the same way.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.real_server import start_server
from tests.support.server import JupyterServer

from .gate_payloads import holds
from .test_gate_property import CASES, encode, property_settings, where

EXAMPLES = int(os.environ.get("JUPYTER_SECRETS_PROPERTY_HTTP_EXAMPLES", "300"))
CLEAN = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


class HttpRig:
    def __init__(self, server: JupyterServer) -> None:
        self.server = server
        self.count = itertools.count()
        (server.root / "attic").mkdir()

    def api(self, method: str, path: str, body: Any = None) -> int:
        status, _, _ = self.server.request(method, f"api/contents/{path}", body)
        return status

    def write(self, how: str, data: bytes, nb: dict[str, Any], name: str) -> str:
        root = self.server.root
        if how == "put-json":
            self.api("PUT", name, {"type": "notebook", "format": "json", "content": nb})
        elif how == "put-text":
            text = data.decode("utf-8", "replace")
            self.api("PUT", name, {"type": "file", "format": "text", "content": text})
        elif how == "put-base64":
            self.api("PUT", name, {"type": "file", "format": "base64", "content": b64(data)})
        elif how == "chunked":
            cuts = sorted({len(data) // 3, (2 * len(data)) // 3, len(data) - 1})
            pieces = [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]
            for number, piece in enumerate(pieces, start=1):
                model: dict[str, Any] = {"type": "file", "format": "base64", "content": b64(piece)}
                model["chunk"] = -1 if number == len(pieces) else number
                if self.api("PUT", name, model) >= 400:
                    break
        elif how == "rename":
            (root / "attic" / name).write_bytes(data)
            self.api("PATCH", f"attic/{name}", {"path": name})
        elif how == "copy":
            folder = f"in{name.split('.', maxsplit=1)[0]}"
            (root / "attic" / name).write_bytes(data)
            (root / folder).mkdir()
            self.api("POST", folder, {"copy_from": f"attic/{name}"})
            return f"{folder}/{name}"
        else:
            (root / name).write_bytes(data)
            status, _, body = self.server.request("POST", f"api/contents/{name}/checkpoints")
            assert status == 201
            (root / name).write_bytes(json.dumps(CLEAN).encode())
            checkpoint = json.loads(body)["id"]
            self.api("POST", f"{name}/checkpoints/{checkpoint}")
        return name

    def attempt(self, how: str, nb: dict[str, Any], encoding: str) -> bytes | None:
        name = f"h{next(self.count)}.ipynb"
        data = encode(nb, "utf-8" if how == "put-json" else encoding)
        target = self.server.root / self.write(how, data, nb, name)
        return target.read_bytes() if target.is_file() else None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module", params=["block", "strip"])
def http_rig(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpRig]:
    base: Path = tmp_path_factory.mktemp(f"http-{request.param}")
    server = start_server(
        base,
        extra=[
            f"--JupyterSecrets.save_policy={request.param}",
            "--JupyterSecrets.path_policies=attic/**=off",
        ],
    )
    try:
        yield HttpRig(server)
    finally:
        server.stop()
    log = (base / "server.log").read_bytes()
    assert b"Pre-save hook failed" not in log, "a gate failure was swallowed by jupyter_server"


@property_settings(EXAMPLES // 2)
@CASES
def test_over_http_a_planted_secret_is_never_saved_as_is(
    http_rig: HttpRig, case: tuple[dict[str, Any], str], how: str, encoding: str
) -> None:
    nb, secret = case
    on_disk = http_rig.attempt(how, nb, encoding)
    assert not holds(on_disk, secret), (
        f"{how} in {encoding} wrote the secret at: {where(on_disk, secret)}"
    )
    log = http_rig.server.log_text()
    assert secret not in log, "the secret reached the server log"
