"""Who is asking: the JupyterHub user when there is one, else the OS user."""

from __future__ import annotations

import getpass
import json
import os
import time
import urllib.request


def current_user() -> str:
    """``JUPYTERHUB_USER`` (set for single-user servers and their kernels), else the OS login."""
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        return f"uid:{os.getuid()}"


GROUPS_ENV = "JUPYTERHUB_GROUPS"
_GROUPS_TTL = 300.0
_groups_cache: dict[str, tuple[float, tuple[str, ...]]] = {}


def current_groups(user: str) -> tuple[str, ...]:
    """The JupyterHub groups of ``user``: asked of the hub (``GET $JUPYTERHUB_API_URL/user``
    with this server's token, which needs the ``read:users:groups!user`` scope), cached
    for five minutes; else ``$JUPYTERHUB_GROUPS`` (comma-separated, for spawners that set
    it); else none. Only the hub user's own groups are known: another name has none."""
    if user != os.environ.get("JUPYTERHUB_USER"):
        return ()
    now = time.monotonic()
    cached = _groups_cache.get(user)
    if cached is not None and now - cached[0] < _GROUPS_TTL:
        return cached[1]
    groups = _groups_from_hub()
    if groups is None:
        listed = os.environ.get(GROUPS_ENV, "")
        groups = tuple(sorted({g.strip() for g in listed.split(",") if g.strip()}))
    _groups_cache[user] = (now, groups)
    return groups


def _groups_from_hub() -> tuple[str, ...] | None:
    url, token = os.environ.get("JUPYTERHUB_API_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    if not url or not token or not url.startswith(("http://", "https://")):
        return None
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url.rstrip("/") + "/user", headers={"Authorization": f"token {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (the hub's own URL)
            model = json.loads(response.read())
    except (OSError, ValueError):
        return None
    groups = model.get("groups") if isinstance(model, dict) else None
    if not isinstance(groups, list):
        return None
    return tuple(sorted(str(g) for g in groups))
