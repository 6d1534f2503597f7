"""The save gate: scan what is about to be written and apply the path's policy.

:meth:`Gate.hook` is registered with ``contents_manager.register_pre_save_hook``
(never assigned to ``pre_save_hook``, so deployment hooks keep running). It is
synchronous because jupyter_server calls hooks synchronously and would never
await a coroutine. jupyter_server logs and ignores any hook exception other
than ``HTTPError`` and saves anyway, so every failure inside the gate is caught
here and turned into an explicit decision: refuse (``fail_closed``) or save
unscanned with a warning.

Outcomes: ``block`` raises :class:`SaveRefused` (HTTP 422, nothing written);
``strip`` replaces the model's content with a redacted copy; ``warn`` saves
unchanged. Each outcome is recorded as a :class:`GateReport` (see report.py).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from typing import Any

from tornado.web import HTTPError

from .policy import GatePolicy
from .report import GateReport, ReportRegistry
from .scanning import ScanFailed, scan_model, strip_findings

#: HTTP status for each way a scan can fail, when the save is refused.
_FAILURE_STATUS = {"input": 400, "too_large": 413, "timeout": 503, "crash": 500}


class SaveRefused(HTTPError):
    """The gate refused a save; the report rides along for the response."""

    def __init__(self, status: int, report: GateReport) -> None:
        # tornado uses log_message as a %-format string when it logs the error;
        # the response body gets the unescaped message from ReportTransform.
        super().__init__(status, report.message.replace("%", "%%"), reason=_REASONS.get(status))
        self.report = report


_REASONS = {
    400: "Unscannable Content",
    413: "Too Large To Scan",
    422: "Secrets Found",
    500: "Secrets Scanner Failed",
    503: "Secrets Scan Timed Out",
}


class Gate:
    """Decides every save of one server."""

    def __init__(
        self,
        policy: GatePolicy,
        scanner: Callable[[], Any],
        registry: ReportRegistry,
        log: logging.Logger,
        on_refused: Callable[[GateReport], None] | None = None,
    ) -> None:
        self.policy = policy
        self._scanner = scanner
        self.registry = registry
        self.log = log
        self._on_refused = on_refused

    # -- the hook ----------------------------------------------------------

    def hook(self, model: dict[str, Any], path: str, **_: Any) -> None:
        """The pre-save hook: ``hook(model=..., path=..., contents_manager=...)``."""
        try:
            self.check(model, path)
        except HTTPError:
            raise
        except Exception as exc:  # a bug in the gate itself: decide explicitly
            self.fail(path.strip("/"), ScanFailed("crash", _bug(exc)), "save")

    def applies(self, path: str) -> bool:
        return self.policy.for_path(path) != "off" and self.policy.is_scanned(path)

    def check(self, model: dict[str, Any], path: str, origin: str = "save") -> GateReport | None:
        """Scan ``model`` as it would be written to ``path``; mutate it under ``strip``.

        Returns the report (None when the path is not gated); raises SaveRefused.
        """
        path = path.strip("/")
        if not self.applies(path) or not isinstance(model, dict):
            return None
        if model.get("type") == "directory" or "content" not in model:
            return None
        policy = self.policy.for_path(path)
        try:
            self._check_size(model)
            scanned, legacy_text = _for_scanner(model, path)
            resave = self.registry.last(path) is not None
            findings = scan_model(self._scanner(), scanned, self._timeout(), resave)
        except ScanFailed as failure:
            return self.fail(path, failure, origin, policy)
        found = [f.to_dict() for f in findings]
        for item in found:
            item["path"] = path
        if not found:
            report = GateReport(path, policy, "clean", f"{path}: no secrets found", [], origin)
            self.registry.record(report)
            return report
        summary = _summary(found)
        if policy == "block":
            report = GateReport(
                path,
                policy,
                "blocked",
                f"Save blocked: {path} contains {summary}; move it to the secret store "
                "and use %secret, or remove it, then save again",
                found,
                origin,
            )
            self._log_findings(report, logging.WARNING)
            self.registry.record(report)
            self._refused(report)
            raise SaveRefused(422, report)
        if policy == "strip":
            try:
                stripped = strip_findings(scanned, findings)
            except Exception as exc:
                return self.fail(path, ScanFailed("crash", _bug(exc)), origin, policy)
            if legacy_text:  # back to the file's own bytes, not UTF-8
                encoded = str(stripped["content"]).encode("latin-1")
                model["content"] = base64.b64encode(encoded).decode("ascii")
            else:
                model["content"] = stripped["content"]
                if "format" in stripped:
                    model["format"] = stripped["format"]
            report = GateReport(
                path,
                policy,
                "stripped",
                f"{path} was saved with {summary} redacted; reload it to see what is on disk",
                found,
                origin,
            )
        else:
            report = GateReport(
                path,
                policy,
                "warned",
                f"{path} was saved but contains {summary}; move it to the secret store",
                found,
                origin,
            )
        self._log_findings(report, logging.WARNING)
        self.registry.record(report)
        return report

    # -- helpers -----------------------------------------------------------

    def _timeout(self) -> float:
        return self.policy.scan_timeout_seconds

    def _check_size(self, model: dict[str, Any]) -> None:
        limit = self.policy.max_scan_bytes
        if limit > 0 and scannable_size(model.get("content"), limit) > limit:
            raise ScanFailed("too_large", f"it holds more than {limit} bytes of text")

    def fail(
        self, path: str, failure: ScanFailed, origin: str, policy: str | None = None
    ) -> GateReport:
        """Apply fail_closed to a scan that could not be done: raise SaveRefused or report."""
        policy = policy or self.policy.for_path(path)
        if self.policy.fail_closed:
            report = GateReport(
                path,
                policy,
                "refused",
                f"Save refused: {path} could not be checked for secrets ({failure.reason}); "
                "fix the content or ask an admin to raise the scan limits",
                [],
                origin,
            )
            self.log.error("jupyter-secrets: %s", report.message)
            self.registry.record(report)
            self._refused(report)
            raise SaveRefused(_FAILURE_STATUS.get(failure.kind, 500), report)
        report = GateReport(
            path,
            policy,
            "unscanned",
            f"{path} was saved WITHOUT a secrets check ({failure.reason}; fail_closed is off)",
            [],
            origin,
        )
        self.log.warning("jupyter-secrets: %s", report.message)
        self.registry.record(report)
        return report

    def _refused(self, report: GateReport) -> None:
        if self._on_refused is not None:
            try:
                self._on_refused(report)
            except Exception:  # auditing must never turn a refusal into a save
                self.log.exception("jupyter-secrets: could not audit a refused save")

    def _log_findings(self, report: GateReport, level: int) -> None:
        # Types and places only: never a preview, never a value.
        places = ", ".join(f"{f['type']} at {_place(f)}" for f in report.findings[:20]) + (
            " ..." if len(report.findings) > 20 else ""
        )
        self.log.log(level, "jupyter-secrets: %s %s: %s", report.action, report.path, places)


def scannable_size(content: Any, limit: int) -> int:
    """Characters of text the scanner would read (base64 as sent; image outputs skipped).

    Stops counting once past ``limit``: the answer only has to say "too big".
    """
    if isinstance(content, str):
        return len(content)
    total = 0
    stack: list[Any] = [content]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if not (isinstance(key, str) and key.startswith(("image/", "video/", "audio/"))):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return total


def _for_scanner(model: dict[str, Any], path: str) -> tuple[dict[str, Any], bool]:
    """The model as the scanner should see it, and whether it is non-UTF-8 text.

    The scanner skips base64 content that is not UTF-8 as binary; a gated text
    file in Latin-1 or cp1252 would then go through unscanned. Without NUL
    bytes it is text: it is scanned decoded as Latin-1 (every byte maps).
    """
    scanned = dict(model)
    scanned["path"] = path
    if scanned.get("type") == "notebook" and scanned.get("format") is None:
        scanned["format"] = "json"
    if scanned.get("format") == "base64" and isinstance(scanned.get("content"), str):
        try:
            raw = base64.b64decode(scanned["content"], validate=False)
        except (binascii.Error, ValueError):
            return scanned, False  # the scanner reports it as bad input
        if b"\x00" not in raw[:8192]:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                scanned.update(format="text", content=raw.decode("latin-1"))
                return scanned, True
    return scanned, False


def _summary(findings: list[dict[str, Any]]) -> str:
    types = sorted({str(f.get("type")) for f in findings})
    count = len(findings)
    noun = "a secret" if count == 1 else f"{count} secrets"
    return f"{noun} ({', '.join(types[:5])})"


def _place(finding: dict[str, Any]) -> str:
    if finding.get("cell_index") is not None:
        where = f"cell {finding['cell_index']} {finding.get('location')}"
        if finding.get("output_index") is not None:
            where += f" {finding['output_index']}"
        return f"{where} line {finding.get('line')}"
    return f"line {finding.get('line')}"


def _bug(exc: BaseException) -> str:
    return f"internal error {type(exc).__name__}"
