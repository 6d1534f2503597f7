"""The admin policy file: who may write it, and how each setting a user changes can only
tighten it (the kernel and the CLI read it through ``default_settings``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from traitlets.config import Config

from jupyter_secrets.admin_policy import (
    ENV_ADMIN_POLICY,
    AdminPolicy,
    apply_to_secrets,
    load_admin_policy,
    secrets_sources,
)
from jupyter_secrets.backends.router import Router
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import ConfigError
from jupyter_secrets.refs import SecretRef
from tests.support.fakes import fake_secret
from tests.support.jupyter_env import isolated_env

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="trusted files are root's: run as root")


def policy_file(directory: Path, document: object, mode: int = 0o644) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    path = directory / "jupyter_secrets_policy.json"
    path.write_text(json.dumps(document))
    path.chmod(mode)
    return path


def user_settings(**values: object) -> SecretsConfig:
    return SecretsConfig(config=Config({"SecretsConfig": values}))


ADMIN = {
    "SecretsConfig": {
        "allowed_scopes": ["dev", "stg", "prod"],
        "grants": [{"group": "etl", "read": ["prod/"]}],
        "routes": {"prod/": "vault"},
        "audit_enabled": True,
        "cache_ttl": 60,
        "redact_substring_length": 8,
        "access_contact": "#data-platform",
    }
}


def test_every_weakening_is_ignored_and_named(tmp_path: Path) -> None:
    policy = load_admin_policy([policy_file(tmp_path / "etc", ADMIN)])
    mine = user_settings(
        allowed_scopes=["dev", "sandbox"],
        grants=[{"user": "alice", "read": ["prod/"]}],
        routes={"prod/db/": "env", "dev/": "file"},
        audit_enabled=False,
        cache_ttl=3600,
        redact_substring_length=0,
    )
    notes = apply_to_secrets(mine, policy)
    assert mine.allowed_scopes == ["dev"]
    assert mine.grants == ADMIN["SecretsConfig"]["grants"]
    assert mine.routes == {"dev/": "file", "prod/": "vault"}
    assert mine.audit_enabled is True and mine.cache_ttl == 60 and mine.redact_substring_length == 8
    assert mine.access_contact == "#data-platform"
    named = [line.split(":", 1)[0] for line in notes]
    assert named == [f"SecretsConfig.{n}" for n in
                     ("allowed_scopes", "grants", "routes", "audit_enabled", "cache_ttl", "redact_substring_length")]  # fmt: skip
    assert all(
        line.endswith(f"the admin policy ({tmp_path / 'etc' / 'jupyter_secrets_policy.json'}) wins")
        for line in notes
    )
    sources = secrets_sources(mine, policy)
    assert (
        sources["grants"].startswith("admin policy") and sources["redact_min_length"] == "default"
    )


def test_tightening_is_kept(tmp_path: Path) -> None:
    policy = load_admin_policy([policy_file(tmp_path / "etc", ADMIN)])
    mine = user_settings(allowed_scopes=["dev"], cache_ttl=10, redact_substring_length=6)
    assert apply_to_secrets(mine, policy) == []
    assert (
        mine.allowed_scopes == ["dev"]
        and mine.cache_ttl == 10
        and mine.redact_substring_length == 6
    )


def test_a_pinned_route_beats_the_backend_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_admin_policy([policy_file(tmp_path / "etc", ADMIN)])
    mine = user_settings()
    apply_to_secrets(mine, policy)
    monkeypatch.setenv("JUPYTER_SECRETS_BACKEND", "env")
    router = Router(mine)
    assert router._route(SecretRef("prod/db/pw")) == ("vault", "the admin policy's route 'prod/'")
    assert router._route(SecretRef("dev/db/pw"))[0] == "env"


@pytest.mark.parametrize(
    ("mode", "owner", "reason"),
    [(0o666, 0, "the file {path} is writable by others than root"),
     (0o644, 65534, "the file {path} is not owned by root")],
)  # fmt: skip
def test_untrusted_files_are_ignored(tmp_path: Path, mode: int, owner: int, reason: str) -> None:
    path = policy_file(tmp_path / "etc", ADMIN, mode)
    os.chown(path, owner, 0)
    policy = load_admin_policy([path])
    assert not policy and policy.ignored_files == [f"{path}: {reason.format(path=path)}"]


def test_a_directory_others_can_write_makes_the_file_untrusted(tmp_path: Path) -> None:
    path = policy_file(tmp_path / "etc", ADMIN)
    path.parent.chmod(0o777)
    assert load_admin_policy([path]).ignored_files[0].endswith("is writable by others than root")


@pytest.mark.parametrize("content", ["{not json", "[]", '{"Secrets": {}}', '{"SecretsConfig": []}'])
def test_a_broken_trusted_file_fails_closed(tmp_path: Path, content: str) -> None:
    path = policy_file(tmp_path / "etc", {})
    path.write_text(content)
    with pytest.raises(ConfigError, match="admin policy"):
        load_admin_policy([path])


def test_two_admin_files_combine_tighter(tmp_path: Path) -> None:
    first = policy_file(
        tmp_path / "a", {"SecretsConfig": {"allowed_scopes": ["dev", "stg"], "cache_ttl": 30}}
    )
    second = policy_file(
        tmp_path / "b", {"SecretsConfig": {"allowed_scopes": ["stg", "prod"], "cache_ttl": 90}}
    )
    policy = load_admin_policy([first, second])
    assert policy.secrets == {"allowed_scopes": ["stg"], "cache_ttl": 30}


def test_a_later_admin_file_cannot_loosen_an_earlier_one(tmp_path: Path) -> None:
    """Two admin files meet by the rules a user's setting meets: a later file's 0 (no
    substring matching) does not turn the first file's off, its sinks are added, and its
    route under the first file's prefix is dropped."""
    first = policy_file(
        tmp_path / "a",
        {
            "SecretsConfig": {
                "redact_substring_length": 8,
                "audit_sinks": ["file"],
                "routes": {"prod/": "vault"},
            }
        },
    )
    second = policy_file(
        tmp_path / "b",
        {
            "SecretsConfig": {
                "redact_substring_length": 0,
                "audit_sinks": ["hub"],
                "routes": {"prod/db/": "env", "dev/": "file"},
            }
        },
    )
    policy = load_admin_policy([first, second])
    assert policy.secrets == {
        "redact_substring_length": 8,
        "audit_sinks": ["file", "hub"],
        "routes": {"dev/": "file", "prod/": "vault"},
    }  # fmt: skip


def test_the_cli_reads_it_and_the_users_env_cannot_widen(tmp_path: Path) -> None:
    """A user's own JUPYTER_SECRETS_CONFIG granting prod/ does not open it."""
    admin = policy_file(
        tmp_path / "etc", {"SecretsConfig": {"grants": [{"group": "*", "read": ["dev/"]}]}}
    )
    mine = tmp_path / "mine.json"
    mine.write_text(
        json.dumps({"SecretsConfig": {"grants": [{"user": "alice", "read": ["prod/"]}]}})
    )
    env = isolated_env(tmp_path / "home", {ENV_ADMIN_POLICY: str(admin), "JUPYTER_SECRETS_CONFIG": str(mine),
                       "JUPYTERHUB_USER": "alice", "JUPYTER_SECRETS_BACKEND": "env",
                       "SECRET_PROD_DB_PW": fake_secret()})  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "jupyter_secrets", "get", "prod/db/pw"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 3
    assert "alice (no groups) may not read 'prod/db/pw'" in result.stderr
    assert "ignored: SecretsConfig.grants: it is set by the admin" in result.stderr


_scopes = st.lists(st.sampled_from(["dev", "stg", "prod", "sandbox"]), unique=True)


@settings(max_examples=200, deadline=None)
@given(admin_scopes=_scopes, user_scopes=_scopes, admin_ttl=st.floats(0, 1000), user_ttl=st.floats(0, 1000),
       admin_audit=st.booleans(), user_audit=st.booleans())  # fmt: skip
def test_a_user_setting_never_loosens_the_admins(
    admin_scopes: list[str], user_scopes: list[str], admin_ttl: float, user_ttl: float,
    admin_audit: bool, user_audit: bool,
) -> None:  # fmt: skip
    admin = AdminPolicy(
        secrets={"allowed_scopes": admin_scopes, "cache_ttl": admin_ttl, "audit_enabled": admin_audit},
        sources={f"SecretsConfig.{n}": "/etc/x" for n in ("allowed_scopes", "cache_ttl", "audit_enabled")},
        files=["/etc/x"],
    )  # fmt: skip
    mine = user_settings(allowed_scopes=user_scopes, cache_ttl=user_ttl, audit_enabled=user_audit)
    apply_to_secrets(mine, admin)
    assert set(mine.allowed_scopes) <= set(admin_scopes) & set(user_scopes)
    assert mine.cache_ttl <= admin_ttl and mine.cache_ttl <= user_ttl
    assert mine.audit_enabled >= admin_audit
