import io
import json
import secrets
import sys
from pathlib import Path

import pytest

from jupyter_secrets.audit import AuditLog
from jupyter_secrets.backends import encrypted_file
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import (
    BackendLockedError,
    InvalidRefError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from jupyter_secrets.manager import SecretManager, TTLCache
from jupyter_secrets.refs import SecretRef
from jupyter_secrets.resolve import resolve
from jupyter_secrets.value import SecretStr
from tests.support.fakes import fake_secret


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SecretsConfig:
    monkeypatch.delenv("JUPYTER_SECRETS_BACKEND", raising=False)
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(12))
    return SecretsConfig(
        routes={"dev/env/": "env"},
        default_backend="file",
        backend_options={
            "file": {"path": str(tmp_path / "store.enc")},
            "env": {"dotenv_paths": []},
        },
        audit_log=str(tmp_path / "audit.log"),
    )


@pytest.fixture
def manager(settings: SecretsConfig) -> SecretManager:
    return SecretManager(settings, user="alice")


def test_set_get_versions_and_fields(manager: SecretManager) -> None:
    first, second = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    assert manager.set("dev/db/password", first) == "1"
    assert manager.set("dev/db/password", second) == "2"
    assert manager.get("dev/db/password") == second
    assert manager.get("dev/db/password@previous") == first
    assert manager.get("secret://dev/db/password@1") == first
    document = {"user": "etl", "password": secrets.token_urlsafe(10), "port": 5432}
    manager.set("dev/db/conn", json.dumps(document))
    assert manager.get("dev/db/conn#password") == document["password"]
    assert manager.get("dev/db/conn#port") == "5432"
    with pytest.raises(
        SecretNotFoundError, match="has no field 'host'; its fields are: password, port, user"
    ):
        manager.get("dev/db/conn#host")


def test_value_type_masks_itself(manager: SecretManager) -> None:
    value = secrets.token_urlsafe(16)
    manager.set("dev/api/token", value)
    got = manager.get("dev/api/token")
    assert isinstance(got, SecretStr) and got.ref == "dev/api/token"
    assert repr(got) == "<secret dev/api/token>"
    assert f"Bearer {got}" == "Bearer " + value
    assert repr([got]) == "[<secret dev/api/token>]"
    with pytest.raises(TypeError, match="cannot be pickled"):
        __import__("pickle").dumps(got)


def test_cache_and_refresh(manager: SecretManager) -> None:
    manager.set("dev/c/x", "first-value")
    assert manager.get("dev/c/x") == "first-value"
    # A change made by another process is seen only after the TTL or with refresh.
    other = SecretManager(manager.settings, user="bob")
    other.set("dev/c/x", "second-value")
    assert manager.get("dev/c/x") == "first-value"
    assert manager.get("dev/c/x", refresh=True) == "second-value"


def test_ttl_cache_expires() -> None:
    now = [0.0]
    cache = TTLCache(10, clock=lambda: now[0])
    from jupyter_secrets.backends.base import SecretRecord

    cache.put(("file", "dev/a"), SecretRecord("v"))
    assert cache.get(("file", "dev/a")) is not None
    now[0] = 10.5
    assert cache.get(("file", "dev/a")) is None
    assert TTLCache(0).get(("file", "dev/a")) is None


def test_scope_denied_and_audited(manager: SecretManager, settings: SecretsConfig) -> None:
    with pytest.raises(ScopeDeniedError):
        manager.get("qa/db/password")
    event = AuditLog(settings.audit_log).read()[0]
    assert (event["ref"], event["outcome"], event["user"]) == ("qa/db/password", "denied", "alice")


def test_audit_trail_never_holds_values(manager: SecretManager, settings: SecretsConfig) -> None:
    value = secrets.token_urlsafe(20)
    manager.context.update(kernel_id="k-1", notebook="etl.ipynb")
    manager.set("dev/db/password", value)
    manager.get("dev/db/password")
    with pytest.raises(SecretNotFoundError):
        manager.get("dev/db/missing")
    events = AuditLog(settings.audit_log).read()
    assert [e["outcome"] for e in events] == ["not_found", "allowed", "stored"]
    assert events[1]["backend"] == "file" and events[1]["version"] == "1"
    assert events[1]["kernel_id"] == "k-1" and events[1]["notebook"] == "etl.ipynb"
    assert value not in Path(settings.audit_log).read_text(), "value leaked into the audit log"


def test_env_route(manager: SecretManager, monkeypatch: pytest.MonkeyPatch) -> None:
    value = secrets.token_urlsafe(12)
    monkeypatch.setenv("SECRET_DEV_ENV_TOKEN", value)
    assert manager.get("dev/env/token") == value
    with pytest.raises(SecretNotFoundError, match="SECRET_DEV_ENV_NOPE"):
        manager.get("dev/env/nope")


def test_write_refs_must_be_whole(manager: SecretManager) -> None:
    with pytest.raises(InvalidRefError, match="store the whole secret as 'dev/db'"):
        manager.set("dev/db#password", "x")
    with pytest.raises(InvalidRefError, match="refusing to store an empty value"):
        manager.set("dev/db/password", "")


def test_listeners_see_fetches(manager: SecretManager) -> None:
    seen: list[str] = []
    manager.add_fetch_listener(lambda ref, value: seen.append(str(ref)))
    manager.set("dev/l/x", "value-1")
    assert manager.get("dev/l/x") == "value-1"
    assert seen == ["dev/l/x"]


def test_a_failing_listener_withholds_the_value(manager: SecretManager) -> None:
    # The redaction listener failing must not hand out a value it cannot mask.
    def failing(ref: SecretRef, value: str) -> None:
        raise ZeroDivisionError("division by zero")

    manager.add_fetch_listener(failing)
    manager.set("dev/l/y", "value-2")
    with pytest.raises(SecretError, match="could not register 'dev/l/y' for output redaction"):
        manager.get("dev/l/y")


def test_list_filters_scopes(manager: SecretManager) -> None:
    manager.set("dev/a/x", "v1")
    manager.set("prod/b/y", "v2")
    assert [i.path for i in manager.list()] == ["dev/a/x", "prod/b/y"]
    assert [i.path for i in manager.list("prod")] == ["prod/b/y"]
    with pytest.raises(ScopeDeniedError):
        manager.list("qa")


def test_resolve_config(manager: SecretManager, tmp_path: Path) -> None:
    password = secrets.token_urlsafe(12)
    manager.set("dev/wh/password", password)
    config_file = tmp_path / "pipeline-config.yaml"
    config_file.write_text(
        "warehouse:\n"
        "  user: etl\n"
        "  password: secret://dev/wh/password\n"
        "  url: postgresql://etl:${secret://dev/wh/password}@db/x\n"
        "  port: 5432\n"
        "steps: [extract, load]\n"
    )
    resolved = resolve(str(config_file), fetch=manager.get)
    assert resolved["warehouse"]["password"] == password
    assert resolved["warehouse"]["url"] == f"postgresql://etl:{password}@db/x"
    assert resolved["warehouse"]["port"] == 5432 and resolved["steps"] == ["extract", "load"]
    assert password not in repr(resolved), "resolved config repr shows a value"
    assert password not in config_file.read_text()
    assert resolve({"k": ["secret://dev/wh/password"]}, fetch=manager.get)["k"][0] == password


def test_a_locked_store_is_not_an_empty_one(
    manager: SecretManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """manager.list used to swallow the file store's error and return []."""
    manager.set("dev/a/x", "fake-value-1")
    encrypted_file._KEY_CACHE.clear()
    monkeypatch.delenv("JUPYTER_SECRETS_PASSPHRASE")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # nobody to prompt
    fresh = SecretManager(manager.settings, user="alice")
    listing = fresh.listing()
    assert listing.secrets == []
    assert [(f.backend, type(f.error)) for f in listing.failures] == [("file", BackendLockedError)]
    assert "is locked; set JUPYTER_SECRETS_PASSPHRASE" in listing.failures[0].message
    with pytest.raises(BackendLockedError):
        fresh.list()
    monkeypatch.setenv("SECRET_DEV_ENV_TOKEN", fake_secret(nbytes=8))  # pragma: allowlist secret
    partial = fresh.listing("dev")
    assert [(i.path, i.backend) for i in partial.secrets] == [("dev/env_token", "env")]
    assert [f.backend for f in partial.failures] == ["file"]
    assert [i.path for i in fresh.list("dev")] == ["dev/env_token"]  # partial, as before


def test_listing_reports_a_route_to_a_missing_backend(manager: SecretManager) -> None:
    manager.settings.routes = {**manager.settings.routes, "prod/": "nosuch"}
    listing = SecretManager(manager.settings, user="alice").listing()
    assert [(f.backend, f.error.exit_code) for f in listing.failures] == [("nosuch", 2)]
    assert "unknown backend 'nosuch'" in listing.failures[0].message


def test_resolve_toml_config(manager: SecretManager, tmp_path: Path) -> None:
    """tomllib on 3.11+, tomli on 3.10: the same result."""
    password = secrets.token_urlsafe(12)
    manager.set("dev/wh/password", password)
    config_file = tmp_path / "pipeline.toml"
    config_file.write_text('[warehouse]\npassword = "secret://dev/wh/password"\nport = 5432\n')
    resolved = resolve(str(config_file), fetch=manager.get)
    assert resolved == {"warehouse": {"password": password, "port": 5432}}
    config_file.write_text("[warehouse\n")
    with pytest.raises(SecretError, match=r"cannot parse .*pipeline.toml as toml"):
        resolve(str(config_file), fetch=manager.get)
