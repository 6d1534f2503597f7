"""Known values: how a kernel tells this server what its ``%secret`` values look like.

Design (kernel -> server, stand-alone and on JupyterHub alike):

* At load, the server makes a random link token and uses the HMAC key of
  its in-memory :class:`~jupyter_secrets.scanner.KnownValues`. Neither is
  ever written anywhere by us.
* Every kernel this server starts gets them in its environment
  (``JUPYTER_SECRETS_LINK``: loopback URL, token and key), by wrapping the
  kernel manager's ``start_kernel`` on the instance. Stand-alone kernels get
  no server token, and this needs none: the link token only lets a kernel
  add fingerprints (``POST /jupyter-secrets/known``), nothing else.
* After each fetch, :mod:`jupyter_secrets.kernel_link` computes keyed
  fingerprints (``jsfp1:<len>:<HMAC-SHA256>``) of the value and its encoded
  forms and posts them with the token. The server keeps them in memory;
  the gate's scanner hashes candidate tokens of matching length and
  compares. The value, or an unsalted hash of it, never leaves the kernel.
* The token and key themselves are registered as known values, so a
  notebook that prints the kernel's environment is caught too.

Kernels started by other means (a different server, a remote gateway) do
not get the link; their fetches are caught by the detectors only.
"""

from __future__ import annotations

import hmac
import inspect
import json
import os
import secrets
import threading
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from tornado import web

LINK_ENV = "JUPYTER_SECRETS_LINK"
LINK_HEADER = "X-Jupyter-Secrets-Link"
MAX_FINGERPRINTS_PER_CALL = 64
MAX_FINGERPRINTS = 20_000


class KnownValuesLink:
    """The server end: the shared key and token, and the fingerprint store."""

    def __init__(self, known: Any) -> None:
        self.known = known
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._count = 0
        # Printing the kernel environment would leak these: make them findable.
        known.add(self.token, label="jupyter-secrets link token")
        known.add(known.key.hex(), label="jupyter-secrets link key")

    def env_value(self, url: str) -> str:
        key: bytes = self.known.key
        return json.dumps({"url": url, "token": self.token, "key": key.hex()})

    def accepts(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.token)

    def add(self, fingerprints: list[str], label: str) -> int:
        added = 0
        with self._lock:
            for fp in fingerprints:
                if self._count >= MAX_FINGERPRINTS:
                    break
                self.known.add_fingerprint(fp, label=label)
                self._count += 1
                added += 1
        return added

    def install(self, serverapp: Any) -> None:
        """Give every kernel this server starts the link in its environment."""
        kernel_manager = serverapp.kernel_manager
        original = kernel_manager.start_kernel

        def with_link(kwargs: dict[str, Any]) -> dict[str, Any]:
            env = dict(kwargs.get("env") or os.environ)
            env[LINK_ENV] = self.env_value(server_url(serverapp))
            kwargs["env"] = env
            return kwargs

        if inspect.iscoroutinefunction(original):

            async def start_kernel(*args: Any, **kwargs: Any) -> Any:
                return await original(*args, **with_link(kwargs))

        else:

            def start_kernel(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                return original(*args, **with_link(kwargs))

        kernel_manager.start_kernel = start_kernel


def server_url(serverapp: Any) -> str:
    """The URL a kernel on this machine uses to reach this server (loopback)."""
    base = str(serverapp.base_url).rstrip("/") + "/"
    sock = str(getattr(serverapp, "sock", "") or "")
    if sock:
        return "http+unix://" + quote(sock, safe="") + base
    scheme = "https" if getattr(serverapp, "certfile", "") else "http"
    ip = serverapp.ip
    if ip in ("", "0.0.0.0", "*", "localhost"):  # noqa: S104 (a wildcard bind, not a bind here)
        ip = "127.0.0.1"
    elif ip in ("::", "[::]"):
        ip = "[::1]"
    elif ":" in ip and not ip.startswith("["):
        ip = f"[{ip}]"
    return f"{scheme}://{ip}:{serverapp.port}{base}"


class KnownValuesHandler(APIHandler):
    """``POST /jupyter-secrets/known``: a kernel's fingerprints, authenticated by the link token.

    Kernels have no server credentials stand-alone, so this endpoint skips
    the server's login (``@allow_unauthenticated``) and checks the link
    token itself; the token is sent in a custom header, never a cookie, so
    the XSRF check (which protects cookie-authenticated browsers) is not
    needed.
    """

    def check_xsrf_cookie(self) -> None:
        return None

    @allow_unauthenticated
    def post(self) -> None:
        link: KnownValuesLink | None = self.settings["jupyter_secrets"].link
        if link is None or not link.accepts(self.request.headers.get(LINK_HEADER)):
            raise web.HTTPError(403, "known-values link token missing or wrong")
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "body must be JSON: {ref, fingerprints}") from None
        fingerprints = body.get("fingerprints") if isinstance(body, dict) else None
        label = str(body.get("ref", ""))[:256] if isinstance(body, dict) else ""
        if (
            not isinstance(fingerprints, list)
            or len(fingerprints) > MAX_FINGERPRINTS_PER_CALL
            or not all(isinstance(fp, str) and len(fp) < 128 for fp in fingerprints)
        ):
            raise web.HTTPError(400, "fingerprints must be a list of at most 64 strings")
        try:
            added = link.add(fingerprints, label)
        except ValueError:
            raise web.HTTPError(
                400, "malformed fingerprint; expected jsfp1:<length>:<hex>"
            ) from None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"added": added}))
