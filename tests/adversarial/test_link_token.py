"""A hostile cell hunts for its kernel's link token (the credential that lets a kernel add
known values to the save gate) in every place a process can read without a debugger, then
tries each candidate against the real server: with it, registering a fingerprint of
``import`` would make every save fail. Real ``jupyter server`` subprocess, real kernels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakes import fake_alnum
from tests.support.process import wait_until
from tests.support.server import JupyterServer

from .linkserver import (
    LinkedKernel,
    link_files,
    notebook_with,
    running_server,
    save,
    source_notebook,
    start_kernel,
)

HOSTILE = r"""
import json, os, re, subprocess, sys, types, urllib.error, urllib.request
import jupyter_secrets.kernel_link as kl

texts = [f"{k}={v}" for k, v in os.environ.items()]
with open("/proc/self/environ", "rb") as f:
    texts.append(f.read().decode("utf-8", "replace"))
child = "import os; print(open(f'/proc/{os.getppid()}/environ', 'rb').read().decode('utf-8', 'replace'))"
texts.append(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout)

def walk(obj, depth=0):
    if isinstance(obj, (bytes, bytearray)):
        obj = bytes(obj).decode("utf-8", "replace")
    if isinstance(obj, str):
        texts.append(obj)
    elif depth < 4 and isinstance(obj, dict):
        for k, v in list(obj.items()):
            walk(k, depth + 1)
            walk(v, depth + 1)
    elif depth < 4 and isinstance(obj, (list, tuple, set, frozenset)):
        for v in list(obj):
            walk(v, depth + 1)
    elif depth < 4 and hasattr(obj, "__dict__") and not callable(obj) and not isinstance(obj, types.ModuleType):
        walk(vars(obj), depth + 1)

walk(dict(vars(kl)))
blob = "\n".join(texts)
paths = set(re.findall(r"/[^\s\x00=:\"']*jupyter-secrets-link[^\s\x00\"']*", blob))
readable = 0
for path in paths:
    try:
        with open(path) as f:
            blob += f.read()
        readable += 1
    except OSError:
        pass
candidates = set(re.findall(r"[A-Za-z0-9_-]{32,}", blob))
accepted = 0
for token in candidates:
    request = urllib.request.Request(
        "http://127.0.0.1:%(port)d/jupyter-secrets/known",
        data=json.dumps({"ref": "x", "fingerprints": []}).encode(),
        method="POST",
        headers={"X-Jupyter-Secrets-Link": token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            accepted += reply.status != 403
    except urllib.error.HTTPError as error:
        accepted += error.code != 403
print(json.dumps({
    "linked": kl.capture(),
    "candidates": len(candidates),
    "accepted": accepted,
    "link_paths_seen": len(paths),
    "link_files_readable": readable,
}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with running_server(tmp_path_factory.mktemp("link-token")) as running:
        yield running


@pytest.fixture
def kernel(server: JupyterServer) -> Iterator[LinkedKernel]:
    linked = start_kernel(server)
    try:
        yield linked
    finally:
        linked.stop()


def announce_cell(value: str) -> str:
    return (
        "from jupyter_secrets.kernel_link import announce, flush\n"
        f"announce('dev/adv/pw', {value!r}); flush(30)\n"
    )


def test_hostile_cell_finds_no_usable_token(server: JupyterServer, kernel: LinkedKernel) -> None:
    cell = kernel.run(HOSTILE % {"port": server.port})
    assert cell.status == "ok", f"hostile cell failed: {cell.ename}"
    report = cell.json()
    assert report["linked"], "the kernel has no link: the test would prove nothing"
    assert report["candidates"] > 0
    assert report["accepted"] == 0, (
        f"{report['accepted']} token-like strings a cell can read authenticate the link"
    )
    assert report["link_files_readable"] == 0, "a cell can still read its link file"
    # Nothing registered by the cell: ordinary code still saves.
    assert save(server, "ordinary.ipynb", source_notebook("import os\nimport sys\n")) == 201
    # The link itself still works for the kernel's own fetches.
    value = fake_alnum()
    assert kernel.run(announce_cell(value)).status == "ok"
    assert save(server, "leak.ipynb", notebook_with(f"status: {value} ok")) == 422


def test_link_files_are_gone_once_kernels_run_and_stop(
    server: JupyterServer, kernel: LinkedKernel
) -> None:
    assert kernel.run("import jupyter_secrets.kernel_link as kl; print(kl.capture())").stdout == (
        "True\n"
    )
    assert link_files(server) == [], "a link file outlived its kernel's start"
    other = start_kernel(server)
    other.stop()
    wait_until(lambda: not link_files(server), 60, "the link file of a stopped kernel to go")


def test_restarted_kernel_gets_a_fresh_link(server: JupyterServer, kernel: LinkedKernel) -> None:
    kernel.restart()
    value = fake_alnum()
    cell = kernel.run(announce_cell(value))
    assert cell.status == "ok", cell.ename
    assert save(server, "after-restart.ipynb", notebook_with(f"pw {value}")) == 422
    assert link_files(server) == []


def test_token_is_per_kernel_and_revoked_at_shutdown(tmp_path: Path, server: JupyterServer) -> None:
    # Each kernel can read its own closure (same-user code can read its own memory); what
    # it must not get is a token that outlives it or speaks for another kernel.
    steal = (
        "import jupyter_secrets.kernel_link as kl\n"
        "def strings(fn, depth=0):\n"
        "    for cell in fn.__closure__ or ():\n"
        "        value = cell.cell_contents\n"
        "        if isinstance(value, str):\n"
        "            yield value\n"
        "        elif callable(value) and depth < 3:\n"
        "            yield from strings(value, depth + 1)\n"
        "print([s for s in strings(kl._sender) if len(s) > 30 and '/' not in s][0])\n"
    )
    first, second = start_kernel(server), start_kernel(server)
    try:
        tokens = [k.run(steal).stdout.strip() for k in (first, second)]
        (tmp_path / "t").write_text("\n".join(tokens))  # kept out of assertion messages
        assert tokens[0] != tokens[1], "two kernels share one link token"
    finally:
        first.stop()
    post = (
        "import json, urllib.error, urllib.request\n"
        "request = urllib.request.Request("
        f"'http://127.0.0.1:{server.port}/jupyter-secrets/known', "
        'data=b\'{"ref": "x", "fingerprints": []}\', method=\'POST\', '
        f"headers={{'X-Jupyter-Secrets-Link': open({str(tmp_path / 't')!r}).read().split()[0]}})\n"
        "try:\n"
        "    print(urllib.request.urlopen(request, timeout=30).status)\n"
        "except urllib.error.HTTPError as error:\n"
        "    print(error.code)\n"
    )
    try:
        assert second.run(post).stdout.strip() == "403", "a stopped kernel's token still works"
    finally:
        second.stop()
