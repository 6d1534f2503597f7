"""Backend discovery through real entry points (a dist-info written to a temp dir)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_secrets import plugins
from jupyter_secrets.backends import registry
from jupyter_secrets.backends.encrypted_file import EncryptedFileBackend
from jupyter_secrets.backends.env import EnvBackend
from jupyter_secrets.backends.keyring import KeyringBackend
from jupyter_secrets.backends.router import Router
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import BackendUnavailableError, ConfigError

from .plugin_fixture import MemoryBackend

BUILTIN_CLASSES = {"env": EnvBackend, "keyring": KeyringBackend, "file": EncryptedFileBackend}


@pytest.fixture(autouse=True)
def fresh_discovery() -> Iterator[None]:
    registry.refresh()
    yield
    registry.refresh()


def install_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> None:
    """Make importlib.metadata see a distribution declaring these entry points."""
    dist = tmp_path / "site" / "fake_secrets_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-secrets-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text("[jupyter_secrets.backends]\n" + "\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry.refresh()


def test_builtins_are_available() -> None:
    found = registry.available_backends()
    for name, cls in BUILTIN_CLASSES.items():
        assert found[name] is cls


def test_builtins_without_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    # As when running from a source tree: no entry points at all.
    monkeypatch.setattr(plugins, "entry_points", lambda group: [])
    registry.refresh()
    assert {n: registry.available_backends()[n] for n in BUILTIN_CLASSES} == BUILTIN_CLASSES
    assert registry.plugin_failures() == {}


def test_plugins_load_and_broken_ones_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugins(
        tmp_path,
        monkeypatch,
        [
            "memory = tests.backends.plugin_fixture:MemoryBackend",
            "broken = no_such_module_for_jupyter_secrets:Backend",
            "notabackend = tests.backends.plugin_fixture:NOT_A_BACKEND",
        ],
    )
    found = registry.available_backends()
    assert found["memory"] is MemoryBackend
    assert set(BUILTIN_CLASSES) <= set(found)
    failures = registry.plugin_failures()
    assert set(failures) == {"broken", "notabackend"}
    assert "ModuleNotFoundError" in failures["broken"].reason
    assert "not a subclass" in failures["notabackend"].reason
    with pytest.raises(BackendUnavailableError, match=r"backend 'broken' .* failed to load"):
        registry.load_backend("broken", SecretsConfig())
    rows = {row.name: row for row in Router(SecretsConfig()).doctor()}
    assert not rows["broken"].viable
    assert "ModuleNotFoundError" in rows["broken"].reason
    assert rows["memory"].viable


def test_load_backend_passes_options() -> None:
    settings = SecretsConfig(backend_options={"env": {"prefix": "MYAPP_"}})
    backend = registry.load_backend("env", settings)
    assert isinstance(backend, EnvBackend)
    assert backend.prefix == "MYAPP_"


def test_unknown_backend_lists_known_names() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.load_backend("vault2", SecretsConfig())
    message = str(caught.value)
    assert "unknown backend 'vault2'" in message
    assert all(name in message for name in BUILTIN_CLASSES)


def test_unknown_option_is_a_config_error() -> None:
    settings = SecretsConfig(backend_options={"file": {"pathh": "/tmp/x"}})
    with pytest.raises(ConfigError, match=r"unknown option.*pathh.*known: max_versions"):
        registry.load_backend("file", settings)
