"""How the client learns what the gate did with its save.

The gate runs as a pre-save hook, which cannot touch the HTTP response. It
records a :class:`GateReport` in a context variable; the request handler's
task sees it (hooks are called synchronously inside the handler's await
chain), and :class:`ReportTransform` adds it to the response:

* every response of a gated request gets ``X-Jupyter-Secrets-Action:
  blocked|stripped|warned|refused|unscanned|clean``;
* a JSON body (the saved model, or the 4xx error) gets a
  ``"jupyter_secrets"`` key with the report (policy, action, message,
  findings without values); a refused save's error body also carries
  ``"findings"`` at the top level next to jupyter_server's ``"message"``.

As a fallback for clients that cannot read either (or contents managers that
run hooks in another thread), the last report per path is kept in memory and
served by ``GET /jupyter-secrets/findings?path=``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tornado.httputil import HTTPHeaders
from tornado.web import OutputTransform

HEADER = "X-Jupyter-Secrets-Action"
BODY_KEY = "jupyter_secrets"


@dataclass
class GateReport:
    path: str
    policy: str
    action: str
    message: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    origin: str = "save"
    time: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "policy": self.policy,
            "action": self.action,
            "message": self.message,
            "origin": self.origin,
            "findings": self.findings,
            "time": self.time,
        }


_request_reports: ContextVar[list[GateReport] | None] = ContextVar(
    "jupyter_secrets_reports", default=None
)


class ReportRegistry:
    """The most recent report per path, bounded, in memory only."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[str, GateReport] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, report: GateReport) -> None:
        with self._lock:
            self._items[report.path] = report
            self._items.move_to_end(report.path)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        reports = _request_reports.get()
        if reports is None:
            _request_reports.set([report])
        else:
            reports.append(report)

    def last(self, path: str) -> GateReport | None:
        with self._lock:
            return self._items.get(path.strip("/"))


def request_reports() -> list[GateReport]:
    return list(_request_reports.get() or [])


_PRECEDENCE = ("refused", "blocked", "stripped", "warned", "unscanned", "clean")


class ReportTransform(OutputTransform):
    """Adds the gate's report of this request to the response."""

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        reports = _request_reports.get()
        if not reports:
            return status_code, headers, chunk
        main = min(reports, key=lambda r: _PRECEDENCE.index(r.action))
        headers[HEADER] = main.action
        if not finishing or "json" not in headers.get("Content-Type", ""):
            return status_code, headers, chunk
        try:
            body = json.loads(chunk)
        except ValueError:
            return status_code, headers, chunk
        if not isinstance(body, dict):
            return status_code, headers, chunk
        body[BODY_KEY] = main.to_json()
        if status_code >= 400 and main.action in ("refused", "blocked"):
            body["findings"] = main.findings
            body["message"] = main.message
        chunk = json.dumps(body).encode("utf-8")
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(chunk))
        return status_code, headers, chunk
