from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakes import fake_secret
from tests.support.jupyter_env import JupyterDirs, isolated_env
from tests.support.strict import require

from .harness import Kernel


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def write_secrets_config(home: Path, routes: dict[str, str], **extra: object) -> None:
    config_dir = JupyterDirs(home).config
    config_dir.mkdir(parents=True, exist_ok=True)
    config = {"SecretsConfig": {"routes": routes, **extra}}
    (config_dir / "jupyter_secrets_config.json").write_text(json.dumps(config))


@pytest.fixture
def env_value() -> str:
    return fake_secret("Ev", 18)  # pragma: allowlist secret


@pytest.fixture
def kernel(home: Path, env_value: str) -> Iterator[Kernel]:
    write_secrets_config(home, {"dev/env/": "env", "": "env"})
    env = isolated_env(home, {"SECRET_DEV_ENV_TOKEN": env_value})
    k = Kernel(home, env, extra_arguments=["--HistoryManager.db_log_output=True"])
    k.planted.append(env_value)
    try:
        yield k
    finally:
        k.shutdown()


def secret_service_available() -> bool:
    try:
        import keyring
        from keyring.backends import SecretService

        backend = keyring.get_keyring()
        if not isinstance(backend, SecretService.Keyring):
            return False
        keyring.get_password("jupyter-secrets-probe", "probe")
        return True
    except Exception:
        return False


@pytest.fixture
def secret_service() -> None:
    require(
        secret_service_available(),
        "no unlocked Secret Service; run the tests under scripts/with-secret-service",
    )
