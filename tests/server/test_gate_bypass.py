"""The bypass suite: every way jupyter_server writes a file, with a fake key in every place.

block: 422 and the target on disk byte-for-byte as before (or absent);
strip: saved with the key redacted on disk; warn: saved unchanged and reported.
Content that reaches the server's disk without the API (a kernel writing a file) is
simulated by writing to the root directory directly: copy, rename and checkpoint
restore must not carry it into a gated path.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import fake_aws_key

from .conftest import Api, Reply
from .payloads import PAYLOADS, as_model, clean


@dataclass
class Outcome:
    reply: Reply
    target: str  # API path that must hold the result (or stay as it was)
    before: bytes | None  # target's bytes before the leaking write


Method = Callable[[Api, Path, str, bytes], Awaitable[Outcome]]


async def put_new_json(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    return Outcome(
        await api("PUT", f"api/contents/{name}", as_model(name, leak, "json")), name, None
    )


async def put_new_text(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    return Outcome(
        await api("PUT", f"api/contents/{name}", as_model(name, leak, "text")), name, None
    )


async def upload_base64(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    return Outcome(
        await api("PUT", f"api/contents/{name}", as_model(name, leak, "base64")), name, None
    )


async def autosave(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    first = await api("PUT", f"api/contents/{name}", as_model(name, clean(name), "json"))
    assert first.status < 300 and first.headers.get("X-Jupyter-Secrets-Action") == "clean"
    before = (root / name).read_bytes()
    reply = await api("PUT", f"api/contents/{name}", as_model(name, leak, "json"))
    return Outcome(reply, name, before)


async def chunked_upload(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    # Three chunks the way JupyterLab sends them; the key sits in the middle one.
    third = len(leak) // 3
    parts = [leak[:third], leak[third : 2 * third], leak[2 * third :]]
    reply: Reply | None = None
    for number, part in zip((1, 2, -1), parts, strict=True):
        model = {
            "type": "file",
            "format": "base64",
            "chunk": number,
            "content": base64.b64encode(part).decode(),
        }
        reply = await api("PUT", f"api/contents/{name}", model)
        if reply.status >= 400:
            break
    assert reply is not None
    return Outcome(reply, name, None)


async def copy_file(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    (root / "incoming").mkdir()
    (root / "incoming" / name).write_bytes(leak)  # written by a kernel, not the API
    (root / "shared").mkdir()
    reply = await api("POST", "api/contents/shared", {"copy_from": f"incoming/{name}"})
    return Outcome(reply, f"shared/{name}", None)


async def copy_directory(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    (root / "project").mkdir()
    (root / "project" / name).write_bytes(leak)
    reply = await api("POST", "api/contents", {"copy_from": "project"})
    return Outcome(reply, f"project-Copy1/{name}", None)


async def rename_into_place(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    (root / f"{name}.partial").write_bytes(leak)
    reply = await api("PATCH", f"api/contents/{name}.partial", {"path": name})
    return Outcome(reply, name, None)


async def checkpoint_restore(api: Api, root: Path, name: str, leak: bytes) -> Outcome:
    (root / name).write_bytes(leak)  # a kernel wrote it; then a checkpoint copied it
    checkpoint = await api("POST", f"api/contents/{name}/checkpoints")
    assert checkpoint.status == 201
    cleaned = await api("PUT", f"api/contents/{name}", as_model(name, clean(name), "json"))
    assert cleaned.status < 300
    before = (root / name).read_bytes()
    checkpoint_id = checkpoint.json()["id"]
    reply = await api("POST", f"api/contents/{name}/checkpoints/{checkpoint_id}")
    return Outcome(reply, name, before)


METHODS: dict[str, Method] = {
    "put-new-json": put_new_json,
    "put-new-text": put_new_text,
    "upload-base64": upload_base64,
    "autosave": autosave,
    "chunked-upload": chunked_upload,
    "copy-file": copy_file,
    "copy-directory": copy_directory,
    "rename-into-place": rename_into_place,
    "checkpoint-restore": checkpoint_restore,
}


def read(root: Path, api_path: str) -> bytes | None:
    path = root / api_path
    return path.read_bytes() if path.is_file() else None


@pytest.mark.parametrize("payload", list(PAYLOADS))
@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize(
    "gate_settings",
    [{"save_policy": "block"}, {"save_policy": "strip"}, {"save_policy": "warn"}],
    ids=["block", "strip", "warn"],
)
async def test_every_save_path(
    api: Api, jp_root_dir: Path, gate_settings: dict[str, Any], method: str, payload: str
) -> None:
    policy = gate_settings["save_policy"]
    name, build = PAYLOADS[payload]
    key = fake_aws_key()
    outcome = await METHODS[method](api, jp_root_dir, name, build(key))
    reply, on_disk = outcome.reply, read(jp_root_dir, outcome.target)
    action = reply.headers.get("X-Jupyter-Secrets-Action")
    if policy == "block":
        assert reply.status == 422, f"{method} of {payload} answered {reply.status}, not 422"
        assert on_disk == outcome.before, f"{method} changed {outcome.target} on disk"
        body = reply.json()
        assert action == "blocked"
        assert body["findings"], "a blocked save must list its findings"
        assert "blocked" in body["message"].lower() and "\n" not in body["message"]
        assert key not in reply.body.decode(), "the key leaked into the 422 body"
        for finding in body["findings"]:
            assert set(finding) >= {"type", "line", "preview", "cell_index", "location"}
    elif policy == "strip":
        assert reply.status < 300, f"{method} of {payload} answered {reply.status}"
        assert on_disk is not None, f"{outcome.target} missing after a stripped save"
        assert key.encode() not in on_disk, f"{method} wrote the key to disk under strip"
        assert action == "stripped"
        if outcome.target.endswith(".ipynb"):
            json.loads(on_disk)  # still a notebook
    else:
        assert reply.status < 300, f"{method} of {payload} answered {reply.status}"
        assert on_disk is not None and key.encode() in on_disk, "warn must save unchanged"
        assert action == "warned"
