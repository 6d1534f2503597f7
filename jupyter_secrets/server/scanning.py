"""The gate's use of the scanner: scan within the time limit, strip, models from disk bytes.

Scans run in a short-lived daemon thread so the synchronous pre-save hook can
stop waiting after ``scan_timeout_seconds``; a scan that overruns is left to
finish on its own and its result is ignored (the save was already decided).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

import nbformat

from ..scanner import Finding, ScanError, Scanner
from ..scanner.content import top_level_pieces
from ..scanner.jsontext import loads_checked
from ..scanner.strip import strip_model
from .vocabulary import FailureKind


class ScanFailed(Exception):
    """The content could not be scanned. ``kind`` picks the HTTP status; ``reason`` is value-free."""

    def __init__(self, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason


def scan_model(
    scanner: Scanner, model: dict[str, Any], timeout: float, resave: bool = False
) -> list[Finding]:
    """Findings in a contents model, or ScanFailed. Never raises anything else.

    ``resave``: this path was scanned before (an autosave), so most cells are
    likely unchanged: scan cell by cell through the scanner's cache. A first
    save scans the notebook as one document, which is faster cold.
    """
    content = model.get("content")
    cells = content.get("cells") if isinstance(content, dict) else None
    if (
        resave
        and model.get("type") == "notebook"
        and isinstance(content, dict)
        and isinstance(cells, list)
        and all(isinstance(cell, dict) for cell in cells)
    ):
        notebook: dict[str, Any] = content
        return run_limited(
            lambda: _scan_cells(scanner, notebook, str(model.get("path", ""))), timeout
        )
    return run_limited(lambda: scanner.scan_model(model), timeout)


def _scan_cells(scanner: Scanner, notebook: dict[str, Any], path: str) -> list[Finding]:
    # Cell by cell through the scanner's content-hash cache: an autosave
    # rescans only the cells that changed since the last save; everything
    # outside the cells (notebook metadata, unknown keys) is scanned every time,
    # and so are the echoes of what any part holds in the other parts.
    findings = [
        finding
        for index, cell in enumerate(notebook["cells"])
        for finding in scanner.scan_cell(cell, index, path)
    ]
    findings += scanner.scan_pieces(top_level_pieces(notebook), path)
    return findings + scanner.scan_echoes(notebook, findings, path)


def run_limited(work: Callable[[], list[Finding]], timeout: float) -> list[Finding]:
    result: list[list[Finding]] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # reported to the waiting thread below
            error.append(exc)

    if timeout <= 0:
        target()
    else:
        worker = threading.Thread(target=target, name="jupyter-secrets-scan", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise ScanFailed("timeout", f"scanning took longer than {timeout:g} s")
    if error:
        exc = error[0]
        if isinstance(exc, ScanError):
            # ScanError messages name the file and the problem, never content.
            raise ScanFailed(exc.kind, str(exc))
        if isinstance(exc, MemoryError):
            raise ScanFailed("too_large", "the content is too large to scan in memory")
        # Other exceptions may quote the content they choked on: name the type only.
        raise ScanFailed("crash", f"the scanner failed ({type(exc).__name__})")
    return result[0]


def strip_findings(
    model: dict[str, Any], findings: list[Finding], scanner: Scanner | None = None
) -> dict[str, Any]:
    """A copy of ``model`` with every finding redacted, or ScanFailed when a value is left.

    A rescan cannot prove an echo gone (the context that found the value is redacted with
    it), so every value found is looked for again in the result. ``scanner``: the gate's,
    for its baseline (an accepted occurrence may stay).
    """
    stripped: dict[str, Any] = strip_model(model, findings)
    baseline = scanner.baseline if scanner is not None else None
    if Scanner(detectors=(), baseline=baseline, track=findings).scan_model(stripped):
        raise ScanFailed("input", "not every secret could be redacted; remove them by hand")
    return stripped


def model_from_bytes(path: str, data: bytes) -> dict[str, Any]:
    """A contents model for file bytes already on disk, as the scanner expects it."""
    if path.lower().endswith(".ipynb"):
        try:
            notebook = loads_checked(data)
        except ValueError:  # not JSON, or a duplicate key: scanned as raw text instead
            notebook = None
        if isinstance(notebook, dict):
            return {"type": "notebook", "format": "json", "content": notebook, "path": path}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        encoded = base64.b64encode(data).decode("ascii")
        return {"type": "file", "format": "base64", "content": encoded, "path": path}
    return {"type": "file", "format": "text", "content": text, "path": path}


def model_to_bytes(model: dict[str, Any]) -> bytes:
    """The bytes to write for a (stripped) model, in the format jupyter_server writes."""
    content = model.get("content")
    if model.get("type") == "notebook":
        text: str = nbformat.writes(nbformat.from_dict(content))  # type: ignore[no-untyped-call]
        return text.encode("utf-8")
    if model.get("format") == "base64":
        return base64.b64decode(str(content))
    return str(content).encode("utf-8")
