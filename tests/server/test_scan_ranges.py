"""The scan API's ``range``: the value's offsets in its cell, in the browser's units.

A range that is off by one makes "move to secret store" replace the wrong
characters, so it is checked the way the browser uses it: slice the source
as UTF-16 code units, as JavaScript does, and find exactly the value.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.server.ranges import findings_json, source_range, utf16_offset
from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api


def js_slice(text: str, start: int, end: int) -> str:
    """``text.slice(start, end)`` as JavaScript computes it."""
    units = text.encode("utf-16-le", "surrogatepass")
    return units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")


# Text before the secret: ASCII, accents, CJK, emoji (two UTF-16 units each), newlines.
prefix_text = st.text(
    alphabet=st.sampled_from(["a", " ", "\n", "é", "中", "😀", "\U0001d518", "#", "'"]), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(before=prefix_text, seed=st.integers(0, 2**32))
def test_the_range_slices_exactly_the_value_in_utf16(before: str, seed: int) -> None:
    key = fake_aws_key(random.Random(seed))
    lead = "".join(f"# {line}\n" for line in before.splitlines())
    source = f'{lead}key = "{key}"\n'
    findings = Scanner().scan_cell(nbf.new_code_cell(source), 0)
    assert findings, "the fake key was not found"
    ranges = [source_range(f, source) for f in findings]
    assert all(r is not None for r in ranges)
    for found in ranges:
        assert found is not None
        if js_slice(source, found["start"], found["end"]) != key:
            raise AssertionError("the range does not cover the value (slice differs)")


def test_no_range_for_outputs_or_a_value_that_is_not_literally_there() -> None:
    key = fake_aws_key()
    cell = nbf.new_code_cell("print(k)")
    cell.outputs = [nbf.new_output("stream", name="stdout", text=f"{key}\n")]
    cell_findings = Scanner().scan_cell(cell, 0)
    assert cell_findings and cell_findings[0].location == "output"
    assert findings_json(cell_findings, {0: "print(k)"})[0]["range"] is None
    # A source that no longer holds the value at the span (edited since the scan): no range.
    source = f'k = "{key}"'
    [finding] = Scanner().scan_cell(nbf.new_code_cell(source), 0)
    assert source_range(finding, source) is not None
    assert source_range(finding, "x" + source) is None


def test_utf16_offset_counts_astral_characters_twice() -> None:
    assert utf16_offset("a😀b", 0) == 0
    assert utf16_offset("a😀b", 2) == 3
    assert utf16_offset("é中", 2) == 2


async def test_the_api_replies_with_ranges_for_cells_models_and_files(api: Api) -> None:
    key = fake_aws_key()
    source = f'note = "😀"\nkey = "{key}"'
    cell = nbf.new_code_cell(source)
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_markdown_cell("# t"), cell]
    replies: list[Any] = [
        await api("POST", "jupyter-secrets/scan", {"cell": dict(cell), "cell_index": 1}),
        await api("POST", "jupyter-secrets/scan", {"model": {"type": "notebook", "content": nb}}),
    ]
    for reply in replies:
        [finding] = reply.json()["findings"]
        assert finding["cell_index"] == 1
        found = finding["range"]
        assert js_slice(source, found["start"], found["end"]) == key or _fail("cell range")
    text = f"A=1\nKEY={key}\n"
    by_text = await api("POST", "jupyter-secrets/scan", {"text": text, "path": "x.env"})
    found = by_text.json()["findings"][0]["range"]
    assert js_slice(text, found["start"], found["end"]) == key or _fail("file range")


def _fail(place: str) -> bool:
    raise AssertionError(f"the {place} does not cover the value")
