"""A real ``jupyter server`` subprocess with the extension, and real kernels it starts,
driven through its REST API and the kernels' own channels (jupyter_client)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient

from tests.server.real_server import start_server
from tests.support import notebooks as nbf
from tests.support.server import JupyterServer

LINK_FILE_GLOB = "jupyter-secrets-link-*"


@dataclass
class Cell:
    status: str
    stdout: str
    stderr: str
    ename: str = ""

    def json(self) -> Any:
        """The last line of stdout as JSON (what a test cell reports)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


@dataclass
class LinkedKernel:
    server: JupyterServer
    kernel_id: str
    client: BlockingKernelClient = field(repr=False)

    def run(self, code: str, timeout: float = 300) -> Cell:
        msg_id = self.client.execute(code)
        out: dict[str, list[str]] = {"stdout": [], "stderr": []}
        ename = ""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.client.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out[content["name"]].append(content["text"])
            elif kind == "error":
                ename = content["ename"]
            elif kind == "status" and content["execution_state"] == "idle":
                break
        reply = self.client.get_shell_msg(timeout=60)
        return Cell(
            reply["content"]["status"], "".join(out["stdout"]), "".join(out["stderr"]), ename
        )

    def restart(self) -> None:
        status, _, body = self.server.request("POST", f"api/kernels/{self.kernel_id}/restart")
        assert status == 200, body[:300]
        self.client.stop_channels()
        self.client = connect(self.server, self.kernel_id)

    def stop(self) -> None:
        self.client.stop_channels()
        self.server.request("DELETE", f"api/kernels/{self.kernel_id}")


def connect(server: JupyterServer, kernel_id: str) -> BlockingKernelClient:
    """A client of the kernel, once it answers kernel_info.

    A client without a kernel manager judges the kernel dead by its heartbeat alone, and a
    kernel still starting on a loaded machine can miss one ("Kernel died before replying",
    one clean-clone run). So a "died" is believed only when the server agrees the kernel is
    gone or dead; otherwise the client connects again, within the same overall deadline.
    """
    deadline = time.monotonic() + 120
    while True:
        client = BlockingKernelClient()
        client.load_connection_file(str(server.dirs.runtime / f"kernel-{kernel_id}.json"))
        client.start_channels()
        try:
            client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            return client
        except RuntimeError:
            client.stop_channels()
            status, _, body = server.request("GET", f"api/kernels/{kernel_id}")
            state = json.loads(body).get("execution_state") if status == 200 else None
            if state in (None, "dead") or time.monotonic() > deadline:
                raise


def start_kernel(server: JupyterServer) -> LinkedKernel:
    status, _, body = server.request("POST", "api/kernels", {"name": "python3"})
    assert status == 201, body[:300]
    kernel_id = json.loads(body)["id"]
    return LinkedKernel(server, kernel_id, connect(server, kernel_id))


@contextlib.contextmanager
def running_server(
    base: Path, extra: list[str] | None = None, env: Mapping[str, str] | None = None
) -> Iterator[JupyterServer]:
    """``start_server(base)``; ``env`` reaches the server and its kernels."""
    server = start_server(base, with_extension=True, extra=extra, env=env)
    try:
        yield server
    finally:
        server.stop()


def notebook_with(text: str) -> dict[str, Any]:
    """A notebook whose one output shows ``text`` (where no detector looks for passwords)."""
    nb = nbf.new_notebook()
    cell = nbf.new_code_cell("run_report()")
    cell.outputs = [nbf.new_output("stream", name="stdout", text=text + "\n")]
    nb.cells = [cell]
    return {"type": "notebook", "format": "json", "content": nb}


def source_notebook(source: str) -> dict[str, Any]:
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_code_cell(source)]
    return {"type": "notebook", "format": "json", "content": nb}


def save(server: JupyterServer, path: str, model: dict[str, Any]) -> int:
    status, _, _ = server.request("PUT", f"api/contents/{path}", model)
    return status


def link_files(server: JupyterServer) -> list[Path]:
    return sorted(server.dirs.runtime.glob(LINK_FILE_GLOB))
