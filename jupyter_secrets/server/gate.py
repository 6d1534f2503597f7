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
unchanged. Each outcome is recorded as a :class:`GateReport` (see gate_report.py).

Each finding gets the policy of its confidence (see policy.py): the path's for
verified and likely ones, the possible policy (``warn`` by default, never
stricter than the path's) for possible ones; the strictest of them decides the
save, and a strip redacts the findings whose policy is ``strip``.
"""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Callable
from typing import Any

import nbformat
import orjson
from tornado.web import HTTPError

from ..scanner import Finding
from .gate_report import GatedFinding, GateReport, ReportRegistry
from .policy import GatePolicy, least_strict, policy_for_finding, strictest
from .scanning import ScanFailed, scan_model, strip_findings
from .vocabulary import FAILURE_STATUS, Action, Origin, Policy


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

    def hook(self, model: dict[str, Any], path: str, **kwargs: Any) -> None:
        """The pre-save hook: ``hook(model=..., path=..., contents_manager=...)``."""
        try:
            self.check(model, path, contents_manager=kwargs.get("contents_manager"))
        except HTTPError:
            raise
        except Exception as exc:  # a bug in the gate itself: decide explicitly
            self.fail(normalize(path), ScanFailed("crash", _bug(exc)), "save")

    def applies(self, path: str, contents_manager: Any = None) -> bool:
        return self.policy_for(path, contents_manager) != "off"

    def policy_for(self, path: str, contents_manager: Any = None) -> Policy:
        """The strictest policy of every name ``path`` is known by: as sent, normalised
        (``scratch/../proj``), and where it really lands on disk (through symlinks).
        "off" when none of them is a scanned file type."""
        policies = [
            self.policy.for_path(name)
            for name in names_of(path, contents_manager)
            if self.policy.is_scanned(name)
        ]
        return strictest(policies) if policies else "off"

    def possible_policy_for(self, path: str, contents_manager: Any = None) -> Policy:
        """The policy for possible findings at ``path``: the strictest of its names' (as for
        :meth:`policy_for`), never stricter than the path's own policy."""
        names = [n for n in names_of(path, contents_manager) if self.policy.is_scanned(n)]
        possible = strictest(self.policy.possible_for_path(name) for name in names)
        return least_strict((possible, self.policy_for(path, contents_manager)))

    def check(
        self,
        model: dict[str, Any],
        path: str,
        origin: Origin = "save",
        contents_manager: Any = None,
    ) -> GateReport | None:
        """Scan ``model`` as it would be written to ``path``; mutate it under ``strip``.

        Scan, decide, apply. Returns the report (None when the path is not gated);
        raises SaveRefused.
        """
        policy = self.policy_for(path, contents_manager)
        possible = self.possible_policy_for(path, contents_manager)
        path = normalize(path)
        if policy == "off" or not _gated_model(model):
            return None
        try:
            self._check_size(model)
            scanned = _for_scanner(model, path)
            resave = self.registry.last(path) is not None
            findings = scan_model(self._scanner(), scanned, self._timeout(), resave)
        except ScanFailed as failure:
            return self.fail(path, failure, origin, policy)
        problem = notebook_problem(model)
        gated = _gated(findings, policy, possible)
        if not gated:
            if problem is not None:
                self._refuse_unwritable(path, policy, problem, origin)
            return self._record(_report(path, policy, "clean", f"{path}: no secrets found", origin))
        decision = strictest(g.policy for g in gated)
        if decision != "block" and (problem is not None or not _valid_notebook(model)):
            # jupyter_server answers (and logs) the invalid part of a notebook as it is, and
            # fails on a shape it cannot write: a warned or stripped save would repeat the
            # secret in its response and log. Refuse it with the findings instead.
            decision = "block"
            gated = [GatedFinding(g.finding, "block") for g in gated]
        return self._apply(decision, model, scanned, gated, path, (policy, possible), origin)

    def _apply(
        self,
        decision: Policy,
        model: dict[str, Any],
        scanned: dict[str, Any],
        gated: list[GatedFinding],
        path: str,
        policies: tuple[Policy, Policy],
        origin: Origin,
    ) -> GateReport:
        """Carry out ``decision`` (block, strip or warn) on a save with findings."""
        policy = policies[0]
        summary = _summary([g for g in gated if g.policy == decision])
        others = _others(gated, decision)
        if decision == "block":
            message = (
                f"Save blocked: {path} contains {summary}; move it to the secret store "
                f"and use %secret, or remove it, then save again{others}"
            )
            report = _report(path, policy, "blocked", message, origin, gated)
            self._log_findings(report, logging.WARNING)
            self._record(report)
            self._refused(report)
            raise SaveRefused(422, report)
        if decision == "strip":
            stripped = [g.finding for g in gated if g.policy == "strip"]
            unstripped = self._strip(model, scanned, stripped, *policies)
            if unstripped is not None:
                return self.fail(path, unstripped, origin, policy)
            message = (
                f"{path} was saved with {summary} redacted; reload it to see what is on "
                f"disk{others}"
            )
            report = _report(path, policy, "stripped", message, origin, gated)
        else:
            message = f"{path} was saved but contains {summary}; move it to the secret store"
            report = _report(path, policy, "warned", message, origin, gated)
        self._log_findings(report, logging.WARNING)
        return self._record(report)

    def _strip(
        self,
        model: dict[str, Any],
        scanned: dict[str, Any],
        findings: list[Finding],
        policy: Policy,
        possible: Policy,
    ) -> ScanFailed | None:
        """Redact ``findings`` in ``model`` in place, then prove it twice: every value found
        must be gone from what will be written (strip_findings tracks them, echoes
        included), and a full rescan must find nothing the policy strips or blocks (a
        secret only a decoding showed); warned findings may stay."""
        try:
            stripped = strip_findings(scanned, findings, self._scanner())
            left = scan_model(self._scanner(), stripped, self._timeout())
        except ScanFailed as failure:
            return failure
        except Exception as exc:
            return ScanFailed("crash", _bug(exc))
        if any(
            policy_for_finding(f.confidence, policy, possible) in ("block", "strip") for f in left
        ):
            return ScanFailed("input", "not every secret could be redacted; remove them by hand")
        model["content"] = stripped["content"]
        if "format" in stripped:
            model["format"] = stripped["format"]
        return None

    def _refuse_unwritable(self, path: str, policy: Policy, problem: str, origin: Origin) -> None:
        message = (
            f"Save refused: {path} is not a notebook Jupyter can save ({problem}); "
            "nothing was written"
        )
        report = _report(path, policy, "refused", message, origin)
        self.log.warning("jupyter-secrets: %s", report.message)
        self._record(report)
        raise SaveRefused(400, report)

    def _record(self, report: GateReport) -> GateReport:
        self.registry.record(report)
        return report

    # -- helpers -----------------------------------------------------------

    def _timeout(self) -> float:
        return self.policy.scan_timeout_seconds

    def _check_size(self, model: dict[str, Any]) -> None:
        limit = self.policy.max_scan_bytes
        if limit <= 0:
            return
        content = model.get("content")
        try:  # an upper bound in C first: the walk below only runs for big saves
            if len(orjson.dumps(content)) <= limit:
                return
        except TypeError:  # not JSON-serialisable by orjson (e.g. a huge int): walk it
            pass
        if scannable_size(content, limit) > limit:
            raise ScanFailed("too_large", f"it holds more than {limit} bytes of text")

    def fail(
        self,
        path: str,
        failure: ScanFailed,
        origin: Origin,
        policy: Policy | None = None,
        force_closed: bool = False,
    ) -> GateReport:
        """Apply fail_closed to a scan that could not be done: raise SaveRefused or report.

        ``force_closed``: refuse even when fail_closed is off (a folder too big to
        check: moving it unchecked would put unscanned files where saves are gated).
        """
        policy = policy or self.policy.for_path(path)
        if self.policy.fail_closed or force_closed:
            message = (
                f"Save refused: {path} could not be checked for secrets ({failure.reason}); "
                "fix the content or ask an admin to raise the scan limits"
            )
            report = _report(path, policy, "refused", message, origin)
            self.log.error("jupyter-secrets: %s", report.message)
            self.registry.record(report)
            self._refused(report)
            raise SaveRefused(FAILURE_STATUS[failure.kind], report)
        message = f"{path} was saved WITHOUT a secrets check ({failure.reason}; fail_closed is off)"
        report = _report(path, policy, "unscanned", message, origin)
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
        places = ", ".join(
            f"{g.finding.type} ({g.finding.confidence}) at {g.finding.place}"
            for g in report.findings[:20]
        ) + (" ..." if len(report.findings) > 20 else "")
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


def normalize(path: str) -> str:
    """An API path as the contents manager will resolve it: ``a/./b/../c`` is ``a/c``."""
    clean = posixpath.normpath("/" + str(path).replace("\\", "/")).lstrip("/")
    return "" if clean == "." else clean


def names_of(path: str, contents_manager: Any = None) -> list[str]:
    """Every name a save to ``path`` is known by: as sent, normalised, and as it lands on
    disk (a symlinked folder, a case-folding file system) relative to the root."""
    names = [str(path).strip("/"), normalize(path)]
    landing = _landing(names[1], contents_manager)
    if landing is not None:
        names.append(landing)
    return list(dict.fromkeys(names))


def _landing(path: str, contents_manager: Any) -> str | None:
    get_os_path = getattr(contents_manager, "_get_os_path", None)
    root = getattr(contents_manager, "root_dir", None)
    if not callable(get_os_path) or not isinstance(root, str):
        return None
    try:
        real = os.path.realpath(str(get_os_path(path)))
        real_root = os.path.realpath(root)
    except Exception:  # e.g. a path outside the root: the manager refuses it itself
        return None
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(real, real_root).replace(os.sep, "/")


def _for_scanner(model: dict[str, Any], path: str) -> dict[str, Any]:
    """The model as the scanner should see it: the normalised path, notebooks as JSON."""
    scanned = dict(model)
    scanned["path"] = path
    if scanned.get("type") == "notebook" and scanned.get("format") is None:
        scanned["format"] = "json"
    return scanned


def notebook_problem(model: dict[str, Any]) -> str | None:
    """Why jupyter_server could not write this notebook model at all, or None.

    It would fail with a 500 whose message and log quote the exception, and
    the exception may quote the content; the gate answers a clear 400 first.
    """
    if model.get("type") != "notebook":
        return None
    nb = model.get("content")
    if not isinstance(nb, dict):
        return "its content is not a JSON object"
    if "worksheets" in nb or nb.get("nbformat") in (1, 2, 3):
        return "it is an nbformat 3 or older notebook; open it in Jupyter to convert it"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return "'cells' is not a list of cell objects"
    if not isinstance(nb.get("metadata"), dict):
        return "it has no 'metadata' object"
    if not isinstance(nb.get("nbformat"), int) or not isinstance(nb.get("nbformat_minor"), int):
        return "'nbformat' and 'nbformat_minor' must be integers"
    return None


def _valid_notebook(model: dict[str, Any]) -> bool:
    """False for a notebook model that nbformat would call invalid (files: always True)."""
    if model.get("type") != "notebook":
        return True
    try:
        nbformat.validate(nbformat.from_dict(model.get("content")))  # type: ignore[no-untyped-call]
    except Exception:
        return False
    return True


def _gated_model(model: Any) -> bool:
    """A model the gate judges: a file or notebook with content (not a folder)."""
    return isinstance(model, dict) and model.get("type") != "directory" and "content" in model


def _gated(findings: list[Finding], policy: Policy, possible: Policy) -> list[GatedFinding]:
    """Each finding with its confidence's policy; "off" ones are not reported at all."""
    gated = [GatedFinding(f, policy_for_finding(f.confidence, policy, possible)) for f in findings]
    return [g for g in gated if g.policy != "off"]


def _report(
    path: str,
    policy: Policy,
    action: Action,
    message: str,
    origin: Origin,
    findings: list[GatedFinding] | None = None,
) -> GateReport:
    """The one way the gate words a report."""
    return GateReport(path, policy, action, message, list(findings or ()), origin)


def _summary(findings: list[GatedFinding]) -> str:
    types = sorted({g.finding.type for g in findings})
    count = len(findings)
    noun = "a secret" if count == 1 else f"{count} secrets"
    return f"{noun} ({', '.join(types[:5])})"


def _others(found: list[GatedFinding], decision: Policy) -> str:
    """``; 1 more (possible) only warned`` for findings a weaker policy lets through."""
    rest = [g for g in found if g.policy == "warn"]
    if decision == "warn" or not rest:
        return ""
    levels = ", ".join(sorted({g.finding.confidence for g in rest}))
    count = "1 more" if len(rest) == 1 else f"{len(rest)} more"
    return f"; {count} ({levels}) only warned"


def _bug(exc: BaseException) -> str:
    return f"internal error {type(exc).__name__}"
