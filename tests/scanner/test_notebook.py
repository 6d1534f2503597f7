"""Notebook parsing: every output kind scanned unescaped, binary skipped by structure."""

from __future__ import annotations

import base64
import random

import orjson
import pytest

from jupyter_secrets.scanner import Finding, ScanError, Scanner

from .fakes import Fakes
from .nbutil import code, display, error, markdown, notebook, result, stream

F = Fakes(seed=2)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"k")


def _only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, (
        f"expected 1 finding, got {[(f.detector, f.location) for f in findings]}"
    )
    return findings[0]


def test_stream_output(scanner: Scanner) -> None:
    key = F.github()
    nb = notebook(code("print(tok)", [stream(f"line one\ntoken is {key}\n")], cell_id="s1"))
    f = _only(scanner.scan_notebook(orjson.dumps(nb), "n.ipynb"))
    assert (f.location, f.output_index, f.line, f.column, f.cell_id) == ("output", 0, 2, 10, "s1")


@pytest.mark.parametrize(
    "mime", ["text/plain", "text/html", "text/markdown", "text/latex", "application/javascript"]
)
def test_every_text_mimetype(scanner: Scanner, mime: str) -> None:
    key = F.openai()
    nb = notebook(code("x", [display({mime: f"<b>{key}</b>"})]))
    assert _only(scanner.scan_notebook(nb)).detector == "openai"


def test_one_finding_per_output_whatever_the_mimetypes(scanner: Scanner) -> None:
    key = F.anthropic()
    nb = notebook(code("x", [result({"text/plain": f"'{key}'", "text/html": f"<pre>{key}</pre>"})]))
    assert _only(scanner.scan_notebook(nb)).output_index == 0


def test_json_output_is_scanned_unescaped(scanner: Scanner) -> None:
    password = F.password()
    nb = notebook(
        code("x", [display({"application/json": {"db": {"password": password, "host": "h"}}})])
    )
    f = _only(scanner.scan_notebook(orjson.dumps(nb)))
    assert f.detector == "password_assignment" and f.span is not None and f.span.value == password


def test_error_output_traceback_with_ansi(scanner: Scanner) -> None:
    key = F.aws()
    tb = [
        "\x1b[0;31m---------\x1b[0m",
        f"\x1b[0;32mclient\x1b[0m(key=\x1b[0;34m'{key}'\x1b[0m)",
        "ValueError: bad",
    ]
    nb = notebook(code("x", [error("ValueError", "bad", tb)]))
    f = _only(scanner.scan_notebook(nb))
    assert f.location == "output" and f.detector == "aws"


def test_error_evalue(scanner: Scanner) -> None:
    url = f"postgresql://bob:{F.password()}@db/x"
    nb = notebook(code("x", [error("OperationalError", f"could not connect to {url}", [])]))
    assert _only(scanner.scan_notebook(nb)).detector == "uri_credentials"


def test_markdown_and_raw_cells(scanner: Scanner) -> None:
    nb = notebook(
        markdown(f"Use `{F.huggingface()}` to log in"),
        {"cell_type": "raw", "id": "r", "metadata": {}, "source": f"SENDGRID={F.sendgrid()}"},
    )
    assert [f.detector for f in scanner.scan_notebook(nb)] == ["huggingface", "sendgrid"]


def test_images_and_attachments_are_skipped_by_structure(scanner: Scanner) -> None:
    # Payloads that contain vendor prefixes are never looked at.
    trap = "AIza" + "A" * 35
    png = base64.b64encode(random.Random(0).randbytes(4000)).decode() + trap
    cell = markdown("![x](attachment:a.png)")
    cell["attachments"] = {"a.png": {"image/png": png}}
    nb = notebook(
        code(
            "plot()",
            [
                display(
                    {
                        "image/png": png,
                        "image/svg+xml": f"<svg>{trap}</svg>",
                        "text/plain": "<Figure>",
                    }
                )
            ],
        ),
        cell,
        code(
            "fig",
            [
                display(
                    {
                        "application/vnd.plotly.v1+json": {
                            "data": [{"y": {"dtype": "f8", "bdata": png}}]
                        }
                    }
                )
            ],
        ),
    )
    assert scanner.scan_notebook(orjson.dumps(nb)) == []


def test_metadata_and_widget_state_are_scanned(scanner: Scanner) -> None:
    # Issue 7: the gate reads every string in the document, metadata included.
    nb = notebook(code("x = 1"))
    nb["metadata"]["widgets"] = {"state": {"token": F.github()}}
    nb["cells"][0]["metadata"]["secret_id"] = F.github()
    found = scanner.scan_notebook(nb)
    assert sorted(f.cell_index is None for f in found) == [False, True]
    assert {f.location for f in found} == {"metadata"}


@pytest.mark.parametrize(
    "data",
    [
        b'{"cells": [',
        b"[1, 2]",
        b'{"worksheets": []}',
        b'{"metadata": {}}',
        b'{"cells": [1]}',
        b'{"cells": [{"cell_type": "code", "outputs": 3}]}',
    ],
)
def test_invalid_notebooks_are_scanned_not_refused(scanner: Scanner, data: bytes) -> None:
    # Any shape is read as it is: nothing about a broken structure switches scanning off.
    assert scanner.scan_notebook(data, "bad.ipynb") == []
    key = F.github()
    planted = data.replace(b"[", f'["{key}", '.encode(), 1) if b"[" in data else None
    if planted is None:
        planted = data.replace(b"{", f'{{"k": "{key}", '.encode(), 1)
    found = scanner.scan_notebook(planted, "bad.ipynb")
    assert [f.detector for f in found] == ["github"], data


def test_scan_text_reads_every_encoding(scanner: Scanner) -> None:
    # Latin-1, UTF-16 with and without BOM, and stray NULs are all text to scan.
    key = F.github()
    line = f"token = '{key}'\n"
    for data in (
        line.encode("latin-1") + b"caf\xe9",
        line.encode("utf-16"),
        line.encode("utf-16-le"),
        line.encode("utf-16-be"),
        b"\x00" + line.encode(),
        "\ufeff".encode() + line.encode(),
    ):
        assert [f.detector for f in scanner.scan_text(data, "x.py")] == ["github"], data[:8]


def test_max_bytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.txt"
    path.write_text("a" * 2000)
    with pytest.raises(ScanError, match="over the 1000-byte scan limit"):
        Scanner(max_bytes=1000).scan_file(path)


def test_scan_file_dispatches_by_extension(tmp_path, scanner: Scanner) -> None:  # type: ignore[no-untyped-def]
    key = F.databricks()
    (tmp_path / "a.ipynb").write_bytes(orjson.dumps(notebook(code(f"t = '{key}'"))))
    (tmp_path / "b.py").write_text(f"t = '{key}'\n")
    assert _only(scanner.scan_file(tmp_path / "a.ipynb")).cell_index == 0
    assert _only(scanner.scan_file(str(tmp_path / "b.py"))).cell_index is None


def test_scan_model_for_every_content_kind(scanner: Scanner) -> None:
    key = F.gitlab()
    nb = notebook(code(f"t = '{key}'"))
    assert (
        len(
            scanner.scan_model(
                {"type": "notebook", "format": "json", "content": nb, "path": "a.ipynb"}
            )
        )
        == 1
    )
    assert (
        len(
            scanner.scan_model(
                {"type": "file", "format": "text", "content": f"T={key}", "path": "a.env"}
            )
        )
        == 1
    )
    b64 = base64.b64encode(f"T={key}".encode()).decode()
    assert (
        scanner.scan_model({"type": "file", "format": "base64", "content": b64, "path": "a.env"})[
            0
        ].path
        == "a.env"
    )
    # A real PNG is skipped; bytes that only start like one are scanned.
    fake_png = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00" + key.encode()).decode()
    model = {"type": "file", "format": "base64", "content": fake_png, "path": "a.png"}
    assert [f.detector for f in scanner.scan_model(model)] == ["gitlab"]


def test_finding_never_shows_the_plaintext(scanner: Scanner) -> None:
    import pickle

    key = F.openai()
    f = _only(scanner.scan_text(f"k = '{key}'"))
    assert key not in repr(f), "plaintext leaked into repr"
    assert key not in orjson.dumps(f.to_dict()).decode(), "plaintext leaked into to_dict"
    assert list(f.to_dict()) == [
        "path",
        "cell_index",
        "cell_id",
        "location",
        "output_index",
        "line",
        "column",
        "type",
        "confidence",
        "hashed_secret",
        "preview",
    ]
    assert f.preview.startswith("sk-p") and f.preview.count("*") >= 8
    with pytest.raises(TypeError):
        pickle.dumps(f)


def test_preview_masks_short_values() -> None:
    from jupyter_secrets.scanner.finding import mask

    assert mask("AKIAABCDEFGHIJKLMPLE") == "AKIA************MPLE"  # pragma: allowlist secret
    assert mask("abcdefg") == "a******"
    assert mask("abc") == "***"


def test_hash_is_keyed() -> None:
    text = f"k = '{F.github()}'"
    a = Scanner(hash_key=b"one").scan_text(text)[0].hashed_secret
    b = Scanner(hash_key=b"two").scan_text(text)[0].hashed_secret
    assert a != b and a == Scanner(hash_key=b"one").scan_text(text)[0].hashed_secret
