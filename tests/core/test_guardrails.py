"""Guardrails: grants by user and group, protected prefixes, and the manager enforcing
them for reads, writes and listings (real encrypted file store, real audit log)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_secrets import identity
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import ConfigError, ScopeDeniedError
from jupyter_secrets.guardrails import Guardrails, parse_grants
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef
from tests.support.fakes import fake_secret

GRANTS = [
    {"group": "*", "read": ["dev/"], "write": ["dev/"]},
    {"group": "analysts", "read": ["stg/"]},
    {"group": "etl", "read": ["prod/", "stg/"]},
    {"user": "alice", "read": ["stg/partner/"], "write": ["stg/partner/"]},
]


def rails() -> Guardrails:
    return Guardrails(tuple(parse_grants(GRANTS)), ("prod/",), "#data-platform")


@pytest.mark.parametrize(
    ("user", "groups", "ref", "action", "allowed"),
    [
        ("alice", ["analysts"], "dev/db/pw", "read", True),
        ("alice", ["analysts"], "stg/db/pw", "read", True),
        ("alice", ["analysts"], "stg/db/pw", "write", False),
        ("alice", ["analysts"], "stg/partner/key", "write", True),
        ("alice", ["analysts"], "prod/db/pw", "read", False),
        ("bob", ["etl"], "prod/db/pw", "read", True),
        ("bob", ["etl"], "prod/db/pw", "write", False),
        ("bob", ["etl"], "stg/partner/key", "read", True),
        ("carol", [], "dev/x/y", "read", True),
        ("carol", [], "stg/x/y", "read", False),
        ("mallory", ["alice"], "stg/partner/key", "read", False),  # a group named like a user
    ],
)
def test_grants(user: str, groups: list[str], ref: str, action: str, allowed: bool) -> None:
    assert (rails().allows(SecretRef(ref), user, groups, action) is not None) is allowed


def test_a_broad_grant_never_opens_a_protected_prefix() -> None:
    broad = Guardrails(tuple(parse_grants([{"group": "*", "read": ["", "p", "prod"]}])), ("prod/",))
    assert broad.allows(SecretRef("prod/db/pw"), "bob", [], "read") is None
    assert broad.allows(SecretRef("production/x"), "bob", [], "read") is not None
    assert broad.allows(SecretRef("dev/x"), "bob", [], "read") is not None


def test_the_denial_names_the_rule_and_who_to_ask() -> None:
    with pytest.raises(ScopeDeniedError) as caught:
        rails().check(SecretRef("prod/db/pw"), "alice", ["analysts"])
    assert str(caught.value) == (
        "alice (groups: analysts) may not read 'prod/db/pw': prod/ is protected and needs a "
        "grant that names it in SecretsConfig.grants; ask #data-platform for access"
    )
    with pytest.raises(
        ScopeDeniedError, match=r"carol \(no groups\) may not write 'stg/x': no grant covers it"
    ):
        rails().check(SecretRef("stg/x"), "carol", [], "write")


@pytest.mark.parametrize(
    ("grants", "message"),
    [
        (["etl"], "must be a mapping"),
        ([{"group": "etl", "user": "bob"}], "exactly one 'user' or 'group'"),
        ([{"team": "etl"}], "unknown key(s) team"),
        ([{"group": "etl", "read": [1]}], "'read' must be a list of ref prefixes"),
    ],
)
def test_bad_grants_are_one_line(grants: list[object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_grants(grants)


_prefix = st.sampled_from(
    ["", "d", "dev/", "stg/", "stg/p", "p", "pr", "prod", "prod/", "prod/db/"]
)
_grant = st.fixed_dictionaries(
    {"group": st.sampled_from(["*", "a", "b"]), "read": st.lists(_prefix, max_size=3),
     "write": st.lists(_prefix, max_size=3)}
)  # fmt: skip
_ref = st.sampled_from(["dev/x", "stg/partner/k", "prod/db/pw", "prod/api/k", "production/x"])


@settings(max_examples=300, deadline=None)
@given(grants=st.lists(_grant, max_size=5), ref=_ref, groups=st.sets(st.sampled_from(["a", "b"])),
       action=st.sampled_from(["read", "write"]))  # fmt: skip
def test_allowed_only_by_a_grant_of_the_user_whose_prefix_covers_the_ref(
    grants: list[dict[str, object]], ref: str, groups: set[str], action: str
) -> None:
    """The rule, restated: some grant of the user (a group of theirs or '*') lists, for
    the action, a prefix of the ref that starts with prod/ when the ref does."""
    granted = rails_of(grants).allows(SecretRef(ref), "u", groups, action) is not None
    expected = any(
        (g["group"] == "*" or g["group"] in groups)
        and any(ref.startswith(p) and (not ref.startswith("prod/") or p.startswith("prod/"))
                for p in g[action])  # type: ignore[attr-defined]
        for g in grants
    )  # fmt: skip
    assert granted is expected


def rails_of(grants: list[dict[str, object]]) -> Guardrails:
    return Guardrails(tuple(parse_grants(grants)), ("prod/",))


@pytest.fixture
def hub_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SecretManager:
    """alice on a hub without a reachable API: her groups come from $JUPYTERHUB_GROUPS."""
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    monkeypatch.delenv("JUPYTERHUB_API_URL", raising=False)
    monkeypatch.setenv("JUPYTERHUB_GROUPS", "analysts")
    monkeypatch.setattr(identity, "_groups_cache", {})
    monkeypatch.setenv("JUPYTER_SECRETS_PASSPHRASE", secrets.token_urlsafe(16))
    settings = SecretsConfig(
        routes={"": "file"},
        backend_options={"file": {"path": str(tmp_path / "s.enc")}},
        audit_log=str(tmp_path / "audit.log"),
        grants=GRANTS,
        access_contact="#data-platform",
    )
    return SecretManager(settings)


def test_the_manager_enforces_reads_writes_and_listings(
    hub_user: SecretManager, tmp_path: Path
) -> None:
    admin = SecretManager(
        SecretsConfig(**{**hub_user.settings.trait_values(), "grants": []}), user="root"
    )
    for ref in ("dev/db/pw", "stg/db/pw", "prod/db/pw"):
        admin.set(ref, fake_secret())
    assert hub_user.get("dev/db/pw")
    assert hub_user.get("stg/db/pw")
    with pytest.raises(
        ScopeDeniedError, match="alice \\(groups: analysts\\) may not read 'prod/db/pw'"
    ):
        hub_user.get("prod/db/pw")
    with pytest.raises(ScopeDeniedError, match="may not write 'stg/db/pw'"):
        hub_user.set("stg/db/pw", fake_secret())
    hub_user.set("dev/db/pw", fake_secret())
    assert [i.path for i in hub_user.list()] == ["dev/db/pw", "stg/db/pw"]
    events = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    denials = [(e["user"], e["action"], e["ref"]) for e in events if e["outcome"] == "denied"]
    assert denials == [("alice", "read", "prod/db/pw"), ("alice", "write", "stg/db/pw")]


def test_no_grants_no_guardrails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_PROD_DB_PW", fake_secret())
    settings = SecretsConfig(routes={"": "env"}, audit_log=str(tmp_path / "a.log"))
    assert SecretManager(settings, user="carol").get("prod/db/pw")
