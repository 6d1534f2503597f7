"""An inventory check as text (``path:line: message``), JSON or SARIF 2.1.0.

JSON: ``{"problems": [{"path", "line", "kind", "ref", "message"}], "checked": {...}}``.
SARIF follows the scanner's (:mod:`jupyter_secrets.scanner.formats`): one rule per
kind, results at the file and line, stable fingerprints for code-scanning UIs.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from ..scanner.formats import sarif_document, sarif_uri
from .check import KINDS, CheckReport, Problem

#: Problems of the inventory's own entries are warnings; a secret used but not listed,
#: or overdue, is an error.
SARIF_LEVELS = {
    "unlisted-ref": "error",
    "rotation-overdue": "error",
    "not-in-store": "warning",
    "store-unavailable": "warning",
}


def to_text(report: CheckReport) -> str:
    return "".join(problem.text() + "\n" for problem in report.problems)


def summary(report: CheckReport) -> str:
    """One line for stderr: what was checked and how many problems."""
    checked = report.checked
    store = (
        "stores not checked"
        if checked.get("store_secrets") is None
        else f"{count(checked['store_secrets'], 'secret')} in the stores"
    )
    problems = len(report.problems)
    return (
        f"inventory {report.inventory}: {count(checked.get('entries', 0), 'entry')}, "
        f"{count(checked.get('refs_used', 0), 'ref')} used in "
        f"{count(checked.get('files', 0), 'file')}, {store}: "
        + (count(problems, "problem") if problems else "no problems")
    )


def count(number: int, noun: str) -> str:
    """``1 entry``, ``2 entries``, ``0 files``."""
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {noun[:-1]}ies" if noun.endswith("y") else f"{number} {noun}s"


def to_json(report: CheckReport) -> str:
    return orjson.dumps(
        {
            "inventory": report.inventory,
            "problems": [problem.to_dict() for problem in report.problems],
            "checked": report.checked,
        },
        option=orjson.OPT_INDENT_2,
    ).decode()


def rule_id(kind: str) -> str:
    return "Inventory" + "".join(word.capitalize() for word in kind.split("-"))


def to_sarif(report: CheckReport, version: str = "0") -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for problem in report.problems:
        rid = rule_id(problem.kind)
        rules.setdefault(
            rid,
            {
                "id": rid,
                "name": rid,
                "shortDescription": {"text": KINDS.get(problem.kind, problem.kind)},
                "defaultConfiguration": {"level": SARIF_LEVELS.get(problem.kind, "warning")},
                "properties": {"tags": ["security", "secrets-inventory"]},
            },
        )
        region = {"region": {"startLine": problem.line}} if problem.line else {}
        results.append(
            {
                "ruleId": rid,
                "ruleIndex": list(rules).index(rid),
                "level": SARIF_LEVELS.get(problem.kind, "warning"),
                "message": {"text": problem.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": sarif_uri(problem.path),
                                "uriBaseId": "%SRCROOT%",
                            },
                            **region,
                        }
                    }
                ],
                "partialFingerprints": {"jupyterSecretsInventory/v1": _fingerprint(problem)},
                "properties": {"kind": problem.kind, "ref": problem.ref},
            }
        )
    return sarif_document(
        "jupyter-secrets-inventory",
        version,
        list(rules.values()),
        results,
        {"executionSuccessful": True},
        {"checked": report.checked},
    )


def _fingerprint(problem: Problem) -> str:
    anchor = f"{problem.path}|{problem.kind}|{problem.ref}|{problem.line}"
    return hashlib.sha256(anchor.encode()).hexdigest()[:32]
