"""Fixtures for the server extension tests: a real jupyter_server (pytest-jupyter) with the
extension enabled, token auth required, hidden files allowed (deployments that serve .env
turn it on), and helpers that speak the contents REST API.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures and async test hooks)
from tornado.httpclient import HTTPClientError, HTTPResponse
from traitlets.config import Config


@pytest.fixture
def gate_settings() -> dict[str, Any]:
    """``c.JupyterSecrets`` for the test server; tests override it with parametrize."""
    return {"save_policy": "block"}


def server_config(gate_settings: dict[str, Any], **sections: dict[str, Any]) -> Config:
    """The test server's config: extension on, token required, hidden files allowed."""
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_secrets": True},
                "allow_unauthenticated_access": False,
            },
            "ContentsManager": {"allow_hidden": True},
            "JupyterSecrets": dict(gate_settings),
            **sections,
        }
    )


# Overrides pytest-jupyter's fixture of this name, star-imported above (pytest's way).
@pytest.fixture  # type: ignore[no-redef]
def jp_server_config(gate_settings: dict[str, Any]) -> Config:
    return server_config(gate_settings)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: Any

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Api = Callable[..., Awaitable[Reply]]


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    """``await api("PUT", "api/contents/x.ipynb", {...})`` -> Reply, never raising on 4xx/5xx."""

    async def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        try:
            response: HTTPResponse = await jp_fetch(
                *path.split("/"), method=method, body=body, allow_nonstandard_methods=True, **kwargs
            )
        except HTTPClientError as exc:
            assert exc.response is not None, f"no response for {method} {path}"
            response = exc.response
        return Reply(response.code, response.body or b"", response.headers)

    return call
