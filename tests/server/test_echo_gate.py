"""The gate and echo tracking: a password found by its assignment is also found where the
notebook echoes it (a result, stdout, a DataFrame's HTML, cell metadata). Under strip none
of it reaches the disk; under block every echo is listed.

Both scan paths are covered: a first save (one document) and a re-save (cell by cell
through the scanner's cache). The password is a fake generated at test time.
"""

from __future__ import annotations

import html
import json
import random
import string
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_secrets.scanner import Scanner
from jupyter_secrets.scanner.echoes import escaped_forms
from jupyter_secrets.server.scanning import ScanFailed, strip_findings
from tests.support import notebooks as nbf

from .conftest import Api

ACTION = "X-Jupyter-Secrets-Action"


def fake_password() -> str:
    """Letters, an ampersand (HTML escapes it) and digits: a plain password, no vendor format."""
    rng = random.Random()
    return "".join(rng.choices(string.ascii_letters, k=7)) + "&" + str(rng.randint(10, 99)) + "x"


def leaking_notebook(pw: str) -> dict[str, Any]:
    nb = nbf.new_notebook()
    echo = nbf.new_code_cell("db_password")
    echo.outputs = [nbf.new_output("execute_result", {"text/plain": repr(pw)}, execution_count=2)]
    echo.metadata["custom"] = {"note": pw}
    printed = nbf.new_code_cell("connect()")
    printed.outputs = [nbf.new_output("stream", name="stdout", text=f"using key: {pw}\n")]
    table = nbf.new_code_cell("df")
    table.outputs = [
        nbf.new_output(
            "display_data",
            {
                "text/html": f"<table><tr><th>0</th><td>{html.escape(pw)}</td></tr></table>",
                "text/plain": "   col\n0  ...",
            },
        )
    ]
    nb.cells = [nbf.new_code_cell(f'db_password = "{pw}"\n'), echo, printed, table]
    return {"type": "notebook", "format": "json", "content": nb}


def strings(value: Any) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            stack.extend(item)
    return found


def forms_left(data: bytes, pw: str) -> int:
    texts = strings(json.loads(data))
    return sum(any(form in text for text in texts) for form in escaped_forms(pw))


async def put(api: Api, root: Path, name: str, resave: bool, pw: str) -> tuple[Any, bytes | None]:
    """The leaking save's reply, and the file's bytes before it (None: there was none)."""
    before = None
    if resave:  # a clean save first: the next one is scanned cell by cell
        clean = {"type": "notebook", "format": "json", "content": nbf.new_notebook()}
        assert (await api("PUT", f"api/contents/{name}", clean)).status == 201
        before = (root / name).read_bytes()
    return await api("PUT", f"api/contents/{name}", leaking_notebook(pw)), before


@pytest.mark.parametrize("resave", [False, True], ids=["first-save", "resave"])
@pytest.mark.parametrize("gate_settings", [{"save_policy": "strip"}])
async def test_strip_redacts_every_echo(
    api: Api, jp_root_dir: Path, gate_settings: Any, resave: bool
) -> None:
    pw = fake_password()
    reply, _ = await put(api, jp_root_dir, "echo.ipynb", resave, pw)
    assert reply.status in (200, 201), f"the stripped save answered {reply.status}"
    assert reply.headers.get(ACTION) == "stripped"
    on_disk = (jp_root_dir / "echo.ipynb").read_bytes()
    assert forms_left(on_disk, pw) == 0, "a form of the password reached the disk"
    nb = nbf.reads(on_disk.decode(), as_version=4)
    nbformat.validate(nb)
    assert "[REDACTED]" in nb.cells[0].source and "[REDACTED]" in nb.cells[2].outputs[0].text


@pytest.mark.parametrize("resave", [False, True], ids=["first-save", "resave"])
@pytest.mark.parametrize("gate_settings", [{"save_policy": "block"}])
async def test_block_lists_every_echo(
    api: Api, jp_root_dir: Path, gate_settings: Any, resave: bool
) -> None:
    pw = fake_password()
    reply, before = await put(api, jp_root_dir, "echo.ipynb", resave, pw)
    assert reply.status == 422, f"a leaking save answered {reply.status}"
    assert reply.headers.get(ACTION) == "blocked"
    body = reply.body.decode()
    assert all(form not in body for form in escaped_forms(pw)), "the password is in the 422"
    findings = reply.json()["findings"]
    places = {(f["cell_index"], f["location"], f["output_index"]) for f in findings}
    assert places == {
        (0, "source", None),
        (1, "output", 0),
        (1, "metadata", None),
        (2, "output", 0),
        (3, "output", 0),
    }
    assert len({f["hashed_secret"] for f in findings}) == 1, "echoes are linked by their hash"
    assert len({f["type"] for f in findings}) == 1
    after = jp_root_dir / "echo.ipynb"
    assert (after.read_bytes() if after.exists() else None) == before, "a blocked save wrote"


def test_strip_findings_refuses_a_value_it_left() -> None:
    pw = fake_password()
    model = leaking_notebook(pw)
    findings = Scanner().scan_model(model)
    stripped = strip_findings(model, findings)
    assert forms_left(json.dumps(stripped["content"]).encode(), pw) == 0
    seed = [f for f in findings if f.cell_index == 0]
    with pytest.raises(ScanFailed, match="not every secret could be redacted"):
        strip_findings(model, seed)  # the echoes are left: a rescan alone would pass it
