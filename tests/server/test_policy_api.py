"""GET /jupyter-secrets/policy and authentication of the REST API."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api


async def test_policy_default_is_block(api: Api) -> None:
    reply = await api("GET", "jupyter-secrets/policy")
    assert reply.status == 200
    data = reply.json()
    assert data["policy"] == "block"
    assert data["fail_closed"] is True
    assert ".ipynb" in data["scanned_types"] and ".env" in data["scanned_types"]
    assert data["limits"]["max_scan_bytes"] > 0


@pytest.mark.parametrize(
    "gate_settings",
    [{"save_policy": "strip", "path_policies": {"scratch/**": "warn", "*.md": "off"}}],
)
async def test_policy_resolves_path_overrides(api: Api, gate_settings: dict[str, Any]) -> None:
    assert (await api("GET", "jupyter-secrets/policy")).json()["policy"] == "strip"
    scratch = (
        await api("GET", "jupyter-secrets/policy", params={"path": "scratch/a/b.ipynb"})
    ).json()
    assert scratch["policy"] == "warn" and scratch["scanned"] is True
    notes = (await api("GET", "jupyter-secrets/policy", params={"path": "docs/notes.md"})).json()
    assert notes["policy"] == "off" and notes["scanned"] is False
    assert (await api("GET", "jupyter-secrets/policy", params={"path": "data.bin"})).json()[
        "scanned"
    ] is False


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "jupyter-secrets/policy", None),
        ("GET", "jupyter-secrets/secrets", None),
        ("GET", "jupyter-secrets/audit", None),
        ("POST", "jupyter-secrets/scan", {"text": "x", "path": "a.py"}),
        ("PUT", "jupyter-secrets/secrets/dev/x/pw", {"value": "not-stored"}),
    ],
)
async def test_api_requires_a_token(api: Api, method: str, path: str, body: Any) -> None:
    reply = await api(method, path, body, headers={"Authorization": ""})
    assert reply.status in (302, 401, 403), (
        f"{method} {path} answered {reply.status} without a token"
    )
