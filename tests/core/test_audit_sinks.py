"""Audit sinks: the hub audit service as a sink, and reads of a guarded prefix failing
closed when it is down (real sockets: a port nothing listens on)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import BackendUnavailableError, ConfigError
from jupyter_secrets.manager import SecretManager
from tests.netutil import free_port
from tests.support.fakes import fake_secret


def guarded_manager(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sinks: list[str], **settings: str
) -> SecretManager:
    """Alice's manager over two env secrets, dev/db/pw and prod/db/pw, with reads of
    prod/ failing closed when a sink of ``sinks`` is down."""
    monkeypatch.setenv("SECRET_DEV_DB_PW", fake_secret())
    monkeypatch.setenv("SECRET_PROD_DB_PW", fake_secret())
    config = SecretsConfig(
        routes={"": "env"},
        audit_log=str(tmp_path / "audit.log"),
        audit_sinks=sinks,
        audit_fail_closed_prefixes=["prod/"],
        **settings,
    )
    return SecretManager(config, user="alice")


@pytest.fixture
def down_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SecretManager:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", fake_secret())
    url = f"http://127.0.0.1:{free_port()}/services/jupyter-secrets-audit/api/events"
    return guarded_manager(monkeypatch, tmp_path, ["file", "hub"], audit_service_url=url)


def test_a_guarded_read_fails_closed_and_others_go_on(
    down_service: SecretManager, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jupyter_secrets.audit")
    assert down_service.get("dev/db/pw")
    assert (
        "an audit event for dev/db/pw did not reach the hub audit service: ConnectionRefusedError"
        in caplog.text
    )
    with pytest.raises(BackendUnavailableError) as caught:
        down_service.get("prod/db/pw")
    assert str(caught.value) == (
        "the audit trail is down (the hub audit service: ConnectionRefusedError), so reads of "
        "prod/ fail closed until it is back (SecretsConfig.audit_fail_closed_prefixes); the "
        "value was not returned"
    )
    lines = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [(e["ref"], e["outcome"]) for e in lines] == [
        ("dev/db/pw", "allowed"),
        ("prod/db/pw", "allowed"),
    ]


def test_a_denial_is_never_failed_closed(down_service: SecretManager) -> None:
    down_service.settings.allowed_scopes = ["dev"]
    with pytest.raises(Exception, match="scope 'prod'"):
        down_service.get("prod/db/pw")


def test_the_service_url_must_be_http() -> None:
    settings = SecretsConfig(audit_sinks=["file", "hub"], audit_service_url="file:///etc/passwd")
    with pytest.raises(ConfigError, match="must be the audit service's http"):
        SecretManager(settings, user="alice")


def test_a_misspelled_sink_is_down_not_silently_dropped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``audit_sinks=["hubb"]`` used to send nothing anywhere and say nothing."""
    manager = guarded_manager(monkeypatch, tmp_path, ["file", "hubb"])
    caplog.set_level(logging.WARNING, logger="jupyter_secrets.audit")
    assert manager.get("dev/db/pw")
    assert "SecretsConfig.audit_sinks names 'hubb', which is no sink" in caplog.text
    with pytest.raises(BackendUnavailableError, match="reads of prod/ fail closed"):
        manager.get("prod/db/pw")
    assert len((tmp_path / "audit.log").read_text().splitlines()) == 2  # the file still has both
