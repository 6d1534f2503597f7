"""Known values: how a kernel tells this server what its ``%secret`` values look like.

Design (kernel -> server, stand-alone and on JupyterHub alike):

* The HMAC key of the server's in-memory
  :class:`~jupyter_secrets.scanner.KnownValues` is shared with every kernel
  this server starts; each kernel also gets a token of its own. Neither is
  in the kernel's environment: the server writes them (with its URL) to a
  0600 file in its runtime directory, one per kernel, and passes only the
  file's path (``JUPYTER_SECRETS_LINK_FILE``), by wrapping the kernel
  manager's ``start_kernel`` on the instance. The kernel reads and deletes
  the file when the extension loads, before any cell runs; the server
  deletes a file still there after :data:`LINK_FILE_TTL` seconds, when the
  kernel goes away and when the server exits. A restart writes a fresh file
  (new token) at the same path.
* A token lets its kernel add fingerprints (``POST /jupyter-secrets/known``)
  and nothing else. Stand-alone kernels have no server credentials and need
  none. The token is revoked when its kernel is removed (shut down, culled,
  dead) or restarted.
* After each fetch, :mod:`jupyter_secrets.kernel_link` sends the keyed
  fingerprints of the value (never the value, never an unsalted hash), once
  per value. The server keeps them in memory, labelled with the ref and the
  kernel they came from (never the value); the gate's scanner finds the
  value anywhere in a saved text (see :mod:`jupyter_secrets.scanner.known_values`
  for what a fingerprint reveals).
* What a link can do is bounded: at most :data:`MAX_FINGERPRINTS_PER_KERNEL`
  new fingerprints per kernel and :data:`MAX_FINGERPRINTS` in all, values of
  at least 4 characters only. Repeats are free. Reaching a limit is loud: a
  warning in the server log (once per kernel, and once for the server;
  never a value), HTTP 429 to the kernel, which warns its user once.
* The key is registered as a known value, so a notebook that prints it is
  caught.

Kernels started by other means (a different server, a remote gateway) do
not get the link; their fetches are caught by the detectors only.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import inspect
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..link_protocol import (
    LEGACY_ENV,
    LINK_FILE_ENV,
    LINK_FILE_PREFIX,
    LINK_HEADER,
    MAX_FINGERPRINTS_PER_CALL,
)

#: About 400 values (a value has up to 10 fingerprints).
MAX_FINGERPRINTS_PER_KERNEL = 4096
MAX_FINGERPRINTS = 50_000
#: Refs remembered per kernel for the Secrets panel's "fetched here" mark.
MAX_REFS_PER_KERNEL = 1000
#: A link file the kernel has not taken by then is deleted (the token stays valid).
LINK_FILE_TTL = 120.0


@dataclass
class KernelGrant:
    """One kernel's link: its token (as a digest), its file, what it added."""

    token_digest: bytes
    path: str
    kernel_id: str = ""
    added: int = 0
    warned: bool = False
    #: The refs this kernel fetched (names only, as the kernel reported them), for the UI.
    refs: set[str] = field(default_factory=set)


class KnownValuesLink:
    """The server end: per-kernel tokens and files, quotas, the fingerprint store."""

    def __init__(self, known: Any, runtime_dir: str | None = None) -> None:
        self.known = known
        self.runtime_dir = runtime_dir
        self.url = ""
        self.log = logging.getLogger("jupyter_secrets")
        self._lock = threading.Lock()
        self._grants: dict[bytes, KernelGrant] = {}
        self._by_kernel: dict[str, KernelGrant] = {}
        self._files: dict[str, KernelGrant] = {}
        self._count = 0
        self._full_warned = False
        # Printing the key would let fingerprints be tested offline: make it findable.
        known.add(known.key.hex(), label="jupyter-secrets link key")

    # -- grants ----------------------------------------------------------

    def issue(self, path: str | None = None) -> KernelGrant:
        """A new token, written with the URL and key to a fresh 0600 file."""
        token = secrets.token_urlsafe(32)
        if path is None:
            directory = self.runtime_dir or _default_runtime_dir()
            os.makedirs(directory, mode=0o700, exist_ok=True)
            path = os.path.join(directory, f"{LINK_FILE_PREFIX}{secrets.token_hex(8)}.json")
        key: bytes = self.known.key
        body = json.dumps({"url": self.url, "token": token, "key": key.hex()})
        _write_private(path, body.encode())
        grant = KernelGrant(_digest(token), path)
        with self._lock:
            self._grants[grant.token_digest] = grant
            self._files[path] = grant
        _later(LINK_FILE_TTL, lambda: self._expire(grant))
        return grant

    def _expire(self, grant: KernelGrant) -> None:
        # Only this grant's file: a restart may have written a newer one at the same path.
        with self._lock:
            mine = self._files.get(grant.path) is grant
            if mine:
                del self._files[grant.path]
        if mine:
            _remove(grant.path)

    def grant_for(self, token: str | None) -> KernelGrant | None:
        if not token:
            return None
        with self._lock:
            return self._grants.get(_digest(str(token)))

    def revoke(self, grant: KernelGrant) -> None:
        with self._lock:
            self._grants.pop(grant.token_digest, None)
            if grant.kernel_id and self._by_kernel.get(grant.kernel_id) is grant:
                del self._by_kernel[grant.kernel_id]
            mine = self._files.get(grant.path) is grant
            if mine:
                del self._files[grant.path]
        if mine:
            _remove(grant.path)

    def bind(self, grant: KernelGrant, kernel_id: str) -> bool:
        """Tie a grant to the kernel it was issued for; False if that kernel had one already."""
        with self._lock:
            if kernel_id in self._by_kernel:
                return False
            grant.kernel_id = kernel_id
            self._by_kernel[kernel_id] = grant
            return True

    def reissue(self, kernel_id: str) -> None:
        """Before a restart: the old process's token is revoked, the new one gets a file."""
        with self._lock:
            old = self._by_kernel.get(kernel_id)
        if old is None:
            return
        self.revoke(old)
        grant = self.issue(old.path)
        grant.added = old.added  # a restart is no way around the quota
        self.bind(grant, kernel_id)

    def refs_of(self, kernel_id: str) -> list[str] | None:
        """The refs a running kernel fetched, sorted; None for a kernel this link does not know."""
        with self._lock:
            grant = self._by_kernel.get(kernel_id)
            return None if grant is None else sorted(grant.refs)

    def release(self, kernel_id: str) -> None:
        with self._lock:
            grant = self._by_kernel.get(kernel_id)
        if grant is not None:
            self.revoke(grant)

    # -- fingerprints ----------------------------------------------------

    def add(self, grant: KernelGrant, fingerprints: list[str], ref: str) -> tuple[int, str]:
        """Add a kernel's fingerprints; (number added, "" or which limit was reached)."""
        for fp in fingerprints:
            self.known.has_fingerprint(fp)  # ValueError before anything is added
        label = f"{ref} (kernel {grant.kernel_id or 'starting'})"
        added, full = 0, ""
        with self._lock:
            if len(grant.refs) < MAX_REFS_PER_KERNEL:
                grant.refs.add(ref)
            for fp in fingerprints:
                if self.known.has_fingerprint(fp):
                    continue  # a repeat costs nothing
                if grant.added >= MAX_FINGERPRINTS_PER_KERNEL:
                    full = "kernel"
                    break
                if self._count >= MAX_FINGERPRINTS:
                    full = "server"
                    break
                if self.known.add_fingerprint(fp, label=label):
                    grant.added += 1
                    self._count += 1
                    added += 1
        if full:
            self._warn_full(grant, full)
        return added, full

    def _warn_full(self, grant: KernelGrant, full: str) -> None:
        with self._lock:
            if full == "kernel":
                first, grant.warned = not grant.warned, True
            else:
                first, self._full_warned = not self._full_warned, True
        if not first:
            return
        if full == "kernel":
            self.log.warning(
                "jupyter-secrets: kernel %s reached its quota of %d known-value fingerprints; "
                "values it fetches from now on are caught at save by the detectors only",
                grant.kernel_id or "(starting)",
                MAX_FINGERPRINTS_PER_KERNEL,
            )
        else:
            self.log.warning(
                "jupyter-secrets: the list of known values is full (%d fingerprints); values "
                "kernels fetch from now on are caught at save by the detectors only; restart "
                "the server to clear it",
                MAX_FINGERPRINTS,
            )

    # -- the kernel manager ------------------------------------------------

    def install(self, serverapp: Any) -> None:
        """Give every kernel this server starts its own link file; revoke it when it goes."""
        self.url = server_url(serverapp)
        self.log = serverapp.log
        self.runtime_dir = self.runtime_dir or str(getattr(serverapp, "runtime_dir", "") or "")
        kernel_manager = serverapp.kernel_manager
        original_remove = kernel_manager.remove_kernel

        def prepare(kwargs: dict[str, Any]) -> KernelGrant:
            grant = self.issue()
            env = dict(kwargs.get("env") or os.environ)
            env.pop(LEGACY_ENV, None)
            env[LINK_FILE_ENV] = grant.path
            kwargs["env"] = env
            return grant

        def started(grant: KernelGrant, kernel_id: str) -> None:
            if not self.bind(grant, kernel_id):
                self.revoke(grant)  # an existing kernel was returned: it has its own
                return
            kernel = kernel_manager.get_kernel(kernel_id)
            kernel.restart_kernel = _before(kernel.restart_kernel, lambda: self.reissue(kernel_id))

        def remove_kernel(kernel_id: str) -> Any:
            try:
                return original_remove(kernel_id)
            finally:
                self.release(kernel_id)

        kernel_manager.start_kernel = _starting(
            kernel_manager.start_kernel, prepare, started, self.revoke
        )
        kernel_manager.remove_kernel = remove_kernel


def _starting(
    original: Callable[..., Any],
    prepare: Callable[[dict[str, Any]], KernelGrant],
    started: Callable[[KernelGrant, str], None],
    failed: Callable[[KernelGrant], None],
) -> Callable[..., Any]:
    """``start_kernel`` with a link prepared before and bound after (sync or async)."""
    if inspect.iscoroutinefunction(original):

        async def start_kernel(*args: Any, **kwargs: Any) -> Any:
            grant = prepare(kwargs)
            try:
                kernel_id = await original(*args, **kwargs)
            except BaseException:
                failed(grant)
                raise
            started(grant, kernel_id)
            return kernel_id

        return start_kernel

    def start_kernel_sync(*args: Any, **kwargs: Any) -> Any:
        grant = prepare(kwargs)
        try:
            kernel_id = original(*args, **kwargs)
        except BaseException:
            failed(grant)
            raise
        started(grant, kernel_id)
        return kernel_id

    return start_kernel_sync


def _before(original: Callable[..., Any], action: Callable[[], None]) -> Callable[..., Any]:
    """``original`` (sync or async) with ``action()`` run first."""
    if inspect.iscoroutinefunction(original):

        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            action()
            return await original(*args, **kwargs)

        return wrapped

    def wrapped_sync(*args: Any, **kwargs: Any) -> Any:
        action()
        return original(*args, **kwargs)

    return wrapped_sync


def _digest(token: str) -> bytes:
    # Tokens are looked up by digest: no timing difference reveals a prefix.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


#: Link files written and not yet removed: whatever is left goes when the server exits.
_LIVE_FILES: set[str] = set()


def _write_private(path: str, data: bytes) -> None:
    _remove(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    _LIVE_FILES.add(path)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    _LIVE_FILES.discard(path)
    with contextlib.suppress(OSError):
        os.unlink(path)


@atexit.register
def _remove_live_files() -> None:
    for path in list(_LIVE_FILES):
        _remove(path)


def _later(delay: float, action: Callable[[], None]) -> None:
    try:
        asyncio.get_running_loop().call_later(delay, action)
    except RuntimeError:  # no event loop in this thread
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()


def _default_runtime_dir() -> str:
    from jupyter_core.paths import jupyter_runtime_dir  # noqa: PLC0415 (only when no link directory is configured)

    return jupyter_runtime_dir()


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
    """``POST /jupyter-secrets/known``: a kernel's fingerprints, authenticated by its link token.

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
        grant = link.grant_for(self.request.headers.get(LINK_HEADER)) if link else None
        if link is None or grant is None:
            raise web.HTTPError(403, "known-values link token missing, wrong or revoked")
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "body must be JSON: {ref, fingerprints}") from None
        fingerprints = body.get("fingerprints") if isinstance(body, dict) else None
        ref = str(body.get("ref", ""))[:256] if isinstance(body, dict) else ""
        if (
            not isinstance(fingerprints, list)
            or len(fingerprints) > MAX_FINGERPRINTS_PER_CALL
            or not all(isinstance(fp, str) and len(fp) < 160 for fp in fingerprints)
        ):
            raise web.HTTPError(
                400, f"fingerprints must be a list of at most {MAX_FINGERPRINTS_PER_CALL} strings"
            )
        try:
            added, full = link.add(grant, fingerprints, ref)
        except ValueError as exc:
            raise web.HTTPError(400, str(exc).replace("%", "%%")) from None
        self.set_header("Content-Type", "application/json")
        if full:
            self.set_status(429)
            self.finish(json.dumps({"added": added, "full": full}))
            return
        self.finish(json.dumps({"added": added}))
