"""The gate's promise as a property: a fake secret anywhere, in any encoding, through any
save path, is blocked or stripped; it is never written as it was.

Hypothesis builds a notebook (cells, outputs with real images, metadata, junk
of any shape), puts a fake key at a random JSON path (a value, a dict key, a
list item, glued into an existing string, inside an image's text chunk or
after its end), encodes the file in a random way (UTF-8, UTF-8 with BOM,
UTF-16 with or without BOM, every character ``\\u``-escaped) and writes it
through a random save path of a real jupyter_server contents manager
(``AsyncLargeFileManager``) with the gate's hook and disk guards installed:
PUT as JSON, as text, as base64, a chunked upload cut at random places, a
rename or a copy from an unscanned folder, a checkpoint restore. The check
reads the file on disk in every encoding (``gate_payloads.holds``).

This is the in-process half (thousands of cases); test_gate_property_http.py
runs the same strategies over HTTP against a jupyter server subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import os
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.server.gate import Gate
from jupyter_secrets.server.gate_report import ReportRegistry
from jupyter_secrets.server.guards import DiskGuards
from jupyter_secrets.server.policy import GatePolicy
from jupyter_secrets.server.vocabulary import Policy
from tests.support.fakes import fake_aws_key, fake_github_token

from .gate_payloads import holds

EXAMPLES = int(os.environ.get("JUPYTER_SECRETS_PROPERTY_EXAMPLES", "2000"))
_WORDS = st.sampled_from(["", "key", "id:", "token =", "see", "(", "[", "'", '"', "—", "é"])


@st.composite
def fake_secrets(draw: st.DrawFn) -> str:
    """A fake AWS key id or GitHub token (valid checksum): detectors find either bare."""
    # A seeded Random, not st.randoms(): shrinking must not reach "AAAA..." (a placeholder).
    rnd = random.Random(draw(st.integers(0, 2**32)))
    if draw(st.booleans()):
        return fake_aws_key(rnd)
    return fake_github_token(rnd)


def png(text_chunk: bytes | None = None, trailer: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if text_chunk is not None:
        body += chunk(b"tEXt", b"Comment\x00" + text_chunk)
    body += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body + trailer


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("abc xyz_-", max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def outputs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["stream", "display", "error", "json", "image"]))
    if kind == "stream":
        return {
            "output_type": "stream",
            "name": "stdout",
            "text": draw(st.text("ab \n", max_size=20)),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": "E",
            "evalue": "v",
            "traceback": ["\x1b[31mE\x1b[0m"],
        }
    data: dict[str, Any] = {"text/plain": "<obj>"}
    if kind == "json":
        data["application/json"] = draw(JUNK)
    elif kind == "image":
        data["image/png"] = base64.b64encode(png()).decode()
    else:
        data["text/html"] = "<b>ok</b>"
    return {
        "output_type": "display_data",
        "data": data,
        "metadata": draw(st.dictionaries(st.text("xy", min_size=1, max_size=3), JUNK, max_size=2)),
    }


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    cells = []
    for index in range(draw(st.integers(1, 3))):
        cell_type = draw(st.sampled_from(["code", "markdown", "raw"]))
        cell: dict[str, Any] = {
            "cell_type": cell_type,
            "id": f"cell-{index}",
            "metadata": draw(
                st.dictionaries(st.text("tagsxy", min_size=1, max_size=4), JUNK, max_size=2)
            ),
            "source": draw(st.sampled_from(["x = 1", ["import os\n", "os.getcwd()"], "# notes"])),
        }
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = draw(st.lists(outputs(), max_size=2))
        elif draw(st.booleans()):
            cell["attachments"] = {"a.png": {"image/png": base64.b64encode(png()).decode()}}
        cells.append(cell)
    nb = {
        "cells": cells,
        "metadata": draw(st.dictionaries(st.text("kx", min_size=1, max_size=3), JUNK, max_size=2)),
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    if draw(st.booleans()):
        nb[draw(st.text("xyz", min_size=1, max_size=4))] = draw(JUNK)
    return nb


def containers(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            yield item
            stack.extend(item.values() if isinstance(item, dict) else item)


def string_holders(value: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) of every string leaf."""
    found: list[tuple[Any, Any]] = []
    for item in containers(value):
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        found.extend((item, k) for k, v in pairs if isinstance(v, str))
    return found


@st.composite
def planted(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A notebook with one fake secret planted at a random place."""
    nb = draw(notebooks())
    secret = draw(fake_secrets())
    text = f"{draw(_WORDS)} {secret} {draw(_WORDS)}".strip()
    how = draw(st.sampled_from(["value", "key", "item", "glued", "image-text", "image-trailer"]))
    if how in ("image-text", "image-trailer"):
        image = png(text.encode()) if how == "image-text" else png(trailer=text.encode())
        target = draw(st.sampled_from([c for c in containers(nb) if isinstance(c, dict)]))
        target["image/png"] = base64.b64encode(image).decode()
    elif how == "glued" and string_holders(nb):
        holder, key = draw(st.sampled_from(string_holders(nb)))
        holder[key] = holder[key] + " " + text
    else:
        target = draw(st.sampled_from(list(containers(nb))))
        if isinstance(target, list) or how == "item":
            if isinstance(target, list):
                # As a line of its own: nbformat lists are lines, each ending in a newline.
                target.insert(draw(st.integers(0, len(target))), text + "\n")
            else:
                target["x"] = [text]
        elif how == "key":
            target[secret] = draw(JUNK)
        else:
            target[draw(st.text("abcpw", min_size=1, max_size=5))] = text
    return nb, secret


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "escaped")


def encode(nb: dict[str, Any], encoding: str) -> bytes:
    if encoding == "escaped":
        text = json.dumps(nb, ensure_ascii=True)
        return "".join(
            f"\\u{ord(c):04x}" if c.isalnum() and c.isascii() and c.isupper() else c for c in text
        ).encode()
    return json.dumps(nb, indent=1, ensure_ascii=False).encode(encoding)


SAVE_PATHS = ("put-json", "put-text", "put-base64", "chunked", "rename", "copy", "restore")


class Contents(Protocol):
    """What the rig calls of jupyter_server's async contents manager (unannotated there)."""

    def register_pre_save_hook(self, hook: Callable[..., None]) -> None: ...
    async def save(self, model: dict[str, Any], path: str) -> dict[str, Any]: ...
    async def rename(self, old_path: str, new_path: str) -> None: ...
    async def copy(self, from_path: str, to_path: str | None = None) -> dict[str, Any]: ...
    async def create_checkpoint(self, path: str) -> dict[str, Any]: ...
    async def restore_checkpoint(self, checkpoint_id: str, path: str) -> None: ...


def contents_manager(root: Path) -> Contents:
    """jupyter_server's async contents manager (large files: chunked saves) on ``root``."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

    return AsyncLargeFileManager(root_dir=str(root))


class Rig:
    """A real contents manager with the gate, on its own event loop."""

    def __init__(self, root: Path, policy: Policy) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.cm = contents_manager(root)
        gate_policy = GatePolicy(
            default=policy, overrides={"attic/**": "off"}, max_scan_bytes=1 << 24
        )
        scanner = Scanner()
        self.gate = Gate(gate_policy, lambda: scanner, ReportRegistry(), logging.getLogger("rig"))
        self.cm.register_pre_save_hook(self.gate.hook)
        assert DiskGuards.install(self.cm, self.gate) is not None
        self.count = itertools.count()
        (root / "attic").mkdir()

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def write(self, how: str, data: bytes, nb: dict[str, Any], name: str) -> str:
        """Write ``data`` (the encoded ``nb``) to a gated path by ``how``; return that path."""
        cm, root = self.cm, self.root
        if how == "put-json":
            await cm.save({"type": "notebook", "format": "json", "content": nb}, name)
        elif how == "put-text":
            await cm.save(
                {
                    "type": "file",
                    "format": "text",
                    "content": data.decode("utf-8", "surrogateescape"),
                },
                name,
            )
        elif how == "put-base64":
            await cm.save(
                {"type": "file", "format": "base64", "content": base64.b64encode(data).decode()},
                name,
            )
        elif how == "chunked":
            cuts = sorted({len(data) // 3, (2 * len(data)) // 3, len(data) - 1})
            pieces = [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]
            for number, piece in enumerate(pieces, start=1):
                chunk = -1 if number == len(pieces) else number
                model = {
                    "type": "file",
                    "format": "base64",
                    "chunk": chunk,
                    "content": base64.b64encode(piece).decode(),
                }
                await cm.save(model, name)
        elif how == "rename":
            (root / "attic" / name).write_bytes(data)
            await cm.rename(f"attic/{name}", name)
        elif how == "copy":
            (root / "attic" / name).write_bytes(data)
            folder = f"in{name.split('.', maxsplit=1)[0]}"
            (root / folder).mkdir()
            await cm.copy(f"attic/{name}", folder)
            return f"{folder}/{name}"
        else:  # restore: a kernel wrote it, a checkpoint kept it, then it was cleaned
            (root / name).write_bytes(data)
            checkpoint = await cm.create_checkpoint(name)
            (root / name).write_bytes(
                b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
            )
            await cm.restore_checkpoint(checkpoint["id"], name)
        return name

    def attempt(self, how: str, nb: dict[str, Any], encoding: str) -> tuple[bytes | None, str]:
        name = f"n{next(self.count)}.ipynb"
        if how == "put-json":
            encoding = "utf-8"
        data = encode(nb, encoding)
        try:
            path = self.run(self.write(how, data, nb, name))
            outcome = "saved"
        except Exception as exc:  # HTTPError from the gate, or jupyter_server refusing the shape
            path, outcome = name, type(exc).__name__
        if how == "copy" and outcome != "saved":
            path = f"in{name.split('.', maxsplit=1)[0]}/{name}"
        target = self.root / path
        return (target.read_bytes() if target.is_file() else None), outcome


@pytest.fixture(scope="module", params=["block", "strip"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    rig = Rig(tmp_path_factory.mktemp(f"rig-{request.param}"), request.param)
    yield rig
    rig.loop.close()


def property_settings(examples: int) -> settings:
    """Reproducible runs (derandomize) of ``examples`` cases, no per-case deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


#: A planted notebook, a save path and an encoding: one case of the property.
CASES = given(case=planted(), how=st.sampled_from(SAVE_PATHS), encoding=st.sampled_from(ENCODINGS))


@property_settings(EXAMPLES // 2)  # per policy: block and strip together make EXAMPLES
@CASES
def test_a_planted_secret_is_never_saved_as_is(
    rig: Rig, case: tuple[dict[str, Any], str], how: str, encoding: str
) -> None:
    nb, secret = case
    on_disk, outcome = rig.attempt(how, nb, encoding)
    assert not holds(on_disk, secret), (
        f"{how} in {encoding} wrote the secret ({outcome}) at: {where(on_disk, secret)}"
    )


def where(data: bytes | None, secret: str) -> str:
    """The text around the secret on disk, the secret itself masked (for the failure)."""
    text = (data or b"").decode("utf-8", "replace")
    at = text.find(secret)
    return (
        text[max(0, at - 150) : at + len(secret) + 60].replace(secret, "<SECRET>")
        if at >= 0
        else "?"
    )
