"""The REST API under ``/jupyter-secrets/``.

Every handler needs an authenticated user (``@web.authenticated``) who is
authorized on the ``jupyter_secrets`` resource (``@authorized``). No
response ever contains a secret value.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..identity import current_user
from .state import ServerState, on_jupyterhub

AUTH_RESOURCE = "jupyter_secrets"


class SecretsAPIHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def state(self) -> ServerState:
        state: ServerState = self.settings["jupyter_secrets"]
        return state

    def user_name(self) -> str:
        """The hub user on JupyterHub; stand-alone, the OS user running the server."""
        if on_jupyterhub() and self.current_user is not None:
            return str(self.current_user.username)
        return current_user()

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str))


class PolicyHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/policy[?path=]``: the effective save policy."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        path = self.get_query_argument("path", None)
        self.reply(self.state.policy.to_json(path))


def handlers() -> list[tuple[str, type[SecretsAPIHandler]]]:
    return [
        (r"/jupyter-secrets/policy", PolicyHandler),
    ]
