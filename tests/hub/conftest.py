"""A real JupyterHub with two users, alice and bob, each with a running single-user server
that has jupyter-secrets enabled (by the installed jupyter_server_config.d file).

Both servers share one audit log file (set through JUPYTER_SECRETS_CONFIG), as an admin's
central log would be: isolation then rests on the API's per-user filter, not on separate files.
"""

from __future__ import annotations

import json
import random
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.netutil import free_port
from tests.support import notebooks as nbf
from tests.support.fakes import fake_aws_key
from tests.support.strict import skip_or_fail

from .hub_process import (
    Hub,
    HubUnavailable,
    audit_service_url,
    login_token,
    spawn_all,
    start_hub,
)
from .kernel_ws import Execution, execute

USERS = ["alice", "bob"]
GROUPS = {"analysts": ["alice"], "etl": ["bob"]}
#: The admin's grants: everyone reads and writes dev/, analysts also read stg/, etl
#: reads prod/ and stg/ (prod/ is protected: only a grant naming it opens it).
GUARDRAILS = {
    "grants": [
        {"group": "*", "read": ["dev/"], "write": ["dev/"]},
        {"group": "analysts", "read": ["stg/"]},
        {"group": "etl", "read": ["prod/", "stg/"]},
    ],
    "access_contact": "#data-platform",
}


@dataclass(frozen=True)
class HubSecrets:
    """Fake values generated for this run; served to kernels by the env backend."""

    token: str
    password: str
    prod_password: str

    def values(self) -> dict[str, str]:
        return {
            "dev/hub/token": self.token,
            "dev/hub/pw": self.password,
            "prod/warehouse": self.prod_password,
        }


@dataclass
class Fetch:
    """A cell run in a user's kernel that fetched secrets."""

    user: str
    kernel_id: str
    notebook: str
    execution: Execution


def short_password() -> str:
    # Letters then digits, 10 characters: no detector flags it on its own.
    rng = random.SystemRandom()
    return "".join(rng.choices(string.ascii_letters, k=6) + rng.choices(string.digits, k=4))


@pytest.fixture(scope="session")
def hub_secrets() -> HubSecrets:
    token = "hubtok-" + secrets.token_hex(16)  # pragma: allowlist secret
    return HubSecrets(token=token, password=short_password(), prod_password=short_password())


@pytest.fixture(scope="session")
def fake_key() -> str:
    """A fresh fake AWS access key id: every detector flags it."""
    return fake_aws_key()  # pragma: allowlist secret


def code_notebook(source: str) -> dict[str, Any]:
    nb = nbf.new_notebook()
    nb.cells = [nbf.new_code_cell(source)]
    return {"type": "notebook", "format": "json", "content": nb}


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, hub_secrets: HubSecrets) -> Iterator[Hub]:
    base = tmp_path_factory.mktemp("hub")
    audit_config = base / "jupyter_secrets_config.json"
    audit_port = free_port()
    audit_config.write_text(
        json.dumps({"SecretsConfig": {"audit_log": str(base / "audit" / "audit.log")}})
    )
    # The grants are the admin's: a root-owned policy file users cannot weaken.
    admin_policy = base / "etc" / "jupyter_secrets_policy.json"
    admin_policy.parent.mkdir(mode=0o755)
    central = {
        "audit_sinks": ["file", "hub"],
        "audit_service_url": audit_service_url(audit_port),
        "audit_fail_closed_prefixes": ["prod/"],
    }
    admin_policy.write_text(json.dumps({"SecretsConfig": {**GUARDRAILS, **central}}))
    admin_policy.chmod(0o644)
    spawner_env = {
        "JUPYTER_SECRETS_BACKEND": "env",
        "JUPYTER_SECRETS_CONFIG": str(audit_config),
        "JUPYTER_SECRETS_ADMIN_POLICY": str(admin_policy),
        "SECRET_DEV_HUB_TOKEN": hub_secrets.token,
        "SECRET_DEV_HUB_PW": hub_secrets.password,
        "SECRET_PROD_WAREHOUSE": hub_secrets.prod_password,
    }
    password = secrets.token_urlsafe(12)
    try:
        running = start_hub(base, spawner_env, password, audit_port)
    except HubUnavailable as exc:
        skip_or_fail(str(exc))
    try:
        created = running.admin("POST", "users", {"usernames": USERS})
        assert created.status_code == 201, f"creating users: HTTP {created.status_code}"
        for name in USERS:
            running.tokens[name] = login_token(running, name)
        for group, members in GROUPS.items():
            made = running.admin("POST", f"groups/{group}", {"users": members})
            assert made.status_code == 201, f"creating group {group}: HTTP {made.status_code}"
        spawn_all(running, USERS)
        yield running
    finally:
        running.stop()


def start_session(hub: Hub, user: str, notebook: str) -> str:
    """A kernel for ``notebook`` in ``user``'s server (REST sessions API); its id."""
    reply = hub.request(
        "POST",
        f"user/{user}/api/sessions",
        hub.tokens[user],
        {"path": notebook, "name": notebook, "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert reply.status_code == 201, f"session for {user}: HTTP {reply.status_code}"
    kernel_id: str = reply.json()["kernel"]["id"]
    return kernel_id


def run_cell(hub: Hub, user: str, kernel_id: str, code: str) -> Execution:
    ws_url = hub.url.replace("http://", "ws://") + f"/user/{user}/api/kernels/{kernel_id}/channels"
    return execute(ws_url, hub.tokens[user], code)


FETCH_CELL = (
    "{names}\n"
    "print({printed})\n"
    # Registration with the server runs in the background; wait for it before saving.
    "from jupyter_secrets.kernel_link import flush; flush()\n"
)


def fetch_in_kernel(hub: Hub, user: str, refs: dict[str, str]) -> Fetch:
    """Start a kernel for ``user`` and fetch ``refs`` (variable -> ref) with ``%secret``."""
    notebook = f"{user}-fetch.ipynb"
    kernel_id = start_session(hub, user, notebook)
    lines = [f"{name} = %secret {ref}" for name, ref in refs.items()]
    code = FETCH_CELL.format(names="\n".join(lines), printed=", ".join(refs))
    return Fetch(user, kernel_id, notebook, run_cell(hub, user, kernel_id, code))


@pytest.fixture(scope="session")
def alice_fetch(hub: Hub) -> Fetch:
    return fetch_in_kernel(hub, "alice", {"tok": "dev/hub/token", "pw": "dev/hub/pw"})


@pytest.fixture(scope="session")
def bob_fetch(hub: Hub) -> Fetch:
    # Bob fetches the token only: his server must not learn alice's password from her fetch.
    return fetch_in_kernel(hub, "bob", {"tok": "dev/hub/token"})


def audit_file(hub: Hub) -> Path:
    return hub.base / "audit" / "audit.log"


SHARED_NOTEBOOK = "shared.ipynb"


@dataclass
class SharedSave:
    """Bob's refused save on alice's server (shared with him), and his view of her audit."""

    reply: requests.Response
    bobs_view: list[dict[str, Any]]


@pytest.fixture(scope="session")
def bob_saves_on_alices_server(hub: Hub, fake_key: str) -> SharedSave:
    """Alice shares her server with bob; bob saves a leaking notebook there."""
    share = hub.request("POST", "hub/api/shares/alice/", hub.tokens["alice"], {"user": "bob"})
    assert share.status_code in (200, 201), f"sharing alice's server: HTTP {share.status_code}"
    try:
        # A fresh token: alice's server caches what bob's old one was allowed (nothing).
        token = login_token(hub, "bob")
        model = code_notebook(f'client = connect(key_id="{fake_key}")')
        reply = hub.request("PUT", f"user/alice/api/contents/{SHARED_NOTEBOOK}", token, model)
        assert reply.status_code == 422, f"bob's save on alice's shared server: {reply.status_code}"
        audit = hub.request("GET", "user/alice/jupyter-secrets/audit", token)
        assert audit.status_code == 200, (
            f"bob's audit on alice's shared server: {audit.status_code}"
        )
        assert audit.json()["user"] == "bob"
        return SharedSave(reply, audit.json()["events"])
    finally:
        revoked = hub.request("DELETE", "hub/api/shares/alice/", hub.tokens["alice"])
        assert revoked.status_code in (200, 204), f"revoking the share: {revoked.status_code}"
