"""The admin policy over a real server whose own configuration tries to turn the gate
off: the admin's block, fail-closed and writable scopes win, path by path, and
``GET /jupyter-secrets/policy`` says where each setting came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from jupyter_secrets.admin_policy import ENV_ADMIN_POLICY
from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key

from .conftest import Api, server_config

#: What a user puts in their own jupyter_server_config to get rid of the gate.
WEAKENING = {
    "save_policy": "off",
    "path_policies": {"scratch/**": "off"},
    "fail_closed": False,
    "writable_scopes": ["dev", "stg", "prod"],
}
ADMIN = {
    "JupyterSecrets": {"save_policy": "block", "fail_closed": True, "writable_scopes": ["dev"]}
}


@pytest.fixture
def admin_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path_factory.mktemp("etc-jupyter")
    directory.chmod(0o755)
    path = directory / "jupyter_secrets_policy.json"
    path.write_text(json.dumps(ADMIN))
    path.chmod(0o644)
    monkeypatch.setenv(ENV_ADMIN_POLICY, str(path))
    return path


@pytest.fixture
def jp_server_config(admin_file: Path) -> Config:
    return server_config(WEAKENING)


def leaking_notebook() -> dict[str, Any]:
    nb = nbf.new_notebook()
    nb.cells = [
        nbf.new_code_cell(f'client = connect(key_id="{fake_aws_key()}")')
    ]  # pragma: allowlist secret
    return {"type": "notebook", "format": "json", "content": nb}


async def test_the_admin_policy_wins_over_the_users_config(
    capfd: pytest.CaptureFixture[str], api: Api, jp_root_dir: Path, admin_file: Path
) -> None:
    (jp_root_dir / "scratch").mkdir()
    for path in ("report.ipynb", "scratch/try.ipynb"):
        reply = await api("PUT", f"api/contents/{path}", leaking_notebook())
        assert reply.status == 422, f"{path}: the user's 'off' let a key through ({reply.status})"
        assert not (jp_root_dir / path).exists()
    policy = (
        await api("GET", "jupyter-secrets/policy", params={"path": "scratch/try.ipynb"})
    ).json()
    assert policy["policy"] == "block" and policy["fail_closed"] is True
    assert policy["writable_scopes"] == ["dev"]
    assert policy["sources"]["save_policy"].startswith(f"admin policy {admin_file}")
    assert policy["sources"]["scanned_extensions"] == "default"
    # Without a path it reports what the gate applies where no glob matches: the
    # admin's block, not the user's own "off".
    default = (await api("GET", "jupyter-secrets/policy")).json()
    assert (default["policy"], default["default_policy"]) == ("block", "block")
    assert default["confidence_actions"]["likely"] == "block"
    stored = await api("PUT", "jupyter-secrets/secrets/prod/db/pw", {"value": "x" * 16})
    assert stored.status == 403, "a scope the admin keeps read-only was written"
    # The server logs (to its stderr) what it ignored as it read its settings.
    logged = capfd.readouterr().err
    assert (
        "ignored: JupyterSecrets.save_policy 'off' is less strict than the admin's 'block'"
        in logged
    )
    assert "JupyterSecrets.path_policies['scratch/**'] 'off' is less strict" in logged


async def test_a_file_others_can_write_is_no_admin_policy(
    api: Api, jp_root_dir: Path, admin_file: Path
) -> None:
    """Checked at start: the server above read the file; one made writable is ignored."""
    from jupyter_secrets.admin_policy import load_admin_policy

    admin_file.chmod(0o666)
    policy = load_admin_policy([admin_file])
    assert not policy and policy.ignored_files == [
        f"{admin_file}: the file {admin_file} is writable by others than root"
    ]
