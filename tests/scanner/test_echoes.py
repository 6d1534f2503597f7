"""Echo tracking: a value found by its context in one place is found wherever the notebook
echoes it (results, streams, HTML, markdown, tracebacks, metadata), in its escaped forms
too, and strip redacts every occurrence.

Values are fakes generated at test time; assertion messages name carriers, never values.
"""

from __future__ import annotations

import copy
import html
import json
import string
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_secrets.scanner import Baseline, Finding, Scanner
from jupyter_secrets.scanner.content import top_level_pieces
from jupyter_secrets.scanner.echoes import (
    ECHO_DETECTOR,
    MIN_ECHO_LENGTH,
    escaped_forms,
    occurrences,
    seeds,
)
from jupyter_secrets.scanner.finding import Span
from jupyter_secrets.scanner.strip import strip_notebook

from .fakes import Fakes
from .nbutil import code, display, error, markdown, notebook, result, stream

F = Fakes(seed=8)
Nb = dict[str, Any]
#: (cell_index, location, output_index) of a finding.
Place = tuple[int | None, str, int | None]


def seed_cell(value: str) -> dict[str, Any]:
    """A code cell whose assignment gives the value away (``%env`` takes any character)."""
    return code(f"%env DB_PASSWORD={value}\n", cell_id="seed")


def fake_password(specials: str = "") -> str:
    """Letters, digits and the given characters (escaped differently by each carrier)."""
    return F.rand(string.ascii_letters, 6) + specials + F.rand(string.digits, 2) + "x"


def strings(value: Any) -> Iterator[str]:
    """Every string (keys included) of a JSON value: what a file would hold, unescaped."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def left_in(nb: Nb, value: str) -> list[str]:
    """Which forms of ``value`` still occur anywhere in ``nb`` (names of forms only)."""
    forms = escaped_forms(value)
    return [f"form {i}" for i, form in enumerate(forms) if any(form in s for s in strings(nb))]


def place(finding: Finding) -> Place:
    return (finding.cell_index, finding.location, finding.output_index)


def echoes_of(findings: list[Finding], seed: Finding) -> dict[Place, list[Finding]]:
    found: dict[Place, list[Finding]] = {}
    for f in findings:
        if f.hashed_secret == seed.hashed_secret and f is not seed:
            found.setdefault(place(f), []).append(f)
    return found


def the_seed(findings: list[Finding]) -> Finding:
    seeded = [f for f in findings if f.cell_id == "seed" and f.detector != ECHO_DETECTOR]
    assert len(seeded) == 1, f"the seed cell gave {len(seeded)} findings, not 1"
    return seeded[0]


# -- carriers -------------------------------------------------------------------------
# Each puts ``text`` (a value, possibly with text around it) somewhere in ``nb`` and
# returns the place, and the field, its finding must have. The value is echoed in the
# form the carrier would write (a DataFrame's HTML escapes it, a repr escapes it, ...).

Carrier = Callable[[Nb, str, str], tuple[Place, tuple[str, ...]]]


def _cell(nb: Nb, cell: dict[str, Any]) -> int:
    nb["cells"].append(cell)
    return len(nb["cells"]) - 1


def _output(
    nb: Nb, output: dict[str, Any], field: tuple[str, ...]
) -> tuple[Place, tuple[str, ...]]:
    index = _cell(nb, code("x", [output], cell_id=f"c{len(nb['cells'])}"))
    return (index, "output", 0), field


def result_plain(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    text = around.replace("V", repr(value))
    return _output(nb, result({"text/plain": text}), ("data", "text/plain"))


def stdout(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    return _output(nb, stream(around.replace("V", value) + "\n"), ("text",))


def stderr(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    return _output(nb, stream(around.replace("V", value) + "\n", "stderr"), ("text",))


def stdout_json(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    text = around.replace("V", json.dumps({"row": value}))
    return _output(nb, stream(text + "\n"), ("text",))


def stdout_url(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    text = around.replace("V", "https://example.org/q?v=" + quote(value, safe=""))
    return _output(nb, stream(text + "\n"), ("text",))


def html_table(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    cell = html.escape(around.replace("V", value), quote=False)
    table = (
        '<table border="1" class="dataframe">\n<thead><tr><th></th><th>col</th></tr></thead>\n'
        f"<tbody>\n<tr><th>0</th><td>{cell}</td></tr>\n</tbody>\n</table>"
    )
    return _output(
        nb, display({"text/html": table, "text/plain": "   col\n0  ..."}), ("data", "text/html")
    )


def markdown_output(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    text = "## Result\n\n" + around.replace("V", value) + "\n"
    return _output(nb, display({"text/markdown": text}), ("data", "text/markdown"))


def json_output(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    payload = {"rows": [{"col": around.replace("V", value)}, {"col": "other"}]}
    return _output(nb, display({"application/json": payload}), ("data", "application/json"))


def traceback(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    frame = "\x1b[0;32m----> 1\x1b[0m call(" + around.replace("V", repr(value)) + ")"
    return _output(nb, error("ValueError", "bad input", ["Traceback", frame]), ("traceback",))


def evalue(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    text = around.replace("V", value)
    return _output(nb, error("ValueError", text, ["Traceback", "ValueError"]), ("evalue",))


def markdown_cell(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    index = _cell(
        nb, markdown("Notes\n\n" + around.replace("V", value) + "\n", f"m{len(nb['cells'])}")
    )
    return (index, "source", None), ("source",)


def raw_cell(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    raw = {"cell_type": "raw", "id": f"r{len(nb['cells'])}", "metadata": {}}
    raw["source"] = around.replace("V", value)
    return (_cell(nb, raw), "source", None), ("source",)


def cell_metadata(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    cell = code("x = 1", cell_id=f"k{len(nb['cells'])}")
    cell["metadata"]["custom"] = {"note": around.replace("V", value)}
    return (_cell(nb, cell), "metadata", None), ("metadata",)


def notebook_metadata(nb: Nb, around: str, value: str) -> tuple[Place, tuple[str, ...]]:
    nb["metadata"].setdefault("custom", []).append({"note": around.replace("V", value)})
    return (None, "metadata", None), ("metadata",)


CARRIERS: dict[str, Carrier] = {
    "result text/plain": result_plain,
    "stdout": stdout,
    "stderr": stderr,
    "stdout json": stdout_json,
    "stdout url": stdout_url,
    "text/html table": html_table,
    "text/markdown output": markdown_output,
    "application/json output": json_output,
    "error traceback": traceback,
    "error evalue": evalue,
    "markdown cell": markdown_cell,
    "raw cell": raw_cell,
    "cell metadata": cell_metadata,
    "notebook metadata": notebook_metadata,
}
#: Text around an echo that gives no context away.
AROUNDS = ["V", "using V now", "(V)", "row 3: V;", "xV_1"]
#: Characters each escaping changes: HTML, URL, JSON (non-ASCII) and repr (backslash).
SPECIALS = ["", "&<", "%+", "é", "\\", "&>\\é%"]


def cell_wise(scanner: Scanner, nb: Nb) -> list[Finding]:
    """What the gate's autosave path does: each cell through the cache, the rest, echoes."""
    found = [f for i, cell in enumerate(nb["cells"]) for f in scanner.scan_cell(cell, i)]
    found += scanner.scan_pieces(top_level_pieces(nb))
    return found + scanner.scan_echoes(nb, found)


def contract(findings: list[Finding]) -> list[str]:
    return sorted(json.dumps(f.to_dict()) for f in findings)


def scanned(nb: Nb) -> tuple[list[Finding], Finding]:
    findings = Scanner(hash_key=b"echo-tests").scan_notebook(nb)
    return findings, the_seed(findings)


@pytest.mark.parametrize("carrier", list(CARRIERS))
def test_a_bare_echo_is_found_in_every_carrier(carrier: str) -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    where, field = CARRIERS[carrier](nb, "using V now", value)
    findings, seed = scanned(nb)
    found = echoes_of(findings, seed)
    assert list(found) == [where], f"{carrier}: echoes at {list(found)}, expected {where}"
    echo = found[where][0]
    assert (echo.type, echo.detector, echo.preview) == (seed.type, ECHO_DETECTOR, seed.preview)
    assert echo.span is not None and echo.span.field == field, f"{carrier}: field"
    assert set(echo.to_dict()) == set(seed.to_dict()), "the JSON contract changed"
    assert echo.cell_id == (nb["cells"][where[0]]["id"] if where[0] is not None else None)


@pytest.mark.parametrize("specials", SPECIALS, ids=repr)
@pytest.mark.parametrize("carrier", list(CARRIERS))
def test_escaped_echoes_are_found_and_stripped(carrier: str, specials: str) -> None:
    value = fake_password(specials)
    nb = notebook(seed_cell(value))
    where, _ = CARRIERS[carrier](nb, "V", value)
    findings, seed = scanned(nb)
    assert where in echoes_of(findings, seed), f"{carrier} with {specials!r}: echo missed"
    stripped = strip_notebook(nb, findings)
    assert not left_in(stripped, value), f"{carrier} with {specials!r}: {left_in(stripped, value)}"


def test_every_occurrence_is_a_finding_and_strip_removes_them_all() -> None:
    value = fake_password("&")
    nb = notebook(seed_cell(value))
    places = {CARRIERS[name](nb, around, value)[0] for name in CARRIERS for around in AROUNDS}
    original = copy.deepcopy(nb)
    findings, seed = scanned(nb)
    assert set(echoes_of(findings, seed)) == places
    stripped = strip_notebook(nb, findings)
    assert nb == original, "strip_notebook mutated its input"
    assert not left_in(stripped, value), f"left after strip: {left_in(stripped, value)}"
    assert Scanner(hash_key=b"echo-tests").scan_notebook(stripped) == []


def test_cell_by_cell_scans_find_the_same_echoes() -> None:
    """The gate's autosave path (per-cell cache) tracks echoes across cells as well."""
    value = fake_password("<")
    nb = notebook(seed_cell(value))
    for carrier in CARRIERS.values():
        carrier(nb, "see V", value)
    scanner = Scanner(hash_key=b"echo-tests")
    whole = scanner.scan_notebook(nb)
    for _ in range(2):  # cold, then from the cache
        cells = cell_wise(scanner, nb)
        assert contract(cells) == contract(whole)
        assert not left_in(strip_notebook(nb, cells), value)


def test_echoes_link_to_their_finding_and_stay_in_the_contract() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    stdout(nb, "V", value)
    html_table(nb, "V", value)
    findings, seed = scanned(nb)
    linked = [f for f in findings if f.hashed_secret == seed.hashed_secret]
    assert [f.detector for f in linked] == [seed.detector, ECHO_DETECTOR, ECHO_DETECTOR]
    assert all(list(f.to_dict()) == list(seed.to_dict()) for f in linked)
    assert all(value not in repr(f) and value not in json.dumps(f.to_dict()) for f in linked)


def test_positions_of_echoes() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    nb["cells"].append(code("x", [stream(f"line one\nsecond: {value}\n")], cell_id="s"))
    findings, seed = scanned(nb)
    (echo,) = echoes_of(findings, seed)[(1, "output", 0)]
    assert (echo.line, echo.column) == (2, len("second: ") + 1)


def test_one_finding_per_output_and_form_whatever_the_mimetypes() -> None:
    value = fake_password("&")
    nb = notebook(seed_cell(value))
    bundle = {
        "text/plain": repr(value),
        "text/markdown": value,
        "text/html": html.escape(value),
    }
    nb["cells"].append(code("x", [display(bundle)], cell_id="d"))
    findings, seed = scanned(nb)
    echoes = echoes_of(findings, seed)[(1, "output", 0)]
    assert len(echoes) == 2, "one finding for the value, one for its HTML form"
    assert not left_in(strip_notebook(nb, findings), value)


def test_strip_reaches_json_keys_and_text_in_other_mimetypes() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    nb["cells"].append(code("x", [display({"application/json": {value: 1, "b": [value]}})]))
    nb["cells"].append(code("y", [display({"application/octet-stream": f"using {value}"})]))
    findings, seed = scanned(nb)
    assert {(1, "output", 0), (2, "output", 0)} <= set(echoes_of(findings, seed))
    stripped = strip_notebook(nb, findings)
    assert not left_in(stripped, value), f"left after strip: {left_in(stripped, value)}"
    assert list(stripped["cells"][1]["outputs"][0]["data"]["application/json"]) == [
        "[REDACTED]",
        "b",
    ]


def test_a_finding_in_an_unknown_field_does_not_stand_for_the_rest_of_its_output() -> None:
    """A key found in a field nbformat does not define is redacted in that leaf alone, so
    the output's text, where the same key sits glued to another token (no detector reads
    it there), needs an echo of its own. Found by test_fuzz."""
    key, token = F.aws(), F.github()
    output = {"output_type": "stream", "name": "stdout", "note": key, "text": [token, key]}
    nb = notebook(code("print(1)", [output]))
    findings = Scanner(hash_key=b"echo-tests").scan_notebook(nb)
    assert any(
        f.detector == ECHO_DETECTOR and f.span and f.span.field == ("text",) for f in findings
    )
    stripped = strip_notebook(nb, findings)
    assert not left_in(stripped, key), f"left after strip: {left_in(stripped, key)}"
    assert Scanner(detectors=(), track=findings).scan_notebook(stripped) == []


def test_a_tracking_scanner_proves_a_strip() -> None:
    """A rescan cannot see an echo once its context is redacted; tracking the first
    scan's findings can (the gate's proof after a strip)."""
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    stdout(nb, "V", value)
    cell_metadata(nb, "V", value)
    nb["cells"].append(code("x", [stream(value)], cell_id="ok", tags=["allow-secret"]))
    findings, seed = scanned(nb)
    partial = strip_notebook(nb, [seed])
    assert Scanner().scan_notebook(partial) == [], "a plain rescan cannot see the echoes"
    proof = Scanner(detectors=(), track=findings)
    assert {place(f) for f in proof.scan_notebook(partial)} == {
        (1, "output", 0),
        (2, "metadata", None),
    }
    assert proof.scan_notebook(strip_notebook(nb, findings)) == []


# -- what is not echo-tracked -----------------------------------------------------------


def test_values_shorter_than_eight_characters_are_not_tracked() -> None:
    value = F.rand(string.ascii_letters, 5) + F.rand(string.digits, 2)
    assert len(value) < MIN_ECHO_LENGTH
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    stdout(nb, "using V now", value)
    findings, seed = scanned(nb)
    assert echoes_of(findings, seed) == {}


def test_no_echo_in_an_allowlisted_cell() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    nb["cells"].append(code("x", [stream(f"{value}\n")], cell_id="ok", tags=["allow-secret"]))
    nb["cells"][-1]["metadata"]["note"] = value
    where, _ = stdout(nb, "V", value)
    findings, seed = scanned(nb)
    assert list(echoes_of(findings, seed)) == [where]


def test_an_allowlisted_finding_seeds_no_echoes() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed", tags=["allow-secret"]))
    stdout(nb, "V", value)
    assert Scanner(hash_key=b"echo-tests").scan_notebook(nb) == []


def test_no_echo_on_a_pragma_line() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    pragma = "pragma: allowlist secret"
    nb["cells"].append(markdown(f"{value}  <!-- {pragma} -->\n{value}\n", "md"))
    findings, seed = scanned(nb)
    (echo,) = echoes_of(findings, seed)[(1, "source", None)]
    assert echo.line == 2


def test_a_baseline_of_every_finding_accepts_the_echoes_too() -> None:
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    stdout(nb, "V", value)
    findings = Scanner(hash_key=b"echo-tests").scan_notebook(nb)
    baseline = Baseline(salt=b"echo-tests")
    baseline.add_all(findings)
    assert Scanner(baseline=baseline).scan_notebook(nb) == []
    assert cell_wise(Scanner(baseline=baseline), nb) == []


def test_echoes_of_an_accepted_finding_are_reported_in_either_scan() -> None:
    """The baseline applies to each finding by its own cell: accepting the assignment does
    not accept the value printed in another cell."""
    value = fake_password()
    nb = notebook(code(f'db_password = "{value}"\n', cell_id="seed"))
    stdout(nb, "V", value)
    baseline = Baseline(salt=b"echo-tests")
    baseline.add(the_seed(Scanner(baseline=baseline).scan_notebook(nb)))
    scanner = Scanner(baseline=baseline)
    whole = scanner.scan_notebook(nb)
    assert [(place(f), f.detector) for f in whole] == [((1, "output", 0), ECHO_DETECTOR)]
    assert contract(cell_wise(scanner, nb)) == contract(whole)


def _finding(value: str, detector: str = "password_assignment") -> Finding:
    return Finding("", 0, "c", "source", None, 1, 1, "t", "h", "p", detector,
                   Span(value, 0, len(value), ("source",)))  # fmt: skip


def test_markers_and_echoes_seed_nothing() -> None:
    real = fake_password()
    assert list(seeds([_finding(real)])) == [real]
    assert not seeds([_finding("[REDACTED]"), _finding("[REDACTED dev/db/pw]")])
    assert not seeds([_finding(real, ECHO_DETECTOR)])
    assert not seeds([_finding(real[:7])])


def test_escaped_forms_and_overlaps() -> None:
    value = "Ab&c\\d%é9"  # pragma: allowlist secret
    assert escaped_forms(value) == [
        value,
        "Ab&c\\\\d%\\u00e99",  # JSON (ASCII)
        "Ab&c\\\\d%é9",  # JSON and repr
        "Ab&amp;c\\d%é9",  # HTML
        "Ab%26c%5Cd%25%C3%A99",  # URL
    ]
    assert escaped_forms("Ab\\nc\\u00e9de9") == [
        "Ab\\nc\\u00e9de9",
        "Ab\\\\nc\\\\u00e9de9",
        "Ab%5Cnc%5Cu00e9de9",
        "Ab\nc" + "éde9",  # unescaped: the value as a program prints it
    ]
    assert escaped_forms("\\u00e9\\u00e9") == [
        "\\u00e9\\u00e9",
        "\\\\u00e9\\\\u00e9",
        "%5Cu00e9%5Cu00e9",
    ]
    text = f"x {value} y {html.escape(value)} z"
    found = occurrences(text, [value, value[:8]])
    assert [(s, e) for s, e, _ in found] == [
        (2, 2 + len(value)),
        (text.index("Ab&amp;"), text.index("Ab&amp;") + len(html.escape(value))),
    ], "an occurrence inside a longer one is dropped"


# -- property: random carriers, random places --------------------------------------------

CASE = st.tuples(
    st.sampled_from(SPECIALS),
    st.lists(
        st.tuples(
            st.sampled_from(list(CARRIERS)),
            st.text(alphabet=" .,;:!()[]|-0123456789", max_size=6),
            st.text(alphabet=" .,;:!()[]|-0123456789", max_size=6),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 3),
)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=CASE)
def test_echoes_at_random_places_are_all_found_and_stripped(
    case: tuple[str, list[tuple[str, str, str]], int],
) -> None:
    specials, plants, seed_at = case
    value = fake_password(specials)
    nb = notebook()
    places: set[Place] = set()
    for name, before, after in plants:
        where, _ = CARRIERS[name](nb, f"{before}V{after}", value)
        places.add(where)
    cells = nb["cells"]
    seed_index = min(seed_at, len(cells))
    cells.insert(seed_index, seed_cell(value))
    places = {
        (i + 1 if i is not None and i >= seed_index else i, loc, out) for i, loc, out in places
    }
    scanner = Scanner(hash_key=b"echo-tests")
    findings = scanner.scan_notebook(nb)
    seed = the_seed(findings)
    assert set(echoes_of(findings, seed)) == places
    stripped = strip_notebook(nb, findings)
    assert not left_in(stripped, value), f"left after strip: {left_in(stripped, value)}"
    parts = cell_wise(scanner, nb)
    assert contract(parts) == contract(findings)
    assert not left_in(strip_notebook(nb, parts), value), "left after a cell-wise strip"
