"""Render findings as text, JSON (``{"findings": [...]}``) or SARIF 2.1.0."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from .errors import FileError
from .finding import LOCATION_METADATA, Finding
from .rawpos import RawNotebook

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/jupyter-secrets/jupyter-secrets"


def to_json(findings: Sequence[Finding], errors: Sequence[FileError] = ()) -> str:
    """``{"findings": [...], "errors": [{"path", "message"}]}``: files that could not
    be scanned are part of the report, not only of stderr."""
    return orjson.dumps(
        {"findings": [f.to_dict() for f in findings], "errors": [e.to_dict() for e in errors]}
    ).decode()


def to_text(findings: Sequence[Finding]) -> str:
    return "".join(text_line(f) + "\n" for f in findings)


def text_line(f: Finding) -> str:
    if f.cell_index is None and f.location != LOCATION_METADATA:
        # path:line:column, the form editors and terminals link to.
        return f"{f.path}:{f.line}:{f.column}: {f.type} ({f.confidence}) {f.preview}"
    cell_id = f" [cell id {f.cell_id}]" if f.cell_id else ""
    return f"{f.path}: {f.place}{cell_id}: {f.type} ({f.confidence}) {f.preview}"


#: SARIF result level per confidence: a code-scanning UI shows possible ones as warnings.
SARIF_LEVELS = {"verified": "error", "likely": "error", "possible": "warning"}


def sarif_level(finding: Finding) -> str:
    return SARIF_LEVELS.get(finding.confidence, "error")


def rule_id(finding_type: str) -> str:
    return "".join(
        w.capitalize() for w in finding_type.replace("-", " ").split() if w.isalnum() or w
    )


def to_sarif(
    findings: Sequence[Finding],
    version: str = "0",
    sources: Mapping[str, str] | None = None,
    *,
    positions: Mapping[int, tuple[int, int]] | None = None,
    errors: Sequence[FileError] = (),
) -> str:
    """SARIF 2.1.0. Notebook findings point at the raw JSON line and column of the
    secret: ``positions[id(finding)]`` when given (a parallel scan computes them while
    the value is at hand), else read from ``sources[path]`` or the file at ``path``.
    ``errors`` become the run's ``toolExecutionNotifications``."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    located = dict(positions) if positions is not None else raw_positions(findings, sources or {})
    for f in findings:
        rid = rule_id(f.type)
        rules.setdefault(
            rid,
            {
                "id": rid,
                "name": rid,
                "shortDescription": {"text": f"{f.type} committed in plain text"},
                "fullDescription": {
                    "text": f"A {f.type} is stored in the file. Move it to a secret store and "
                    "fetch it at run time (e.g. %secret scope/name), then rotate it."
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret"], "security-severity": "8.0"},
            },
        )
        results.append(
            {
                "ruleId": rid,
                "ruleIndex": list(rules).index(rid),
                "level": sarif_level(f),
                "message": {"text": f"{f.type} at {f.place}: {f.preview}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": sarif_uri(f.path),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": _region(f, located),
                        }
                    }
                ],
                "partialFingerprints": {"jupyterSecrets/v1": _stable_fingerprint(f)},
                "properties": {"confidence": f.confidence},
            }
        )
    return sarif_document(
        "jupyter-secrets", version, list(rules.values()), results, _invocation(errors)
    )


def sarif_document(
    tool: str,
    version: str,
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    invocation: dict[str, Any],
    properties: dict[str, Any] | None = None,
) -> str:
    """One SARIF 2.1.0 run of ``tool`` (the scanner's, the inventory check's) as JSON text."""
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool,
                "informationUri": TOOL_URI,
                "semanticVersion": version,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
    }
    if properties is not None:
        run["properties"] = properties
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def _invocation(errors: Sequence[FileError]) -> dict[str, Any]:
    """A file that could not be scanned is an error notification, and the run did not
    succeed: a CI reader must not take a partial scan for a clean one."""
    return {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": e.message},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": sarif_uri(e.path)}}}
                ],
            }
            for e in errors
        ],
    }


def _region(f: Finding, located: dict[int, tuple[int, int]]) -> dict[str, int]:
    if f.cell_index is None:
        return {"startLine": f.line, "startColumn": f.column}
    # Cell-relative positions mean nothing to a code-scanning UI: use the raw JSON
    # position; line 1 only when the file could not be read again.
    line, column = located.get(id(f), (1, 1))
    return {"startLine": line, "startColumn": column}


def raw_positions(
    findings: Sequence[Finding], sources: Mapping[str, str]
) -> dict[int, tuple[int, int]]:
    """id(finding) -> (raw line, raw column) for notebook findings."""
    positions: dict[int, tuple[int, int]] = {}
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.cell_index is not None:
            by_path.setdefault(f.path, []).append(f)
    for path, group in by_path.items():
        text = sources.get(path)
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        raw = RawNotebook(text)
        for f in group:
            found = raw.position(f)
            if found is not None:
                positions[id(f)] = found
    return positions


def sarif_uri(path: str) -> str:
    """A path as a SARIF artifact URI relative to the source root."""
    posix = path.replace(os.sep, "/")
    return posix[2:] if posix.startswith("./") else posix.lstrip("/")


def _stable_fingerprint(f: Finding) -> str:
    # Stable across runs (hashed_secret is not, without a baseline key).
    anchor = f"{f.path}|{f.cell_id or f.cell_index}|{f.location}|{f.output_index}|{f.type}|{f.line}"
    return hashlib.sha256(anchor.encode()).hexdigest()[:32]
