"""One wording of a finding's place, for the CLI, SARIF, the logs and the UI.

``tests/golden/places.json`` holds the fields and the words; the frontend's
``describePlace`` is held to the same file by its Jest test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.finding import describe_place
from jupyter_secrets.scanner.formats import text_line, to_sarif

from .fakes import Fakes
from .nbutil import code, notebook, stream

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "places.json").read_text())
F = Fakes(seed=77)


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: c["words"])
def test_the_words_of_each_place(case: dict[str, Any]) -> None:
    assert describe_place(**case["fields"]) == case["words"]


def test_every_report_words_a_place_the_same_way() -> None:
    key = F.aws()
    nb = notebook(code("x = 1"), code(f'key_id = "{key}"', [stream(f"{key}\n")]))
    findings = Scanner(hash_key=b"k").scan_notebook(nb, "nb.ipynb")
    assert {f.place for f in findings} == {
        "cell 2 (source, line 1, column 11)",
        "cell 2 (output 1, line 1, column 1)",
    }
    sarif = json.loads(to_sarif(findings))["runs"][0]["results"]
    for finding, result in zip(findings, sarif, strict=True):
        assert f"at {finding.place}:" in result["message"]["text"]
        assert f": {finding.place}" in text_line(finding)
        assert finding.to_dict()["cell_index"] == 1, "fields count from 0"
