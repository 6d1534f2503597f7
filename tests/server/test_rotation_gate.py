"""After a rotation, a kernel that fetched the old value and re-read the new one with
``%secret --refresh`` keeps the save gate blocking both: the old value is still in the
kernel's memory (the variable it was bound to, the cache of another name)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.rotation import Rotator, plan_from

from .conftest import Api
from .test_known_values import notebook_with, short_password

REF = "dev/warehouse/pw"


async def test_the_gate_blocks_the_old_and_the_new_value(
    api: Api, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "file")
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(16))
    manager = SecretManager(SecretsConfig(), user="alice")
    old, new = short_password(), short_password()
    manager.set(REF, old)
    for value in (old, new):
        model = notebook_with(value)
        scanned = await api("POST", "jupyter-secrets/scan", {"model": model, "path": "r.ipynb"})
        assert scanned.json()["findings"] == [], "a detector flags it already"

    started = await api("POST", "api/kernels", {"name": "python3"})
    kernel_id = started.json()["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()

    async def run(code: str) -> None:
        reply = await client.execute_interactive(code, timeout=60, output_hook=lambda m: None)
        assert reply["content"]["status"] == "ok", reply["content"].get("ename")

    try:
        await client.wait_for_ready(timeout=60)
        await run(f"%load_ext jupyter_secrets\nold = %secret {REF}")
        Rotator(manager, lambda _: None).rotate(plan_from({"ref": REF}, "test"), new_value=new)
        assert manager.router.backend_for(SecretRef(REF)).get(SecretRef(REF)).value == new
        await run(
            f"pw = %secret {REF} --refresh\nfrom jupyter_secrets.kernel_link import flush; flush()"
        )
        for which, value in (("old", old), ("new", new)):
            reply = await api("PUT", f"api/contents/{which}.ipynb", notebook_with(value))
            assert reply.status == 422, f"a notebook holding the {which} value was saved"
            assert [f["type"] for f in reply.json()["findings"]] == ["Known secret value"]
    finally:
        client.stop_channels()
        await api("DELETE", f"api/kernels/{kernel_id}")
