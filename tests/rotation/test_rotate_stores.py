"""Rotation on the network stores: AWS Secrets Manager (a real moto server; staged
with AWSPENDING) and Vault KV v2 (the test server of ``tests/backends/vault_server``,
since no Vault can run here; set and roll back).

On AWS the validation notebook reads ``%secret REF`` as any notebook does: only the
pin of the staged version makes it read the new value (AWSCURRENT is still the old
one then), and the stand-in system accepts only the new one after apply.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import RotationError
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.rotation import Rotator, plan_from
from tests.backends.moto_server import REGION, ErrorServer, MotoServer
from tests.backends.vault_server import VaultServer
from tests.rotation import system
from tests.support.fakes import fake_secret

REF = "prod/warehouse/password"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def aws_config(moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AWS-routed configuration file, read by this process and the kernels it starts."""
    moto.reset()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-" + secrets.token_hex(8))
    monkeypatch.setenv(
        "AWS_SECRET_ACCESS_KEY", "testing-" + secrets.token_urlsafe(24)
    )  # pragma: allowlist secret
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the notebook imports tests.rotation.system
    config = tmp_path / "jupyter_secrets_config.json"
    options = {"aws": {"endpoint_url": moto.url, "recovery_window_days": 0, "max_attempts": 1}}
    settings = {"routes": {"": "aws"}, "backend_options": options,
                "audit_log": str(tmp_path / "audit.log"), "cache_ttl": 0}  # fmt: skip
    config.write_text(json.dumps({"SecretsConfig": settings}))
    monkeypatch.setenv("JUPYTER_SECRETS_CONFIG", str(config))
    return config


def manager_for(config: Path) -> SecretManager:
    settings = json.loads(config.read_text())["SecretsConfig"]
    return SecretManager(SecretsConfig(**settings), user="alice")


def checking_notebook(directory: Path) -> str:
    source = [
        f"pw = %secret {REF}",
        "from pathlib import Path\nfrom tests.rotation import system\n"
        f"assert system.accepts(Path({str(directory / 'system.json')!r}), pw)",
    ]
    cells: list[dict[str, Any]] = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
              "outputs": [], "source": text} for i, text in enumerate(source)]  # fmt: skip
    notebook = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}}}  # fmt: skip
    (directory / "check.ipynb").write_text(json.dumps(notebook))
    return "check.ipynb"


def plan(directory: Path, old: str, refuse: bool = False, **extra: Any) -> Any:
    system.create(directory / "system.json", old)
    apply = {"python": "tests.rotation.system:change_password",
             "args": {"path": str(directory / "system.json"), "refuse": refuse}}  # fmt: skip
    return plan_from({"ref": REF, "generate": "db-password", "apply": apply, **extra}, "test")


def stages(moto: MotoServer) -> dict[str, list[str]]:
    import boto3  # type: ignore[import-untyped]

    client = boto3.client("secretsmanager", endpoint_url=moto.url, region_name=REGION)
    versions = client.list_secret_version_ids(SecretId=REF, IncludeDeprecated=True)["Versions"]
    return {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in versions}


def test_aws_staged_rotation_validated_by_a_notebook_reading_the_pinned_version(
    aws_config: Path, moto: MotoServer, tmp_path: Path
) -> None:
    manager = manager_for(aws_config)
    old = fake_secret()
    first = manager.set(REF, old)
    validate = {"notebook": checking_notebook(tmp_path), "timeout": 120}
    result = Rotator(manager, lambda _: None, tmp_path).rotate(
        plan(tmp_path, old, validate=validate)
    )
    backend = manager.router.backend_for(SecretRef(REF))
    new = backend.get(SecretRef(REF)).value
    assert new != old and system.accepts(tmp_path / "system.json", new)
    assert backend.get(SecretRef(REF, "previous")).value == old
    assert result.steps == ["staged", "applied", "validated", "promoted"]
    assert stages(moto) == {str(first): ["AWSPREVIOUS"], str(result.new_version): ["AWSCURRENT"]}


def test_aws_failing_validation_discards_the_staged_version(
    aws_config: Path, moto: MotoServer, tmp_path: Path
) -> None:
    manager = manager_for(aws_config)
    old = fake_secret()
    first = manager.set(REF, old)
    fails = {"command": [sys.executable, "-c", "raise SystemExit(1)"]}
    with pytest.raises(RotationError, match=r"rolled back: staged version \S+ discarded"):
        Rotator(manager, lambda _: None, tmp_path).rotate(plan(tmp_path, old, validate=fails))
    backend = manager.router.backend_for(SecretRef(REF))
    assert backend.get(SecretRef(REF)).value == old, "the current value changed"
    assert system.accepts(tmp_path / "system.json", old), "apply was not reverted"
    found = stages(moto)
    assert found[str(first)] == ["AWSCURRENT"]
    failed = [v for v in found if v != first]
    assert len(failed) == 1 and found[failed[0]] == ["jupyter-secrets-failed"], found


def test_aws_failing_apply_leaves_no_pending_version(
    aws_config: Path, moto: MotoServer, tmp_path: Path
) -> None:
    manager = manager_for(aws_config)
    old = fake_secret()
    first = manager.set(REF, old)
    with pytest.raises(RotationError, match="apply failed"):
        Rotator(manager, lambda _: None, tmp_path).rotate(plan(tmp_path, old, refuse=True))
    found = stages(moto)
    assert found[str(first)] == ["AWSCURRENT"]
    assert not any("AWSPENDING" in s for s in found.values()), found
    assert system.changes(tmp_path / "system.json") == 0


def test_vault_rotation_promotes_and_rolls_back(vault: VaultServer, tmp_path: Path) -> None:
    token_file = tmp_path / "vault-token"
    token_file.write_text(vault.root_token)
    options = {
        "vault": {"url": vault.url, "mount": vault.new_mount(), "token_file": str(token_file)}
    }
    settings = SecretsConfig(routes={"": "vault"}, backend_options=options,
                             audit_log=str(tmp_path / "audit.log"), cache_ttl=0)  # fmt: skip
    manager = SecretManager(settings, user="alice")
    backend = manager.router.backend_for(SecretRef(REF))
    old = fake_secret()
    manager.set(REF, old)
    ok = {"python": "tests.rotation.system:log_in", "args": {"path": str(tmp_path / "system.json")}}
    Rotator(manager, lambda _: None, tmp_path).rotate(plan(tmp_path, old, validate=ok))
    new = backend.get(SecretRef(REF)).value
    assert backend.get(SecretRef(REF, "previous")).value == old
    assert backend.get(SecretRef(REF)).version == "2"
    fails = {"command": [sys.executable, "-c", "raise SystemExit(2)"]}
    with pytest.raises(
        RotationError,
        match=r"rolled back: the old value is current again \(version 4\), failed version 3",
    ):
        Rotator(manager, lambda _: None, tmp_path).rotate(plan(tmp_path, new, validate=fails))
    assert backend.get(SecretRef(REF)).value == new, "the current value is not what it was"
    assert system.accepts(tmp_path / "system.json", new)


def test_a_store_that_answers_500_is_one_line_and_nothing_changes(tmp_path: Path) -> None:
    server = ErrorServer()
    server.start()
    try:
        config = tmp_path / "config.json"
        options = {"aws": {"endpoint_url": server.url, "max_attempts": 1, "region": REGION}}
        config.write_text(
            json.dumps({"SecretsConfig": {"routes": {"": "aws"}, "backend_options": options}})
        )
        env = {**os.environ, "JUPYTER_SECRETS_CONFIG": str(config), "HOME": str(tmp_path),
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
               "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "jupyter_secrets", "rotate", REF, "--generate"],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 5, result.stderr
        lines = result.stderr.strip().splitlines()
        assert (
            len(lines) == 1
            and "cannot read the current value of 'prod/warehouse/password'" in lines[0]
        )
        assert server.requests >= 1
    finally:
        server.stop()
