"""Render findings as text, JSON (``{"findings": [...]}``) or SARIF 2.1.0."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Any

import orjson

from .finding import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/jupyter-secrets/jupyter-secrets"


def to_json(findings: Sequence[Finding]) -> str:
    return orjson.dumps({"findings": [f.to_dict() for f in findings]}).decode()


def to_text(findings: Sequence[Finding]) -> str:
    return "".join(text_line(f) + "\n" for f in findings)


def text_line(f: Finding) -> str:
    if f.cell_index is None:
        return f"{f.path}:{f.line}:{f.column}: {f.type} {f.preview}"
    where = f"cell {f.cell_index}" + (f" (id {f.cell_id})" if f.cell_id else "")
    if f.location == "output":
        where += f" output {f.output_index}"
    else:
        where += " source"
    return f"{f.path}: {where} line {f.line} col {f.column}: {f.type} {f.preview}"


def rule_id(finding_type: str) -> str:
    return "".join(
        w.capitalize() for w in finding_type.replace("-", " ").split() if w.isalnum() or w
    )


def to_sarif(findings: Sequence[Finding], version: str = "0") -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
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
        where = (
            ""
            if f.cell_index is None
            else f" in cell {f.cell_index} {f.location}"
            + (f" {f.output_index}" if f.output_index is not None else "")
        )
        results.append(
            {
                "ruleId": rid,
                "ruleIndex": list(rules).index(rid),
                "level": "error",
                "message": {
                    "text": f"{f.type}{where} (line {f.line}, column {f.column}): {f.preview}"
                },
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                            # Notebook positions are cell-relative; the file line is unknown.
                            "region": {
                                "startLine": f.line if f.cell_index is None else 1,
                                "startColumn": f.column if f.cell_index is None else 1,
                            },
                        }
                    }
                ],
                "partialFingerprints": {"jupyterSecrets/v1": _stable_fingerprint(f)},
            }
        )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jupyter-secrets",
                        "informationUri": TOOL_URI,
                        "semanticVersion": version,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def _uri(path: str) -> str:
    posix = path.replace(os.sep, "/")
    return posix[2:] if posix.startswith("./") else posix.lstrip("/")


def _stable_fingerprint(f: Finding) -> str:
    # Stable across runs (hashed_secret is not, without a baseline key).
    anchor = f"{f.path}|{f.cell_id or f.cell_index}|{f.location}|{f.output_index}|{f.type}|{f.line}"
    return hashlib.sha256(anchor.encode()).hexdigest()[:32]
