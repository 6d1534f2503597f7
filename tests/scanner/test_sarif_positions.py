"""SARIF results for notebooks point at the raw JSON line and column of the secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.formats import to_sarif
from tests.support import notebooks as nbf

from .fakes import Fakes
from .nbutil import code, display, error, markdown, notebook, result, stream

F = Fakes(seed=77)


def _nb() -> tuple[dict[str, Any], int]:
    pw = F.password()
    tricky = '# "quoted" \\ back\tslash é 😀 '  # escapes before the secret shift raw columns
    nb = notebook(
        markdown("# Title\nSome text\n"),
        code(f"import os\n{tricky}\ntoken = '{F.github()}'\n"),
        code(
            "run()",
            [
                stream(f"step 1\n{tricky}AWS key {F.aws()} used\n"),
                display({"text/html": f"<p>x</p>\n<pre>password={pw}</pre>\n", "text/plain": "x"}),
                error("AuthError", f"bad key {F.openai()}", ["\x1b[31mTraceback\x1b[0m", f"  k = '{F.anthropic()}'"]),
                result({"application/json": {"conf": {"password": F.password()}}}),
            ],
        ),
    )  # fmt: skip
    nb["cells"][1]["source"] = "".join(nb["cells"][1]["source"])  # a single string, not lines
    return nb, 6


@pytest.mark.parametrize("style", ["nbformat", "compact", "ascii"])
def test_sarif_regions_land_on_the_secret_in_the_raw_json(tmp_path: Path, style: str) -> None:
    nb, expected = _nb()
    if style == "nbformat":
        raw = nbf.writes(nbf.from_dict(nb))
    elif style == "compact":
        raw = orjson.dumps(nb).decode()
    else:
        raw = json.dumps(nb, indent=2, ensure_ascii=True)
    path = tmp_path / "nb.ipynb"
    path.write_text(raw, encoding="utf-8")
    findings = Scanner(hash_key=b"k").scan_file(path)
    assert len(findings) == expected, [f.type for f in findings]
    sarif = json.loads(to_sarif(findings))
    assert sarif["runs"][0]["columnKind"] == "unicodeCodePoints"
    lines = raw.split("\n")
    for finding, res in zip(findings, sarif["runs"][0]["results"], strict=True):
        region = res["locations"][0]["physicalLocation"]["region"]
        assert finding.span is not None
        escaped = json.dumps(finding.span.value, ensure_ascii=style == "ascii")[1:-1][:12]
        at = lines[region["startLine"] - 1][region["startColumn"] - 1 :]
        on_secret = at.startswith(escaped)  # a bool: a failure must not print the value
        assert on_secret, (
            f"{style}: {finding.type} in cell {finding.cell_index} {finding.location} "
            f"mapped to {region}, not onto the secret"
        )
        assert f"at {finding.place}" in res["message"]["text"], "the message lost the cell place"


def test_sarif_sources_are_used_without_reading_disk() -> None:
    nb, _ = _nb()
    raw = nbf.writes(nbf.from_dict(nb))
    findings = Scanner(hash_key=b"k").scan_notebook(raw, "not/on/disk.ipynb")
    regions = [
        r["locations"][0]["physicalLocation"]["region"]
        for r in json.loads(to_sarif(findings, sources={"not/on/disk.ipynb": raw}))["runs"][0][
            "results"
        ]
    ]
    assert all(r["startLine"] > 1 for r in regions)
    # Unreadable: still valid SARIF, at line 1.
    fallback = json.loads(to_sarif(findings))["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in fallback} == {1}


def test_plain_file_regions_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "a.env"
    path.write_text(f"X=1\nGITHUB_TOKEN={F.github()}\n", encoding="utf-8")
    findings = Scanner(hash_key=b"k").scan_file(path)
    region = json.loads(to_sarif(findings))["runs"][0]["results"][0]["locations"][0]
    assert region["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 14}
