"""Who sent the request being served, for audit events that have no handler.

The pre-save hook and the disk guards run inside a request but are not given
it. On JupyterHub a server may be shared, so the server's owner is not always
the person saving: after jupyter_server authenticates a request, the hub user
is put in a context variable. Tornado serves each request in its own task and
the hooks run synchronously within it, so the value cannot leak between
requests.
"""

from __future__ import annotations

import inspect
from contextvars import ContextVar
from typing import Any

from ..identity import current_user

acting_user: ContextVar[str | None] = ContextVar("jupyter_secrets_acting_user", default=None)
_MARK = "_jupyter_secrets_acting_user"


def install(handler_class: Any) -> None:
    """Wrap ``handler_class.prepare`` (once) to record the authenticated user."""
    original = handler_class.prepare
    if getattr(original, _MARK, False):
        return

    async def prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        name = getattr(self.current_user, "username", None)
        if isinstance(name, str) and name:
            acting_user.set(name)
        return result

    setattr(prepare, _MARK, True)
    handler_class.prepare = prepare


def acting_or_owner(on_hub: bool) -> str:
    """The hub user behind the current request on JupyterHub; else the OS user."""
    if on_hub:
        name = acting_user.get()
        if name:
            return name
    return current_user()
