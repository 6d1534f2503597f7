"""Stores for the rotation tests: every backend here that keeps versions."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.manager import SecretManager
from tests.backends.conftest import SECRET_SERVICE, secret_service_problem
from tests.support.strict import require

#: Backends that keep versions and can be run here without a network fake.
VERSIONED = ["file", "keyring"]


@pytest.fixture(params=VERSIONED)
def manager(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretManager]:
    options: dict[str, dict[str, object]] = {}
    if request.param == "file":
        monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(16))
        options["file"] = {"path": str(tmp_path / "secrets.enc")}
    else:
        problem = secret_service_problem()
        require(problem is None, problem or "")
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE)
        options["keyring"] = {"service": f"jupyter-secrets-rotation-{secrets.token_hex(4)}"}
    settings = SecretsConfig(
        routes={"": request.param},
        backend_options=options,
        audit_log=str(tmp_path / "audit.log"),
        cache_ttl=0,
    )
    yield SecretManager(settings, user="alice")
