"""Property and fuzz tests: arbitrary input never crashes or hangs the scanner."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.cli import main
from jupyter_secrets.scanner import Finding, ScanError, Scanner
from jupyter_secrets.scanner.strip import strip_notebook

from .fakes import Fakes
from .nbutil import code, notebook, stream

SCANNER = Scanner(hash_key=b"fuzz")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_F = Fakes(seed=99)
#: Planted among the random text, so that findings (and so strips) actually happen.
PLANTED = st.sampled_from(
    [f'password = "{_F.password()}"', f"token: {_F.github()}", _F.aws(), f"key={_F.openai()}"]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | PLANTED,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


def _scan_or_error(data: bytes | str | dict) -> None:  # type: ignore[type-arg]
    """A scan result whose findings say where they are and show no value, or a
    one-line error naming the file."""
    try:
        findings = SCANNER.scan_notebook(data, "fuzz.ipynb")
    except ScanError as exc:
        assert "\n" not in str(exc) and "fuzz.ipynb" in str(exc)
        return
    for finding in findings:
        assert finding.path == "fuzz.ipynb" and finding.span is not None
        assert finding.line >= 1 and finding.column >= 1
        assert len(finding.span.value) < 9 or finding.span.value not in finding.preview


@FUZZ
@given(json_values)
def test_arbitrary_json_as_notebook(value: object) -> None:
    _scan_or_error(orjson.dumps(value))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_notebook_and_text(data: bytes) -> None:
    _scan_or_error(data)
    try:
        SCANNER.scan_text(data, "fuzz.txt")
    except ScanError as exc:
        assert "fuzz.txt" in str(exc)


#: nbformat's names, and any other value where a walk expects one (a list there once
#: raised TypeError out of the scan).
cell_types = st.sampled_from(["code", "markdown", "raw", "other"]) | json_values
output_types = st.sampled_from(["stream", "error", "display_data", "execute_result", "x"])
cell_like = st.fixed_dictionaries(
    {"cell_type": cell_types},
    optional={
        "source": st.one_of(
            st.text(max_size=60), st.lists(st.text(max_size=20), max_size=4), json_values
        ),
        "outputs": st.lists(
            st.fixed_dictionaries(
                {"output_type": output_types | json_values},
                optional={
                    "name": st.sampled_from(["stdout", "stderr"]) | json_values,
                    "text": json_values,
                    "data": st.dictionaries(
                        st.sampled_from(
                            ["text/plain", "application/json", "image/png", "text/html"]
                        ),
                        json_values,
                        max_size=3,
                    ),
                    "traceback": json_values,
                    "evalue": json_values,
                },
            ),
            max_size=3,
        ),
        "metadata": json_values,
        "id": json_values,
    },
)


@FUZZ
@given(st.lists(cell_like, max_size=4))
def test_invalid_nbformat_structures(cells: list[dict]) -> None:  # type: ignore[type-arg]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    try:
        findings = SCANNER.scan_notebook(orjson.dumps(nb))
    except ScanError:
        return
    # Strip takes any structure, and nothing it was given survives it anywhere: not in a
    # dict key, a nested list, another output or a cell of another index.
    stripped = strip_notebook(nb, findings)
    assert isinstance(stripped, dict) and len(stripped["cells"]) == len(cells)
    left = Scanner(detectors=(), track=findings, hash_key=b"fuzz").scan_notebook(stripped)
    assert not left, f"strip left {len(left)} of the values it was given: {_places(left)}"
    # A cell scanned alone (the gate's cache) finds nothing the whole notebook did not.
    found = {f.hashed_secret for f in findings}
    for index, cell in enumerate(cells):
        assert {f.hashed_secret for f in SCANNER.scan_cell(cell, index)} <= found


def _places(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.place, f.type) for f in findings]


@FUZZ
@given(st.integers(min_value=1, max_value=2000))
def test_truncated_notebooks(cut: int) -> None:
    nb = notebook(
        code("password = 'Tr0ub4dor&3'", [stream("hello\n" * 20)]), code("x = 1")
    )  # pragma: allowlist secret
    data = orjson.dumps(nb)
    # A truncated notebook is read as raw text: the password is found once it is whole
    # (a cut inside it may still be flagged: a partial password is a leak too).
    found = SCANNER.scan_notebook(data[:cut], "t.ipynb")
    end = data.index(b"Tr0ub4dor&3'") + len(b"Tr0ub4dor&3'")  # pragma: allowlist secret
    assert bool(found) or cut < end
    assert not found or cut > data.index(b"password")


@FUZZ
@given(
    st.text(
        alphabet=st.sampled_from(list("aA0=:/@;&?-_.'\"\n pasword{}[]$%kKeyTOKENsk-AIzaghp_")),
        max_size=300,
    )
)
def test_adversarial_text_near_patterns(text: str) -> None:
    for finding in SCANNER.scan_text(text, "x.py"):
        assert finding.span is not None
        assert text.splitlines()[finding.line - 1][finding.column - 1 :].startswith(
            finding.span.value.split("\n")[0]
        )


@pytest.mark.slow
@pytest.mark.timeout(900)  # a hang fails; speed is the benchmarks' business
def test_100mb_single_line_output_no_hang(tmp_path) -> None:  # type: ignore[no-untyped-def]
    chunk = (
        "Driver=x;PWD=Hunter2xyz; AIza sk-proj- " + "Qm9va3M" * 12 + "Qm9"
    )  # pragma: allowlist secret
    line = chunk * (100 * 1024 * 1024 // len(chunk))
    nb = notebook(code("print(x)", [stream(line)]))
    path = tmp_path / "huge.ipynb"
    path.write_bytes(orjson.dumps(nb))
    del line, nb
    findings = Scanner(hash_key=b"k").scan_file(path)
    assert findings, "the repeated credential was not found"
    with pytest.raises(ScanError, match="scan limit"):
        Scanner(max_bytes=50 * 1024 * 1024).scan_file(path)


def test_cli_never_crashes_on_garbage_files(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "b.ipynb").write_text('{"cells": [{"cell_type": "code", "outputs": [1]}]}')
    (tmp_path / "c.json").write_bytes(b"\xc3\x28")
    # Garbage is still text to read: each file is scanned, none is an error.
    assert main(["scan", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("error:") == 0
