"""How the client learns what the gate did with its save.

The gate runs as a pre-save hook, which cannot touch the HTTP response. It
records a :class:`GateReport` in a context variable; the request handler's
task sees it (hooks are called synchronously inside the handler's await
chain), and :class:`ReportTransform` adds it to the response:

* every response of a gated request gets ``X-Jupyter-Secrets-Action:
  blocked|stripped|warned|refused|unscanned|clean`` and ``X-Jupyter-Secrets-Report:
  <id>``, the random id of the report (also its ``"id"`` in JSON);
* a JSON body (the saved model, or the 4xx error) gets a
  ``"jupyter_secrets"`` key with the report (policy, action, message,
  findings without values, each with its ``confidence`` and the ``policy`` it
  got); a refused save's error body also carries ``"findings"`` at the top
  level next to jupyter_server's ``"message"``.

Clients that cannot read the body (JupyterLab keeps only the error message)
fetch the report by id: the last few reports per path are kept in memory and
served by ``GET /jupyter-secrets/findings?path=&id=``. An id names exactly one
save, so another save of the same path in between (autosave from a second
tab, a script) cannot hand over the wrong report. Without ``id`` the endpoint
answers the last report of the path.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict, deque
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tornado.httputil import HTTPHeaders
from tornado.web import OutputTransform

from ..scanner import Finding
from .vocabulary import Action, Origin, Policy

HEADER = "X-Jupyter-Secrets-Action"
REPORT_HEADER = "X-Jupyter-Secrets-Report"
BODY_KEY = "jupyter_secrets"


@dataclass(frozen=True)
class GatedFinding:
    """A finding of a gated save and the policy its confidence got there."""

    finding: Finding
    policy: Policy

    def to_json(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "policy": self.policy}


@dataclass
class GateReport:
    path: str
    policy: Policy
    action: Action
    message: str
    findings: list[GatedFinding] = field(default_factory=list)
    origin: Origin = "save"
    time: float = field(default_factory=time.time)
    # Random, not a counter: it says nothing about other saves or users.
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "policy": self.policy,
            "action": self.action,
            "message": self.message,
            "origin": self.origin,
            "findings": [gated.to_json() for gated in self.findings],
            "time": self.time,
        }


_request_reports: ContextVar[list[GateReport] | None] = ContextVar(
    "jupyter_secrets_reports", default=None
)


class ReportRegistry:
    """The last few reports per path, bounded, in memory only.

    At most ``per_path`` reports for each of at most ``paths`` paths; the path
    saved least recently is forgotten first.
    """

    def __init__(self, paths: int = 512, per_path: int = 8) -> None:
        self._paths = paths
        self._per_path = per_path
        self._items: OrderedDict[str, deque[GateReport]] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, report: GateReport) -> None:
        with self._lock:
            kept = self._items.setdefault(report.path, deque(maxlen=self._per_path))
            # Recorded again (a chunked upload's last chunk): it is the newest now.
            again = [r for r in kept if r.id == report.id]
            for old in again:
                kept.remove(old)
            kept.append(report)
            self._items.move_to_end(report.path)
            while len(self._items) > self._paths:
                self._items.popitem(last=False)
        reports = _request_reports.get()
        if reports is None:
            _request_reports.set([report])
        elif all(r.id != report.id for r in reports):
            reports.append(report)

    def last(self, path: str) -> GateReport | None:
        with self._lock:
            kept = self._items.get(path.strip("/"))
            return kept[-1] if kept else None

    def get(self, path: str, report_id: str) -> GateReport | None:
        """The report ``report_id`` of ``path``, while it is still kept."""
        with self._lock:
            kept = self._items.get(path.strip("/"), ())
            return next((r for r in kept if r.id == report_id), None)


def request_reports() -> list[GateReport]:
    return list(_request_reports.get() or [])


#: The action a response reports when one request had several (a folder's files).
PRECEDENCE: tuple[Action, ...] = ("refused", "blocked", "stripped", "warned", "unscanned", "clean")


class ReportTransform(OutputTransform):
    """Adds the gate's report of this request to the response."""

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        reports = _request_reports.get()
        if not reports:
            return status_code, headers, chunk
        main = min(reports, key=lambda r: PRECEDENCE.index(r.action))
        headers[HEADER] = main.action
        headers[REPORT_HEADER] = main.id
        if not finishing or "json" not in headers.get("Content-Type", ""):
            return status_code, headers, chunk
        try:
            body = json.loads(chunk)
        except ValueError:
            return status_code, headers, chunk
        if not isinstance(body, dict):
            return status_code, headers, chunk
        report = body[BODY_KEY] = main.to_json()
        if status_code >= 400 and main.action in ("refused", "blocked"):
            body["findings"] = report["findings"]
            body["message"] = main.message
        chunk = json.dumps(body).encode("utf-8")
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(chunk))
        return status_code, headers, chunk
