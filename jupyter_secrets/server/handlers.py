"""The REST API under ``/jupyter-secrets/``.

Every handler needs an authenticated user (``@web.authenticated``) who is
authorized on the ``jupyter_secrets`` resource (``@authorized``). No
response ever contains a secret value.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..audit import AuditLog
from ..errors import (
    BackendReadOnlyError,
    BackendUnavailableError,
    ConfigError,
    InvalidRefError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from ..identity import current_user
from .scanning import ScanFailed, run_limited, scan_model
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


class ScanHandler(SecretsAPIHandler):
    """``POST /jupyter-secrets/scan``: findings in a contents model, a cell, or text.

    Body: ``{"model": {...}}``, ``{"cell": {...}, "cell_index": n, "path": "..."}`` or
    ``{"text": "...", "path": "x.py"}``. Reply: ``{"findings": [...]}`` (no values).
    """

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        scanner = self.state.scanner()
        timeout = self.state.policy.scan_timeout_seconds
        path = str(body.get("path") or "")
        if isinstance(body.get("model"), dict):
            model = dict(body["model"])
            model.setdefault("path", path)
            work = lambda: scan_model(scanner, model, timeout)  # noqa: E731
        elif isinstance(body.get("cell"), dict):
            cell, index = body["cell"], body.get("cell_index")
            if index is not None and not isinstance(index, int):
                raise web.HTTPError(400, "cell_index must be an integer")
            work = lambda: run_limited(lambda: scanner.scan_cell(cell, index, path), timeout)  # noqa: E731
        elif isinstance(body.get("text"), str):
            text = body["text"]
            work = lambda: run_limited(lambda: scanner.scan_text(text, path), timeout)  # noqa: E731
        else:
            raise web.HTTPError(
                400,
                'send {"model": ...}, {"cell": ..., "cell_index": n} or {"text": ..., "path": ...}',
            )
        try:
            findings = await asyncio.get_running_loop().run_in_executor(None, work)
        except ScanFailed as failure:
            status = 400 if failure.kind == "input" else 413 if failure.kind == "too_large" else 503
            raise web.HTTPError(status, failure.reason.replace("%", "%%")) from None
        self.reply({"findings": [f.to_dict() for f in findings]})

    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "the request body must be a JSON object")
        return body


class FindingsHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/findings?path=[&id=]``: the gate's report on a save of that path.

    With ``id`` (from the ``X-Jupyter-Secrets-Report`` header), exactly that
    save's report; without it, the last one.
    """

    @web.authenticated
    @authorized
    def get(self) -> None:
        path = self.get_query_argument("path", "")
        report_id = self.get_query_argument("id", None)
        registry = self.state.registry
        if report_id is not None:
            report = registry.get(path, report_id) if registry is not None else None
            if report is None:
                raise web.HTTPError(
                    404, "no report with this id is kept for this path; save again to get a new one"
                )
        else:
            report = registry.last(path) if registry is not None else None
            if report is None:
                raise web.HTTPError(
                    404, "no save of this path was checked since the server started"
                )
        self.reply(report.to_json())


class SecretsListHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/secrets[?scope=]``: refs this user can read, metadata only."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        scope = self.get_query_argument("scope", None)
        manager = self.state.manager_for(self.user_name())
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.run_in_executor(None, manager.list, scope)
        except SecretError as exc:
            raise http_error(exc) from None
        self.reply(
            {
                "secrets": [
                    {
                        "ref": info.path,
                        "backend": info.backend,
                        "version": info.version,
                        "updated": info.updated.isoformat() if info.updated else None,
                    }
                    for info in infos
                ]
            }
        )


class SecretHandler(SecretsAPIHandler):
    """``PUT /jupyter-secrets/secrets/{ref}``: store a value (never echoed back)."""

    @web.authenticated
    @authorized
    async def put(self, ref: str) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(
                400, 'the body must be JSON: {"value": "...", "backend": optional}'
            ) from None
        value = body.get("value") if isinstance(body, dict) else None
        backend = body.get("backend") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise web.HTTPError(422, 'the body needs a non-empty string "value"')
        if backend is not None and not isinstance(backend, str):
            raise web.HTTPError(422, '"backend" must be a backend name')
        manager = self.state.manager_for(self.user_name())
        loop = asyncio.get_running_loop()
        try:
            version = await loop.run_in_executor(None, manager.set, ref, value, backend or None)
        except SecretError as exc:
            raise http_error(exc) from None
        if self.state.known is not None:
            # The value now lives in the store: a notebook still holding the literal
            # is a leak, even where no detector would flag it (memory only).
            self.state.known.add(value, label=ref)
        del value, body
        self.reply({"ref": ref, "stored": True, "version": version}, status=201)


class AuditHandler(SecretsAPIHandler):
    """``GET /jupyter-secrets/audit?limit=&offset=``: this user's own events, newest first."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        limit = self._int_arg("limit", 100, 1, 1000)
        offset = self._int_arg("offset", 0, 0, 10**9)
        settings = self.state.secrets_settings
        log = AuditLog(settings.audit_log or None)
        user = self.user_name()
        loop = asyncio.get_running_loop()
        events = await loop.run_in_executor(None, lambda: log.read(user, limit, offset))
        self.reply({"user": user, "limit": limit, "offset": offset, "events": events})

    def _int_arg(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get_query_argument(name, str(default))
        try:
            number = int(raw)
        except ValueError:
            raise web.HTTPError(400, f"{name} must be an integer") from None
        if not low <= number <= high:
            raise web.HTTPError(400, f"{name} must be between {low} and {high}")
        return number


_STATUS_BY_ERROR: tuple[tuple[type[SecretError], int], ...] = (
    (ScopeDeniedError, 403),
    (InvalidRefError, 422),
    (SecretNotFoundError, 404),
    (BackendReadOnlyError, 422),
    (BackendUnavailableError, 503),
    (ConfigError, 500),
)


def http_error(exc: SecretError) -> web.HTTPError:
    """The HTTP form of a core error: its one-line, value-free message."""
    status = next((code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind)), 400)
    return web.HTTPError(status, str(exc).replace("%", "%%"))


def handlers() -> list[tuple[str, type[APIHandler]]]:
    from .known import KnownValuesHandler

    return [
        (r"/jupyter-secrets/policy", PolicyHandler),
        (r"/jupyter-secrets/scan", ScanHandler),
        (r"/jupyter-secrets/findings", FindingsHandler),
        (r"/jupyter-secrets/secrets", SecretsListHandler),
        (r"/jupyter-secrets/secrets/(?P<ref>.+)", SecretHandler),
        (r"/jupyter-secrets/audit", AuditHandler),
        (r"/jupyter-secrets/known", KnownValuesHandler),
    ]
