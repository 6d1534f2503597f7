"""The audit service's report page: ``GET <service prefix>/`` is the monthly report
(``jupyter-secrets audit report``) over every event the service holds, for the hub's
admins and for anyone granted :data:`READ_ALL_SCOPE` (an auditor who is not an admin).

Browsers log in through the hub's OAuth (``/oauth_callback``); an ``Authorization:
token ...`` header works too. ``?since=30d&until=...`` picks the period and
``?format=html|json|csv|text`` the form, as on the command line."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from jupyterhub.services.auth import (  # type: ignore[import-untyped]
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from tornado import web

from ..audit_report import FORMATS, make_report_from_lines
from ..errors import InputError
from .store import EventStore

#: A custom hub scope (define it in ``c.JupyterHub.custom_scopes``) that lets its holder
#: read every user's events and the report without being a hub admin.
READ_ALL_SCOPE = "custom:jupyter-secrets-audit:read-all"
#: Where the service finds the inventory the report checks (unused secrets, cadences).
ENV_INVENTORY = "JUPYTER_SECRETS_INVENTORY"
#: Cookie signing key for the OAuth login; random per start unless the deployment sets it.
ENV_COOKIE_SECRET = "JUPYTER_SECRETS_AUDIT_COOKIE_SECRET"  # noqa: S105 (a variable name)
PAGE = 10000
_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


def reads_all(model: dict[str, Any] | None) -> bool:
    """Whether a hub identity (user or service model) may read everyone's events."""
    if not model:
        return False
    scopes = set(model.get("scopes", []))
    return model.get("admin") is True or "admin:users" in scopes or READ_ALL_SCOPE in scopes


def store_lines(store: EventStore) -> Iterator[bytes]:
    """Every stored event, oldest first, one JSON line each, as a log file holds them."""
    after = 0
    while True:
        rows = store.read(None, PAGE, after)
        for row in rows:
            after = max(after, row.pop("id"))
            yield orjson.dumps(row) + b"\n"
        if len(rows) < PAGE:
            return


class ReportHandler(HubOAuthenticated, web.RequestHandler):  # type: ignore[misc]
    def initialize(self, store: EventStore, inventory: Path | None) -> None:
        self.store = store
        self.inventory = inventory

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = kwargs.get("exc_info", (None, None))[1]
        message = getattr(reason, "log_message", None) or self._reason
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{message}\n")

    @web.authenticated
    async def get(self) -> None:
        model = self.current_user
        if not reads_all(model):
            name = (model or {}).get("name", "you")
            raise web.HTTPError(
                403,
                f"{name} may not read the audit report: it is for hub admins and holders "
                f"of the scope {READ_ALL_SCOPE}; ask your hub's admin",
            )
        fmt = self.get_query_argument("format", "html")
        if fmt not in FORMATS:
            raise web.HTTPError(400, f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        since = self.get_query_argument("since", "30d")
        until = self.get_query_argument("until", None)
        try:
            text = await asyncio.get_running_loop().run_in_executor(
                None, self._render, since, until, fmt
            )
        except InputError as exc:
            raise web.HTTPError(400, str(exc)) from None
        self.set_header("Content-Type", _TYPES[fmt])
        self.set_header("Cache-Control", "no-store")
        if fmt in ("csv", "json"):
            self.set_header(
                "Content-Disposition", f'attachment; filename="secrets-audit-report.{fmt}"'
            )
        self.finish(text)

    def _render(self, since: str, until: str | None, fmt: str) -> str:
        report = make_report_from_lines(
            "audit service",
            store_lines(self.store),
            since=since,
            until=until,
            inventory=self.inventory,
            now=datetime.now(timezone.utc),
        )
        return FORMATS[fmt](report)


def panel_handlers(base: str, store: EventStore) -> list[tuple[str, Any, dict[str, Any]]]:
    """The report page and the OAuth callback that logs a browser in to it."""
    inventory = os.environ.get(ENV_INVENTORY)
    options = {"store": store, "inventory": Path(inventory) if inventory else None}
    return [
        (base + "/", ReportHandler, options),
        (base + "/oauth_callback", HubOAuthCallbackHandler, {}),
    ]


def cookie_secret() -> bytes:
    configured = os.environ.get(ENV_COOKIE_SECRET)
    return configured.encode() if configured else secrets.token_bytes(32)
