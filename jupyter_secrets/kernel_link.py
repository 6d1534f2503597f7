"""The kernel end of the known-values link (see jupyter_secrets.server.known_link).

:func:`capture` runs when the extension loads, before any cell: it reads the
link (server URL, this kernel's own token, the fingerprint key) from the
0600 file named by ``$JUPYTER_SECRETS_LINK_FILE``, deletes the file and
drops the variable, so neither ``os.environ``, ``/proc/self/environ`` (which
only ever held the file's path) nor a subprocess reading
``/proc/$PPID/environ`` can reach the token. The token and key then live
only in the closure of this module's sender, not in a module attribute.
Code in the kernel can still read its own process memory: this keeps the
token out of the obvious places, it is not a sandbox.

:func:`announce` is called after each successful fetch. It sends each value
once per kernel (a keyed digest of every value already sent is kept; cached
``secret()`` calls cost one HMAC and no request), as keyed fingerprints
only (:func:`jupyter_secrets.knownprints.link_fingerprints`), from one
background thread. It never raises, never blocks the caller, imports neither
tornado nor jupyter_server, and sends no value and no unsalted hash of one.
When the server refuses more (this kernel's quota, or the server's cap), one
warning goes to stderr. Outside a kernel started by a jupyter-secrets server
it does nothing.
"""

from __future__ import annotations

import contextlib
import hmac
import http.client
import json
import os
import queue
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from .knownprints import ENCODING, MIN_LENGTH, link_fingerprints
from .link_protocol import (
    KNOWN_PATH,
    LEGACY_ENV,
    LINK_FILE_ENV,
    LINK_HEADER,
    MAX_FINGERPRINTS_PER_CALL,
    MAX_LINK_FILE_BYTES,
)

TIMEOUT_SECONDS = 3.0

_lock = threading.Lock()
#: Set by capture(): sends (ref, value) to the server, or None when not linked.
_sender: Callable[[str, str], None] | None = None
_captured = False
_work: queue.Queue[Callable[[], None]] = queue.Queue()
_idle = threading.Condition()
_busy = 0
_warned = False


def capture() -> bool:
    """Take the link once: read and delete its file, drop the variables. True when linked."""
    global _captured, _sender
    with _lock:
        if not _captured:
            _captured = True
            os.environ.pop(LEGACY_ENV, None)
            link = _read_link_file(os.environ.pop(LINK_FILE_ENV, ""))
            if link is not None:
                _sender = _make_sender(*link)
        return _sender is not None


def announce(ref: str, value: str) -> None:
    """Register ``value`` (as fingerprints only) with this kernel's server. Never raises."""
    try:
        if capture() and isinstance(value, str) and _sender is not None:
            _sender(str(ref), value)
    except Exception:  # announcing is best effort; a fetch must never fail because of it
        return


def flush(timeout: float = TIMEOUT_SECONDS) -> None:
    """Wait (up to ``timeout`` seconds) until every announcement so far was sent."""
    with _idle:
        _idle.wait_for(lambda: _busy == 0, timeout)


def _read_link_file(path: str) -> tuple[str, str, bytes] | None:
    if not path:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            raw = os.read(fd, MAX_LINK_FILE_BYTES)
        finally:
            os.close(fd)
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    try:
        data = json.loads(raw)
        url, token, key = data["url"], data["token"], bytes.fromhex(data["key"])
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(url, str) and isinstance(token, str) and token and key):
        return None
    return url, token, key


def _make_sender(url: str, token: str, key: bytes) -> Callable[[str, str], None]:
    """A closure over the token and key: they are in no module attribute."""
    sent: set[bytes] = set()
    endpoint = url.rstrip("/") + KNOWN_PATH

    def send(ref: str, value: str) -> None:
        if len(value) < MIN_LENGTH:
            return
        seen = hmac.digest(key, value.encode(*ENCODING), "sha256")
        with _lock:
            if seen in sent:
                return  # one announcement per value per kernel
            sent.add(seen)
        _enqueue(lambda: deliver(ref, value, seen))

    def deliver(ref: str, value: str, seen: bytes) -> None:
        prints = link_fingerprints(value, key)
        del value
        for start in range(0, len(prints), MAX_FINGERPRINTS_PER_CALL):
            body = json.dumps(
                {"ref": ref, "fingerprints": prints[start : start + MAX_FINGERPRINTS_PER_CALL]}
            )
            try:
                status, reply = _post(endpoint, token, body)
            except (OSError, http.client.HTTPException):
                status, reply = 0, b""
            if status == 429:
                _warn_full(reply)
                return
            if status != 200:
                with _lock:
                    sent.discard(seen)  # the server was busy or gone: a later fetch retries
                return

    return send


def _enqueue(job: Callable[[], None]) -> None:
    global _busy
    with _idle:
        _busy += 1
    _work.put(job)
    _start_worker()


_worker: list[threading.Thread] = []


def _start_worker() -> None:
    with _lock:
        if _worker and _worker[0].is_alive():
            return
        thread = threading.Thread(target=_run, name="jupyter-secrets-link", daemon=True)
        _worker[:] = [thread]
        thread.start()


def _run() -> None:
    global _busy
    while True:
        job = _work.get()
        try:
            with contextlib.suppress(Exception):  # a broken one must not stop the next
                job()
        finally:
            with _idle:
                _busy -= 1
                _idle.notify_all()


def _warn_full(reply: bytes) -> None:
    global _warned
    with _lock:
        if _warned:
            return
        _warned = True
    try:
        scope = json.loads(reply).get("full")
    except (ValueError, AttributeError):
        scope = None
    where = "this kernel's quota" if scope == "kernel" else "the server's limit"
    print(
        f"jupyter-secrets: the save gate's list of known values is full ({where}); values "
        "fetched from now on are caught at save by its detectors only. Restart the kernel "
        "to get a fresh quota.",
        file=sys.stderr,
        flush=True,
    )


def _post(url: str, token: str, body: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    path = parts.path or "/"
    connection: http.client.HTTPConnection
    if parts.scheme == "http+unix":
        connection = _UnixHTTPConnection(unquote(parts.netloc), TIMEOUT_SECONDS)
    elif parts.scheme == "https":
        # The link only ever points at this machine's loopback; the server's
        # certificate is often self-signed for that name.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT_SECONDS
        )
    try:
        connection.request(
            "POST",
            path,
            body=body.encode("utf-8"),
            headers={LINK_HEADER: token, "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read(4096)
    finally:
        connection.close()


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock
