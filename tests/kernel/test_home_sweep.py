"""Acceptance for issue 2: after a scripted session through a real jupyter server,
no file anywhere under the session's HOME holds the value or its encodings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from jupyter_client.blocking.client import BlockingKernelClient

from tests.support import notebooks as nbf
from tests.support.fakes import fake_secret
from tests.support.server import start_jupyter

from .conftest import write_secrets_config
from .harness import leaked_forms
from .test_kernel_redaction import LEAKY_CELLS

KERNEL_START_BUDGET_S = 240.0  # a kernel on a loaded 2-core machine starts slowly


def ready_client(connection_file: Path) -> BlockingKernelClient:
    """A client whose kernel answered kernel_info. Under load the heartbeat can miss its
    first beats, and jupyter_client then reports the kernel dead although it is starting:
    connect again until the budget is spent."""
    deadline = time.monotonic() + KERNEL_START_BUDGET_S
    while True:
        client = BlockingKernelClient()
        client.load_connection_file(str(connection_file))
        client.start_channels()
        try:
            client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            return client
        except RuntimeError:
            client.stop_channels()
            if time.monotonic() > deadline:
                raise


def run_cell(client: BlockingKernelClient, code: str) -> list[nbf.NotebookNode]:
    msg_id = client.execute(code)
    outputs: list[nbf.NotebookNode] = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(nbf.output_from_msg(msg))


def test_nothing_on_disk_after_a_scripted_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    value = fake_secret("Sw", 18)
    write_secrets_config(home, {"": "env"})
    profile = home / ".ipython/profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text("c.HistoryManager.db_log_output = True\n")
    log_dir = home / "logs"
    server = start_jupyter(
        "jupyter_server",
        home=home,
        root=work,
        log_path=log_dir / "server.log",
        args=["--ContentsManager.allow_hidden=True", "--debug"],
        env={"SECRET_DEV_SWEEP_PASSWORD": value},
    )
    base = server.base_url.rstrip("/")
    headers = {"Authorization": f"token {server.token}"}
    try:
        notebook = nbf.new_notebook()
        put = requests.put(
            f"{base}/api/contents/etl.ipynb",
            json={"type": "notebook", "content": notebook},
            headers=headers,
            timeout=30,
        )
        assert put.status_code == 201, put.text[:300]
        session = requests.post(
            f"{base}/api/sessions",
            json={"path": "etl.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
            headers=headers,
            timeout=60,
        ).json()
        kernel_id = session["kernel"]["id"]
        client = ready_client(server.dirs.runtime / f"kernel-{kernel_id}.json")
        link = run_cell(client, "import os; print('JUPYTER_SECRETS_LINK' in os.environ)")
        assert [o.get("text") for o in link] == ["False\n"], (
            "the server link token is visible to cells"
        )
        cells = ["pw = %secret dev/sweep/password", *LEAKY_CELLS]
        for code in cells:
            cell = nbf.new_code_cell(code)
            cell.outputs = run_cell(client, code)
            notebook.cells.append(cell)
        run_cell(client, "get_ipython().history_manager.writeout_cache()")
        client.stop_channels()
        saved = requests.put(
            f"{base}/api/contents/etl.ipynb",
            json={"type": "notebook", "content": notebook},
            headers=headers,
            timeout=60,
        )
        assert saved.status_code == 200, "saving the redacted notebook failed: " + saved.text[:300]
        checkpoint = requests.post(
            f"{base}/api/contents/etl.ipynb/checkpoints", headers=headers, timeout=30
        )
        assert checkpoint.status_code == 201
        assert requests.delete(
            f"{base}/api/sessions/{session['id']}", headers=headers, timeout=60
        ).ok
    finally:
        server.stop(timeout=60)

    on_disk = nbf.read(work / "etl.ipynb", as_version=4)
    assert sum(len(c.outputs) for c in on_disk.cells) >= len(LEAKY_CELLS)
    assert "[REDACTED dev/sweep/password]" in json.dumps(on_disk)
    files = [p for p in home.rglob("*") if p.is_file()]
    expected = {
        "notebook": work / "etl.ipynb",
        "checkpoint": work / ".ipynb_checkpoints/etl-checkpoint.ipynb",
        "history": profile / "history.sqlite",
        "audit log": home / ".local/share/jupyter/jupyter_secrets/audit.log",
        "server log": log_dir / "server.log",
    }
    for name, path in expected.items():
        assert path in files, f"the {name} was not written, so the sweep would prove nothing"
    events = [json.loads(line) for line in expected["audit log"].read_text().splitlines()]
    reads = [e for e in events if e["ref"] == "dev/sweep/password" and e["outcome"] == "allowed"]
    assert reads, "the fetch was not audited"
    assert reads[0]["kernel_id"] == kernel_id
    assert str(reads[0]["notebook"]).endswith("etl.ipynb")
    assert reads[0]["backend"] == "env" and reads[0]["source"] == "kernel"
    leaks = {str(p.relative_to(home)): leaked_forms(p.read_bytes(), value) for p in files}
    assert {path: forms for path, forms in leaks.items() if forms} == {}
