"""Red team: uploads in pieces, paths that say one place and land in another, big folders.

A real jupyter_server (pytest-jupyter) with the extension; the attacker's
moves are plain REST calls. Admin policy: block by default, ``scratch/**``
only warns, ``attic/**`` is not scanned.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Api
from tests.support.fakes import fake_aws_key

from .gate_payloads import holds

PATHS = {"save_policy": "block", "path_policies": {"scratch/**": "warn", "attic/**": "off"}}
AS_ADMIN_SET = pytest.mark.parametrize("gate_settings", [PATHS], ids=["block+scratch-warn"])


def chunk(number: int, data: bytes) -> dict[str, Any]:
    return {
        "type": "file",
        "format": "base64",
        "chunk": number,
        "content": base64.b64encode(data).decode(),
    }


def leaky_env(key: str) -> bytes:
    return f"REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key}\n".encode()


@pytest.mark.parametrize(
    "gate_settings",
    [{"save_policy": "block"}, {"save_policy": "strip"}, {"save_policy": "warn"}],
    ids=["block", "strip", "warn"],
)
async def test_a_key_split_across_chunks_is_seen_without_a_last_chunk(
    api: Api, jp_root_dir: Path, gate_settings: dict[str, Any]
) -> None:
    key = fake_aws_key()
    data = leaky_env(key)
    cut = data.index(key.encode()) + 7  # the key is whole in neither chunk
    first = await api("PUT", "api/contents/up.env", chunk(1, data[:cut]))
    assert first.status == 201
    second = await api("PUT", "api/contents/up.env", chunk(2, data[cut:]))
    on_disk = (jp_root_dir / "up.env").read_bytes() if (jp_root_dir / "up.env").exists() else None
    policy = gate_settings["save_policy"]
    if policy == "block":
        assert second.status == 422 and on_disk is None, "a partial file with the key was left"
        again = await api("PUT", "api/contents/up.env", chunk(3, b"more\n"))
        assert again.status == 422, "a blocked upload took another chunk"
    elif policy == "strip":
        assert second.status < 300 and not holds(on_disk, key)
    else:
        assert second.status < 300 and holds(on_disk, key)
        assert second.headers.get("X-Jupyter-Secrets-Action") == "warned"


async def test_a_chunk_after_the_last_one_is_refused(api: Api, jp_root_dir: Path) -> None:
    assert (await api("PUT", "api/contents/up.env", chunk(1, b"A=1\n"))).status == 201
    assert (await api("PUT", "api/contents/up.env", chunk(-1, b"B=2\n"))).status < 300
    before = (jp_root_dir / "up.env").read_bytes()
    late = await api("PUT", "api/contents/up.env", chunk(2, leaky_env(fake_aws_key())))
    assert late.status == 422 and "last chunk" in late.json()["message"]
    assert (jp_root_dir / "up.env").read_bytes() == before


async def test_a_later_chunk_without_a_first_appends_nothing_unscanned(
    api: Api, jp_root_dir: Path
) -> None:
    (jp_root_dir / "old.env").write_bytes(b"REGION=eu-west-1\n")
    key = fake_aws_key()
    reply = await api(
        "PUT", "api/contents/old.env", chunk(2, f"AWS_ACCESS_KEY_ID={key}\n".encode())
    )
    assert reply.status == 422
    assert (jp_root_dir / "old.env").read_bytes() == b"REGION=eu-west-1\n"


@AS_ADMIN_SET
async def test_dot_dot_is_judged_where_it_lands(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "scratch").mkdir()
    (jp_root_dir / "proj").mkdir()
    model = {"type": "file", "format": "text", "content": leaky_env(fake_aws_key()).decode()}
    reply = await api("PUT", "api/contents/scratch/../proj/x.env", model)
    assert reply.status == 422, "judged as scratch (warn) but written to proj (block)"
    assert not (jp_root_dir / "proj" / "x.env").exists()
    (jp_root_dir / "attic").mkdir()
    (jp_root_dir / "attic" / "y.env").write_bytes(leaky_env(fake_aws_key()))
    moved = await api("PATCH", "api/contents/attic/y.env", {"path": "scratch/../proj/y.env"})
    assert moved.status == 422 and (jp_root_dir / "attic" / "y.env").exists()
    assert not (jp_root_dir / "proj" / "y.env").exists()


@AS_ADMIN_SET
async def test_a_symlinked_folder_is_judged_by_its_target(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "proj").mkdir()
    (jp_root_dir / "scratch").symlink_to(jp_root_dir / "proj", target_is_directory=True)
    model = {"type": "file", "format": "text", "content": leaky_env(fake_aws_key()).decode()}
    reply = await api("PUT", "api/contents/scratch/x.env", model)
    assert reply.status == 422, "scratch/ warns, but the file lands in proj/, which blocks"
    assert not (jp_root_dir / "proj" / "x.env").exists()


@AS_ADMIN_SET
async def test_renaming_a_folder_scans_every_file_in_it(api: Api, jp_root_dir: Path) -> None:
    folder = jp_root_dir / "attic" / "old"
    (folder / "deep").mkdir(parents=True)
    (folder / "readme.md").write_text("# old work\n")
    (folder / "deep" / "creds.env").write_bytes(leaky_env(fake_aws_key()))
    reply = await api("PATCH", "api/contents/attic/old", {"path": "proj"})
    assert reply.status == 422, "a leaky folder moved into a blocked place"
    assert (folder / "deep" / "creds.env").exists() and not (jp_root_dir / "proj").exists()


@pytest.mark.parametrize(
    "gate_settings", [{"save_policy": "strip", "path_policies": {"attic/**": "off"}}], ids=["strip"]
)
async def test_renaming_a_folder_under_strip_redacts_it(api: Api, jp_root_dir: Path) -> None:
    key = fake_aws_key()
    (jp_root_dir / "attic" / "old").mkdir(parents=True)
    (jp_root_dir / "attic" / "old" / "creds.env").write_bytes(leaky_env(key))
    reply = await api("PATCH", "api/contents/attic/old", {"path": "proj"})
    assert reply.status == 200
    assert not holds((jp_root_dir / "proj" / "creds.env").read_bytes(), key)


def many_files(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"f{number}.txt").write_bytes(b"nothing here\n")
    os.sync()


@AS_ADMIN_SET
async def test_a_folder_too_big_to_check_is_not_moved_or_copied(
    api: Api, jp_root_dir: Path
) -> None:
    many_files(jp_root_dir / "attic" / "bulk", 2001)
    moved = await api("PATCH", "api/contents/attic/bulk", {"path": "proj"})
    assert moved.status == 413 and "more than 2000" in moved.json()["message"]
    assert (jp_root_dir / "attic" / "bulk").is_dir() and not (jp_root_dir / "proj").exists()
    (jp_root_dir / "proj").mkdir()
    many_files(jp_root_dir / "proj" / "bulk", 2001)
    copied = await api("POST", "api/contents/proj", {"copy_from": "proj/bulk"})
    assert copied.status == 413
    assert sorted(p.name for p in (jp_root_dir / "proj").iterdir()) == ["bulk"], "a copy was left"
