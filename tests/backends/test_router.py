"""Routing refs to backends, and doctor."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.backends import registry
from jupyter_secrets.backends.router import Router, format_doctor
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import BackendReadOnlyError, BackendUnavailableError, ConfigError
from jupyter_secrets.refs import SecretRef
from tests.support.fakes import fake_secret

from .test_registry import install_plugins

NO_KEYRING = {"keyring_backend": "keyring.backends.fail.Keyring"}


@pytest.fixture(autouse=True)
def fresh_discovery() -> Iterator[None]:
    registry.refresh()
    yield
    registry.refresh()


def settings(tmp_path: Path, **traits: Any) -> SecretsConfig:
    options = {"file": {"path": str(tmp_path / "s.enc")}, "keyring": NO_KEYRING}
    options.update(traits.pop("backend_options", {}))
    return SecretsConfig(backend_options=options, **traits)


def test_longest_prefix_wins(tmp_path: Path) -> None:
    router = Router(settings(tmp_path, routes={"": "env", "dev/": "keyring", "dev/db/": "file"}))
    assert router.backend_for(SecretRef("dev/db/password")).name == "file"
    assert router.backend_for(SecretRef("dev/api/key")).name == "keyring"
    assert router.backend_for(SecretRef("prod/db/password")).name == "env"


def test_env_var_overrides_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router(settings(tmp_path, routes={"dev/": "env"}, default_backend="env"))
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "file")
    assert router.backend_for(SecretRef("dev/db/password")).name == "file"
    assert router.backend_for(SecretRef("prod/x/y")).name == "file"
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "nope")
    with pytest.raises(
        ConfigError, match=r"\$JUPYTER_SECRETS_BACKEND names unknown backend 'nope'"
    ):
        router.backend_for(SecretRef("dev/db/password"))


def test_default_backend_for_unrouted_refs(tmp_path: Path) -> None:
    router = Router(settings(tmp_path, routes={"dev/": "file"}, default_backend="env"))
    assert router.backend_for(SecretRef("prod/db/password")).name == "env"
    assert router.backend_for(SecretRef("dev/db/password")).name == "file"


def test_automatic_default_is_best_viable_writable(tmp_path: Path) -> None:
    # keyring forced to keyring's fail backend: not viable, so the encrypted file serves.
    router = Router(settings(tmp_path))
    assert router.backend_for(SecretRef("dev/db/password")).name == "file"


def test_automatic_default_prefers_higher_priority_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugins(tmp_path, monkeypatch, ["memory = tests.backends.plugin_fixture:MemoryBackend"])
    assert Router(settings(tmp_path)).backend_for(SecretRef("dev/a/b")).name == "memory"
    broken = settings(tmp_path, backend_options={"memory": {"broken": True}})
    assert Router(broken).backend_for(SecretRef("dev/a/b")).name == "file"


@pytest.mark.keyring_service
def test_automatic_default_is_the_keyring_when_it_works(
    tmp_path: Path, secret_service: None
) -> None:
    router = Router(
        SecretsConfig(
            backend_options={
                "keyring": {"keyring_backend": "keyring.backends.SecretService.Keyring"}
            }
        )
    )
    assert router.backend_for(SecretRef("dev/db/password")).name == "keyring"


def test_no_writable_backend_works(tmp_path: Path) -> None:
    router = Router(settings(tmp_path, backend_options={"file": {"path": str(tmp_path)}}))
    with pytest.raises(BackendUnavailableError) as caught:
        router.backend_for(SecretRef("dev/db/password"))
    message = str(caught.value)
    assert message.startswith("no writable backend works here")
    assert "keyring:" in message and "file:" in message and "doctor" in message


def test_writable_backend_for(tmp_path: Path, passphrase: str) -> None:
    router = Router(settings(tmp_path, routes={"dev/": "env"}))
    ref = SecretRef("dev/db/password")
    with pytest.raises(BackendReadOnlyError) as caught:
        router.writable_backend_for(ref)
    message = str(caught.value)
    assert "'dev/db/password' goes to backend 'env' (route 'dev/')" in message
    assert "--backend file" in message and "--backend keyring" in message
    target = router.writable_backend_for(ref, explicit="file")
    assert target.name == "file"
    target.set(ref, fake_secret())  # the explicit backend really stores it
    assert [i.path for i in target.list()] == ["dev/db/password"]
    with pytest.raises(BackendReadOnlyError, match="was asked for"):
        router.writable_backend_for(ref, explicit="env")
    assert router.writable_backend_for(SecretRef("prod/x/y")).name == "file"


def test_instances_are_reused(tmp_path: Path) -> None:
    router = Router(settings(tmp_path, routes={"dev/": "file"}))
    first = router.backend_for(SecretRef("dev/a/b"))
    assert router.backend_for(SecretRef("dev/c/d")) is first
    assert router.writable_backend_for(SecretRef("dev/a/b")) is first
    assert router.backends()["file"] is first


def test_doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str) -> None:
    router = Router(
        settings(
            tmp_path,
            routes={"dev/": "file", "stg/": "env", "": "env", "prod/": "nosuch"},
            backend_options={"env": {"prefix": "bad prefix"}},
        )
    )
    rows = {row.name: row for row in router.doctor()}
    assert rows["file"].viable and rows["file"].writable and rows["file"].is_default
    assert rows["file"].routed_prefixes == ["dev/"]
    assert rows["file"].priority == 5.0
    assert not rows["keyring"].viable
    assert "keyring.backends.fail.Keyring" in rows["keyring"].reason
    assert not rows["env"].viable and "prefix" in rows["env"].reason  # bad options reported
    assert rows["env"].routed_prefixes == ["", "stg/"]
    assert not rows["nosuch"].viable
    assert "no such backend is installed" in rows["nosuch"].reason
    assert rows["nosuch"].routed_prefixes == ["prod/"]
    assert not any(row.forced for row in rows.values())
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "file")
    assert [r.name for r in router.doctor() if r.forced] == ["file"]
    text = format_doctor(router.doctor())
    assert "forced by $JUPYTER_SECRETS_BACKEND" in text
    assert len(text.splitlines()) == len(rows)


def test_doctor_verifies_instead_of_trusting_viable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str
) -> None:
    """viable() says the file store is fine whatever the passphrase; doctor decrypts it."""
    router = Router(settings(tmp_path))
    router.backend("file").set(SecretRef("dev/db/password"), fake_secret())
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", "not-the-passphrase")
    fresh = Router(settings(tmp_path))
    assert fresh.backend("file").viable().ok
    rows = {row.name: row for row in fresh.doctor()}
    assert not rows["file"].viable and rows["file"].is_default
    assert rows["file"].reason.startswith("wrong passphrase: $JUPYTER_SECRETS_PASSPHRASE")
    monkeypatch.delenv("JUPYTER_SECRETS_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to prompt
    rows = {row.name: row for row in Router(settings(tmp_path)).doctor()}
    assert not rows["file"].viable and rows["file"].locked
    assert rows["file"].reason.startswith("locked: set $JUPYTER_SECRETS_PASSPHRASE")


def test_in_use_is_what_the_configuration_sends_refs_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Router(settings(tmp_path)).in_use() == {"file"}  # the automatic default
    routed = Router(settings(tmp_path, routes={"prod/": "env"}, default_backend="keyring"))
    assert routed.in_use() == {"env", "keyring"}
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "env")
    assert Router(settings(tmp_path)).in_use() == {"env"}
