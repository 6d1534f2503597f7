"""Servers for the AWS backend's tests: a real moto server, and a tiny HTTP server that
answers every request with one fixed AWS error response.

moto runs in this process (``ThreadedMotoServer`` on 127.0.0.1, a free port); a test
starts from an empty store with :meth:`MotoServer.reset` (``POST /moto-api/reset``).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.server import ThreadedMotoServer

REGION = "us-east-1"


class MotoServer:
    """A moto server on 127.0.0.1, started and stopped by the tests."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> None:
        self._server.start()  # returns once the server accepts connections
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()

    def _post(self, path: str, data: bytes = b"") -> Any:
        url = self.url + path  # our own http://127.0.0.1 server
        # text/plain: moto reads the raw body (a form body would be parsed away)
        headers = {"Content-Type": "text/plain"}
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    def reset(self) -> None:
        """Forget every resource (secrets, IAM users) of every account."""
        self._post("/moto-api/reset")

    @contextmanager
    def iam_enforced(self, free_requests: int) -> Iterator[None]:
        """Requests after the next ``free_requests`` are authenticated and authorized with
        moto's IAM (users, policies, access keys made in those free requests)."""
        self._post("/moto-api/reset-auth", str(free_requests).encode())
        try:
            yield
        finally:
            self._post("/moto-api/reset-auth", b"inf")


class ErrorServer:
    """Answers every request with ``status`` and an AWS JSON error body of ``code`` and
    ``message``, as Secrets Manager does (``{"__type": ..., "Message": ...}``)."""

    def __init__(self) -> None:
        self.status, self.code, self.message = 500, "", ""
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests += 1
                body = b""
                if server.code:
                    body = json.dumps({"__type": server.code, "Message": server.message}).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the leak guard reads stderr

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def answer(self, status: int, code: str = "", message: str = "") -> None:
        self.status, self.code, self.message = status, code, message

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
