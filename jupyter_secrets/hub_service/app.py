"""The audit service's web app: ``POST /api/events`` (any hub user or server, with its
own hub token; the hub says who it is) and ``GET /api/events`` (your own events; an
admin's or an auditor's token reads everyone's, ``?user=`` to filter), and the report
page at the service's root (:mod:`.panel`). Nothing updates or deletes."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from jupyterhub.services.auth import HubAuthenticated  # type: ignore[import-untyped]
from tornado import web

from .panel import cookie_secret, panel_handlers, reads_all
from .store import EventStore, event_problem

MAX_BATCH = 500
MAX_BODY = 2 * 1024 * 1024


class EventsHandler(HubAuthenticated, web.RequestHandler):  # type: ignore[misc]
    def initialize(self, store: EventStore) -> None:
        self.store = store

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = kwargs.get("exc_info", (None, None))[1]
        message = getattr(reason, "log_message", None) or self._reason
        self.finish({"message": message})

    def get_login_url(self) -> str:
        # An API answers a missing or bad token with 403, never a redirect to a login
        # page (the report page's OAuth login would otherwise apply here too).
        raise web.HTTPError(403, "a valid hub token is needed (Authorization: token ...)")

    def _identity(self) -> tuple[str, bool]:
        model = self.current_user
        if not model:
            raise web.HTTPError(403, "a hub token is needed")
        return str(model.get("name", "")), reads_all(model)

    @web.authenticated
    async def post(self) -> None:
        user, _ = self._identity()
        if len(self.request.body) > MAX_BODY:
            raise web.HTTPError(413, f"at most {MAX_BODY} bytes of events per request")
        try:
            body = json.loads(self.request.body)
        except ValueError:
            raise web.HTTPError(400, 'the body must be JSON: {"events": [...]}') from None
        batch = body.get("events") if isinstance(body, dict) else None
        if not isinstance(batch, list) or len(batch) > MAX_BATCH:
            raise web.HTTPError(
                400, f'the body must be {{"events": [...]}} with at most {MAX_BATCH}'
            )
        for number, event in enumerate(batch):
            problem = event_problem(event)
            if problem:
                raise web.HTTPError(400, f"event {number} of the batch: {problem}; none was stored")
        received = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        stored = await self._in_thread(self.store.add, user, received, batch)
        self.set_status(201)
        self.finish({"stored": stored, "user": user})

    @web.authenticated
    async def get(self) -> None:
        user, admin = self._identity()
        wanted = self.get_query_argument("user", None)
        if not admin:
            if wanted not in (None, user):
                raise web.HTTPError(403, f"{user} may read only their own events")
            wanted = user
        limit = max(0, min(self._integer("limit", 1000), 10000))
        after = self._integer("after", 0)
        rows = await self._in_thread(self.store.read, wanted, limit, after)
        self.finish({"events": rows, "user": user, "admin": admin})

    def _integer(self, name: str, default: int) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise web.HTTPError(400, f"{name} must be an integer") from None

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        import asyncio  # noqa: PLC0415

        return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def make_app(store: EventStore, prefix: str | None = None) -> web.Application:
    base = (prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")).rstrip("/")
    return web.Application(
        [(base + "/api/events", EventsHandler, {"store": store}), *panel_handlers(base, store)],
        cookie_secret=cookie_secret(),
    )
