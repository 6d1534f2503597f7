"""In a real IPython kernel the file backend asks for its passphrase through
the frontend's password box (ipykernel routes getpass to an input_request)."""

from __future__ import annotations

import queue
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from tests.support.jupyter_env import isolated_env

REPO = Path(__file__).resolve().parents[2]

SET_CODE = """
import secrets
from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.refs import SecretRef
backend = EncryptedFileBackend(path={path!r})
value = "fake-" + secrets.token_urlsafe(16)
backend.set(SecretRef("dev/db/password"), value)
assert EncryptedFileBackend(path={path!r}).get(SecretRef("dev/db/password")).value == value
print("stored")
"""


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[BlockingKernelClient]:
    env = isolated_env(tmp_path / "home", {"PYTHONPATH": str(REPO)})
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_answering_prompts(
    client: BlockingKernelClient, code: str, answer: str
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    msg_id = client.execute(code, allow_stdin=True)
    prompts: list[dict[str, Any]] = []
    while True:
        try:
            request = client.get_stdin_msg(timeout=0.2)
            prompts.append(request["content"])
            client.input(answer)
        except queue.Empty:
            pass
        try:
            reply = client.get_shell_msg(timeout=0.2)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    stdout = []
    while True:
        try:
            message = client.get_iopub_msg(timeout=1)
        except queue.Empty:
            break
        if message["msg_type"] == "stream":
            stdout.append(message["content"]["text"])
    return reply["content"], prompts, "".join(stdout)


@pytest.mark.slow
def test_kernel_prompts_through_the_frontend_password_box(
    kernel: BlockingKernelClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store" / "secrets.enc"
    passphrase = secrets.token_urlsafe(12)
    reply, prompts, stdout = run_answering_prompts(
        kernel, SET_CODE.format(path=str(path)), passphrase
    )
    assert reply["status"] == "ok", f"{reply.get('ename')}: {reply.get('evalue')}"
    assert "stored" in stdout
    # New store: chosen and repeated, both masked; then the key is reused, no third prompt.
    assert len(prompts) == 2
    assert all(p["password"] for p in prompts)
    assert "Choose a passphrase" in prompts[0]["prompt"]
    assert passphrase not in stdout, "passphrase leaked into output"
    # The file opens with the passphrase typed in the frontend.
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", passphrase)
    infos = EncryptedFileBackend(path=str(path)).list()
    assert [(i.path, i.version) for i in infos] == [("dev/db/password", "1")]
