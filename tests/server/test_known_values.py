"""Known values: a real kernel of this server fetches a short password; a notebook holding it
where no detector would look is blocked, and no trace of the value is left on disk."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.leaks import traces

from .conftest import Api


def short_password() -> str:
    # Mixed case and digits, 9 characters: no detector flags it on its own.
    rng = random.SystemRandom()
    return "".join(rng.choices(string.ascii_letters, k=5) + rng.choices(string.digits, k=4))


def notebook_with(value: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("run_report()")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"status: {value} ok\n")]
    nb.cells = [cell]
    return {"type": "notebook", "format": "json", "content": nb}


async def run_in_kernel(api: Api, serverapp: Any, code: str) -> dict[str, Any]:
    started = await api("POST", "api/kernels", {"name": "python3"})
    assert started.status == 201, started.body[:300]
    kernel_id = started.json()["id"]
    client = serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply: dict[str, Any] = await client.execute_interactive(
            code, timeout=60, output_hook=lambda msg: None
        )
    finally:
        client.stop_channels()
        await api("DELETE", f"api/kernels/{kernel_id}")
    assert reply["content"]["status"] == "ok", reply["content"].get("ename")
    return reply


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("how", ["announce", "magic"])
async def test_fetched_short_password_blocks_the_save(
    api: Api,
    jp_serverapp: Any,
    jp_root_dir: Path,
    jp_data_dir: Path,
    jp_runtime_dir: Path,
    jp_config_dir: Path,
    caplog: Any,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    value = short_password()
    model = notebook_with(value)
    before = await api("POST", "jupyter-secrets/scan", {"model": model, "path": "report.ipynb"})
    assert before.status == 200 and before.json()["findings"] == [], "a detector flags it already"

    if how == "announce":
        code = (
            "from jupyter_secrets.kernel_link import announce, flush\n"
            f"announce('dev/x/pw', {value!r}); flush()"
        )
    else:
        # The env backend is the one real store every machine has.
        monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "env")
        monkeypatch.setenv("SECRET_DEV_X_PW", value)
        code = (
            "%load_ext jupyter_secrets\n"
            "pw = %secret dev/x/pw\n"
            "from jupyter_secrets.kernel_link import flush; flush()"
        )
    await run_in_kernel(api, jp_serverapp, code)

    reply = await api("PUT", "api/contents/report.ipynb", model)
    assert reply.status == 422, f"save with a fetched value answered {reply.status}"
    findings = reply.json()["findings"]
    assert [f["type"] for f in findings] == ["Known secret value"]
    assert findings[0]["location"] == "output"
    assert not (jp_root_dir / "report.ipynb").exists()
    assert value not in reply.body.decode(), "value leaked into the 422 body"

    for path in files_under(jp_root_dir, jp_data_dir, jp_runtime_dir, jp_config_dir):
        data = path.read_bytes()
        for trace in traces(value):
            assert trace not in data, f"a trace of the value was written to {path.name}"
    assert value not in caplog.text, "value leaked into the server log"


async def test_link_rejects_wrong_token(api: Api) -> None:
    reply = await api(
        "POST",
        "jupyter-secrets/known",
        {"ref": "dev/x", "fingerprints": ["jsfp1:9:" + "0" * 64]},
        headers={"Authorization": "", "X-Jupyter-Secrets-Link": "guess"},
    )
    assert reply.status == 403


async def test_link_env_is_not_left_for_subprocesses(api: Api, jp_serverapp: Any) -> None:
    code = (
        "import os, subprocess, sys\n"
        "assert 'JUPYTER_SECRETS_LINK' not in os.environ  # taken when the extension loaded\n"
        "from jupyter_secrets import kernel_link\n"
        "assert kernel_link.capture()\n"
        "child = subprocess.run([sys.executable, '-c', "
        "'import os; print(\"JUPYTER_SECRETS_LINK\" in os.environ)'], capture_output=True, text=True)\n"
        "assert child.stdout.strip() == 'False', child.stdout\n"
    )
    reply = await run_in_kernel(api, jp_serverapp, code)
    assert json.dumps(reply["content"]).count("error") == 0
