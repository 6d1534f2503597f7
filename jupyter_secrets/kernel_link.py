"""The kernel end of the known-values link (see jupyter_secrets.server.known).

:func:`announce` is called after each successful ``%secret`` fetch. It
computes keyed fingerprints of the value with the key the server put in
this kernel's environment, and posts them to the server in a background
thread. It never raises, never blocks the caller, imports neither tornado
nor jupyter_server, and sends no value and no unsalted hash of one.
Outside a kernel started by a jupyter-secrets server it does nothing.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
from urllib.parse import unquote, urlsplit

LINK_ENV = "JUPYTER_SECRETS_LINK"
LINK_HEADER = "X-Jupyter-Secrets-Link"
TIMEOUT_SECONDS = 3.0
_BATCH = 64

_lock = threading.Lock()
_pending: list[threading.Thread] = []
#: The link, read once from the environment: {"url", "token", "key"}, or {} when not linked.
_state: dict[str, dict[str, str]] = {}


def capture() -> bool:
    """Read the link from the environment once and remove it there.

    Removing it keeps the token and key out of the environment of processes
    the notebook starts (``!env``, ``subprocess``). Returns True when linked.
    """
    with _lock:
        if "link" not in _state:
            raw = os.environ.pop(LINK_ENV, "")
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            fields = ("url", "token", "key")
            ok = isinstance(data, dict) and all(isinstance(data.get(k), str) for k in fields)
            _state["link"] = {k: data[k] for k in fields} if ok and data else {}
        return bool(_state["link"])


def announce(ref: str, value: str) -> None:
    """Register ``value`` (as fingerprints only) with this kernel's server. Never raises."""
    try:
        if not capture() or not isinstance(value, str):
            return
        link = dict(_state["link"])
        worker = threading.Thread(
            target=_send, args=(link, str(ref), value), name="jupyter-secrets-link", daemon=True
        )
        with _lock:
            _pending[:] = [t for t in _pending if t.is_alive()]
            _pending.append(worker)
        worker.start()
    except Exception:  # announcing is best effort; a fetch must never fail because of it
        return


def flush(timeout: float = TIMEOUT_SECONDS) -> None:
    """Wait (up to ``timeout`` seconds in total) for announcements in flight."""
    with _lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)


def _send(link: dict[str, str], ref: str, value: str) -> None:
    try:
        from .scanner.known import fingerprints

        prints = fingerprints(value, bytes.fromhex(link["key"]))
        for start in range(0, len(prints), _BATCH):
            body = json.dumps({"ref": ref, "fingerprints": prints[start : start + _BATCH]})
            _post(link["url"].rstrip("/") + "/jupyter-secrets/known", link["token"], body)
    except Exception:  # the server may be gone or busy: nothing to do about it here
        return


def _post(url: str, token: str, body: str) -> int:
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
        response.read()
        return response.status
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
