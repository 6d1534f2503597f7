"""The masked preview, held to ``tests/golden/masks.json``.

The frontend's ``mask`` (src/findingText.ts) is held to the same file by
Jest: a fix compares the preview of the text at a finding's range with the
server's preview before it touches a cell, so both must mask alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.scanner.finding import mask

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "masks.json").read_text())


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: str(len(c["value"])))
def test_mask_matches_the_golden_file(case: dict[str, Any]) -> None:
    assert mask(case["value"]) == case["preview"]
