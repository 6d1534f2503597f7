"""Known values, pragma/cell-tag allowlists, baselines (ours and detect-secrets')."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import pytest

from jupyter_secrets.scanner import (
    Baseline,
    Finding,
    KnownValues,
    ScanError,
    Scanner,
    fingerprints,
)
from jupyter_secrets.scanner.document import Document

from .fakes import Fakes
from .nbutil import code, notebook, stream

F = Fakes(seed=3)


def test_known_value_found_in_plain_and_encoded_forms() -> None:
    value = "hunter2"  # pragma: allowlist secret
    known = KnownValues()
    known.add(value, "prod/db/password")
    scanner = Scanner(known=known, hash_key=b"k")
    for text in (
        f"print('{value}')",
        base64.b64encode(value.encode()).decode(),
        value.encode().hex(),
        quote(value + "/x", safe=""),
    ):
        findings = scanner.scan_text(f"out: {text}")
        assert [f.type for f in findings] == ["Known secret value"], "an encoded form was missed"
    assert scanner.scan_text("hunter22 xhunter2") == [], "a short value matched inside a word"
    assert value not in repr(known) and "values=1" in repr(known)


def test_known_fingerprints_without_the_value() -> None:
    value = F.password()
    key = b"shared-with-kernels"
    server_side = KnownValues(key=key)
    for fp in fingerprints(value, key):
        server_side.add_fingerprint(fp, "dev/x")
    scanner = Scanner(known=server_side, hash_key=b"k")
    nb = notebook(code("print(pw)", [stream(f"connecting with {value}\n")]))
    assert [f.location for f in scanner.scan_notebook(nb)] == ["output"]
    assert scanner.scan_text(f"url = 'postgres://u:{value}@h/db'")[0].type == "Known secret value"
    with pytest.raises(ValueError, match="jsfp1"):
        server_side.add_fingerprint("nope")


def test_known_values_cannot_be_pickled() -> None:
    import pickle

    known = KnownValues()
    known.add("abcdefgh")
    with pytest.raises(TypeError):
        pickle.dumps(known)


def test_pragma_allowlist_on_line_and_nextline() -> None:
    scanner = Scanner(hash_key=b"k")
    key = F.github()
    text = f"a = '{key}'  # pragma: allowlist secret\n# pragma: allowlist nextline secret\nb = '{key}'\nc = '{key}'\n"
    assert [f.line for f in scanner.scan_text(text)] == [4]


def test_cell_tag_allowlists_source_and_outputs() -> None:
    key = F.openai()
    nb = notebook(
        code(f"k = '{key}'", [stream(key)], tags=["allow-secret"]),
        code(f"k = '{key}'", cell_id="second"),
    )
    findings = Scanner(hash_key=b"k").scan_notebook(nb)
    assert [(f.cell_index, f.cell_id) for f in findings] == [(1, "second")]


def test_baseline_survives_cell_moves_and_edits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = F.google_api_key()
    first = notebook(code("x = 1", cell_id="a"), code(f"k = '{key}'", cell_id="b"))
    baseline = Baseline()
    baseline.add_all(Scanner(baseline=baseline).scan_notebook(first))  # hashes keyed by the salt
    path = tmp_path / "b.json"
    baseline.save(path)
    assert key not in path.read_text(), "plaintext leaked into the baseline"
    loaded = Baseline.load(path)
    moved = notebook(code(f"# edited\nk = '{key}'\n", cell_id="b"), code("x = 2", cell_id="a"))
    assert Scanner(baseline=loaded).scan_notebook(moved) == []
    other = notebook(code(f"k = '{key}'", cell_id="c"))
    assert len(Scanner(baseline=loaded).scan_notebook(other)) == 1, "baseline matched another cell"
    new_secret = notebook(code(f"k = '{F.google_api_key()}'", cell_id="b"))
    assert len(Scanner(baseline=loaded).scan_notebook(new_secret)) == 1


def test_detect_secrets_baseline_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = F.aws()
    ds = {
        "version": "1.5.0",
        "plugins_used": [],
        "results": {
            "src/app.py": [
                {
                    "type": "AWS Access Key",
                    "filename": "src/app.py",
                    "hashed_secret": hashlib.sha1(key.encode()).hexdigest(),  # noqa: S324
                    "is_verified": False,
                    "line_number": 1,
                }
            ]
        },
    }
    path = tmp_path / ".secrets.baseline"
    path.write_text(json.dumps(ds))
    scanner = Scanner(baseline=Baseline.load(path))
    assert scanner.scan_text(f"k = '{key}'", "repo/src/app.py") == []
    assert len(scanner.scan_text(f"k = '{key}'", "repo/src/other.py")) == 1


def test_bad_baselines_fail_clearly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ScanError, match="not valid JSON"):
        Baseline.load(bad)
    bad.write_text("[]")
    with pytest.raises(ScanError, match="neither"):
        Baseline.load(bad)
    with pytest.raises(ScanError, match="cannot read"):
        Baseline.load(tmp_path / "missing.json")


def test_incremental_cell_cache_hits_and_restamps() -> None:
    scanner = Scanner(hash_key=b"k")
    cell = code(f"k = '{F.slack()}'", cell_id="z")
    first = scanner.scan_cell(cell, 3, "a.ipynb")
    calls: list[Document] = []
    original = scanner.scan_document

    def spy(doc: Document) -> list[Finding]:
        calls.append(doc)
        return original(doc)

    scanner.scan_document = spy  # type: ignore[method-assign]  # a spy on this instance
    again = scanner.scan_cell(dict(cell), 7, "b.ipynb")
    assert calls == [], "an unchanged cell was rescanned"
    assert (again[0].cell_index, again[0].path) == (7, "b.ipynb") and first[0].cell_index == 3
    edited = dict(cell, source=["k = 1\n"])
    assert scanner.scan_cell(edited, 3) == [] and len(calls) == 1
    known = KnownValues()
    scanner.known = known
    known.add("k = 1")  # a change of known values invalidates cached results
    assert len(scanner.scan_cell(edited, 3)) == 1
