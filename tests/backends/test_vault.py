"""The Vault KV v2 backend, through hvac, against tests/backends/vault_server.py.

No Vault server can run here, so the test server stands in for it, following Vault's
documented HTTP API; hvac (the real client) talks to it over real HTTP.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_secrets.backends import base
from jupyter_secrets.backends.vault import VaultBackend, parse_time
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import (
    BackendLockedError,
    BackendUnavailableError,
    ConfigError,
    ScopeDeniedError,
    SecretNotFoundError,
)
from jupyter_secrets.manager import SecretManager, extract_field
from jupyter_secrets.refs import SecretRef, parse_ref
from jupyter_secrets.testing import BackendContract
from tests.backends.vault_server import ALL, VaultServer
from tests.support.fakes import fake_secret

VAULT_VARIABLES = ("VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_SECRET_ID")
REF = SecretRef("dev/db/password")
PROD = SecretRef("prod/db/password")


@pytest.fixture(autouse=True)
def vault_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Vault address, token or namespace from outside; ~ is a fresh folder (no
    ~/.vault-token); no credential a kernel took out of the environment."""
    for name in VAULT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(base, "_TAKEN", {})


@pytest.fixture
def mount(vault: VaultServer) -> str:
    return vault.new_mount()


@pytest.fixture
def as_token(vault: VaultServer, mount: str, tmp_path: Path) -> Callable[[str], VaultBackend]:
    """``as_token(token)``: a backend over the fresh mount with ``token`` in a token file
    of its own (VAULT_TOKEN stays unset: it would win over every file)."""

    def make(token: str) -> VaultBackend:
        token_file = tmp_path / f"token-{secrets.token_hex(4)}"
        token_file.write_text(token)
        return VaultBackend(url=vault.url, mount=mount, token_file=str(token_file))

    return make


@pytest.fixture
def root(vault: VaultServer, as_token: Callable[[str], VaultBackend]) -> VaultBackend:
    """A backend over a fresh mount with a root token."""
    return as_token(vault.root_token)


def raw_client(vault: VaultServer, namespace: str | None = None) -> Any:
    """hvac itself, with the root token: writes as other Vault users would."""
    hvac: Any = importlib.import_module("hvac")  # untyped: no stubs in the dev extra
    return hvac.Client(url=vault.url, token=vault.root_token, namespace=namespace)


def raw_read(vault: VaultServer, mount: str, path: str, namespace: str | None = None) -> Any:
    answer = raw_client(vault, namespace).secrets.kv.v2.read_secret_version(
        path=path, mount_point=mount, raise_on_deleted_version=True
    )
    return answer["data"]["data"]


def policy(
    mount: str, folder: str, capabilities: frozenset[str] = ALL
) -> dict[str, frozenset[str]]:
    """Vault policy paths for ``folder`` ('' for all) of ``mount``: data and metadata."""
    return {f"{mount}/data/{folder}*": capabilities, f"{mount}/metadata/{folder}*": capabilities}


class TestVaultContract(BackendContract):
    """VaultBackend over a fresh mount and prefix of the test server, root token."""

    supports_previous = True
    supports_numbered_versions = True
    supports_staging = False  # KV v2 has no version that is not current yet
    allows_empty_values = True  # {"value": ""} is a KV v2 secret like any other

    @pytest.fixture
    def backend(
        self, vault: VaultServer, mount: str, monkeypatch: pytest.MonkeyPatch
    ) -> VaultBackend:
        monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
        return VaultBackend(url=vault.url, mount=mount, prefix=f"t-{secrets.token_hex(4)}")

    @pytest.fixture(params=["nothing-listening", "http-500", "sealed-503"])
    def unavailable_backend(
        self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[VaultBackend]:
        if request.param == "nothing-listening":
            monkeypatch.setenv("VAULT_TOKEN", fake_secret("hvs."))
            yield VaultBackend(url="http://127.0.0.1:9", timeout=5)
            return
        with VaultServer() as failing:
            monkeypatch.setenv("VAULT_TOKEN", failing.root_token)
            failing.fail_with = 500 if request.param == "http-500" else 503
            yield VaultBackend(url=failing.url, mount=failing.new_mount(), timeout=5)


# -- who you are ------------------------------------------------------------


def test_token_from_vault_token_even_after_a_kernel_took_it(
    vault: VaultServer, mount: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "VAULT_TOKEN" in VaultBackend.credential_env_vars
    assert "VAULT_SECRET_ID" in VaultBackend.credential_env_vars
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    backend = VaultBackend(url=vault.url, mount=mount)
    assert "token from $VAULT_TOKEN" in backend.viable().reason
    base.take_credential_env("VAULT_TOKEN")  # what a kernel does at load
    assert "VAULT_TOKEN" not in os.environ
    value = fake_secret()
    assert backend.set(REF, value) == "1"
    assert backend.get(REF).value == value, "value differs"


def test_token_from_the_token_file_and_vault_token_wins(
    vault: VaultServer, mount: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (Path.home() / ".vault-token").write_text(vault.root_token + "\n")  # as vault login does
    backend = VaultBackend(url=vault.url, mount=mount)
    assert "the token file" in backend.viable().reason
    value = fake_secret()
    backend.set(REF, value)
    assert backend.get(REF).value == value, "value differs"
    explicit = tmp_path / "token"
    explicit.write_text(vault.root_token)
    assert (
        VaultBackend(url=vault.url, mount=mount, token_file=str(explicit)).get(REF).value == value
    )
    read_only = vault.add_token(policy(mount, "", frozenset({"read", "list"})))
    monkeypatch.setenv("VAULT_TOKEN", read_only)  # wins over the file: may not write
    with pytest.raises(ScopeDeniedError, match="may not write 'dev/db/password'"):
        backend.set(REF, fake_secret())
    assert backend.get(REF).value == value, "value differs"


def test_approle_login_with_the_secret_id_from_the_environment(
    vault: VaultServer, mount: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    role_id, secret_id = vault.add_approle(policy(mount, ""))
    monkeypatch.setenv("VAULT_SECRET_ID", secret_id)
    backend = VaultBackend(url=vault.url, mount=mount, role_id=role_id)
    assert "AppRole login" in backend.viable().reason
    tokens = len(vault.tokens)
    value = fake_secret()
    backend.set(REF, value)
    assert backend.get(REF).value == value, "value differs"
    assert backend.check().ok
    assert len(vault.tokens) == tokens + 1, "logged in again instead of reusing the token"
    monkeypatch.setenv("VAULT_SECRET_ID", fake_secret())
    with pytest.raises(BackendLockedError, match="refused the AppRole login") as caught:
        backend.get(REF)
    assert secret_id not in str(caught.value)
    with pytest.raises(ConfigError, match="set VAULT_SECRET_ID instead"):
        VaultBackend(url=vault.url, role_id=role_id, secret_id=secret_id)


def test_no_token_anywhere_is_locked(vault: VaultServer, mount: str) -> None:
    backend = VaultBackend(url=vault.url, mount=mount, role_id="some-role")
    requests = vault.requests
    verdict = backend.viable()
    assert not verdict.ok and verdict.locked
    assert "vault login, or set VAULT_TOKEN" in verdict.reason
    with pytest.raises(BackendLockedError, match="log in: vault login, or set VAULT_TOKEN"):
        backend.get(REF)
    assert vault.requests == requests, "asked Vault without a token"
    no_address = VaultBackend(mount=mount)
    assert "set VAULT_ADDR" in no_address.viable().reason
    with pytest.raises(ConfigError, match="credential never goes in the config"):
        VaultBackend(url=vault.url, token=vault.root_token)


def test_module_imports_and_says_so_without_hvac() -> None:
    script = (
        "import sys; sys.modules['hvac'] = None\n"  # import hvac now raises ImportError
        "from jupyter_secrets.backends.vault import VaultBackend\n"
        "from jupyter_secrets.errors import BackendUnavailableError\n"
        "from jupyter_secrets.refs import SecretRef\n"
        "backend = VaultBackend(url='http://127.0.0.1:9')\n"
        "print(backend.viable())\n"
        "try:\n    backend.get(SecretRef('dev/x'))\n"
        "except BackendUnavailableError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ok=False" in done.stdout
    assert (
        "the vault backend needs hvac; install it: pip install 'jupyter-secrets[vault]'"
        in done.stdout
    )


# -- Vault's policies --------------------------------------------------------


def test_read_only_token_may_not_write(
    vault: VaultServer, mount: str, root: VaultBackend, as_token: Callable[[str], VaultBackend]
) -> None:
    value, attempted = fake_secret(), fake_secret()
    root.set(REF, value)
    backend = as_token(vault.add_token(policy(mount, "", frozenset({"read", "list"}))))
    assert backend.get(REF).value == value, "value differs"
    with pytest.raises(ScopeDeniedError) as caught:
        backend.set(REF, attempted)
    message = str(caught.value)
    assert message == (
        f"your Vault token may not write 'dev/db/password' (Vault policy on {mount}/data/dev/"
        "db/password); ask your Vault admin, or log in again if the token expired"
    )
    assert attempted not in message and value not in message
    assert caught.value.__context__ is None, "hvac's exception is chained to it"
    with pytest.raises(ScopeDeniedError, match="may not delete 'dev/db/password'"):
        backend.delete(REF)
    assert backend.get(REF).value == value, "a refused write changed the value"


def test_token_without_prod_is_denied_prod(
    vault: VaultServer, mount: str, root: VaultBackend, as_token: Callable[[str], VaultBackend]
) -> None:
    prod_value, dev_value = fake_secret(), fake_secret()
    root.set(PROD, prod_value)
    root.set(REF, dev_value)
    backend = as_token(vault.add_token(policy(mount, "dev/")))
    assert backend.get(REF).value == dev_value, "value differs"
    with pytest.raises(ScopeDeniedError) as caught:
        backend.get(PROD)
    message = str(caught.value)
    assert "may not read 'prod/db/password'" in message
    assert f"{mount}/data/prod/db/password" in message
    assert prod_value not in message and "\n" not in message
    assert [i.path for i in backend.list("dev")] == ["dev/db/password"]
    with pytest.raises(ScopeDeniedError, match="may not list secrets under"):
        backend.list("prod")
    with pytest.raises(ScopeDeniedError, match="may not write 'prod/db/password'"):
        backend.set(PROD, fake_secret())
    assert root.get(PROD).value == prod_value, "a refused write changed the value"


def test_a_vault_denial_is_audited_as_denied(
    vault: VaultServer, mount: str, root: VaultBackend, tmp_path: Path
) -> None:
    """Vault's policy is the access control: its 403 reaches the audit trail as a denial
    (not as a broken store), with the ref and without the value."""
    prod_value = fake_secret()
    root.set(PROD, prod_value)
    token_file = tmp_path / "dev-token"
    token_file.write_text(vault.add_token(policy(mount, "dev/")))
    settings = SecretsConfig(
        routes={"": "vault"},
        backend_options={
            "vault": {"url": vault.url, "mount": mount, "token_file": str(token_file)}
        },
        audit_log=str(tmp_path / "audit.log"),
    )
    with pytest.raises(ScopeDeniedError, match="may not read 'prod/db/password'"):
        SecretManager(settings, user="alice").get(str(PROD))
    log = (tmp_path / "audit.log").read_text()
    events = [json.loads(line) for line in log.splitlines()]
    assert [(e["ref"], e["outcome"], e["backend"]) for e in events] == [
        ("prod/db/password", "denied", "vault")
    ]
    assert prod_value not in log


def test_check_reports_an_invalid_token(
    vault: VaultServer, mount: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", fake_secret("hvs."))
    verdict = VaultBackend(url=vault.url, mount=mount).check()
    assert not verdict.ok and verdict.locked
    assert "invalid or expired" in verdict.reason
    monkeypatch.setenv("VAULT_TOKEN", vault.add_token(policy(mount, "", frozenset({"read"}))))
    verdict = VaultBackend(url=vault.url, mount=mount).check()
    assert verdict.ok, verdict.reason
    assert "token valid (policies: default, test)" in verdict.reason
    assert "may not list secrets" in verdict.reason


# -- where secrets go ----------------------------------------------------------


def test_mounts_per_scope(vault: VaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    prod_mount, dev_mount, other = vault.new_mount(), vault.new_mount(), vault.new_mount()
    backend = VaultBackend(url=vault.url, mounts={"prod": prod_mount, "dev": dev_mount})
    prod_value, dev_value = fake_secret(), fake_secret()
    assert backend.set(PROD, prod_value) == "1"
    backend.set(REF, dev_value)
    assert raw_read(vault, prod_mount, "db/password") == {"value": prod_value}
    assert raw_read(vault, dev_mount, "db/password") == {"value": dev_value}
    assert backend.get(PROD).value == prod_value, "value differs"
    assert [i.path for i in backend.list()] == ["dev/db/password", "prod/db/password"]
    assert [i.path for i in backend.list("prod")] == ["prod/db/password"]
    assert backend.list("stg") == []
    with pytest.raises(SecretNotFoundError, match="no mount for scope 'stg'"):
        backend.get(SecretRef("stg/db/password"))
    with pytest.raises(ConfigError, match="no mount for scope 'stg'"):
        backend.set(SecretRef("stg/db/password"), fake_secret())
    with_fallback = VaultBackend(url=vault.url, mounts={"prod": prod_mount}, mount=other)
    stg_value = fake_secret()
    with_fallback.set(SecretRef("stg/db/password"), stg_value)
    assert raw_read(vault, other, "stg/db/password") == {"value": stg_value}
    assert with_fallback.get(PROD).value == prod_value, "value differs"
    assert [i.path for i in with_fallback.list()] == ["prod/db/password", "stg/db/password"]


def test_prefix_maps_refs_under_it(
    vault: VaultServer, mount: str, root: VaultBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    backend = VaultBackend(url=vault.url, mount=mount, prefix="/teams/data-science/")
    value, outside = fake_secret(), fake_secret()
    backend.set(REF, value)
    assert raw_read(vault, mount, "teams/data-science/dev/db/password") == {"value": value}
    root.set(SecretRef("dev/other"), outside)  # outside the prefix
    assert [i.path for i in backend.list()] == ["dev/db/password"]
    assert [i.path for i in backend.list("dev")] == ["dev/db/password"]
    with pytest.raises(SecretNotFoundError):
        backend.get(SecretRef("dev/other"))
    assert "prefix teams/data-science/" in backend.viable().reason


def test_namespaces_keep_trees_apart(vault: VaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    name = f"kv-{secrets.token_hex(4)}"
    vault.add_mount(name, namespace="team-a")
    vault.add_mount(name, namespace="team-b")
    team_a = VaultBackend(url=vault.url, mount=name, namespace="team-a")
    monkeypatch.setenv("VAULT_NAMESPACE", "team-b")
    team_b = VaultBackend(url=vault.url, mount=name)
    a_value, b_value = fake_secret(), fake_secret()
    team_a.set(REF, a_value)
    with pytest.raises(SecretNotFoundError):
        team_b.get(REF)
    team_b.set(REF, b_value)
    assert team_a.get(REF).value == a_value, "namespace team-b overwrote team-a"
    assert team_b.get(REF).value == b_value, "value differs"
    assert raw_read(vault, name, "dev/db/password", namespace="team-a") == {"value": a_value}
    assert "namespace team-b" in team_b.viable().reason
    monkeypatch.delenv("VAULT_NAMESPACE")
    with pytest.raises(BackendUnavailableError, match="has no secrets engine at that mount"):
        VaultBackend(url=vault.url, mount=name).get(REF)  # not in the root namespace


# -- values and versions -------------------------------------------------------


def test_a_secret_of_several_keys_reads_with_field(
    vault: VaultServer,
    mount: str,
    root: VaultBackend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", vault.root_token)
    password = fake_secret()
    raw_client(vault).secrets.kv.v2.create_or_update_secret(
        path="dev/db", secret={"username": "app", "password": password}, mount_point=mount
    )
    record = root.get(SecretRef("dev/db"))
    assert extract_field(record.value, parse_ref("dev/db#password")) == password, "field differs"
    settings = SecretsConfig(
        routes={"": "vault"},
        backend_options={"vault": {"url": vault.url, "mount": mount}},
        audit_log=str(tmp_path / "audit.log"),
    )
    manager = SecretManager(settings, user="alice")
    assert str(manager.get("dev/db#password")) == password, "field differs through the manager"
    assert str(manager.get("dev/db#username")) == "app"
    with pytest.raises(SecretNotFoundError, match="its fields are: password, username"):
        manager.get("dev/db#token")


def test_previous_skips_a_deleted_version(
    vault: VaultServer, mount: str, root: VaultBackend
) -> None:
    values = [fake_secret(), fake_secret(), fake_secret()]
    assert [root.set(REF, v) for v in values] == ["1", "2", "3"]
    raw_client(vault).secrets.kv.v2.delete_secret_versions(
        path="dev/db/password", versions=[2], mount_point=mount
    )
    previous = root.get(SecretRef(REF.path, version="previous"))
    assert previous.value == values[0], "@previous is not version 1"
    assert previous.version == "1"
    with pytest.raises(SecretNotFoundError, match="version 2 was deleted in Vault; undelete"):
        root.get(SecretRef(REF.path, version="2"))
    raw_client(vault).secrets.kv.v2.delete_secret_versions(
        path="dev/db/password", versions=[1], mount_point=mount
    )
    with pytest.raises(SecretNotFoundError, match="no earlier version"):
        root.get(SecretRef(REF.path, version="previous"))
    current = root.get(REF)
    assert current.value == values[2] and current.version == "3", "current version differs"
    assert current.created is not None
    assert abs(current.created - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_list_reads_metadata_and_the_owner(
    vault: VaultServer, mount: str, root: VaultBackend
) -> None:
    root.set(REF, fake_secret())
    root.set(REF, fake_secret())
    root.set(PROD, fake_secret())
    raw_client(vault).secrets.kv.v2.update_metadata(
        path="dev/db/password", custom_metadata={"owner": "alice", "team": "ds"}, mount_point=mount
    )
    raw_client(vault).secrets.kv.v2.create_or_update_secret(
        path="not a ref/x", secret={"value": fake_secret()}, mount_point=mount
    )
    infos = {i.path: i for i in root.list()}
    assert sorted(infos) == ["dev/db/password", "prod/db/password"]
    dev = infos["dev/db/password"]
    assert (dev.backend, dev.version) == ("vault", "2")
    assert dev.extra == {
        "custom_metadata": {"owner": "alice", "team": "ds"},
        "owner": "alice",
        "versions": 2,
    }
    assert infos["prod/db/password"].extra["owner"] is None
    assert dev.updated is not None and dev.updated.tzinfo is not None


def test_debug_logs_name_paths_never_values_or_tokens(
    vault: VaultServer, root: VaultBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    value = fake_secret()
    root.set(REF, value)
    assert root.get(REF).value == value, "value differs"
    root.list()
    texts = [record.getMessage() for record in caplog.records]
    assert any("/data/dev/db/password" in text for text in texts), "urllib3 logged no request"
    leaks = [text for text in texts if value in text or vault.root_token in text]
    assert leaks == [], "a value or the token is in a log record"


def test_parse_time_reads_vault_times() -> None:
    parsed = parse_time("2018-03-22T02:24:06.945319214Z")
    assert parsed == datetime(2018, 3, 22, 2, 24, 6, 945319, tzinfo=timezone.utc)
    assert parse_time("2018-03-22T02:24:06+02:00") == datetime(
        2018, 3, 22, 0, 24, 6, tzinfo=timezone.utc
    )
    assert parse_time("") is None and parse_time(None) is None


# -- a store that cannot serve -------------------------------------------------


def test_a_hung_server_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with VaultServer() as hung:
        hung.fail_with = "hang"  # reads the request, never answers
        monkeypatch.setenv("VAULT_TOKEN", hung.root_token)
        backend = VaultBackend(url=hung.url, mount=hung.new_mount(), timeout=0.5)
        outcome: list[BaseException] = []
        started = time.monotonic()

        def call() -> None:
            try:
                backend.get(REF)
            except BaseException as exc:
                outcome.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        caller.join(timeout=10)  # waits on the call itself: its own timeout ends it
        elapsed = time.monotonic() - started
        assert not caller.is_alive(), "the call did not time out"
        assert len(outcome) == 1 and isinstance(outcome[0], BackendUnavailableError)
        assert "did not answer within 0.5 s" in str(outcome[0])
        assert 0.4 <= elapsed < 5, f"the call took {elapsed:.1f} s, timeout 0.5 s"
        assert hung.requests == 1
