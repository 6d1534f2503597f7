"""Rotation on every versioned backend here: promote, roll back, apply and revert.

The dependent system is :mod:`tests.rotation.system` (a credential file); the real
database case is ``test_postgres_rotation``. Values are fake, made per test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from jupyter_secrets.errors import BackendReadOnlyError, ConfigError, RotationError
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.rotation import Rotator, plan_from
from tests.rotation import system
from tests.support.fakes import fake_secret

REF = "prod/warehouse/password"
ALWAYS_FAILS = [sys.executable, "-c", "import sys; sys.exit(3)"]
CHECKS_NEW = [sys.executable, "-c",
              "import os, sys; sys.exit(0 if os.environ['JUPYTER_SECRETS_NEW_VALUE'] else 1)"]  # fmt: skip


def rotator(manager: SecretManager, tmp_path: Path) -> tuple[Rotator, list[str]]:
    said: list[str] = []
    return Rotator(manager, said.append, tmp_path), said


def current(manager: SecretManager, version: str | None = None) -> str:
    backend = manager.router.backend_for(SecretRef(REF))
    return backend.get(SecretRef(REF, version)).value


def audit(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]


def dependent(tmp_path: Path, password: str, refuse: bool = False) -> dict[str, object]:
    path = tmp_path / "system.json"
    if not path.exists():
        system.create(path, password)
    return {
        "python": "tests.rotation.system:change_password",
        "args": {"path": str(path), "refuse": refuse},
    }


def test_passing_validation_promotes(manager: SecretManager, tmp_path: Path) -> None:
    old = fake_secret()
    manager.set(REF, old)
    plan = plan_from(
        {"ref": REF, "generate": "db-password", "apply": dependent(tmp_path, old),
         "validate": {"python": "tests.rotation.system:log_in",
                      "args": {"path": str(tmp_path / "system.json")}}},
        "test",
    )  # fmt: skip
    engine, said = rotator(manager, tmp_path)
    result = engine.rotate(plan)
    new = current(manager)
    assert new != old and len(new) == 32
    assert current(manager, "previous") == old, "@previous is not the old value"
    assert system.accepts(tmp_path / "system.json", new)
    assert result.steps == ["applied", "staged", "validated", "promoted"]
    events = [e for e in audit(tmp_path) if e["action"] == "rotate"]
    assert [e["outcome"] for e in events] == ["applied", "staged", "validated", "promoted"]
    log = (tmp_path / "audit.log").read_text() + "\n".join(said)
    assert old not in log and new not in log


def test_failing_validation_rolls_back(manager: SecretManager, tmp_path: Path) -> None:
    old = fake_secret()
    manager.set(REF, old)
    plan = plan_from(
        {"ref": REF, "generate": True, "apply": dependent(tmp_path, old),
         "validate": {"command": ALWAYS_FAILS}},
        "test",
    )  # fmt: skip
    engine, _ = rotator(manager, tmp_path)
    with pytest.raises(
        RotationError, match=r"validate failed: .* exited with 3; rolled back"
    ) as caught:
        engine.rotate(plan)
    assert "apply was reverted" in str(caught.value)
    assert current(manager) == old, "the current value changed"
    assert system.accepts(tmp_path / "system.json", old), "the system kept the new password"
    assert system.changes(tmp_path / "system.json") == 2, "apply and its revert"
    outcomes = [e["outcome"] for e in audit(tmp_path) if e["action"] == "rotate"]
    assert outcomes[-3:] == ["reverted", "rolled_back", "failed"]
    failed = [e for e in audit(tmp_path) if e["outcome"] == "failed"]
    assert failed[0]["step"] == "validate" and "exited with 3" in str(failed[0]["reason"])


def test_a_failing_apply_changes_nothing(manager: SecretManager, tmp_path: Path) -> None:
    old = fake_secret()
    version = manager.set(REF, old)
    plan = plan_from(
        {"ref": REF, "generate": True, "apply": dependent(tmp_path, old, refuse=True),
         "validate": {"command": CHECKS_NEW}},
        "test",
    )  # fmt: skip
    engine, _ = rotator(manager, tmp_path)
    with pytest.raises(RotationError, match=r"apply failed: .*RuntimeError: the system refuses"):
        engine.rotate(plan)
    assert current(manager) == old
    record = manager.router.backend_for(SecretRef(REF)).get(SecretRef(REF))
    assert record.version == version, "a version was written"
    assert system.accepts(tmp_path / "system.json", old)
    assert system.changes(tmp_path / "system.json") == 0


def test_a_step_message_never_shows_a_value(manager: SecretManager, tmp_path: Path) -> None:
    """The stand-in system puts the password it was given in its error text."""
    stale = fake_secret()
    manager.set(REF, fake_secret())
    system.create(tmp_path / "system.json", stale)  # accepts another password
    plan = plan_from({"ref": REF, "generate": True, "apply": dependent(tmp_path, stale)}, "t")
    engine, said = rotator(manager, tmp_path)
    with pytest.raises(RotationError) as caught:
        engine.rotate(plan)
    text = str(caught.value) + "\n".join(said) + (tmp_path / "audit.log").read_text()
    assert "PermissionError: login failed for password …" in str(caught.value)
    assert current(manager) not in text


def test_a_hanging_validation_is_stopped_and_rolled_back(
    manager: SecretManager, tmp_path: Path
) -> None:
    old = fake_secret()
    manager.set(REF, old)
    hang = {"command": [sys.executable, "-c", "import time; time.sleep(300)"], "timeout": 1}
    plan = plan_from({"ref": REF, "generate": True, "validate": hang}, "test")
    engine, _ = rotator(manager, tmp_path)
    with pytest.raises(RotationError, match="did not finish within 1 s and was stopped"):
        engine.rotate(plan)
    assert current(manager) == old


def test_read_only_and_missing_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_secrets.config import SecretsConfig

    monkeypatch.setenv("SECRET_PROD_WAREHOUSE_PASSWORD", fake_secret())
    settings = SecretsConfig(routes={"": "env"}, audit_log=str(tmp_path / "a.log"))
    engine, _ = rotator(SecretManager(settings, user="alice"), tmp_path)
    with pytest.raises(BackendReadOnlyError, match="read-only: rotate it in the store behind it"):
        engine.rotate(plan_from({"ref": REF, "generate": True}, "test"))


def test_approvers(manager: SecretManager, tmp_path: Path) -> None:
    manager.set(REF, fake_secret())
    plan = plan_from({"ref": REF, "generate": True, "approvers": ["bob", "carol"]}, "test")
    engine, _ = rotator(manager, tmp_path)
    with pytest.raises(ConfigError, match="needs approval by one of bob, carol and none was given"):
        engine.rotate(plan)
    with pytest.raises(ConfigError, match="'mallory' is not one of them"):
        engine.rotate(plan, approver="mallory")
    engine.rotate(plan, approver="carol")
    approved = [e for e in audit(tmp_path) if e["outcome"] == "approved"]
    assert approved and approved[0]["approver"] == "carol" and approved[0]["user"] == "alice"
