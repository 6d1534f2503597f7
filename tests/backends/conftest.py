"""Fixtures for the backend tests: a clean environment, a real Secret Service."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.backends.keyring import KeyringBackend
from tests.support.strict import STRICT_VARIABLE, skip_or_fail

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No inherited secrets, overrides or passphrases; cwd has no .env above it."""
    for key in list(os.environ):
        if key.startswith(("SECRET_", "JUPYTER_SECRETS_")) and key not in (
            STRICT_VARIABLE,
            "JUPYTER_SECRETS_TEST_KEYRING_PASSWORD",
        ):
            monkeypatch.delenv(key)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    value = secrets.token_urlsafe(16)
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", value)
    return value


@pytest.fixture
def file_backend(tmp_path: Path, passphrase: str) -> EncryptedFileBackend:
    return EncryptedFileBackend(path=str(tmp_path / "store" / "secrets.enc"))


def secret_service_problem() -> str | None:
    """Why the real Secret Service cannot be used here, or None when it can."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus (run the tests under scripts/with-secret-service)"
    try:
        import secretstorage
    except ImportError:
        return "secretstorage is not installed"
    try:
        connection = secretstorage.dbus_init()
        try:
            if not secretstorage.check_service_availability(connection):
                return "no Secret Service on the session bus (start gnome-keyring-daemon)"
            if secretstorage.get_default_collection(connection).is_locked():
                return "the default Secret Service collection is locked"
        finally:
            connection.close()
    except Exception as exc:
        return f"Secret Service unreachable: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def secret_service() -> None:
    """Skip without a reachable, unlocked Secret Service; fail instead in strict mode."""
    problem = secret_service_problem()
    if problem is not None:
        skip_or_fail(problem)


@pytest.fixture
def keyring_backend(secret_service: None) -> Iterator[KeyringBackend]:
    """The keyring backend on the real Secret Service, in a service name of its own."""
    backend = KeyringBackend(
        service="jupyter-secrets-test-" + secrets.token_hex(4), keyring_backend=SECRET_SERVICE
    )
    yield backend
    for info in backend.list():
        from jupyter_secrets.refs import SecretRef

        backend.delete(SecretRef(info.path))
