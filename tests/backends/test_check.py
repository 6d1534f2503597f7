"""Backend.check(): the verification doctor runs, as third-party backends inherit it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from jupyter_secrets.backends import registry
from jupyter_secrets.backends.base import Backend, SecretInfo, SecretRecord, Viability
from jupyter_secrets.backends.router import Router
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import BackendLockedError, BackendUnavailableError
from jupyter_secrets.refs import SecretRef

from .test_registry import install_plugins

MARKER = "fake-marker-in-an-exception-text"


class PluginBackend(Backend):
    """A plugin that implements only the abstract methods."""

    name: ClassVar[str] = "plugin"

    def __init__(self, fail: BaseException | None = None, viable: bool = True) -> None:
        super().__init__()
        self.fail = fail
        self.is_viable = viable
        self.listed = 0

    def viable(self) -> Viability:
        return Viability(self.is_viable, "reachable" if self.is_viable else "not installed here")

    def get(self, ref: SecretRef) -> SecretRecord:
        raise self.not_found(ref)

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        self.listed += 1
        if self.fail is not None:
            raise self.fail
        return [SecretInfo(path="dev/a/b", backend=self.name)]


def test_default_check_lists_the_store() -> None:
    backend = PluginBackend()
    assert backend.check() == Viability(True, "reachable; verified: it lists 1 secret")
    assert backend.listed == 1


def test_default_check_stops_at_viable() -> None:
    backend = PluginBackend(viable=False)
    assert backend.check() == Viability(False, "not installed here")
    assert backend.listed == 0


@pytest.mark.parametrize(
    ("error", "locked"),
    [
        (BackendLockedError("the vault is sealed; unseal it"), True),
        (BackendUnavailableError("the vault is unreachable; check the address"), False),
    ],
)
def test_default_check_reports_store_errors(error: Any, locked: bool) -> None:
    verdict = PluginBackend(fail=error).check()
    assert verdict == Viability(False, error.message, locked=locked)


def test_default_check_survives_a_plugin_bug_without_its_text() -> None:
    verdict = PluginBackend(fail=RuntimeError(MARKER)).check()
    assert not verdict.ok
    assert "RuntimeError" in verdict.reason and MARKER not in verdict.reason
    assert "\n" not in verdict.reason


@pytest.fixture
def fresh_discovery() -> Iterator[None]:
    registry.refresh()
    yield
    registry.refresh()


def test_doctor_runs_the_inherited_check_of_installed_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_discovery: None
) -> None:
    install_plugins(
        tmp_path,
        monkeypatch,
        [
            "memory = tests.backends.plugin_fixture:MemoryBackend",
            "check-raises = tests.backends.plugin_fixture:CheckRaisesBackend",
        ],
    )
    rows = {row.name: row for row in Router(SecretsConfig()).doctor()}
    assert rows["memory"].viable and rows["memory"].is_default
    assert rows["memory"].reason == "in memory; verified: it lists 0 secrets"
    assert not rows["check-raises"].viable
    assert rows["check-raises"].reason.startswith("check() failed (RuntimeError)")
    assert "fake-marker" not in rows["check-raises"].reason
